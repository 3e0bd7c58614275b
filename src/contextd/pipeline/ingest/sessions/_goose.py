"""Goose (block/goose) sessions, in both the forms Goose has kept them.

Until version 1.10 each session was a JSONL file, `~/.local/share/goose/sessions/<id>.jsonl`:
a first line of metadata (`working_dir`, `description`, `message_count`, token counts) and
one `Message` a line. Goose now keeps every session in one SQLite database, `sessions.db` in
the same folder (it imports the JSONL files into it once): a `sessions` table (`id`, `name`,
`description`, `working_dir`, `created_at`, `updated_at`) and a `messages` table whose
`content_json` is a message's content list (`role` and `created_timestamp` in their own
columns). A database holds many sessions and a source is one conversation: `read` takes the
session with the most messages and says in the metadata how many there were (`sessions`), as
the Cursor reader does with Cursor's database.

A `Message` is `{id, role: user|assistant, created: <epoch seconds>, content: [...],
metadata: {userVisible, agentVisible}}`; content items are tagged by `type`: `text`,
`thinking`, `toolRequest` (`toolCall`: `{status: success, value: {name, arguments}}` or
`{status: error, error}`), `toolResponse` (`toolResult`: a `CallToolResult` with `content`
and `isError`, or the older bare content list), confirmations and notifications. Tool results
come back in user messages, so a user message holding only results is not a user turn. A
message hidden from the user (a compaction's summary, written for the model) is left out, as
Goose leaves it out of its own view.

Tool names are namespaced by extension (`developer__shell`); the developer extension's tools
are `shell`, `text_editor` (`command` write/str_replace/insert/view) in its first form, and
`write`/`edit` (`before`, `after`) in the current one.
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
    as_text,
    describe,
    items,
    mapping,
    short,
    string,
    title_from,
    with_result,
)
from contextd.pipeline.ingest.sessions._cursor import _database
from contextd.pipeline.ingest.sessions._input import SessionInput
from contextd.pipeline.ingest.sessions._model import Session, SessionReader
from contextd.pipeline.types import Action, FileEdit, FileWrite, ShellCommand, ToolCall

AGENT = "goose"
SPEAKER = "Goose"
_CONTENT_TYPES = {
    "text", "image", "toolRequest", "toolResponse", "thinking", "redactedThinking",
    "toolConfirmationRequest", "actionRequired", "frontendToolRequest", "systemNotification",
}  # fmt: skip
_SCHEMA = (b"content_json", b"working_dir")  # both in the first pages of Goose's database
_SCHEMA_BYTES = 1 << 20
_SUMMARY_KEYS = ("path", "file_path", "pattern", "query", "url")
_EXIT_LINE = re.compile(r"Command exited with code (-?\d+)\s*$")


# --- detection ----------------------------------------------------------------------------------


def _is_metadata(record: Mapping[str, object]) -> bool:
    return "working_dir" in record and ("description" in record or "message_count" in record)


def _is_message(record: Mapping[str, object]) -> bool:
    content = record.get("content")
    return (
        record.get("role") in ("user", "assistant")
        and isinstance(record.get("created"), int)
        and isinstance(content, list)
        and all(mapping(part).get("type") in _CONTENT_TYPES for part in content)
    )


def _detect(candidate: SessionInput) -> bool:
    if candidate.kind == "sqlite":
        head = candidate.fetched.content[:_SCHEMA_BYTES]
        return all(head.find(mark) != -1 for mark in _SCHEMA)
    if candidate.kind != "jsonl" or not candidate.head:
        return False
    first, rest = candidate.head[0], candidate.head[1:]
    if _is_metadata(first):
        return not rest or _is_message(rest[0])
    messages = [record for record in candidate.head if _is_message(record)]
    if len(messages) != len(candidate.head):
        return False
    # The lines a growing file gained: Goose's visibility metadata or its tool parts.
    visibility = {"userVisible", "agentVisible"}
    return any(
        visibility <= mapping(message.get("metadata")).keys()
        or any(
            mapping(part).get("type") in ("toolRequest", "toolResponse")
            for part in items(message.get("content"))
        )
        for message in messages
    )


# --- tools --------------------------------------------------------------------------------------


def _call(call_id: str, request: Mapping[str, object]) -> ToolCall:
    """A `toolRequest` as a call; a request that did not parse keeps its error."""
    value = mapping(request.get("value"))
    full = string(value.get("name"))
    name = full.rsplit("__", 1)[-1]  # `developer__shell` -> `shell`
    arguments = mapping(value.get("arguments"))
    path = string(arguments.get("path"))
    command = string(arguments.get("command"))
    actions: tuple[Action, ...] = ()
    summary = path
    if name == "shell" and command:
        actions, summary = (ShellCommand(command=command),), short(command)
    elif name == "write" and path:
        actions = (FileWrite(path, string(arguments.get("content"))),)
    elif name == "edit" and path:
        actions = (FileEdit(path, string(arguments.get("before")), string(arguments.get("after"))),)
    elif name == "text_editor" and path and command == "write":
        actions = (FileWrite(path, string(arguments.get("file_text"))),)
    elif name == "text_editor" and path and command == "str_replace":
        actions = (
            FileEdit(path, string(arguments.get("old_str")), string(arguments.get("new_str"))),
        )
    if not summary:
        summary = describe(arguments, _SUMMARY_KEYS)
    call = ToolCall(name=full or "tool", summary=summary, actions=actions, id=call_id or None)
    if request.get("status") == "error":
        return with_result(call, string(request.get("error")), error=True)
    return call


def _result(call: ToolCall, response: Mapping[str, object]) -> ToolCall:
    if response.get("status") == "error":
        return with_result(call, string(response.get("error")), error=True)
    value = response.get("value")
    if isinstance(value, list):  # sessions before `CallToolResult`: the content list itself
        return with_result(call, _content_text(value), error=False)
    result = mapping(value)
    code = mapping(result.get("structuredContent")).get("exit_code")  # the shell's, since 1.9
    output = _content_text(result.get("content"))
    if not isinstance(code, int) or isinstance(code, bool):
        found = _EXIT_LINE.search(output)
        code = int(found.group(1)) if found else None
    if code is not None:
        actions = tuple(
            ShellCommand(a.command, code) if isinstance(a, ShellCommand) else a
            for a in call.actions
        )
        call = ToolCall(call.name, call.summary, actions=actions, id=call.id)
    return with_result(call, output, error=result.get("isError") is True or bool(code))


def _content_text(content: object) -> str:
    """MCP content as text; a part written for the user only (`audience: ["user"]`) is left
    out, since Goose sends the model its twin."""
    texts = []
    for part in map(mapping, items(content)):
        audience = items(mapping(part.get("annotations")).get("audience"))
        if audience and "assistant" not in audience:
            continue
        texts.append(as_text(part))
    return "\n".join(text for text in texts if text)


# --- reading ------------------------------------------------------------------------------------


def _turns(messages: Iterable[Mapping[str, object]], span: Span) -> Drafts:
    drafts = Drafts()
    for message in messages:
        if mapping(message.get("metadata")).get("userVisible") is False:
            continue
        stamp = span.see(message.get("created"))
        role = string(message.get("role"))
        speaker = SPEAKER if role == "assistant" else "User"
        draft = drafts.open(role, speaker, stamp)
        for part in map(mapping, items(message.get("content"))):
            kind = part.get("type")
            if kind == "text" and string(part.get("text")).strip():
                draft.texts.append(string(part.get("text")))
            elif kind == "thinking" and string(part.get("thinking")).strip():
                draft.thinking.append(string(part.get("thinking")))
            elif kind in ("toolRequest", "frontendToolRequest"):
                call = _call(string(part.get("id")), mapping(part.get("toolCall")))
                drafts.add_call(draft, call)
            elif kind == "toolResponse":
                call_id = string(part.get("id"))
                found = drafts.call(call_id)
                if found is not None:
                    drafts.replace(call_id, _result(found, mapping(part.get("toolResult"))))
    return drafts


def _session(
    messages: list[Mapping[str, object]], info: Mapping[str, object], skipped: int
) -> Session:
    span = Span()
    turns = _turns(messages, span).turns()
    meta: dict[str, object] = {"agent": AGENT}
    if string(info.get("id")):
        meta["session_id"] = string(info.get("id"))
    if string(info.get("working_dir")):
        meta["cwd"] = string(info.get("working_dir"))
    span.see(info.get("created_at"))
    span.see(info.get("updated_at"))
    meta.update(span.meta())
    meta["skipped_lines"] = skipped
    title = string(info.get("name")) or string(info.get("description")) or title_from(turns)
    return Session(format=AGENT, title=title or None, turns=turns, meta=meta)


def _read_jsonl(candidate: SessionInput) -> Session:
    info: Mapping[str, object] = {}
    messages: list[Mapping[str, object]] = []
    unread = 0
    for index, record in enumerate(candidate.records()):
        if index == 0 and _is_metadata(record):
            info = record
        elif _is_message(record) or isinstance(record.get("content"), list):
            messages.append(record)
        else:
            unread += 1
    name = candidate.fetched.filename or ""
    if name.endswith(".jsonl") and not string(info.get("id")):
        info = {**info, "id": name.rsplit("/", 1)[-1].removesuffix(".jsonl")}
    return _session(messages, info, candidate.skipped + unread)


def _rows(
    connection: sqlite3.Connection, session_id: str
) -> tuple[list[Mapping[str, object]], int]:
    """A session's messages as `Message`s, and how many rows did not parse."""
    messages: list[Mapping[str, object]] = []
    broken = 0
    query = (
        "SELECT role, content_json, created_timestamp FROM messages "
        "WHERE session_id = ? ORDER BY id"
    )
    for role, content, created in connection.execute(query, (session_id,)):
        try:
            parts = json.loads(content)
        except (TypeError, ValueError, RecursionError):
            broken += 1
            continue
        messages.append({"role": role, "created": created, "content": items(parts)})
    return messages, broken


def _read_database(candidate: SessionInput) -> Session:
    empty = Session(AGENT, None, (), {"agent": AGENT, "sessions": 0})
    try:
        with _database(candidate.fetched.content) as connection:
            connection.row_factory = sqlite3.Row
            counts = connection.execute(
                "SELECT session_id, COUNT(*) AS n FROM messages GROUP BY session_id"
            ).fetchall()
            if not counts:
                return empty
            chosen = max(counts, key=lambda row: row["n"])["session_id"]
            row = connection.execute("SELECT * FROM sessions WHERE id = ?", (chosen,)).fetchone()
            info = dict(row) if row is not None else {"id": chosen}
            messages, broken = _rows(connection, chosen)
            total = connection.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]
    except sqlite3.DatabaseError:
        return replace(empty, meta={"agent": AGENT, "skipped_lines": 1})
    session = _session(messages, info, broken)
    return replace(session, meta={**session.meta, "sessions": total})


def _read(candidate: SessionInput) -> Session:
    if candidate.kind == "sqlite":
        return _read_database(candidate)
    return _read_jsonl(candidate)


READER = SessionReader(AGENT, _detect, _read)
