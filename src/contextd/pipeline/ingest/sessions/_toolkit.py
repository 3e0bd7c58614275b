"""Small helpers the Cline, Aider, Copilot and Cursor readers share.

Tool outputs are cut here, once, so that every reader bounds them the same way: a session
that ran a test suite two hundred times must not store two hundred full logs in its turns.
Errors are kept shorter still, but verbatim, since their exact wording is what a resumed
session needs. SEARCH/REPLACE blocks are parsed here because Cline, Roo Code and Aider all
write them (with slightly different markers).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from contextd.pipeline.ingest.conversations import parse_timestamp
from contextd.pipeline.types import ToolCall

OUTPUT_LIMIT = 2000  # characters of a tool's output kept in the turn
ERROR_LIMIT = 800  # characters of an error kept (verbatim)


def as_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def as_dict(value: object) -> dict[str, object] | None:
    return value if isinstance(value, dict) else None


def as_list(value: object) -> list[object]:
    return value if isinstance(value, list) else []


def clip(text: str, limit: int = OUTPUT_LIMIT) -> tuple[str, int]:
    """`text` cut to `limit` characters, and how many were cut."""
    text = text.strip("\n")
    if len(text) <= limit:
        return text, 0
    return text[:limit], len(text) - limit


def with_result(call: ToolCall, output: str, *, error: bool) -> ToolCall:
    """`call` with its result: status, and the output bounded (errors shorter)."""
    kept, cut = clip(output, ERROR_LIMIT if error else OUTPUT_LIMIT)
    return ToolCall(
        name=call.name,
        summary=call.summary,
        status="error" if error else "ok",
        output=kept,
        output_cut=cut,
        actions=call.actions,
        id=call.id,
    )


def one_line(text: str, limit: int = 200) -> str:
    """A summary: the text's first line, bounded."""
    line = text.strip().split("\n", 1)[0].strip()
    return line if len(line) <= limit else line[: limit - 1] + "…"


def timestamp(value: object) -> datetime | None:
    """Epoch milliseconds (what the VS Code agents write) or an ISO 8601 string."""
    if isinstance(value, str):
        return parse_timestamp(value)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    seconds = value / 1000 if value > 10**11 else value
    try:
        return datetime.fromtimestamp(seconds, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


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
