"""Turn the bytes of a source into normalized text: Markdown where the source has structure.

Everything downstream (turn parsing, artifact extraction, snapshots, search) reads only this
text, so two things matter more than pretty output:

* Code survives byte for byte. Pages and documents are mostly uploaded for the code in them, and
  a changed indent breaks Python. HTML goes through readability-lxml and markdownify because that
  pair keeps `<pre>` text exact where trafilatura rewrote it; fences keep their language label.
* A source we cannot read fails with a message a user understands ("unsupported file format:
  image/png", "the PDF is password-protected"), never with a traceback.

The format is decided from the bytes first (magic numbers cannot lie about PDF, ZIP or PNG), then
from the declared media type and file name, then by sniffing the text (`<!doctype html`, JSON).
Nothing here touches the network.
"""

from __future__ import annotations

import io
import json
import re
import threading
import unicodedata
import zipfile
from collections.abc import Callable
from itertools import islice
from pathlib import PurePosixPath
from typing import Any
from xml.etree import ElementTree

import mammoth
import pypdfium2
import readability
from bs4 import BeautifulSoup, Tag
from markdownify import MarkdownConverter

from contextd.pipeline.conversations import detect_export, export_document
from contextd.pipeline.types import Document, Fetched, UnsupportedFormat

# ---------------------------------------------------------------------------------------------
# Format detection
# ---------------------------------------------------------------------------------------------

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


def _looks_binary(content: bytes) -> bool:
    """NUL bytes or many control characters: not text in any encoding we decode."""
    head = content[:8192]
    if b"\x00" in head:
        return True
    controls = sum(1 for byte in head if byte < 32 and byte not in b"\t\n\r\f\x1b")
    return controls > len(head) * 0.05


def detect_format(fetched: Fetched) -> str:
    """Decide how to read the bytes: "pdf", "docx", "html", "json", "markdown" or "text".

    Raises UnsupportedFormat for empty input and for anything else, naming what was seen.
    """
    content = fetched.content
    if not content.strip():
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
    if declared == "binary" or (_has_bom(content) is None and _looks_binary(content)):
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


# ---------------------------------------------------------------------------------------------
# Text decoding
# ---------------------------------------------------------------------------------------------

_BOMS = (
    (b"\xef\xbb\xbf", "utf-8"),
    (b"\xff\xfe\x00\x00", "utf-32-le"),
    (b"\x00\x00\xfe\xff", "utf-32-be"),
    (b"\xff\xfe", "utf-16-le"),
    (b"\xfe\xff", "utf-16-be"),
)
# Declarations that are routinely wrong: pages labelled ASCII or Latin-1 are usually UTF-8 or
# Windows-1252, which browsers use for Latin-1 anyway.
_UNRELIABLE_CHARSETS = frozenset(
    {"ascii", "us-ascii", "iso-8859-1", "iso8859-1", "latin-1", "latin1", "l1"}
)


def _has_bom(content: bytes) -> str | None:
    return next((encoding for bom, encoding in _BOMS if content.startswith(bom)), None)


def decode_text(content: bytes, charset: str | None = None) -> str:
    """Bytes to text: BOM, then the declared charset, then UTF-8, then Windows-1252, then Latin-1.

    The BOM is dropped and newlines become "\\n", so offsets mean the same on every platform.
    """
    encoding = _has_bom(content)
    if encoding is not None:
        bom = next(bom for bom, name in _BOMS if name == encoding)
        text = content[len(bom) :].decode(encoding, errors="replace")
    else:
        text = _decode_without_bom(content, charset)
    return text.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")


def _decode_without_bom(content: bytes, charset: str | None) -> str:
    candidates = ["utf-8", "cp1252"]
    declared = (charset or "").strip().strip("\"'").lower()
    if declared and declared not in _UNRELIABLE_CHARSETS:
        candidates.insert(0, declared)
    for encoding in candidates:
        try:
            return content.decode(encoding)
        except (LookupError, UnicodeDecodeError):
            continue
    # Mostly UTF-8 with a few broken bytes (a truncated upload) reads better as UTF-8.
    text = content.decode("utf-8", errors="replace")
    if text.count("\ufffd") <= max(1, len(text) // 1000):
        return text
    return content.decode("latin-1")


_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,200}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I
)


def _meta_charset(content: bytes) -> str | None:
    """The charset an HTML page declares in a `<meta>` in its first 4 KB (where it must be)."""
    m = _META_CHARSET.search(content[:4096])
    return m.group(1).decode("ascii") if m else None


# ---------------------------------------------------------------------------------------------
# HTML (and the HTML that mammoth makes of Word documents)
# ---------------------------------------------------------------------------------------------

_LANGUAGE_CLASS = re.compile(
    r"(?:language-|lang-|highlight-source-|highlight-|brush:)([A-Za-z0-9_+#.-]{1,30})"
)
_NOT_LANGUAGES = frozenset({"default", "none", "nohighlight", "plain", "notranslate"})


