"""The fast-forward of a session snapshot: the previous bullets merged with the new turns' lines.

Section by section (`merge`): the new current state, todo list and next steps replace the old
ones when the new turns have any; a file's line absorbs its new changes ("created" + "edited
once" = "created, edited once"); an old failure that a new run of the same tool passes becomes
a failed-then-passed line; old goals, commands and decisions stay, and give way first when the
budget is short (their rank is below the new lines' of the same section). Kept apart from
`session.py` to hold each module under the size limit.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from contextd.pipeline.snapshot._cues import DECISIONS, FACTS, NEXT
from contextd.pipeline.snapshot._selection import Candidate
from contextd.pipeline.snapshot.session import (
    CHOICES,
    COMMANDS,
    FILES,
    GOAL,
    SESSION_SECTIONS,
    STATE,
    TODOS,
    FileChanges,
    Line,
    Run,
    assemble,
    edited,
    fill_lines,
    passed_line,
    runs,
    session_lines,
)
from contextd.pipeline.types import ArtifactDraft, Document, SnapshotDraft, Turn

_FILE_RE = re.compile(r"^`(?P<path>[^`]+)`: (?P<what>.*)$")
_BULLET_RE = re.compile(r"^- (.*) \[((?:t\d+)(?:, t\d+)*)\]\s*$")
_SECTION_RE = re.compile(r"^## (.+?)\s*$")
_FAILED_RE = re.compile(r"^`(?P<shown>[^`]+)` failed(?: \((?P<error>.*)\))?; not passed since$")
_OLD_SECTIONS = {DECISIONS: CHOICES, FACTS: CHOICES}  # a conversation snapshot's, carried over


def update_session(
    previous_markdown: str,
    new_turns: Sequence[Turn],
    document: Document,
    artifacts: Sequence[ArtifactDraft],
    *,
    budget: int,
    tokens_before: int,
    header: str,
    fill: Sequence[Candidate] = (),
) -> SnapshotDraft:
    """Merge the lines of `new_turns` into those of the previous snapshot (module docstring);
    `fill`, the new turns' best sentences, takes the budget the merged lines leave."""
    old = parse_lines(previous_markdown)
    new = session_lines(new_turns, document, continued=any(ln.section == GOAL for ln in old))
    cwd = str(document.meta.get("cwd") or "")
    fixed = _fixed(old, runs(new_turns, cwd), edited(new_turns, cwd))
    merged = merge(fixed, new)
    return assemble(merged + fill_lines(fill, merged), artifacts, header, budget, tokens_before)


def _fixed(
    old: list[Line], new_runs: Sequence[Run], edits: Sequence[tuple[int, str]]
) -> list[Line]:
    """The old lines, where a failure "not passed since" that a new run passed says so now."""
    result: list[Line] = []
    for line in old:
        found = _FAILED_RE.match(line.text) if line.section == COMMANDS else None
        if found is not None:
            shown = found.group("shown")
            failure = Run(shown, shown, line.refs[0], True, found.group("error") or "")
            run = next((r for r in new_runs if r.key == failure.key and not r.failed), None)
            if run is not None and not any(
                r.failed and r.key == failure.key and r.turn >= run.turn for r in new_runs
            ):
                line = passed_line(failure, run, edits)
        result.append(line)
    return result


def parse_lines(markdown: str) -> list[Line]:
    """The cited bullets of a previous snapshot (session or conversation), as session lines."""
    lines: list[Line] = []
    section: str | None = None
    for raw in markdown.splitlines():
        if match := _SECTION_RE.match(raw):
            name = match.group(1)
            section = name if name in SESSION_SECTIONS else _OLD_SECTIONS.get(name)
        elif section is not None and (match := _BULLET_RE.match(raw)):
            refs = tuple(int(cite[1:]) for cite in match.group(2).split(", "))
            text = match.group(1).strip()
            path = ""
            if section == FILES and (found := _FILE_RE.match(text)):
                path = found.group("path")
            lines.append(Line(section, text, refs, _old_rank(section, len(lines)), path))
    return lines


def _old_rank(section: str, order: int) -> tuple[float, int]:
    base = {GOAL: 0, TODOS: 1, STATE: 2, COMMANDS: 3.5, FILES: 4, CHOICES: 5.5, NEXT: 6}
    rank = base.get(section, 7.0)
    return (rank if section != GOAL or order == 0 else 2.5, order)


def merge(old: Iterable[Line], new: Sequence[Line]) -> list[Line]:
    """The previous lines updated by the new ones, section by section."""
    replaced = {line.section for line in new if line.section in (STATE, TODOS, NEXT)}
    touched = {line.path: line for line in new if line.section == FILES}
    merged: list[Line] = []
    for line in old:
        if line.section in replaced:
            continue
        if line.section == FILES and line.path in touched:
            update = touched[line.path]
            update.text = _merged_file(line.text, update.text)
            update.refs = tuple(dict.fromkeys(line.refs + update.refs))
            continue
        merged.append(line)
    return merged + list(new)


def _merged_file(old: str, new: str) -> str:
    """One file's line from its old description and the new changes."""
    before, after = _FILE_RE.match(old), _FILE_RE.match(new)
    if before is None or after is None:
        return new
    entry = FileChanges(after.group("path"))
    for what in (before.group("what"), after.group("what")):
        gist = re.search(r" \(last: `(.*)`\)$", what)
        words = what[: gist.start()] if gist else what
        entry.gist = gist.group(1) if gist else entry.gist
        entry.created = entry.created or "created" in words
        entry.deleted = "deleted" in words
        entry.edits += _count("edited", words)
        entry.rewrites += _count("rewritten", words)
    return entry.describe()


def _count(kind: str, words: str) -> int:
    """N in "edited N times" (1 for "edited once" or a bare "rewritten"), 0 when absent."""
    found = re.search(rf"\b{kind}(?: (once|(\d+) times))?", words)
    if found is None:
        return 0
    return int(found.group(2)) if found.group(2) else 1
