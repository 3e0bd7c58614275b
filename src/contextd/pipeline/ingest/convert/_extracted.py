"""Markdown from the tree of a page's main content, with code exactly as the page had it.

The tree is what trafilatura leaves after it has removed a page's chrome (its XML vocabulary:
`head`, `p`, `list`/`item`, `table`/`row`/`cell`, `code`, `quote`, `hi`, `ref`, `lb`,
`graphic`), or, when it found nothing, the page's own body (HTML's vocabulary); this writer reads
both. What it writes:

* headings, lists (nested, numbered or not), pipe tables, quotes, bold and italic;
* code blocks fenced with their language, their text taken from the page's own `<pre>` (found
  by its text without whitespace), since an extractor may have re-spaced it;
* the text of links, never their targets (the page's links are kept apart, as metadata);
* the alt text of meaningful images; decorative ones (no alt, a file name, "logo") are dropped,
  and so is alt text that repeats the caption or name written beside the image.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from lxml.etree import _Element

from contextd.pipeline.ingest.convert._markdown import fence, language_of, tidy


@dataclass(frozen=True)
class Code:
    """A `<pre>` of the page as written, and its language label."""

    text: str
    language: str | None


def code_key(text: str) -> str:
    """What identifies a code block whatever an extractor did to its spacing."""
    return re.sub(r"\s+", "", text)


_HEADINGS = {"h1": 1, "h2": 2, "h3": 3, "h4": 4, "h5": 5, "h6": 6}
_LISTS = frozenset({"list", "ul", "ol", "dl", "menu"})
_ITEMS = frozenset({"item", "li", "dd", "dt"})
_QUOTES = frozenset({"quote", "blockquote"})
_CONTAINERS = frozenset(
    {
        "body", "doc", "main", "div", "p", "section", "article", "header", "footer", "aside",
        "nav", "form", "figure", "figcaption", "details", "summary", "center", "address",
        "fieldset", "hgroup", "html", "caption", "legend", "picture",
    }
)  # fmt: skip
_BLOCKS = _CONTAINERS | _LISTS | _ITEMS | _QUOTES | set(_HEADINGS) | {"head", "pre", "table", "hr"}
_BOLD = frozenset({"#b", "#strong"})
_ITALIC = frozenset({"#i", "#em"})
_BOLD_TAGS = frozenset({"b", "strong"})
_ITALIC_TAGS = frozenset({"i", "em", "cite", "dfn"})
_CODE_TAGS = frozenset({"kbd", "samp", "tt", "var"})
# Inline in HTML but shown apart: without a space, their words would run together.
_SPACED = frozenset({"option", "button", "label", "select", "input", "textarea", "td", "th"})
_WORD = re.compile(r"\w+")
# How far up from an image its caption is looked for: the link, the figure, the card around it.
_CAPTION_LEVELS = 3
_DECORATIVE = re.compile(
    r"(?i)(?:|image|img|icon|logo|photo|picture|spacer|banner|avatar|thumbnail|placeholder"
    r"|.*\.(?:png|jpe?g|gif|svg|webp|avif|bmp|ico))"
)


def _tag(el: _Element) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


def _is_block(el: _Element) -> bool:
    tag = _tag(el)
    if tag == "code":
        text = "".join(el.itertext())
        parent = el.getparent()
        return "\n" in text.strip() or (parent is not None and _tag(parent) in _BLOCK_PARENTS)
    return tag in _BLOCKS


_BLOCK_PARENTS = frozenset({"body", "doc", "div", "quote", "blockquote", "section", "article"})


class Writer:
    """Walks one tree; `codes` maps `code_key` of each page `<pre>` to the page's own text."""

    def __init__(self, codes: Mapping[str, Code]) -> None:
        self.codes = codes

    def markdown(self, *roots: _Element) -> str:
        blocks: list[str] = []
        for root in roots:
            blocks.extend(self.blocks(root))
        return tidy("\n\n".join(blocks)) if blocks else ""

    def element(self, el: _Element) -> str:
        """One element of a page written as itself (a heading stays a heading), where
        `markdown` writes what a root holds."""
        blocks = self.block(el) if _is_block(el) else [self.inline(el)]
        return tidy("\n\n".join(blocks)) if blocks else ""

    # --- blocks ---------------------------------------------------------------------------

    def blocks(self, el: _Element) -> list[str]:
        """The Markdown blocks of a container: its loose text makes paragraphs between them."""
        out: list[str] = []
        run: list[str] = [_space(el.text or "")]
        for child in el:
            if _tag(child) and _is_block(child):
                _flush(run, out)
                out.extend(self.block(child))
                run = []
            else:
                run.append(self.inline(child))
            run.append(_space(child.tail or ""))
        _flush(run, out)
        return out

    def block(self, el: _Element) -> list[str]:
        tag = _tag(el)
        if tag in _HEADINGS or tag == "head":
            level = _HEADINGS.get(tag) or _HEADINGS.get(str(el.get("rend") or ""), 2)
            text = " ".join(self.inline_of(el).split())
            return [f"{'#' * level} {text}"] if text else []
        if tag in ("pre", "code"):
            block = self.code(el)
            return [block] if block else []
        if tag in _LISTS:
            return self.list(el)
        if tag == "table":
            table = self.table(el)
            return [table] if table else []
        if tag in _QUOTES:
            inner = "\n\n".join(self.blocks(el))
            return ["\n".join(f"> {line}".rstrip() for line in inner.split("\n"))] if inner else []
        if tag == "hr":
            return []
        return self.blocks(el)

    def code(self, el: _Element) -> str:
        text = "".join(el.itertext())
        found = self.codes.get(code_key(text))
        language = language_of(str(el.get("class") or ""), el.get("data-lang"))
        if found is not None:
            text, language = found.text, found.language or language
        return fence(text, language)

    def list(self, el: _Element) -> list[str]:
        numbered = _tag(el) == "ol" or str(el.get("rend") or "") == "ol"
        lines: list[str] = []
        number = 0
        for child in el:
            if _tag(child) in _LISTS:  # a list directly inside a list: nest it
                nested = "\n".join(self.list(child)).split("\n")
                lines.extend(f"  {line}" if line else "" for line in nested)
                continue
            if _tag(child) not in _ITEMS:
                continue
            body = "\n\n".join(self.blocks(child))
            if not body.strip():
                continue
            number += 1
            marker = f"{number}. " if numbered else "- "
            first, *rest = body.split("\n")
            lines.append(marker + first)
            lines.extend((" " * len(marker) + line) if line else "" for line in rest)
        return ["\n".join(lines)] if lines else []

    def table(self, el: _Element) -> str:
        rows: list[list[str]] = []
        for row in el.iter("row", "tr"):
            if _nearest_table(row) is not el:
                continue
            cells = [self.cell(cell) for cell in row if _tag(cell) in ("cell", "td", "th")]
            if any(cells):
                rows.append(cells)
        if not rows:
            return ""
        width = max(len(row) for row in rows)
        if width == 1:  # a one-column layout table: its cells are paragraphs
            return "\n\n".join(row[0] for row in rows if row[0])
        lines = []
        for i, row in enumerate(rows):
            row = row + [""] * (width - len(row))
            lines.append("| " + " | ".join(row) + " |")
            if i == 0:
                lines.append("|" + "|".join(" --- " for _ in row) + "|")
        return "\n".join(lines)

    def cell(self, el: _Element) -> str:
        text = " ".join(" ".join(self.blocks(el)).split())
        return text.replace("|", "\\|")

    # --- inline ---------------------------------------------------------------------------

    def inline_of(self, el: _Element) -> str:
        parts = [_space(el.text or "")]
        for child in el:
            parts.append(self.inline(child))
            parts.append(_space(child.tail or ""))
        return "".join(parts)

    def inline(self, el: _Element) -> str:
        tag = _tag(el)
        if not tag:  # comments, processing instructions
            return ""
        if tag in ("lb", "br"):
            return "\n"
        if tag in ("graphic", "img"):
            alt = " ".join(str(el.get("alt") or el.get("title") or "").split())
            return "" if _DECORATIVE.fullmatch(alt) or _captioned(el, alt) else alt
        if tag == "code" or tag in _CODE_TAGS or (tag == "hi" and el.get("rend") == "#t"):
            return _code_span(" ".join("".join(el.itertext()).split()))
        if _is_block(el):
            return " " + " ".join(self.blocks(el)) + " "
        inner = self.inline_of(el)
        if tag in _SPACED:
            return f" {inner} "
        rend = str(el.get("rend") or "")
        if tag in _BOLD_TAGS or (tag == "hi" and rend in _BOLD):
            return _wrap(inner, "**")
        if tag in _ITALIC_TAGS or (tag == "hi" and rend in _ITALIC):
            return _wrap(inner, "*")
        return inner