def _classes(tag: Tag) -> list[str]:
    value = tag.get("class")
    return list(value) if isinstance(value, list) else str(value or "").split()


def _language_from_classes(classes: list[str]) -> str | None:
    for name in classes:
        m = _LANGUAGE_CLASS.fullmatch(name)
        if m and m.group(1).lower() not in _NOT_LANGUAGES:
            return m.group(1)
    return None


def _element_language(pre: Tag) -> str | None:
    """The language label of a `<pre>`, from it, its `<code>` child or the wrappers around it.

    Sites spell it `language-x` or `lang-x` (Prism, highlight.js, CommonMark), `highlight-x`
    (Sphinx), `highlight-source-x` (GitHub), `brush: x` (SyntaxHighlighter) or `data-lang`.
    """
    code = pre.find("code")
    candidates = [pre, *([code] if isinstance(code, Tag) else []), *islice(pre.parents, 3)]
    for candidate in candidates:
        explicit = candidate.get("data-lang") or candidate.get("data-language")
        if isinstance(explicit, str) and re.fullmatch(r"[A-Za-z0-9_+#.-]{1,30}", explicit):
            return explicit
        classes = " ".join(_classes(candidate)).replace("brush: ", "brush:").split()
        language = _language_from_classes(classes)
        if language:
            return language
    return None


# markdownify's stub declares only part of the class; its converters are reached through this.
_MarkdownBase: Any = MarkdownConverter


