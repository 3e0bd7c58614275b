"""Which converter reads which format: one entry per input kind."""

from __future__ import annotations

from collections.abc import Callable

from contextd.pipeline.ingest.convert._detect import detect_format
from contextd.pipeline.ingest.convert._docx import convert_docx
from contextd.pipeline.ingest.convert._html import convert_html
from contextd.pipeline.ingest.convert._pdf import convert_pdf
from contextd.pipeline.ingest.convert._text import (
    convert_json,
    convert_markdown,
    convert_text,
)
from contextd.pipeline.types import Document, Fetched

_CONVERTERS: dict[str, Callable[[Fetched], Document]] = {
    "pdf": convert_pdf,
    "docx": convert_docx,
    "html": convert_html,
    "json": convert_json,
    "markdown": convert_markdown,
    "text": convert_text,
}


def convert(fetched: Fetched) -> Document:
    """Convert a source's bytes to a Document, or raise UnsupportedFormat saying why not.

    `Document.format` is one of "pdf", "docx", "html", "json", "markdown", "text", or, for chat
    exports in JSON, "chatgpt", "claude" or "messages".
    """
    return _CONVERTERS[detect_format(fetched)](fetched)
