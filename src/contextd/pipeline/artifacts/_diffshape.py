"""Recognise a diff or patch by its shape, not by the code it changes.

A diff's changed lines are code of another language, so syntax cues alone read a patch of
Elixir as Elixir. The format is fixed, though (GNU diff's unified and context formats, git's
extended headers), so the block's line structure decides:

* a block with a hunk header (`@@ -1,3 +1,4 @@`, a bare `@@`, or context format's
  `*** 1,3 ****`) or file headers (`diff --git`, `--- a` followed by `+++ b`, `*** a` followed
  by `--- b`) is a diff when nearly every other line is a body line (`+`, `-`, space, `!`,
  `\\ No newline`) and at least one line adds or removes;
* a block without headers is a diff only when every line is a body line and it both adds and
  removes at column 0: YAML and Markdown lists only ever use `-` (or one marker per level), and
  comment lines (`--` of SQL, Haskell, Lua) never alternate with `+` lines.
"""

from __future__ import annotations

import re

_HUNK_RE = re.compile(
    r"^(?:@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@|@@+\s*$|@@ .* @@|\*\*\* \d+(?:,\d+)? \*\*\*\*"
    r"|--- \d+(?:,\d+)? ----|\*{15}$)"
)
# git's extended headers and other lines a patch may carry between files.
_META_RE = re.compile(
    r"^(?:diff (?:--git|--cc|-[a-zA-Z]+)\s|index [0-9a-f]{4,}\.\.[0-9a-f]{4,}|Index: \S"
    r"|(?:new|deleted) file mode \d+|(?:old|new) mode \d+|similarity index \d+%"
    r"|dissimilarity index \d+%|rename (?:from|to) \S|copy (?:from|to) \S|Binary files \S"
    r"|\\ No newline at end of file)"
)
# File headers come in pairs: unified `--- old` then `+++ new`, context `*** old` then `--- new`.
_FILE_PAIRS = (("--- ", "+++ "), ("*** ", "--- "))
_BODY_PREFIXES = ("+", "-", " ", "!", "\t")
_MIN_BODY_SHARE = 0.9  # LLM-written patches sometimes leave a line unprefixed ("...")


def is_diff(sample: str) -> bool:
    """Whether `sample` is a unified or context diff, a git patch, or a bare +/- change list."""
    lines = [line for line in sample.split("\n") if line.strip()]
    if len(lines) < 2:
        return False
    headers = 0
    body = 0
    changes = 0
    previous = ""
    for line in lines:
        if _HUNK_RE.match(line) or _META_RE.match(line):
            headers += 1
        elif any(previous.startswith(a) and line.startswith(b) for a, b in _FILE_PAIRS):
            headers += 1
            if previous.startswith("-"):  # the `--- a/x` line was counted as a removal
                headers, body, changes = headers + 1, body - 1, changes - 1
        elif line.startswith(_BODY_PREFIXES):
            body += 1
            changes += line[0] in "+-!"
        previous = line
    if headers:
        others = len(lines) - headers - body
        return changes > 0 and others <= (1 - _MIN_BODY_SHARE) * len(lines)
    return _is_bare_change_list(lines)


# A changed line of a headerless change list: not `++`/`--` (Elixir, comments), not `+(`/`- (`
# (Julia's operator methods, Objective-C's method declarations), not `+--+` (table borders),
# not Brainfuck's `+[->` or its legend `+ : ...`, nor a signed number (`+0 == -0`), nor Pug's
# mixin calls (`+basic`, `+comment("Bob")`); it changes something with a letter.
_CHANGED = r"(?!\s*[-+=(<>\[\].,:\d])(?=.*[A-Za-z_])"
_ADDED_RE = re.compile(r"^\+(?![\w-]+(?:\(.*\))?$)" + _CHANGED)
_REMOVED_RE = re.compile(r"^-" + _CHANGED)


# A Markdown `+`/`-` bullet of prose ("+ Output arguments"): a capitalised word, more words.
_PROSE_RE = re.compile(r"^[-+]\s*[A-Z][a-z']*\s+[\w ,.;:/'-]*$")


def _is_bare_change_list(lines: list[str]) -> bool:
    added = sum(1 for line in lines if _ADDED_RE.match(line))
    removed = sum(1 for line in lines if _REMOVED_RE.match(line))
    prose = sum(1 for line in lines if _PROSE_RE.match(line))
    return added > 0 and added + removed >= 2 and 2 * prose < added + removed
