"""Bytes to text: a BOM first, then the declared charset unless it is one that servers get wrong."""

from __future__ import annotations

import re

from ftfy import TextFixerConfig, fix_text
from ftfy.chardata import UTF8_CLUES

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


def has_bom(content: bytes) -> str | None:
    return next((encoding for bom, encoding in _BOMS if content.startswith(bom)), None)


def decode_text(content: bytes, charset: str | None = None) -> str:
    """Bytes to text: BOM, then the declared charset, then UTF-8, then Windows-1252, then Latin-1.

    The BOM is dropped and newlines become "\\n", so offsets mean the same on every platform.
    """
    encoding = has_bom(content)
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


def meta_charset(content: bytes) -> str | None:
    """The charset an HTML page declares in a `<meta>` in its first 4 KB (where it must be)."""
    m = _META_CHARSET.search(content[:4096])
    return m.group(1).decode("ascii") if m else None


# Two characters that could be one UTF-8 sequence read as Windows-1252 or Latin-1 ("Ã©" for
# "é"), from ftfy's own tables. It also matches some correct text (a French "é»"), which ftfy
# then leaves as it is. Searching for it costs a twentieth of ftfy's own check.
_MAYBE_MOJIBAKE = re.compile(
    "[{utf8_first_of_2}{utf8_first_of_3}{utf8_first_of_4}][{utf8_continuation}]".format(
        **UTF8_CLUES
    )
)
# Only the encoding: ftfy's other fixes (quotes, widths, entities, line breaks, control
# characters, normalization) would change text that is as its author wrote it, code included.
_ENCODING_ONLY = TextFixerConfig(
    unescape_html=False,
    remove_terminal_escapes=False,
    fix_latin_ligatures=False,
    fix_character_width=False,
    uncurl_quotes=False,
    fix_line_breaks=False,
    fix_surrogates=False,
    remove_control_chars=False,
    normalization=None,
    explain=False,
)


def repair_mojibake(text: str) -> str:
    """Text with its mojibake undone: UTF-8 that a page's own author (its CMS, a copy and paste)
    stored as if it were Windows-1252 or Latin-1, so that readers see "Ã©" for "é". Decoding
    the bytes cannot fix it, since the page itself holds those characters; ftfy repairs each
    line where it finds them and leaves correct text alone (on WCXB dev, 34 of 1497 pages, most
    with their benchmark text repaired)."""
    return fix_text(text, _ENCODING_ONLY) if _MAYBE_MOJIBAKE.search(text) else text
