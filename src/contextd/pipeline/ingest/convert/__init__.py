"""Turn the bytes of a source into normalized text: Markdown where the source has structure.

Everything downstream (turn parsing, artifact extraction, snapshots, search) reads only this
text, so two things matter more than pretty output:

* Code survives byte for byte. Pages and documents are mostly uploaded for the code in them, and
  a changed indent breaks Python. For HTML, trafilatura finds the main content and our own
  writer (`_extracted`) makes its Markdown, restoring each code block from the page's `<pre>`;
  fences keep their language label. A page's links are kept apart, in `Document.meta["links"]`.
* A source we cannot read fails with a message a user understands ("unsupported file format:
  image/png", "the PDF is password-protected"), never with a traceback.

The format is decided from the bytes first (magic numbers cannot lie about PDF, ZIP or PNG), then
from the declared media type and file name, then by sniffing the text (`<!doctype html`, JSON):
`_detect`. Each input kind has its module (`_decode` for text encodings, `_html`, `_pdf`,
`_docx`, `_text` for JSON, Markdown and plain text); a new kind is one module and one entry in
`_dispatch._CONVERTERS`. Nothing here touches the network.
"""

import typing

from contextd.pipeline.ingest.convert._decode import decode_text
from contextd.pipeline.ingest.convert._detect import detect_format
from contextd.pipeline.ingest.convert._dispatch import convert
from contextd.pipeline.ingest.convert._text import json_document, load_json

if typing.TYPE_CHECKING:
    from contextd.pipeline.ingest.convert._html import html_to_document


def __getattr__(name: str) -> object:
    """`html_to_document` on first use: the HTML reader's libraries load only when needed."""
    if name == "html_to_document":
        from contextd.pipeline.ingest.convert._html import html_to_document

        return html_to_document
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "convert",
    "decode_text",
    "detect_format",
    "html_to_document",
    "json_document",
    "load_json",
]
