"""A small, strict applier for the patches coding agents write: unified diffs and Codex hunks.

An agent's patch is only worth applying when the result is certainly the file the agent had:
a hunk's context and removed lines must be found in the known content (exactly, or equal but
for trailing whitespace, as Codex's own applier allows), in order, else the whole patch is
refused (`None`) and the caller keeps the patch itself as the version. Nothing is guessed:
no fuzzy offsets beyond "search forward from the previous hunk", no partial application.

Both dialects are read by one parser:

* unified diff: optional `diff --git`/`---`/`+++` headers, hunks `@@ -a,b +c,d @@`;
* Codex `apply_patch`: `*** Update File:`/`*** Add File:` headers, hunks opened by `@@` or
  `@@ <a line to find first>` (the first hunk may omit it), `*** End of File` anchoring a hunk
  at the end, `*** End Patch`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_UNIFIED_HUNK_RE = re.compile(r"^@@ -(\d+)(?:,(\d+))? \+\d+(?:,\d+)? @@")
_HEADER_PREFIXES = (
    "*** Begin Patch",
    "*** Update File:",
    "*** Add File:",
    "*** Delete File:",
    "*** Move to:",
    "diff --git ",
    "index ",
    "--- ",
    "+++ ",
    "new file mode",
    "deleted file mode",
    "old mode",
    "new mode",
    "similarity index",
    "rename from",
    "rename to",
)


@dataclass
class Hunk:
    """One hunk: its lines as (op, text) with op in " -+", and where it is anchored."""

    lines: list[tuple[str, str]] = field(default_factory=list)
    old_start: int | None = None  # unified diffs: 1-based line of the old text
    # Codex "@@ class A" / "@@ def f():": lines to find, in order, before the hunk's own lines
    anchors: list[str] = field(default_factory=list)
    at_eof: bool = False

    @property
    def old(self) -> list[str]:
        return [text for op, text in self.lines if op != "+"]

    @property
    def new(self) -> list[str]:
        return [text for op, text in self.lines if op != "-"]


def parse_hunks(patch: str) -> list[Hunk] | None:
    """The hunks of a one-file patch, or None when a line is neither header nor hunk line."""
    hunks: list[Hunk] = []
    current: Hunk | None = None
    for line in patch.rstrip("\n").split("\n"):
        if line.startswith("*** End Patch"):
            break
        if line.startswith("*** End of File"):
            if current is not None:
                current.at_eof = True
            continue
        if line.startswith("@@"):
            match = _UNIFIED_HUNK_RE.match(line)
            anchor = line[3:] if match is None and line.startswith("@@ ") else ""
            if current is None or current.lines or match is not None:
                current = Hunk(old_start=int(match.group(1)) if match is not None else None)
                hunks.append(current)
            if anchor.strip():  # consecutive "@@ ..." lines narrow the place down step by step
                current.anchors.append(anchor)
            continue
        if current is None and (line.startswith(_HEADER_PREFIXES) or not line.strip()):
            continue  # headers (and blank lines) before the first hunk
        if line.startswith("\\"):
            continue  # "\ No newline at end of file"
        op = line[:1] if line else " "
        if op not in " -+":
            return None
        if current is None:  # Codex: the first hunk may come without "@@"
            current = Hunk()
            hunks.append(current)
        current.lines.append((op, line[1:]))
    while hunks and not hunks[-1].lines:
        hunks.pop()
    return hunks


def added_content(patch: str) -> str | None:
    """The content a file-creating patch gives (every hunk line added), or None if it is not
    one: then the patch text is the content itself."""
    hunks = parse_hunks(patch)
    if not hunks or any(op != "+" for hunk in hunks for op, _ in hunk.lines):
        return None
    return "\n".join(text for hunk in hunks for _, text in hunk.lines) + "\n"


def creates_file(hunks: list[Hunk]) -> bool:
    """A unified diff against /dev/null: every hunk adds at line 0 and removes nothing."""
    return bool(hunks) and all(h.old_start == 0 and not h.old for h in hunks)


def apply_patch(content: str, patch: str) -> str | None:
    """`content` with the patch applied, or None when any hunk does not match it."""
    hunks = parse_hunks(patch)
    if not hunks:
        return None
    trailing = content.endswith("\n")
    lines = content.split("\n")
    if trailing or content == "":
        lines = lines[:-1]
    position = 0
    delta = 0  # how many lines earlier hunks added (unified line numbers are the old file's)
    for hunk in hunks:
        old, new = hunk.old, hunk.new
        start = position
        for anchor in hunk.anchors:
            found = _seek(lines, [anchor], start)
            if found is None:  # a locator only, so indentation may differ (as Codex allows)
                found = next(
                    (i for i in range(start, len(lines)) if lines[i].strip() == anchor.strip()),
                    None,
                )
            if found is None:
                return None
            start = found + 1
        index = _place(lines, hunk, old, start, delta)
        if index is None:
            return None
        lines[index : index + len(old)] = new
        position = index + len(new)
        delta += len(new) - len(old)
    if not lines:
        return ""
    return "\n".join(lines) + ("\n" if trailing or content == "" else "")


def _place(lines: list[str], hunk: Hunk, old: list[str], start: int, delta: int) -> int | None:
    """Where the hunk's old lines sit: at the stated line when they match there, else the first
    match from `start`; an insertion without context goes at its line or the end."""
    if hunk.old_start is not None:
        expected = max(hunk.old_start - 1 + delta, 0) if old else hunk.old_start + delta
        if not old:
            return min(max(expected, start), len(lines))
        if expected >= start and _matches(lines, old, expected):
            return expected
    if not old:
        return len(lines)  # Codex: a hunk of additions only is appended
    if hunk.at_eof:
        end = len(lines) - len(old)
        if end >= start and _matches(lines, old, end):
            return end
    return _seek(lines, old, start)


def _seek(lines: list[str], wanted: list[str], start: int) -> int | None:
    for strict in (True, False):
        for index in range(start, len(lines) - len(wanted) + 1):
            if _matches(lines, wanted, index, strict=strict):
                return index
    return None


def _matches(lines: list[str], wanted: list[str], index: int, *, strict: bool = False) -> bool:
    if index + len(wanted) > len(lines):
        return False
    window = lines[index : index + len(wanted)]
    if strict:
        return window == wanted
    return all(a.rstrip() == b.rstrip() for a, b in zip(window, wanted, strict=True))
