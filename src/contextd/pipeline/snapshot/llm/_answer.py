"""The model's answer, read without trusting it.

Only the headings of the snapshot's sections (`_layout`: the work sections, or a document's
outline) are kept, however loosely written ("### 2. Next steps:", "**Decisions**"); every line
must cite at least one turn (or paragraph); references that do not exist are removed (a line
left with none is re-cited or dropped by `_citations`, which checks every citation against the
source's words); the model's own Artifacts section, code blocks and tables are ignored.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from contextd.pipeline.snapshot.llm._client import LLMUnavailable

if TYPE_CHECKING:
    from contextd.pipeline.snapshot.llm._layout import Layout

_THINK_RE = re.compile(r"<think(?:ing)?>.*?(?:</think(?:ing)?>|\Z)", re.S | re.I)
_FENCE_RE = re.compile(r"^\s*(```|~~~)")
_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s*(.*?)\s*#*\s*$")
_BOLD_HEADING_RE = re.compile(r"^\s*(?:\*\*|__)([^*_]+?)(?:\*\*|__)\s*:?\s*$")
_ITEM_RE = re.compile(r"^\s*(?:>\s*)?(?:[-*+•]|\d{1,3}[.)])\s+")
_DASHES = "\u2013\u2014"
_REF = r"([tp])\s?\d+"
_MORE_REFS = rf"(?:\s*(?:,|;|-|{_DASHES}|and|&)\s*(?:[tp]\s?)?\d+)*"
# Citations as models write them: "[t12]", "[t12, t40]", "[T12,40]", "(t3; t4)", "[t3-t5]".
# Both kinds are recognised so that a stray "[t1]" in a document's snapshot is removed too.
_CITATION_RE = re.compile(
    rf"\s*(?:\[\s*{_REF}{_MORE_REFS}\s*\]|\(\s*{_REF}{_MORE_REFS}\s*\))", re.I
)
Bullet = tuple[str, tuple[int, ...]]  # text without citations, cited references in order
Notes = dict[str, list[Bullet]]  # bullets by section name, in the source's order


def parse(answer: str, prefix: str, known: set[int], layout: Layout) -> Notes:
    """The answer's bullets by section of `layout`, keeping only lines that cite something.

    Headings may be written loosely ("### 2. Next steps:", "**Decisions**"); unknown sections, the
    model's own Artifacts section, text before the first heading, code blocks and tables are
    ignored. A line citing some unknown references keeps the known ones; a line citing only
    unknown ones is kept without references, for `_citations` to re-cite or drop; a line citing
    nothing is dropped, and so are duplicates.
    """
    text = _THINK_RE.sub("", answer)
    if not text.strip():
        raise LLMUnavailable("empty answer")
    sections: Notes = {name: [] for name in layout.names}
    seen: set[str] = set()
    headings = 0
    current: str | None = None
    in_fence = False
    for raw in text.splitlines():
        if _FENCE_RE.match(raw):
            # A fence around the whole answer ("```markdown") hides nothing we want; any other
            # code block is skipped.
            in_fence = not in_fence and not _is_wrapper_fence(raw)
            continue
        line = raw.strip()
        if in_fence or not line or line.startswith("|"):
            continue
        heading = _HEADING_RE.match(raw) or _BOLD_HEADING_RE.match(raw)
        if heading:
            name = layout.section_name(heading.group(1))
            if name is not None or raw.lstrip().startswith("#"):
                current = name if name in sections else None
                headings += name is not None
                continue
        if current is None:
            continue
        body = _ITEM_RE.sub("", line, count=1)
        refs: list[int] = []
        for match in _CITATION_RE.finditer(body):
            if (match.group(1) or match.group(2)).lower() == prefix:
                refs.extend(int(number) for number in re.findall(r"\d+", match.group(0)))
        cited = tuple(dict.fromkeys(ref for ref in refs if ref in known))
        words = " ".join(_CITATION_RE.sub("", body).split()).strip(" -:;," + _DASHES)
        if not refs or not words:
            continue
        key = words.lower()
        if key in seen:
            continue
        seen.add(key)
        sections[current].append((words, cited))
    if not headings:
        raise LLMUnavailable("invalid answer: none of the snapshot's section headings")
    return sections


def _is_wrapper_fence(line: str) -> bool:
    info = line.strip().lstrip("`~").strip().lower()
    return info in ("", "markdown", "md")
