"""The sections the LLM engine asks for and writes: a conversation's work sections, or a
document's own outline.

The built-in engine writes a conversation under the work sections (`_cues.SECTIONS`: Goal,
Decisions, Next steps...) and a document under its own headings (`document.py`), because a
specification or an article has no "decision" or "next step" and its reader wants its shape,
shortened. The LLM engine follows the same rule: a `Layout` names the sections in order, how
each heading is written (a document's keep their levels), the prompt text that asks for them,
how a heading in the model's answer is recognised, and which section loses bullets first when
the answer is too long. A document's layout is its outline (`_outline.outline`, the headings
the built-in engine shows); a document without headings gets one section whose heading is not
written, as the built-in engine writes a flat list of facts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from contextd.pipeline.snapshot._cues import SECTIONS
from contextd.pipeline.snapshot._outline import outline
from contextd.pipeline.snapshot.format import ARTIFACTS
from contextd.pipeline.types import Document

MAX_OUTLINE_HEADINGS = 120  # listed in the prompt; the shallowest are kept, in order
FLAT = "Facts"  # the one section of a document without headings (its heading is not written)
OPENING = "Opening"  # a document's text before its first heading (its heading is not written)

_NUMBERING_RE = re.compile(r"^\d{1,2}[.)]\s*")
# When notes are trimmed to a length, the least important work sections lose bullets first.
TRIM_ORDER: tuple[str, ...] = (
    "Constraints and facts",
    "Current state",
    "Open questions",
    "Decisions",
    "Next steps",
    "Goal",
)
_SECTION_ALIASES = {
    "goals": "Goal",
    "objective": "Goal",
    "state": "Current state",
    "status": "Current state",
    "current status": "Current state",
    "decision": "Decisions",
    "key decisions": "Decisions",
    "constraints": "Constraints and facts",
    "facts": "Constraints and facts",
    "constraints and key facts": "Constraints and facts",
    "questions": "Open questions",
    "open question": "Open questions",
    "next step": "Next steps",
    "artifact": ARTIFACTS,
}

_WORK_TEXT = """\
Write these sections, with exactly these headings, in this order, leaving out any section \
that would be empty:
## Goal: what the user is trying to achieve.
## Current state: what exists and works now, what is broken.
## Decisions: choices made; when a decision was revised, only the latest one.
## Constraints and facts: requirements, limits, versions, environment facts; names, numbers, \
dates and places that were stated.
## Open questions: questions still unanswered at the end.
## Next steps: what is planned or should be done next.
"""

_OUTLINE_TEXT = """\
Follow the document's own outline: write its headings below, with exactly their text and \
level, in this order, and under each the facts of that part of the document (requirements \
word for word, definitions, names, numbers, named examples). Leave out a heading with nothing \
worth keeping under it.
{headings}
"""
_OPENING_TEXT = (
    f"Facts from the text before the first heading go first, under the heading ## {OPENING}.\n"
)

_FLAT_TEXT = f"""\
The document has no headings: write one section, with exactly this heading:
## {FLAT}
and under it the document's facts in its order (requirements word for word, definitions, \
names, numbers, named examples).
"""


def _key(heading: str) -> str:
    text = _NUMBERING_RE.sub("", heading.strip().strip("*_").strip())
    return " ".join(text.replace("&", "and").rstrip(":").lower().split())


@dataclass(frozen=True)
class Layout:
    """The sections of one snapshot, in order, with how to ask for, read and write them."""

    names: tuple[str, ...]
    depths: tuple[int, ...]  # 1 writes "## name"; 0 writes no heading
    instructions: str
    trim_order: tuple[str, ...]  # empty: the section with the most bullets loses first
    starts: tuple[tuple[int, str], ...] = ()  # a document's (heading paragraph, section name)

    def heading(self, name: str) -> str:
        """The heading line of section `name` ("" when it is written without one)."""
        depth = self.depths[self.names.index(name)]
        return f"{'#' * (depth + 1)} {name}" if depth else ""

    def section_at(self, paragraph: int) -> str | None:
        """The section of a document that paragraph `paragraph` sits in (None before the first
        heading, or in a conversation): a map step's part may begin in the middle of one."""
        found = None
        for start, name in self.starts:
            if start > paragraph:
                break
            found = name
        return found

    def section_name(self, heading: str) -> str | None:
        """The section a heading of the model's answer names (however loosely written), or
        ARTIFACTS, or None for a heading of no section."""
        return self._lookup(_key(heading))

    @property
    def _lookup(self) -> Callable[[str], str | None]:
        known = {_key(name): name for name in (*self.names, ARTIFACTS)}
        if self.trim_order:  # the work sections: their loose names too
            known = {**_SECTION_ALIASES, **known}
        return known.get

    def next_victim(self, kept: dict[str, list[tuple[str, tuple[int, ...]]]]) -> str | None:
        """The section whose last bullet goes first when the notes are too long: the least
        important work section, first down to one bullet each; in a document, the section
        with the most bullets (the later one on a tie), so the outline keeps its spread."""
        if not self.trim_order:
            filled = [name for name in self.names if kept.get(name)]
            return max(reversed(filled), key=lambda name: len(kept[name]), default=None)
        for name in self.trim_order:
            if len(kept.get(name, ())) > 1:
                return name
        for name in self.trim_order:
            if kept.get(name):
                return name
        return None


CONVERSATION = Layout(SECTIONS, (1,) * len(SECTIONS), _WORK_TEXT, TRIM_ORDER)


def document_layout(document: Document) -> Layout:
    """The layout of a document's snapshot: its outline's headings (at most
    `MAX_OUTLINE_HEADINGS`, the shallowest, in order), each title once, after an unwritten
    `OPENING` section when text comes before the first heading."""
    found = outline(document.text, document.title)
    sections = [s for s in found if s.title]
    if len(sections) > MAX_OUTLINE_HEADINGS:
        kept = sorted(range(len(sections)), key=lambda i: (sections[i].depth, i))
        sections = [sections[i] for i in sorted(kept[:MAX_OUTLINE_HEADINGS])]
    names: list[str] = []
    depths: list[int] = []
    seen: dict[str, str] = {_key(ARTIFACTS): ARTIFACTS, _key(OPENING): OPENING, "": ""}
    starts: list[tuple[int, str]] = []
    for section in sections:
        key = _key(section.title)
        if key not in seen:  # a repeated title ("Examples") is one section of the answer
            seen[key] = section.title
            names.append(section.title)
            depths.append(section.depth)
        if seen[key] in names:
            starts.append((section.paragraph, seen[key]))
    if not names:
        return Layout((FLAT,), (0,), _FLAT_TEXT, ())
    headings = "\n".join(f"{'#' * (d + 1)} {n}" for n, d in zip(names, depths, strict=True))
    instructions = _OUTLINE_TEXT.format(headings=headings)
    if found[0].sentences:
        names.insert(0, OPENING)
        depths.insert(0, 0)
        instructions += _OPENING_TEXT
    return Layout(tuple(names), tuple(depths), instructions, (), tuple(starts))


def render_sections(layout: Layout, sections: Mapping[str, Sequence[str]]) -> list[str]:
    """The non-empty sections as Markdown blocks, in the layout's order."""
    blocks = []
    for name in layout.names:
        lines = sections.get(name)
        if lines:
            heading = layout.heading(name)
            opening = f"\n{heading}\n" if heading else "\n"
            blocks.append(opening + "".join(f"{line}\n" for line in lines))
    return blocks
