"""The previous snapshot's bullets parsed back, for the fast-forward (`builtin.update_snapshot`).

Kept apart from `builtin.py` only to hold that module under the size limit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from contextd.pipeline.snapshot._cues import SECTIONS

_HEADER_RE = re.compile(r"^# Context snapshot: (.*)$")
_SECTION_RE = re.compile(r"^## (.+?)\s*$")
_BULLET_RE = re.compile(r"^- (.*) \[((?:[tp]\d+)(?:, [tp]\d+)*)\]\s*$")


@dataclass(frozen=True)
class Line:
    section: str
    text: str
    cites: tuple[str, ...]  # "t12", as written

    @property
    def turns(self) -> list[int]:
        return [int(cite[1:]) for cite in self.cites if cite.startswith("t")]


def parse(markdown: str) -> tuple[str, list[Line]]:
    """The title and the cited bullets of a snapshot, per section (the artifact list aside)."""
    title = "Untitled conversation"
    section: str | None = None
    lines: list[Line] = []
    for raw in markdown.splitlines():
        if match := _HEADER_RE.match(raw):
            title = match.group(1).strip() or title
        elif match := _SECTION_RE.match(raw):
            name = match.group(1)
            section = name if name in SECTIONS else None
        elif section is not None and (match := _BULLET_RE.match(raw)):
            cites = tuple(match.group(2).split(", "))
            lines.append(Line(section, match.group(1).strip(), cites))
    return title, lines
