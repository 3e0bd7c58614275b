"""Cursor's local chat database, `state.vscdb` (SQLite), read with the standard library.

Cursor keeps each chat ("composer") in the `cursorDiskKV` table: `composerData:<composer>` holds
the chat's metadata and, in `fullConversationHeadersOnly`, the order of its messages
("bubbles"), each stored under `bubbleId:<composer>:<bubble>` (type 1 the user, type 2 the
assistant; `thinking`, and `toolFormerData` for a tool call whose `rawArgs`/`params` and
`result` are JSON written as strings). Older versions kept the bubbles inline, in the
composer's `conversation` list. Consecutive assistant bubbles (Cursor writes one per tool call)
form one turn.

One database holds every chat of a Cursor profile, but a source is one conversation: `read`
takes the composer with the most messages and says in the metadata how many there were
(`composers`); `read_all` gives every composer as its own session, for an importer that makes
one source per chat.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from urllib.parse import unquote

from contextd.pipeline.ingest.sessions._calls import (
    as_dict,
    as_str,
    iso,
    items,
    moment,
    one_line,
    with_result,
)
from contextd.pipeline.ingest.sessions._input import SessionInput
from contextd.pipeline.ingest.sessions._model import Session, SessionReader
from contextd.pipeline.types import (
    Action,
    FileEdit,
    FileWrite,
    ShellCommand,
    TodoItem,
    TodoList,
    ToolCall,
    Turn,
)

_TABLE = b"cursorDiskKV"
_SCHEMA_BYTES = 1 << 20  # the table's CREATE statement lives in the first pages
_SUMMARY_KEYS = (
    "target_file", "file_path", "path", "command", "query", "pattern", "search_term",
    "target_directory", "glob_pattern", "url",
)  # fmt: skip
_EXISTING_CODE = "... existing code ..."  # Cursor's `edit_file` sketches elide unchanged code
_TODO_STATUS = {"completed": "completed", "in_progress": "in_progress"}


def _detect(candidate: SessionInput) -> bool:
    content = candidate.fetched.content
    return candidate.kind == "sqlite" and content.find(_TABLE, 0, _SCHEMA_BYTES) != -1


def _json(value: object) -> object:
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="replace")
    if not isinstance(value, str):
        return None
    try:
        return json.loads(value)
    except (ValueError, RecursionError):
        return None


@contextlib.contextmanager
def _database(content: bytes) -> Iterator[sqlite3.Connection]:
    """The bytes as a read-only SQLite database (sqlite3 reads files, not buffers)."""
    handle, path = tempfile.mkstemp(suffix=".vscdb")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            yield connection
        finally:
            connection.close()
    finally:
        os.unlink(path)


def _todos(args: dict[str, object]) -> TodoList | None:
    todos = [
        TodoItem(
            as_str(item.get("content")) or "",
            _TODO_STATUS.get(as_str(item.get("status")) or "", "pending"),
        )
        for entry in items(args.get("todos"))
        if (item := as_dict(entry)) is not None
    ]
    return TodoList(tuple(todos)) if todos else None


def _actions(name: str, args: dict[str, object]) -> list[Action]:
    text = {k: v for k, v in args.items() if isinstance(v, str)}
    path = text.get("target_file") or text.get("file_path") or text.get("path") or ""
    base = name.removesuffix("_v2")
    if base == "run_terminal_cmd" and text.get("command"):
        return [ShellCommand(text["command"])]
    if base == "search_replace" and "old_string" in text:
        replace_all = args.get("replace_all") is True
        return [FileEdit(path, text["old_string"], text.get("new_string", ""), replace_all)]
    if base == "write" and "contents" in text:
        return [FileWrite(path, text["contents"])]
    if base == "edit_file" and "code_edit" in text and _EXISTING_CODE not in text["code_edit"]:
        return [FileWrite(path, text["code_edit"])]  # a sketch with no elision is the file
    if base == "todo_write" and (todos := _todos(args)) is not None:
        return [todos]
    return []


def _output(result: object) -> tuple[str, int | None]:
    """A tool's result (JSON in a string) as text, and the exit code when it has one."""
    parsed = _json(result)
    found = as_dict(parsed)
    if found is None:
        return (result if isinstance(result, str) else ""), None
    code = found.get("exitCode", found.get("exitCodeV2"))
    exit_code = code if isinstance(code, int) and not isinstance(code, bool) else None
    for key in ("output", "contents", "error", "message"):
        if isinstance(found.get(key), str):
            return str(found[key]), exit_code
    return "", exit_code  # a structured result with no text (diff chunks, flags): no output


def _call(data: dict[str, object]) -> ToolCall:
    name = as_str(data.get("name")) or "tool"
    args = as_dict(_json(data.get("rawArgs"))) or as_dict(_json(data.get("params"))) or {}
    actions = _actions(name, args)
    summary = next((str(args[k]) for k in _SUMMARY_KEYS if isinstance(args.get(k), str)), "")
    call = ToolCall(
        name, one_line(summary), actions=tuple(actions), id=as_str(data.get("toolCallId"))
    )
    status = as_str(data.get("status"))
    if status not in ("completed", "error", "cancelled", "rejected"):
        return call
    output, exit_code = _output(data.get("result"))
    if exit_code is not None:
        actions = [
            replace(a, exit_code=exit_code) if isinstance(a, ShellCommand) else a for a in actions
        ]
        call = replace(call, actions=tuple(actions))
    failed = status != "completed" or exit_code not in (None, 0)
    return with_result(call, output or ("" if not failed else status or "error"), error=failed)


