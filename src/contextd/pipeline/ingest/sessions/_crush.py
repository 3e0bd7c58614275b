"""Crush (charmbracelet/crush) sessions: the SQLite database `<project>/.crush/crush.db`.

Crush keeps one database per project: `sessions` (`id`, `parent_session_id`, `title`,
`message_count`, token counts, `created_at`/`updated_at`, in Unix seconds or milliseconds
depending on the version) and `messages` (`session_id`, `role` user/assistant/tool/system,
`model`, `provider`, and `parts`: a JSON list of `{type, data}` — `text`, `reasoning`
(`thinking`), `tool_call` (`id`, `name`, `input` as a JSON string), `tool_result`
(`tool_call_id`, `content`, `is_error`), `shell_command` (a `!` command the user ran, with its
`exit_code`), `finish`, images). Tool results come in `tool` messages. A source is one
conversation: `read` takes the top-level session with the most messages (a sub-agent's
session points at its parent) and says how many sessions the database holds (`sessions`).
"""

from __future__ import annotations

import json
import re
import sqlite3
from collections.abc import Iterable, Mapping
from dataclasses import replace

from contextd.pipeline.ingest.sessions._calls import (
    Drafts,
    Span,
    describe,
    items,
    json_object,
    mapping,
    short,
    string,
    title_from,
    with_result,
)
from contextd.pipeline.ingest.sessions._cursor import _database
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
)

AGENT = "crush"
SPEAKER = "Crush"
_SCHEMA = (b"parent_session_id", b"completion_tokens", b"parts")
_SCHEMA_BYTES = 1 << 20
_SUMMARY_KEYS = ("file_path", "pattern", "path", "query", "url", "prompt")
# What Crush's bash tool appends to the output of a command that failed or was stopped.
_EXIT_LINE = re.compile(r"^Exit code (-?\d+)\s*$", re.MULTILINE)
_ABORTED = "Command was aborted before completion"


def _detect(candidate: SessionInput) -> bool:
    head = candidate.fetched.content[:_SCHEMA_BYTES]
    return candidate.kind == "sqlite" and all(head.find(mark) != -1 for mark in _SCHEMA)


def _edit(path: str, arguments: Mapping[str, object]) -> FileEdit:
    return FileEdit(
        path=path,
        old=string(arguments.get("old_string")),
        new=string(arguments.get("new_string")),
        replace_all=arguments.get("replace_all") is True,
    )


def _todos(arguments: Mapping[str, object]) -> TodoList:
    todo_items: list[TodoItem] = []
    for todo in map(mapping, items(arguments.get("todos"))):
        if string(todo.get("content")):
            status = string(todo.get("status")) or "pending"
            todo_items.append(TodoItem(text=string(todo.get("content")), status=status))
    return TodoList(items=tuple(todo_items))


def _call(data: Mapping[str, object]) -> ToolCall:
    name = string(data.get("name"))
    arguments = json_object(data.get("input"))
    path = string(arguments.get("file_path"))
    actions: tuple[Action, ...] = ()
    summary = path
    if name == "write" and path:
        actions = (FileWrite(path=path, content=string(arguments.get("content"))),)
    elif name == "edit" and path:
        actions = (_edit(path, arguments),)
    elif name == "multiedit" and path:
        actions = tuple(_edit(path, mapping(edit)) for edit in items(arguments.get("edits")))
    elif name == "bash":
        command = string(arguments.get("command"))
        actions = (ShellCommand(command=command),) if command else ()
        summary = short(command)
    elif name == "todos":
        todos = _todos(arguments)
        actions = (todos,)
        summary = f"{len(todos.items)} items"
    if not summary:
        summary = describe(arguments, _SUMMARY_KEYS)
    return ToolCall(name=name, summary=summary, actions=actions, id=string(data.get("id")) or None)


