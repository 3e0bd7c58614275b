"""SEARCH/REPLACE edit blocks, which Cline, Roo Code and Aider all write (with slightly
different markers), parsed once here for the three readers."""

from __future__ import annotations

import re

# `<<<<<<< SEARCH` / `=======` / `>>>>>>> REPLACE` (Aider, Cline, Roo Code), Cline's newer
# `------- SEARCH` / `+++++++ REPLACE`, and Aider's first `ORIGINAL` / `UPDATED` spelling.
_SEARCH = re.compile(r"^(?:<{5,9}|-{5,9}) ?(?:SEARCH|ORIGINAL)\s*$")
_DIVIDER = re.compile(r"^={5,9}\s*$")
_REPLACE = re.compile(r"^(?:>{5,9}|\+{5,9}) ?(?:REPLACE|UPDATED)\s*$")
# Roo Code's `apply_diff` puts `:start_line:N` and a `-------` line after the SEARCH marker.
_ROO_HINT = re.compile(r"^:(?:start|end)_line:\s*\d+\s*$")


def is_search_marker(line: str) -> bool:
    return _SEARCH.match(line) is not None


def search_replace(lines: list[str], start: int) -> tuple[str, str, int] | None:
    """The block whose SEARCH marker is `lines[start]`: (old, new, index after the REPLACE
    marker), or None when the block is not closed."""
    old: list[str] = []
    i = start + 1
    while i < len(lines) and _ROO_HINT.match(lines[i]):
        i += 1
    if i < len(lines) and lines[i].strip() == "-------" and i > start + 1:
        i += 1
    while i < len(lines) and not _DIVIDER.match(lines[i]):
        old.append(lines[i])
        i += 1
    if i == len(lines):
        return None
    new: list[str] = []
    i += 1
    while i < len(lines) and not _REPLACE.match(lines[i]):
        new.append(lines[i])
        i += 1
    if i == len(lines):
        return None
    return "\n".join(old), "\n".join(new), i + 1


def search_replace_blocks(text: str) -> list[tuple[str, str]]:
    """Every closed SEARCH/REPLACE block of `text`, as (old, new) pairs, in order."""
    lines = text.split("\n")
    blocks: list[tuple[str, str]] = []
    i = 0
    while i < len(lines):
        if is_search_marker(lines[i]):
            found = search_replace(lines, i)
            if found is not None:
                blocks.append((found[0], found[1]))
                i = found[2]
                continue
        i += 1
    return blocks
