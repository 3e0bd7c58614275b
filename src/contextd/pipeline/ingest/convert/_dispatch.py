"""Which converter reads which format: one entry per input kind.

Each converter's module is imported on first use: the PDF, DOCX and HTML readers bring large
libraries (pypdfium2, mammoth, readability, BeautifulSoup) that a server starting up, or a
process that only ever sees chats, need not pay for."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import cast

from contextd.pipeline.ingest.convert._detect import detect_format
from contextd.pipeline.types import Document, Fetched

Converter = Callable[[Fetched], Document]

# format -> (module in this package, function)
_CONVERTERS: dict[str, tuple[str, str]] = {
    "pdf": ("_pdf", "convert_pdf"),
    "docx": ("_docx", "convert_docx"),
    "html": ("_html", "convert_html"),
    "json": ("_text", "convert_json"),
    "markdown": ("_text", "convert_markdown"),
    "text": ("_text", "convert_text"),
}


def converter(kind: str) -> Converter:
    module, name = _CONVERTERS[kind]
    package = __name__.rsplit(".", 1)[0]
    return cast(Converter, getattr(importlib.import_module(f"{package}.{module}"), name))


def convert(fetched: Fetched) -> Document:
    """Convert a source's bytes to a Document, or raise UnsupportedFormat saying why not.

    `Document.format` is one of "pdf", "docx", "html", "json", "markdown", "text", or, for chat
    exports in JSON, "chatgpt", "claude" or "messages".
    """
    return converter(detect_format(fetched))(fetched)
