"""contextd: a self-hosted context server compatible with the Ctxfy API.

As a library, `contextd.extract(...)` runs the pipeline on a file, a URL or bytes without a
server; `contextd.extraction` holds it with its result types (import from there for precise
types). It is loaded on first use (PEP 562 `__getattr__`) and by name, not by an import
statement: the SDK (`contextd.client`) imports this package for `__version__` and must not
load, or be seen by the import contracts to depend on, the pipeline.
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

__all__ = ["ExtractError", "Extraction", "Extractor", "__version__", "extract"]

_LAZY = frozenset({"ExtractError", "Extraction", "Extractor", "extract"})


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module("contextd.extraction"), name)
