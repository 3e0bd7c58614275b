"""A candidate session's bytes, parsed once, as far as detection needs.

Session files are JSONL (Claude Code, Codex CLI), JSON (Gemini CLI, Cline, Copilot Chat),
Markdown (Aider) or SQLite (Cursor). Detection must be cheap, since every JSON or text source
is a candidate, so `head` holds only the first records; `records()` then streams the rest one
line at a time, so that a session file of hundreds of megabytes is never held as parsed JSON
all at once. A malformed line is skipped and counted in `skipped`, never fatal.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cached_property

from contextd.pipeline.types import Fetched

HEAD_RECORDS = 50
SQLITE_MAGIC = b"SQLite format 3\x00"


def _lines(content: bytes) -> Iterator[bytes]:
    start = 0
    while start < len(content):
        end = content.find(b"\n", start)
        if end == -1:
            end = len(content)
        yield content[start:end]
        start = end + 1


def _record(line: bytes) -> dict[str, object] | None:
    line = line.strip()
    if not line:
        return None
    try:
        value = json.loads(line)
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


class SessionInput:
    """The input of the session readers: `kind` is "jsonl", "json", "sqlite" or "text"."""

    def __init__(self, fetched: Fetched) -> None:
        self.fetched = fetched
        self.skipped = 0  # malformed JSONL lines met by `records()`

    @cached_property
    def kind(self) -> str:
        content = self.fetched.content
        if content.startswith(SQLITE_MAGIC):
            return "sqlite"
        start = content.lstrip()[:1]
        if start == b"{":
            lines = [line for line in _lines(content[: 1 << 20]) if line.strip()]
            if len(lines) > 1 and _record(lines[0]) is not None:
                return "jsonl"
        if start in (b"{", b"["):
            return "json"
        return "text"

    @cached_property
    def head(self) -> tuple[dict[str, object], ...]:
        """The first records: JSONL lines, or a JSON document's top-level objects (the document
        itself when it is an object). Empty for other kinds."""
        if self.kind == "jsonl":
            found: list[dict[str, object]] = []
            for line in _lines(self.fetched.content):
                record = _record(line)
                if record is not None:
                    found.append(record)
                    if len(found) == HEAD_RECORDS:
                        break
            return tuple(found)
        if self.kind == "json":
            value = self.json
            if isinstance(value, dict):
                return (value,)
            if isinstance(value, list):
                return tuple(v for v in value[:HEAD_RECORDS] if isinstance(v, dict))
        return ()

    @cached_property
    def json(self) -> object:
        """The whole JSON document (kind "json"), or None when it does not parse."""
        try:
            return json.loads(self.text)
        except (ValueError, RecursionError):
            return None

    @cached_property
    def text(self) -> str:
        return self.fetched.content.decode(self.fetched.charset or "utf-8", errors="replace")

    def records(self) -> Iterator[dict[str, object]]:
        """Every JSONL record in order, one line at a time; malformed lines are counted in
        `skipped` and left out."""
        self.skipped = 0
        for line in _lines(self.fetched.content):
            if not line.strip():
                continue
            record = _record(line)
            if record is None:
                self.skipped += 1
                continue
            yield record
