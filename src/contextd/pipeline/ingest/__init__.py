"""The ingest stage: a source's bytes fetched, converted to text, and cut into turns.

`fetch` and `netpolicy` bring bytes in (and postbacks out) without reaching private networks;
`convert` turns bytes into normalized text, one module per input kind; `conversations` finds
the turns (chat exports read from their structure, plain transcripts from "Speaker:" lines);
`ingest` ties them together.

`ingest` and `convert` load the document converters (BeautifulSoup, readability, mammoth,
pdfium: about a second of imports), so they are loaded on first use only: the CLI reads chat
exports with `conversations` and stays quick to start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from contextd.pipeline.ingest import conversations
from contextd.pipeline.ingest.fetch import fetch_url, post_json
from contextd.pipeline.ingest.netpolicy import (
    NetPolicy,
    check_url,
    is_public_address,
    resolve_checked,
)

if TYPE_CHECKING:
    from contextd.pipeline.ingest import convert
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
    "resolve_checked",
]


def __getattr__(name: str) -> object:
    if name == "ingest":
        return importlib.import_module("contextd.pipeline.ingest.stage").ingest
    if name == "convert":
        return importlib.import_module("contextd.pipeline.ingest.convert")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