def _captioned(image: _Element, alt: str) -> bool:
    """Whether an image's alt text repeats text written beside it: a product card's picture
    and its name, a photo and its caption. Written as well, the name would come twice (on
    WCXB dev, each product of a collection page written whole)."""
    words = _WORD.findall(alt.lower())
    if not words:
        return False
    wanted = " ".join(words)
    el = image
    for _ in range(_CAPTION_LEVELS):
        parent = el.getparent()
        if parent is None:
            break
        el = parent
        if wanted in " ".join(_WORD.findall(el.text_content().lower())):
            return True
    return False


def _nearest_table(el: _Element) -> _Element | None:
    parent = el.getparent()
    while parent is not None and _tag(parent) != "table":
        parent = parent.getparent()
    return parent


def _space(text: str) -> str:
    return re.sub(r"\s+", " ", text)


def _wrap(text: str, marks: str) -> str:
    core = text.strip()
    if not core or "\n" in core:
        return text
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()) :]
    return f"{lead}{marks}{core}{marks}{trail}"


def _code_span(code: str) -> str:
    if not code:
        return ""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if code.startswith("`") or code.endswith("`") else ""
    return f"{ticks}{pad}{code}{pad}{ticks}"


def _flush(run: list[str], out: list[str]) -> None:
    """A paragraph from inline pieces: spaces collapsed, line breaks kept, lines trimmed."""
    lines = [" ".join(line.split()) for line in "".join(run).split("\n")]
    paragraph = "\n".join(line for line in lines if line)
    if paragraph:
        out.append(paragraph)
    run.clear()