class _Markdown(MarkdownConverter):
    """markdownify with exact code blocks, fences that cannot be closed early, no inline images.

    markdownify's own `<pre>` handling strips trailing spaces and always fences with three
    backticks; ours keeps the code as written and fences with more backticks than it contains.
    Images embedded as data: URIs (mammoth does that) would bury the text in base64.
    """

    def __init__(self) -> None:
        super().__init__(
            heading_style="ATX",
            bullets="-",
            escape_underscores=False,
            code_language_callback=_pre_language,
        )

    def convert_pre(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        code = _trim_blank_lines(text)
        if not code.strip():
            return ""
        longest = max((len(run) for run in re.findall(r"`{3,}", code)), default=0)
        fence = "`" * max(3, longest + 1)
        return f"\n\n{fence}{_pre_language(el)}\n{code}\n{fence}\n\n"

    def convert_br(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        if "pre" in parent_tags:
            return "\n"
        return str(_MarkdownBase.convert_br(self, el, text, parent_tags))

    def convert_img(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        if str(el.get("src") or "").startswith("data:"):
            return str(el.get("alt") or "")
        return str(_MarkdownBase.convert_img(self, el, text, parent_tags))


def _pre_language(el: Tag) -> str:
    """Read the label `_mark_languages` put on each `<pre>` (or one mammoth/markdown wrote)."""
    code = el.find("code")
    classes = _classes(el) + (_classes(code) if isinstance(code, Tag) else [])
    return _language_from_classes(classes) or ""


def _trim_blank_lines(text: str) -> str:
    """Drop blank lines around a code block; every other character stays as written."""
    lines = text.split("\n")
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[start:end])


_FENCE_OPEN = re.compile(r"[ \t]*(`{3,}|~{3,})")


def _tidy(markdown: str) -> str:
    """Trim trailing spaces and runs of blank lines outside code fences; inside, change nothing."""
    out: list[str] = []
    fence: str | None = None
    for line in markdown.split("\n"):
        if fence is not None:
            out.append(line)
            stripped = line.strip()
            if stripped.startswith(fence) and not stripped.strip(fence[0]):
                fence = None
            continue
        opening = _FENCE_OPEN.match(line)
        if opening:
            fence = opening.group(1)
        line = line.rstrip()
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip("\n") + "\n"


def _to_markdown(html: str | Tag) -> str:
    converter = _Markdown()
    markdown = converter.convert_soup(html) if isinstance(html, Tag) else converter.convert(html)
    return _tidy(str(markdown))


def _text_length(tag: Tag) -> int:
    return len("".join(tag.get_text().split()))


# Pages with less visible text than this (in non-space characters) are converted whole.
_SMALL_PAGE = 1000
_DROP_TAGS = ["script", "style", "noscript", "template", "svg", "iframe", "head", "object"]


def _mark_languages(soup: BeautifulSoup) -> None:
    """Copy each `<pre>`'s language onto its own class, where readability keeps it.

    readability discards the wrappers (Sphinx's `div.highlight-python`) that often carry it.
    """
    for pre in soup.find_all("pre"):
        language = _element_language(pre)
        if language and not _language_from_classes(_classes(pre)):
            pre["class"] = " ".join([*_classes(pre), f"language-{language}"])


def html_to_document(html: str) -> Document:
    """The main content of a page as Markdown, or its whole body when readability finds little.

    "Little" means under a fifth of the body's text, or fewer code blocks than the body has:
    a page of nav links around one snippet is still read whole rather than lose the snippet.
    Small pages are always read whole: there readability's guesses are least reliable (it drops
    tables and lists), and the page chrome it would remove costs little.
    """
    soup = BeautifulSoup(html, "lxml")
    title = _html_title(soup)
    _mark_languages(soup)
    for element in soup.find_all(_DROP_TAGS):
        element.decompose()
    body = soup.body or soup
    try:
        summary = str(readability.Document(str(soup)).summary(html_partial=True))
    except Exception:  # readability raises bare Exceptions (Unparseable) on odd pages
        summary = ""
    article = BeautifulSoup(summary, "lxml")
    body_length, article_length = _text_length(body), _text_length(article)
    small = body_length < _SMALL_PAGE
    too_little = article_length < 0.2 * body_length
    lost_code = len(article.find_all("pre")) < len(body.find_all("pre"))
    text = _to_markdown(body if small or too_little or lost_code else article)
    return Document(text=text if text.strip() else "", format="html", title=title)


def _html_title(soup: BeautifulSoup) -> str | None:
    for tag in (soup.title, soup.find("h1")):
        if isinstance(tag, Tag):
            title = " ".join(tag.get_text().split())
            if title:
                return title
    return None


def _convert_html(fetched: Fetched) -> Document:
    charset = fetched.charset or _meta_charset(fetched.content)
    document = html_to_document(decode_text(fetched.content, charset))
    if not document.text.strip():
        raise UnsupportedFormat(
            "the page has no readable text (it may build its content with JavaScript)"
        )
    return document


# ---------------------------------------------------------------------------------------------
# PDF
# ---------------------------------------------------------------------------------------------

# PDFium is not thread-safe; jobs may run in threads.
_pdfium_lock = threading.Lock()


def _clean_pdf_text(text: str) -> str:
    """PDFium writes CRLF, NULs and non-characters; keep only readable text."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs", "Cn")
    )
    return "\n".join(line.rstrip() for line in text.split("\n")).strip("\n")


def _convert_pdf(fetched: Fetched) -> Document:
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


# ---------------------------------------------------------------------------------------------
# DOCX
# ---------------------------------------------------------------------------------------------

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


def _convert_docx(fetched: Fetched) -> Document:
    try:
        result = mammoth.convert_to_html(
            io.BytesIO(fetched.content),
            style_map=_DOCX_STYLE_MAP,
            ignore_empty_paragraphs=False,  # blank lines inside code blocks
        )
    except Exception:  # mammoth raises KeyError, XML and ZIP errors alike on damaged files
        raise UnsupportedFormat("the Word document is damaged and cannot be read") from None
    html = str(result.value)
    text = _to_markdown(html) if html.strip() else ""
    if not text.strip():
        raise UnsupportedFormat("the Word document contains no text")
    title = _docx_title(fetched.content) or _first_heading(text)
    return Document(text=text, format="docx", title=title)


# ---------------------------------------------------------------------------------------------
# JSON, Markdown and plain text
# ---------------------------------------------------------------------------------------------


def load_json(fetched: Fetched) -> tuple[bool, object]:
    """(True, value) when the bytes are one JSON document, else (False, None)."""
    try:
        value: object = json.loads(decode_text(fetched.content, fetched.charset))
    except (ValueError, RecursionError):
        return False, None
    return True, value


def json_document(data: object) -> Document:
    """Parsed JSON as a Document: a chat export's transcript, or the JSON pretty-printed.

    A plain ```json fence is safe: pretty-printed JSON has no line that could close it.
    """
    found = detect_export(data)
    if found is not None:
        return export_document(*found)
    pretty = json.dumps(data, indent=2, ensure_ascii=False)
    title = data.get("title") if isinstance(data, dict) else None
    return Document(
        text=f"```json\n{pretty}\n```\n",
        format="json",
        title=title if isinstance(title, str) and title.strip() else None,
    )


def _convert_json(fetched: Fetched) -> Document:
    ok, data = load_json(fetched)
    return json_document(data) if ok else _convert_text(fetched)


def _first_heading(markdown: str) -> str | None:
    for line in markdown.split("\n", 200)[:200]:
        if line.startswith("# "):
            return line[2:].strip().rstrip("#").strip() or None
    return None


def _convert_markdown(fetched: Fetched) -> Document:
    text = decode_text(fetched.content, fetched.charset)
    return Document(text=text, format="markdown", title=_first_heading(text))


def _convert_text(fetched: Fetched) -> Document:
    return Document(text=decode_text(fetched.content, fetched.charset), format="text")


_CONVERTERS: dict[str, Callable[[Fetched], Document]] = {
    "pdf": _convert_pdf,
    "docx": _convert_docx,
    "html": _convert_html,
    "json": _convert_json,
    "markdown": _convert_markdown,
    "text": _convert_text,
}


def convert(fetched: Fetched) -> Document:
    """Convert a source's bytes to a Document, or raise UnsupportedFormat saying why not.

    `Document.format` is one of "pdf", "docx", "html", "json", "markdown", "text", or, for chat
    exports in JSON, "chatgpt", "claude" or "messages".
    """
    return _CONVERTERS[detect_format(fetched)](fetched)
