"""What listing a coding agent's local sessions needs, shared by the agents' listers: the
session's record (`LocalSession`), the first records of a JSONL file, a prompt as a title, the
messages of a JSON session. Reading only this much keeps listing cheap: the server reads the
sessions themselves."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

MAIN = "main"
HEAD_LINES = 400
TITLE_WORDS = 8
# Lines that are turns, for the dry run's estimate (compact JSON, as the agents write it).
TURN_MARKERS = {
    "claude-code": (b'"type":"user"', b'"type":"assistant"'),
    "codex": (b'"type":"user_message"', b'"type":"agent_message"'),
    "aider": (b"#### ",),
    "qwen": (b'"type":"user"', b'"type":"assistant"'),
    "pi": (b'"role":"user"', b'"role":"assistant"'),
    "goose": (b'"role":"user"', b'"role":"assistant"'),
}

ITEMS_KEYS = ("messages", "history")


@dataclass(frozen=True)
class LocalSession:
    """One session on disk: `files` maps the record's names (`main`, `subagents/<file>`) to
    paths, main first. `kind` is `lines` (append-only) or `json` (rewritten whole)."""

    agent: str
    id: str
    project: str
    files: dict[str, Path]
    title: str
    started: datetime | None
    updated: datetime | None
    size: int
    kind: str
    turns: int

    @property
    def name(self) -> str:
        """The source's name: the first prompt's first words and the session's date."""
        when = self.started or self.updated
        return f"{self.title} ({when.date().isoformat()})" if when else self.title


def when(value: object) -> datetime | None:
    """An ISO string or epoch (seconds or milliseconds) as an aware datetime."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return datetime.fromtimestamp(float(seconds), tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str) and value.strip():
        try:
            parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def head_records(path: Path, limit: int = HEAD_LINES) -> list[dict[str, Any]]:
    """The first JSON objects of a JSONL file; malformed lines are skipped."""
    found: list[dict[str, Any]] = []
    with path.open("rb") as handle:
        for number, line in enumerate(handle):
            if number >= limit:
                break
            try:
                value = json.loads(line)
            except ValueError:
                continue
            if isinstance(value, dict):
                found.append(value)
    return found


def text_of(content: object) -> str:
    """The text of a message's content: a string, or the text blocks of a block list."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = [text_of(b.get("text")) for b in content if isinstance(b, dict)]
        return " ".join(p for p in parts if p)
    return ""


def title_of(prompt: str) -> str:
    prompt = re.sub(r"<[^>]{1,40}>", " ", prompt)
    words = prompt.split()
    title = " ".join(words[:TITLE_WORDS]) or "Untitled session"
    return title if len(title) <= 80 else title[:79] + "…"


def is_prompt(text: str) -> bool:
    """A user's own prompt, not an injected context block (`<environment_context>`, ...)."""
    stripped = text.strip()
    return bool(stripped) and not stripped.startswith(("<", "Caveat:"))


def count_lines(path: Path, markers: Sequence[bytes]) -> int:
    total = 0
    with path.open("rb") as handle:
        for line in handle:
            if any(line.startswith(m) if m == b"#### " else m in line for m in markers):
                total += 1
    return total


def mtime(path: Path) -> datetime:
    return datetime.fromtimestamp(path.stat().st_mtime, tz=UTC)


def local_session(
    agent: str,
    session_id: str,
    project: str,
    files: dict[str, Path],
    prompt: str,
    stamps: Sequence[datetime],
    kind: str,
    turns: int | None = None,
) -> LocalSession:
    markers = TURN_MARKERS.get(agent, ())
    if turns is None:
        turns = sum(count_lines(p, markers) for p in files.values()) if markers else 0
        turns = turns * 2 if agent == "aider" else turns
    return LocalSession(
        agent=agent,
        id=session_id,
        project=project,
        files=files,
        title=title_of(prompt),
        started=min(stamps) if stamps else None,
        updated=max(mtime(p) for p in files.values()),
        size=sum(p.stat().st_size for p in files.values()),
        kind=kind,
        turns=turns,
    )


def json_items(data: Any) -> list[Any] | None:
    """The messages of a JSON session: a list, or a document's `messages` (Gemini CLI) or
    `history` (Continue)."""
    if isinstance(data, list):
        return data
    for key in ITEMS_KEYS:
        if isinstance(data, dict) and isinstance(data.get(key), list):
            return list(data[key])
    return None


def load_json(path: Path) -> Any:
    try:
        with path.open("rb") as handle:
            return json.load(handle)
    except (OSError, ValueError):
        return None
