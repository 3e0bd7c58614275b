"""The ingest stage: a source's bytes fetched, converted to text, and cut into turns.

`fetch` and `netpolicy` bring bytes in (and postbacks out) without reaching private networks;
`convert` turns bytes into normalized text, one module per input kind; `conversations` finds
the turns (chat exports read from their structure, plain transcripts from "Speaker:" lines);
`ingest` ties them together.

Only `conversations` is loaded with the package; the rest is loaded on first use (PEP 562
`__getattr__`), because `convert` brings the document converters (BeautifulSoup, trafilatura,
mammoth, pdfium: about a second of imports) and the CLI, which reads chat exports with
`conversations`, must stay quick to start.
"""

from __future__ import annotations

import importlib
import typing

from contextd.pipeline.ingest import conversations

if typing.TYPE_CHECKING:
    from contextd.pipeline.ingest import convert, sessions
    from contextd.pipeline.ingest.fetch import fetch_url, post_json
    from contextd.pipeline.ingest.netpolicy import (
        NetPolicy,
        check_url,
        is_public_address,
        resolve_checked,
    )
    from contextd.pipeline.ingest.sessions import read_session
    from contextd.pipeline.ingest.stage import ingest

__all__ = [
    "NetPolicy",
    "check_url",
    "conversations",
    "convert",
    "fetch_url",
    "ingest",
    "is_public_address",
    "post_json",
    "read_session",
    "resolve_checked",
    "sessions",
]

# Where each lazily loaded name lives ("" for a submodule exported as a whole).
_LAZY = {
    "NetPolicy": "netpolicy",
    "check_url": "netpolicy",
    "is_public_address": "netpolicy",
    "resolve_checked": "netpolicy",
    "fetch_url": "fetch",
    "post_json": "fetch",
    "ingest": "stage",
    "read_session": "sessions",
    "convert": "",
    "sessions": "",
}


def __getattr__(name: str) -> object:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    if not _LAZY[name]:
        return importlib.import_module(f"{__name__}.{name}")
    return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
