"""Which format a source is in: from its bytes, then its declared type and name, then its text.

Magic numbers cannot lie about PDF, ZIP or PNG; a declared media type or file name can, and is
trusted only where the bytes say nothing. A format we cannot read is named in the error
("unsupported file format: PNG image"), so the user knows what they uploaded.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import PurePosixPath

from contextd.pipeline.ingest.convert._decode import decode_text, has_bom
from contextd.pipeline.types import Fetched, UnsupportedFormat

_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "PNG image"),
    (b"\xff\xd8\xff", "JPEG image"),
    (b"GIF87a", "GIF image"),
    (b"GIF89a", "GIF image"),
    (b"II*\x00", "TIFF image"),
    (b"MM\x00*", "TIFF image"),
    (b"%!PS", "PostScript document"),
    (b"{\\rtf", "RTF document"),
    (b"\x1f\x8b", "gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "7-Zip archive"),
    (b"Rar!\x1a\x07", "RAR archive"),
    (b"\xfd7zXZ\x00", "xz archive"),
    (b"(\xb5/\xfd", "zstd archive"),
    (b"\x7fELF", "executable program"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "legacy Microsoft Office file (.doc, .xls, .ppt)"),
    (b"SQLite format 3\x00", "SQLite database"),
    (b"OggS", "Ogg audio/video"),
    (b"fLaC", "FLAC audio"),
    (b"ID3", "MP3 audio"),
    (b"\x1aE\xdf\xa3", "Matroska/WebM video"),
)
_ZIP_KINDS = (
    ("xl/", "Excel workbook (.xlsx)"),
    ("ppt/", "PowerPoint presentation (.pptx)"),
)
_OPENDOCUMENT = {
    b"application/epub+zip": "EPUB e-book",
    b"application/vnd.oasis.opendocument.text": "OpenDocument text (.odt)",
    b"application/vnd.oasis.opendocument.spreadsheet": "OpenDocument spreadsheet (.ods)",
    b"application/vnd.oasis.opendocument.presentation": "OpenDocument presentation (.odp)",
}
_DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_DECLARED_TYPES = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/json": "json",
    "text/json": "json",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "application/pdf": "pdf",
    _DOCX_TYPE: "docx",
}
_EXTENSIONS = {
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".json": "json",
    ".md": "markdown",
    ".markdown": "markdown",
    ".mdown": "markdown",
    ".mkd": "markdown",
    ".pdf": "pdf",
    ".docx": "docx",
}
_BINARY_TYPE_PREFIXES = ("image/", "audio/", "video/", "font/")
_GENERIC_TYPES = frozenset({"application/octet-stream", "binary/octet-stream"})


def _sniff_binary(content: bytes) -> str | None:
    """Name a binary format recognised from its magic number, or None."""
    for magic, name in _MAGIC:
        if content.startswith(magic):
            return name
    if content[4:8] == b"ftyp":
        return "MP4/QuickTime/HEIC media"
    if content.startswith(b"RIFF") and content[8:12] == b"WEBP":
        return "WebP image"
    return None


def _zip_format(content: bytes) -> str:
    """ "docx" for a Word document; any other ZIP is named in an UnsupportedFormat."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = archive.namelist()
            mimetype = archive.read("mimetype").strip() if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError):
        raise UnsupportedFormat("the file is a damaged ZIP archive and cannot be read") from None
    if any(name.startswith("word/") for name in names):
        return "docx"
    what = _OPENDOCUMENT.get(mimetype) or next(
        (label for prefix, label in _ZIP_KINDS if any(n.startswith(prefix) for n in names)),
        "ZIP archive",
    )
    raise UnsupportedFormat(f"unsupported file format: {what}")


def _declared(fetched: Fetched) -> str | None:
    """The format the media type or file name claims: a format name, "binary" or "text"."""
    media = (fetched.content_type or "").split(";")[0].strip().lower()
    suffix = PurePosixPath(fetched.filename or "").suffix.lower()
    if media in _DECLARED_TYPES:
        return _DECLARED_TYPES[media]
    if media.endswith("+json"):
        return "json"
    if media.startswith(_BINARY_TYPE_PREFIXES) or media == "application/zip":
        return "binary"
    # "text/plain" is what many clients say for any text file; the extension is more precise.
    if suffix in _EXTENSIONS:
        return _EXTENSIONS[suffix]
    if media.startswith("text/"):
        return "text"
    return None


def _describe(fetched: Fetched, seen: str | None) -> str:
    """What the user sent, in their terms: media type, sniffed kind and/or file extension."""
    media = (fetched.content_type or "").split(";")[0].strip().lower()
    parts = [media] if media and media not in _GENERIC_TYPES else []
    suffix = PurePosixPath(fetched.filename or "").suffix.lower()
    if seen:
        parts.append(f"({seen})" if parts else seen)
    elif not parts and suffix:
        parts.append(f"{suffix} file")
    return " ".join(parts) or "binary data"


# Control characters that text does not contain (tab, newlines, form feed and escape it does).
_CONTROL_BYTES = bytes(byte for byte in range(32) if byte not in b"\t\n\r\f\x1b")


def _looks_binary(content: bytes) -> bool:
    """NUL bytes or many control characters: not text in any encoding we decode."""
    head = content[:8192]
    if b"\x00" in head:
        return True
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    return controls > len(head) * 0.05


def detect_format(fetched: Fetched) -> str:
    """Decide how to read the bytes: "pdf", "docx", "html", "json", "markdown" or "text".

    Raises UnsupportedFormat for empty input and for anything else, naming what was seen.
    """
    content = fetched.content
    if not content or content.isspace():
        raise UnsupportedFormat("the file is empty")
    if b"%PDF-" in content[:1024]:
        return "pdf"
    if content.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return _zip_format(content)
    seen = _sniff_binary(content)
    if seen is not None:
        raise UnsupportedFormat(f"unsupported file format: {_describe(fetched, seen)}")
    declared = _declared(fetched)
    if declared in ("pdf", "docx"):
        kind = "PDF" if declared == "pdf" else "Word document"
        raise UnsupportedFormat(f"the file is declared as a {kind} but is not one (damaged?)")
    if declared == "binary" or (has_bom(content) is None and _looks_binary(content)):
        raise UnsupportedFormat(f"unsupported file format: {_describe(fetched, None)}")
    if declared in ("html", "markdown", "text"):
        return declared
    head = decode_text(content[:1024], fetched.charset).lstrip().lower()
    if head.startswith(("<!doctype html", "<html")) or (
        head.startswith("<?xml") and "<html" in head
    ):
        return "html"
    if declared == "json" or head.startswith(("{", "[")):
        return "json"  # parsed by the converter, which reads it as text if it does not parse
    return "text"