def _result(call: ToolCall, data: Mapping[str, object]) -> ToolCall:
    """`call` with its result; a bash command's exit code is read from its output (Crush
    appends `Exit code N` when it is not 0)."""
    output = string(data.get("content"))
    error = data.get("is_error") is True
    if any(isinstance(action, ShellCommand) for action in call.actions):
        found = _EXIT_LINE.search(output)
        code = int(found.group(1)) if found else None
        if code is None and not error and _ABORTED not in output:
            code = 0
        actions = tuple(
            ShellCommand(a.command, code) if isinstance(a, ShellCommand) else a
            for a in call.actions
        )
        call = ToolCall(call.name, call.summary, actions=actions, id=call.id)
        error = error or bool(code)
    return with_result(call, output, error=error)


def _turns(rows: Iterable[Mapping[str, object]], span: Span, meta: dict[str, object]) -> Drafts:
    drafts = Drafts()
    for row in rows:
        role = string(row.get("role"))
        stamp = span.see(row.get("created_at"))
        parts = [mapping(part) for part in items(row.get("parts"))]
        if role == "tool":
            for part in parts:
                data = mapping(part.get("data"))
                call_id = string(data.get("tool_call_id"))
                found = drafts.call(call_id) if part.get("type") == "tool_result" else None
                if found is not None:
                    drafts.replace(call_id, _result(found, data))
            continue
        if role not in ("user", "assistant"):
            continue
        if role == "assistant" and string(row.get("model")):
            meta["model"] = string(row.get("model"))
        draft = drafts.open(role, SPEAKER if role == "assistant" else "User", stamp)
        for part in parts:
            kind, data = part.get("type"), mapping(part.get("data"))
            if kind == "text" and string(data.get("text")).strip():
                draft.texts.append(string(data.get("text")))
            elif kind == "reasoning" and string(data.get("thinking")).strip():
                draft.thinking.append(string(data.get("thinking")))
            elif kind == "tool_call":
                drafts.add_call(draft, _call(data))
            elif kind == "shell_command":
                command, code = string(data.get("command")), data.get("exit_code")
                exit_code = code if isinstance(code, int) and not isinstance(code, bool) else None
                call = ToolCall("bash", short(command), actions=(ShellCommand(command, exit_code),))
                draft.calls.append(with_result(call, string(data.get("output")), error=bool(code)))
    return drafts


def _messages(
    connection: sqlite3.Connection, session_id: str
) -> tuple[list[dict[str, object]], int]:
    rows: list[dict[str, object]] = []
    broken = 0
    query = "SELECT * FROM messages WHERE session_id = ? ORDER BY created_at, rowid"
    for row in connection.execute(query, (session_id,)):
        record = dict(row)
        try:
            record["parts"] = json.loads(string(record.get("parts")) or "[]")
        except (ValueError, RecursionError):
            broken += 1
            continue
        rows.append(record)
    return rows, broken


def _read(candidate: SessionInput) -> Session:
    empty = Session(AGENT, None, (), {"agent": AGENT, "sessions": 0})
    try:
        with _database(candidate.fetched.content) as connection:
            connection.row_factory = sqlite3.Row
            sessions = [dict(row) for row in connection.execute("SELECT * FROM sessions")]
            counts = dict(
                connection.execute(
                    "SELECT session_id, COUNT(*) FROM messages GROUP BY session_id"
                ).fetchall()
            )
            top = [s for s in sessions if not s.get("parent_session_id")] or sessions
            if not top:
                return empty
            chosen = max(top, key=lambda s: counts.get(s.get("id"), 0))
            rows, broken = _messages(connection, string(chosen.get("id")))
    except sqlite3.DatabaseError:
        return replace(empty, meta={"agent": AGENT, "skipped_lines": 1})
    span = Span()
    meta: dict[str, object] = {"agent": AGENT, "session_id": string(chosen.get("id"))}
    turns = _turns(rows, span, meta).turns()
    span.see(chosen.get("created_at"))
    span.see(chosen.get("updated_at"))
    meta.update(span.meta())
    meta["skipped_lines"] = broken
    meta["sessions"] = len(sessions)
    title = string(chosen.get("title")) or title_from(turns)
    return Session(format=AGENT, title=title or None, turns=turns, meta=meta)


READER = SessionReader(AGENT, _detect, _read)
