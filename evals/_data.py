"""Writing a built evaluation data set, or checking it against the files already committed.

The `build_*.py` scripts rebuild a data set from its source; with `--check` they must say,
file by file, whether the committed copy is what the rules give today, and exit 1 if any
differs. One loop serves them, so that every data set is rendered and compared the same way
(UTF-8 JSON, one-space indent, a final newline).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from pathlib import Path


def write_or_check(
    folder: Path,
    files: Mapping[str, object],
    *,
    check: bool,
    described: Callable[[object], str],
) -> int:
    """Write each of `files` (name -> JSON data) into `folder`, printing `described(data)`
    beside its name; with `check`, write nothing and print whether each file is the same.
    Returns the exit status: 1 when a checked file is missing or differs, else 0."""
    folder.mkdir(parents=True, exist_ok=True)
    differ = 0
    for name, data in files.items():
        target = folder / name
        rendered = json.dumps(data, ensure_ascii=False, indent=1) + "\n"
        if check:
            same = target.exists() and target.read_text() == rendered
            differ += not same
            print(f"{name}: {'same' if same else 'DIFFERS'}")
        else:
            target.write_text(rendered)
            print(f"{name}: {described(data)}")
    return 1 if differ else 0
