"""A document's outline: its headings, their levels, and the sentences under each.

The converters hand documents over as Markdown where the source had structure: HTML and Word
headings arrive as ATX lines ("## Title", markdownify and mammoth), Markdown keeps its own
(ATX or setext), reStructuredText (PEPs, Sphinx docs, read as plain text) marks them with
underlines ("Abstract\\n========"), and PDF or plain text keep at most a numbered line
("3.2  Media Types") or a line of its own that reads as a title. `normalize` rewrites these
as ATX lines *without adding or removing a blank line*, so the paragraph numbers a snapshot
cites ("p12") stay those the sentence splitter gives the original text, which the LLM engine
and readers use too. Numbered
and title-like lines are trusted only in a document with no other heading (the title-like ones
only without numbered ones), where a false heading costs least.

Levels are ranked (the shallowest level used becomes 1) and capped at `MAX_DEPTH`, so a
document that starts at h3 or nests six deep still reads as a short outline. A first heading
that only repeats the document's title is dropped: the snapshot's own header already says it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from contextd.pipeline._fences import CodeBlock, split_segments
from contextd.pipeline.snapshot._sentences import Sentence, split_sentences

MAX_DEPTH = 3  # heading levels shown: "##", "###", "####"
_MAX_HEADING_CHARS = 90

_ATX_RE = re.compile(r"^\s*(#{1,6})\s+")
_UNDERLINE_RE = re.compile(r"^([=\-~^\"'`#*+<>_:.])\1{2,}\s*$")
# "3.2  Media Types", "A.1. Examples", "Appendix B: Grammar": a numbered line with a title-like
# rest; no sentence end, no dot leaders or page number (a table of contents), not too long.
_NUMBERED_RE = re.compile(
    r"^(?:(?:\d{1,2}(?:\.\d{1,2}){0,4}|[A-Z](?:\.\d{1,2}){1,4})\.?|Appendix [A-Z][.:]?)"
    r"[ \t]+(?P<title>[A-Z][^\n]{1,80})$"
)
_MAX_TITLE_WORDS = 8
_MAX_TITLE_LINE = 70
_BCP14_RE = re.compile(r"\b(?:MUST|SHALL|SHOULD|REQUIRED|RECOMMENDED|MAY|OPTIONAL)\b")
_LEADER_RE = re.compile(r"(?:\.\s?){4,}|\s\d{1,4}$")
_UNDERSCORES_RE = re.compile(r"(?<![\w`])_([^_\n`]+)_(?![\w`])")  # "_Image Manifest_"
_TAG_RE = re.compile(r"<[^<>\n]{0,200}>")
_WORDS_RE = re.compile(r"\w+")
_FENCE_RE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")


@dataclass
class Section:
    """One heading (or the untitled start of the document) and the sentences under it."""

    title: str  # "" for text before the first heading
    depth: int  # 1..MAX_DEPTH; 0 for the untitled start
    paragraph: int  # the heading's paragraph, 0 for the untitled start
    parent: int  # index of the enclosing section in the outline, -1 at the top
    sentences: list[Sentence] = field(default_factory=list)


def normalize(text: str) -> str:
    """`text` with setext, reST and (when nothing else marks one) numbered headings as ATX."""
    lines = text.split("\n")
    fenced = _fenced_lines(text)
    styles: list[str] = []  # reST: the order adornments first appear in gives their level
    out: list[str] = []
    has_atx = any(_ATX_RE.match(line) for n, line in enumerate(lines) if n not in fenced)
    found = has_atx
    i = 0
    while i < len(lines):
        line = lines[i]
        if i in fenced:
            out.append(line)
            i += 1
            continue
        heading = _underlined(lines, i, fenced)
        if heading is not None:
            title, style, consumed = heading
            if style not in styles:
                styles.append(style)
            out.append("#" * min(6, styles.index(style) + 1) + " " + title)
            found = True
            i += consumed
            continue
        out.append(line)
        i += 1
    if not found:  # numbered headings, else title-like lines (a PDF's text)
        numbered = [_numbered(line) if n not in fenced else line for n, line in enumerate(out)]
        if numbered != out:
            return "\n".join(numbered)
        out = [
            "## " + line.strip() if n not in fenced and _titled(out, n) else line
            for n, line in enumerate(out)
        ]
    return "\n".join(out)


def outline(text: str, title: str | None = None) -> list[Section]:
    """The sections of `text` in order; the first is the untitled start (maybe empty)."""
    normalized = normalize(text)
    levels = _atx_levels(normalized)
    ranks = {level: rank for rank, level in enumerate(sorted(set(levels)), start=1)}
    sections = [Section(title="", depth=0, paragraph=0, parent=-1)]
    stack: list[int] = []  # indexes of the open sections, shallow to deep
    seen = 0
    wanted = _key(title or "")
    for sentence in split_sentences(normalized):
        if not sentence.heading:
            sections[-1].sentences.append(sentence)
            continue
        level = levels[seen] if seen < len(levels) else max(levels, default=1)
        seen += 1
        text_ = _short(sentence.text)
        if len(sections) == 1 and not sections[0].sentences and _key(text_) == wanted:
            continue  # the title itself
        depth = min(MAX_DEPTH, ranks.get(level, MAX_DEPTH))
        while stack and sections[stack[-1]].depth >= depth:
            stack.pop()
        parent = stack[-1] if stack else -1
        sections.append(Section(text_, depth, sentence.paragraph, parent))
        stack.append(len(sections) - 1)
    return _promote(sections)


def heading_titles(text: str, title: str | None = None) -> list[str]:
    """The headings a snapshot of `text` can show, in order (the evaluation's outline)."""
    return [section.title for section in outline(text, title) if section.title]


def _promote(sections: list[Section]) -> list[Section]:
    """Close the gaps a dropped title or a skipped level leaves: depths become 1, 2, 3..."""
    for section in sections:
        if section.depth:
            parent = section.parent
            section.depth = 1 if parent < 0 else min(MAX_DEPTH, sections[parent].depth + 1)
    return sections


def _key(title: str) -> str:
    """A title as compared: "<a name="x" />Runtime and Lifecycle" is "runtime and lifecycle"."""
    return " ".join(_WORDS_RE.findall(_TAG_RE.sub("", title).casefold()))


def _short(title: str) -> str:
    title = _UNDERSCORES_RE.sub(r"\1", title).strip().rstrip(":").strip()
    if len(title) <= _MAX_HEADING_CHARS:
        return title
    return title[: _MAX_HEADING_CHARS - 1].rsplit(" ", 1)[0] + "…"


def _fenced_lines(text: str) -> set[int]:
    """Line numbers inside fenced code blocks (fences included): never headings.

    A plain toggle on fence lines (closing fence of the same character, at least as long):
    enough to keep "# comment" lines of a shell block from becoming headings.
    """
    result: set[int] = set()
    opened: str | None = None
    for number, line in enumerate(text.split("\n")):
        match = _FENCE_RE.match(line)
        if opened is None:
            if match:
                opened = match.group(1)
                result.add(number)
            continue
        result.add(number)
        fence = match.group(1) if match else ""
        closes = fence[:1] == opened[0] and len(fence) >= len(opened)
        if closes and not line.strip()[len(fence) :].strip():
            opened = None
    return result


def _underlined(lines: Sequence[str], i: int, fenced: set[int]) -> tuple[str, str, int] | None:
    """(title, adornment style, lines consumed) when a heading starts at line `i`.

    Setext/reST: a text line followed by a line of one repeated punctuation character at least
    as long as the text (reST) or three long (Markdown "---"/"==="), optionally with the same
    line above it (a reST overline). A "---" under a list item or a table is not a heading.
    """
    line = lines[i]
    over = _UNDERLINE_RE.match(line)
    if over and i + 2 < len(lines) and i + 2 not in fenced:
        title = lines[i + 1].strip()
        if title and lines[i + 2].strip() == line.strip() and len(line.strip()) >= len(title):
            return _clean_title(title), "over" + line.strip()[0], 3
    if i + 1 >= len(lines) or i + 1 in fenced:
        return None
    under = _UNDERLINE_RE.match(lines[i + 1])
    title = line.strip()
    if not under or not title or _UNDERLINE_RE.match(line):
        return None
    if i > 0 and lines[i - 1].strip() and not _ATX_RE.match(lines[i - 1]):
        return None  # the last line of a paragraph: Markdown would join it, reST would fail
    if title.startswith(("- ", "* ", "+ ", "|", ">")) or len(title) > 120:
        return None
    char = lines[i + 1].strip()[0]
    if char not in "=-" and len(lines[i + 1].strip()) < len(title):
        return None
    return _clean_title(title), char, 2


def _clean_title(title: str) -> str:
    return title.replace("``", "`")


def _numbered(line: str) -> str:
    stripped = line.rstrip()
    if stripped != line.lstrip().rstrip() and line[:1] in " \t":
        return line  # indented: a table of contents or a list, not a heading
    match = _NUMBERED_RE.match(stripped)
    if not match or _LEADER_RE.search(stripped) or stripped.endswith((".", ",", ";")):
        return line
    if len(match.group("title").split()) > 10:
        return line
    depth = stripped.split(None, 1)[0].rstrip(".").count(".") + 1
    return "#" * min(6, depth) + " " + stripped


def _titled(lines: Sequence[str], i: int) -> bool:
    """Whether line `i` of a text without marked headings reads as a heading.

    A PDF's text keeps a heading as a line of its own and nothing else: so a short line that
    starts with a capital, is mostly letters, ends without punctuation, and follows the end of a
    sentence or of a code example (or a blank line, or the start). Wrapped lines of a paragraph
    end mid-sentence and are long; list items and captions rarely meet all of it.
    """
    line = lines[i].strip()
    words = line.split()
    if not 1 <= len(words) <= _MAX_TITLE_WORDS or len(line) > _MAX_TITLE_LINE:
        return False
    if not line[0].isupper() or line[-1] in ".,;:!?)]}\"'" or _BCP14_RE.search(line):
        return False
    if sum(ch.isalpha() for ch in line) < 0.6 * len(line.replace(" ", "")):
        return False
    before = lines[i - 1].strip() if i > 0 else ""
    after = lines[i + 1].strip() if i + 1 < len(lines) else ""
    ends = not before or before[-1] in ".:!?}]" or _ATX_RE.match(before) is not None
    return ends and bool(after)


def _atx_levels(text: str) -> list[int]:
    """The level of every ATX heading outside code, in order (as the splitter meets them)."""
    levels: list[int] = []
    for segment in split_segments(text):
        if isinstance(segment, CodeBlock):
            continue
        for line in segment.lines:
            match = _ATX_RE.match(line)
            if match and line[match.end() :].strip():
                levels.append(len(match.group(1)))
    return levels
