"""PDF to text, page by page, with a clear error for a password-protected or image-only file."""

from __future__ import annotations

import threading
import unicodedata
from typing import Any

import pypdfium2

from contextd.pipeline.types import Document, Fetched, UnsupportedFormat

# PDFium is not thread-safe; jobs may run in threads.
_pdfium_lock = threading.Lock()


def _clean_pdf_text(text: str) -> str:
    """PDFium writes CRLF, NULs and non-characters; keep only readable text."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs", "Cn")
    )
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def convert_pdf(fetched: Fetched) -> Document:
    with _pdfium_lock:
        try:
            pdf = pypdfium2.PdfDocument(fetched.content)
        except pypdfium2.PdfiumError as exc:
            if "password" in str(exc).lower():
                raise UnsupportedFormat(
                    "the PDF is password-protected; upload a copy without a password"
                ) from None
            raise UnsupportedFormat("the PDF is damaged and cannot be read") from None
        try:
            pages = [_pdf_page_text(pdf, number) for number in range(len(pdf))]
            title = (pdf.get_metadata_value("Title") or "").strip() or None
        except pypdfium2.PdfiumError:
            raise UnsupportedFormat("the PDF is damaged and cannot be read") from None
        finally:
            pdf.close()
    text = "\n\n".join(page for page in pages if page.strip())
    if not text.strip():
        raise UnsupportedFormat(
            "the PDF has no text layer (scanned pages need OCR, which contextd does not do)"
        )
    return Document(text=text + "\n", format="pdf", title=title)


def _pdf_page_text(pdf: Any, number: int) -> str:
    page = pdf[number]
    try:
        textpage = page.get_textpage()
        try:
            return _clean_pdf_text(str(textpage.get_text_range()))
        finally:
            textpage.close()
    finally:
        page.close()