@dataclass
class _Composer:
    turns: list[Turn] = field(default_factory=list)
    cwd: str | None = None

    def add(self, bubble: dict[str, object]) -> None:
        stamp = moment(bubble.get("createdAt"))
        text = (as_str(bubble.get("text")) or "").strip()
        if bubble.get("type") == 1:
            for uri in items(bubble.get("workspaceUris")):
                if self.cwd is None and isinstance(uri, str) and uri.startswith("file://"):
                    self.cwd = unquote(uri.removeprefix("file://"))
            if text:
                self.turns.append(Turn(len(self.turns), "User", "user", text, stamp))
            return
        thinking = as_str((as_dict(bubble.get("thinking")) or {}).get("text")) or ""
        tool = as_dict(bubble.get("toolFormerData"))
        calls = (_call(tool),) if tool is not None else ()
        if not (text or thinking.strip() or calls):
            return  # a streaming placeholder
        last = self.turns[-1] if self.turns else None
        if last is not None and last.role == "assistant":
            self.turns[-1] = replace(
                last,
                text="\n\n".join(t for t in (last.text, text) if t),
                thinking="\n\n".join(t for t in (last.thinking, thinking.strip()) if t),
                tool_calls=last.tool_calls + calls,
            )
            return
        self.turns.append(
            Turn(len(self.turns), "Cursor", "assistant", text, stamp, calls, thinking.strip())
        )


def _bubbles(
    connection: sqlite3.Connection, composer_id: str, data: dict[str, object]
) -> Iterator[dict[str, object] | None]:
    """The composer's bubbles in order; None for one that is missing or unreadable."""
    headers = items(data.get("fullConversationHeadersOnly"))
    if not headers:
        yield from (as_dict(b) for b in items(data.get("conversation")))
        return
    for header in headers:
        bubble_id = as_str((as_dict(header) or {}).get("bubbleId"))
        row = connection.execute(
            "SELECT value FROM cursorDiskKV WHERE key = ?", (f"bubbleId:{composer_id}:{bubble_id}",)
        ).fetchone()
        yield as_dict(_json(row[0])) if row is not None else None


def _session(connection: sqlite3.Connection, composer_id: str, data: dict[str, object]) -> Session:
    composer = _Composer()
    skipped = 0
    for bubble in _bubbles(connection, composer_id, data):
        if bubble is None:
            skipped += 1
        else:
            composer.add(bubble)
    model = as_str((as_dict(data.get("modelConfig")) or {}).get("modelName"))
    title = as_str(data.get("name")) or next(
        (one_line(t.text, 100) for t in composer.turns if t.role == "user"), None
    )
    created: datetime | None = moment(data.get("createdAt"))
    meta: dict[str, object] = {
        "agent": "cursor",
        "session_id": composer_id,
        "model": model if model != "default" else None,
        "cwd": composer.cwd,
        "started_at": iso(created),
        "ended_at": iso(moment(data.get("lastUpdatedAt"))),
        "skipped_lines": skipped,
    }
    return Session("cursor", title, tuple(composer.turns), {k: v for k, v in meta.items() if v})


def _composers(connection: sqlite3.Connection) -> list[tuple[str, dict[str, object]]]:
    try:
        rows = connection.execute(
            "SELECT key, value FROM cursorDiskKV WHERE key LIKE 'composerData:%'"
        ).fetchall()
    except sqlite3.DatabaseError:
        return []
    found = [(str(key).removeprefix("composerData:"), as_dict(_json(value))) for key, value in rows]
    return [(key, data) for key, data in found if data is not None]


def _created(data: dict[str, object]) -> float:
    created = data.get("createdAt")
    return float(created) if isinstance(created, int | float) else 0.0


def _size(data: dict[str, object]) -> int:
    return len(items(data.get("fullConversationHeadersOnly"))) or len(
        items(data.get("conversation"))
    )


def read_all(candidate: SessionInput) -> list[Session]:
    """Every composer of the database with at least one turn, oldest first."""
    try:
        with _database(candidate.fetched.content) as connection:
            composers = sorted(_composers(connection), key=lambda c: _created(c[1]))
            sessions = [_session(connection, key, data) for key, data in composers]
    except sqlite3.DatabaseError:
        return []
    return [s for s in sessions if s.turns]


def _read(candidate: SessionInput) -> Session:
    try:
        with _database(candidate.fetched.content) as connection:
            composers = _composers(connection)
            if not composers:
                return Session("cursor", None, (), {"agent": "cursor", "composers": 0})
            key, data = max(composers, key=lambda c: _size(c[1]))
            session = _session(connection, key, data)
    except sqlite3.DatabaseError:
        return Session("cursor", None, (), {"agent": "cursor", "skipped_lines": 1})
    return replace(session, meta={**session.meta, "composers": len(composers)})


READER = SessionReader("cursor", _detect, _read)
