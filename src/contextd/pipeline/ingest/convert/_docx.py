"""Word documents (.docx) to Markdown through mammoth, titled from their metadata."""

from __future__ import annotations

import io
import zipfile
from xml.etree import ElementTree

import mammoth

from contextd.pipeline.ingest.convert._markdown import to_markdown
from contextd.pipeline.ingest.convert._text import first_heading
from contextd.pipeline.types import Document, Fetched, UnsupportedFormat

# Word has no code element; code lives in paragraph styles with these names (pandoc writes
# "Source Code" and "Verbatim Char"). Consecutive paragraphs of one style merge into one block.
_DOCX_STYLE_MAP = "\n".join(
    [
        *(
            f"p[style-name='{name}'] => pre:separator('\\n')"
            for name in ("Code", "Code Block", "Source Code", "HTML Preformatted", "Plain Text")
        ),
        *(
            f"r[style-name='{name}'] => code"
            for name in ("Code Char", "Verbatim Char", "HTML Code", "Source Code Char")
        ),
    ]
)
_DC_TITLE = "{http://purl.org/dc/elements/1.1/}title"


def _docx_title(content: bytes) -> str | None:
    """The title set in the document's properties (docProps/core.xml), if any."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            core = archive.read("docProps/core.xml")
        title = ElementTree.fromstring(core).findtext(_DC_TITLE)
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, OSError):
        return None
    return " ".join((title or "").split()) or None


def convert_docx(fetched: Fetched) -> Document:
    try:
        result = mammoth.convert_to_html(
            io.BytesIO(fetched.content),
            style_map=_DOCX_STYLE_MAP,
            ignore_empty_paragraphs=False,  # blank lines inside code blocks
        )
    except Exception:  # mammoth raises KeyError, XML and ZIP errors alike on damaged files
        raise UnsupportedFormat("the Word document is damaged and cannot be read") from None
    html = str(result.value)
    text = to_markdown(html) if html.strip() else ""
    if not text.strip():
        raise UnsupportedFormat("the Word document contains no text")
    title = _docx_title(fetched.content) or first_heading(text)
    return Document(text=text, format="docx", title=title)
