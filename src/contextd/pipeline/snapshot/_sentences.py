"""Cut prose into sentences for the snapshot, leaving code blocks out.

Code belongs to artifacts; the snapshot only links to them, so fenced blocks are skipped here
(they still count as a paragraph, so paragraph numbers match what a reader sees). List items,
headings and table rows are units of their own; other lines of a paragraph are joined (soft
wraps) and split at sentence ends. The splitter is a small rule set rather than a model: it must
be offline, deterministic and fast on a million words, and chat prose is simple enough.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from contextd.pipeline._fences import CodeBlock, split_segments

MAX_SENTENCE_CHARS = 320

_LIST_RE = re.compile(r"^\s*(?:[-*+•]|\d{1,3}[.)])\s+")
_HEADING_RE = re.compile(r"^\s*#{1,6}\s+")
_QUOTE_RE = re.compile(r"^\s*>\s?")
_TABLE_RULE_RE = re.compile(r"^\s*\|?[\s:|-]+\|?\s*$")
_LINK_RE = re.compile(r"!?\[([^\]\n]{0,200})\]\([^)\s]{0,500}\)")
# Common HTML tags only, so that generics like `List<String>` in prose survive.
_HTML_TAG_RE = re.compile(
    r"</?(?:a|b|i|u|em|strong|code|pre|kbd|br|hr|p|div|span|sup|sub|small|mark|img|details"
    r"|summary|ul|ol|li|table|thead|tbody|tr|td|th|h[1-6])\b[^<>]{0,200}/?>",
    re.IGNORECASE,
)
_EMPHASIS_RE = re.compile(r"\*\*|__|(?<!\w)\*(?=\S)|(?<=\S)\*(?!\w)")
# A candidate boundary: end punctuation, optional closing quote/bracket, whitespace, and a
# sentence-like start.
_BOUNDARY_RE = re.compile(r"[.!?…]+[\"')\]]*\s+(?=[A-Z0-9\"'(\[`*_])")
_ABBREVIATION_TEXT = "e.g i.e etc vs mr mrs ms dr st no fig approx cf al inc ltd jr sr eq resp esp"
_ABBREVIATIONS = frozenset(_ABBREVIATION_TEXT.split())


@dataclass(frozen=True)
class Sentence:
    """One sentence of prose, cleaned of Markdown, with its 1-based paragraph number."""

    text: str
    paragraph: int
    heading: bool = False
    item: bool = False  # the first sentence of a list item or a table row


def split_sentences(text: str) -> Iterator[Sentence]:
    """Yield the sentences of `text` in order; code blocks are skipped but numbered."""
    paragraph = 0
    for segment in split_segments(text):
        if isinstance(segment, CodeBlock):
            paragraph += 1
            continue
        in_paragraph = False
        pending: list[str] = []
        item = False  # whether `pending` opens a list item or a table row
        for line in segment.lines:
            if not line.strip():
                yield from _flush(pending, paragraph, item)
                in_paragraph = item = False
                continue
            if not in_paragraph:
                paragraph += 1
                in_paragraph = True
            if _HEADING_RE.match(line):
                yield from _flush(pending, paragraph, item)
                item = False
                heading = _clean(_HEADING_RE.sub("", line, count=1))
                if heading:
                    yield Sentence(heading, paragraph, heading=True)
                continue
            if _LIST_RE.match(line) or line.lstrip().startswith("|"):
                yield from _flush(pending, paragraph, item)
                item = True
            if _TABLE_RULE_RE.match(line) and "-" in line:
                continue
            pending.append(_LIST_RE.sub("", _QUOTE_RE.sub("", line), count=1))
        yield from _flush(pending, paragraph, item)


def _flush(pending: list[str], paragraph: int, item: bool = False) -> Iterator[Sentence]:
    if not pending:
        return
    joined = _clean(" ".join(part.strip() for part in pending))
    pending.clear()
    for number, piece in enumerate(_cut(joined)):
        yield Sentence(_shorten(piece), paragraph, item=item and number == 0)


def _clean(text: str) -> str:
    text = _LINK_RE.sub(r"\1", text)
    text = _HTML_TAG_RE.sub("", text)
    if text.lstrip().startswith("|"):
        cells = [cell.strip() for cell in text.strip().strip("|").split("|")]
        text = "; ".join(cell for cell in cells if cell)
    text = _EMPHASIS_RE.sub("", text)
    return " ".join(text.split())


def _cut(text: str) -> Iterator[str]:
    """Split at sentence ends, except after abbreviations, initials and inside `code`."""
    start = 0
    ticks = 0
    scanned = 0
    for match in _BOUNDARY_RE.finditer(text):
        ticks += text.count("`", scanned, match.start())
        scanned = match.start()
        if ticks % 2 == 1:
            continue
        word = text[start : match.start()].rsplit(" ", 1)[-1].lower().lstrip("(\"'")
        if word in _ABBREVIATIONS or (len(word) == 1 and word.isalpha()):
            continue
        piece = text[start : match.end()].strip()
        if piece:
            yield piece
        start = match.end()
    rest = text[start:].strip()
    if rest:
        yield rest


def _shorten(text: str) -> str:
    """Cap very long sentences (run-ons, pasted logs) at a word boundary."""
    if len(text) <= MAX_SENTENCE_CHARS:
        return text
    cut = text.rfind(" ", 0, MAX_SENTENCE_CHARS - 1)
    if cut < MAX_SENTENCE_CHARS // 2:
        cut = MAX_SENTENCE_CHARS - 1
    return text[:cut].rstrip(" ,;:") + "…"
