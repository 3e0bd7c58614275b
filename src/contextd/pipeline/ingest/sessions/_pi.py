"""Pi coding agent (badlogic/pi-mono, `pi`) sessions: `~/.pi/agent/sessions/--<cwd>--/*.jsonl`.

The first line is the header (`{"type": "session", "id", "timestamp", "cwd"}`, with `version`
from version 2 on); every later line is an entry. Version 1 files are a plain sequence;
from version 2, entries carry `id`/`parentId` and form a tree, since `/tree` branches in place:
the conversation is the branch that ends at the last entry written (what pi resumes), so the
abandoned branches are left out, as an editor's undone edits would be. Messages are
`{"type": "message", "message": <AgentMessage>}` with roles `user`, `assistant` (content blocks
`text`, `thinking`, `toolCall`), `toolResult` (`toolCallId`, `isError`), and `bashExecution`
(a command the user ran with `!`, with its `exitCode`). Compactions and branch summaries are
kept as the summaries they are; model and thinking-level changes become metadata.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import datetime

from contextd.pipeline.ingest.sessions._calls import (
    Drafts,
    Span,
    as_text,
    describe,
    items,
    mapping,
    moment,
    short,
    string,
    title_from,
    with_result,
)
from contextd.pipeline.ingest.sessions._input import SessionInput
from contextd.pipeline.ingest.sessions._model import Session, SessionReader
from contextd.pipeline.types import Action, FileEdit, FileWrite, ShellCommand, ToolCall

AGENT = "pi"
SPEAKER = "Pi"
_ROLES = {"user", "assistant", "toolResult", "bashExecution", "custom"}
_SUMMARY_KEYS = ("path", "pattern", "query", "url")
# What pi's bash tool appends to the output of a command that failed.
_EXIT_LINE = re.compile(r"Command exited with code (-?\d+)\s*$")


# --- detection ----------------------------------------------------------------------------------


def _is_header(record: Mapping[str, object]) -> bool:
    return (
        record.get("type") == "session"
        and isinstance(record.get("id"), str)
        and isinstance(record.get("timestamp"), str)
        and isinstance(record.get("cwd"), str)
    )


def _is_message(record: Mapping[str, object]) -> bool:
    message = mapping(record.get("message"))
    return record.get("type") == "message" and message.get("role") in _ROLES


def _detect(candidate: SessionInput) -> bool:
    """A header line, or (the lines a growing file gained) message entries whose messages
    carry pi's own roles (`toolResult`, `bashExecution`), a `toolCall` block, or an assistant
    message with pi-ai's `provider` and `stopReason`."""
    if candidate.kind != "jsonl" or not candidate.head:
        return False
    if _is_header(candidate.head[0]):
        return True
    for record in candidate.head:
        if not _is_message(record):
            continue
        message = mapping(record["message"])
        if message.get("role") in ("toolResult", "bashExecution"):
            return True
        blocks = items(message.get("content"))
        if any(mapping(block).get("type") == "toolCall" for block in blocks):
            return True
        if message.get("role") == "assistant" and {"stopReason", "provider"} <= message.keys():
            return True  # pi-ai's AssistantMessage, as a grown file's new lines hold it
    return False


# --- the active branch --------------------------------------------------------------------------


def _branch(entries: list[dict[str, object]]) -> list[dict[str, object]]:
    """The entries from the root to the last one written, following `parentId`; a file without
    ids (version 1) is its own single branch."""
    by_id = {string(e.get("id")): e for e in entries if string(e.get("id"))}
    if not entries or not by_id or "parentId" not in entries[-1]:
        return entries
    path: list[dict[str, object]] = []
    seen: set[str] = set()
    current: dict[str, object] | None = entries[-1]
    while current is not None:
        key = string(current.get("id"))
        if key in seen:
            break  # a cycle: a damaged file, read as far as it goes
        seen.add(key)
        path.append(current)
        parent = current.get("parentId")
        current = by_id.get(parent) if isinstance(parent, str) else None
    path.reverse()
    return path


# --- tools --------------------------------------------------------------------------------------


def _call(block: Mapping[str, object]) -> ToolCall:
    name = string(block.get("name"))
    arguments = mapping(block.get("arguments"))
    path = string(arguments.get("path"))
    actions: tuple[Action, ...] = ()
    summary = path
    if name == "write" and path:
        actions = (FileWrite(path=path, content=string(arguments.get("content"))),)
    elif name == "edit" and path:
        edits = items(arguments.get("edits")) or [arguments]  # later versions batch edits
        actions = tuple(
            FileEdit(path, string(mapping(e).get("oldText")), string(mapping(e).get("newText")))
            for e in edits
        )
    elif name == "bash":
        command = string(arguments.get("command"))
        actions = (ShellCommand(command=command),) if command else ()
        summary = short(command)
    if not summary:
        summary = describe(arguments, _SUMMARY_KEYS)
    return ToolCall(name=name, summary=summary, actions=actions, id=string(block.get("id")) or None)


def _result(call: ToolCall, message: Mapping[str, object]) -> ToolCall:
    """`call` with its result. Pi's bash tool fails a command that exits non-zero, appending
    its code to the output, and succeeds only on exit 0."""
    output = as_text(message.get("content"))
    error = message.get("isError") is True
    if any(isinstance(action, ShellCommand) for action in call.actions):
        found = _EXIT_LINE.search(output)
        code = int(found.group(1)) if found else (None if error else 0)
        actions = tuple(
            ShellCommand(a.command, code) if isinstance(a, ShellCommand) else a
            for a in call.actions
        )
        call = ToolCall(call.name, call.summary, actions=actions, id=call.id)
    return with_result(call, output, error=error)


# --- reading ------------------------------------------------------------------------------------


class _Reader:
    def __init__(self) -> None:
        self.drafts = Drafts()
        self.span = Span()
        self.meta: dict[str, object] = {"agent": AGENT}
        self.title: str | None = None

    def header(self, record: Mapping[str, object]) -> None:
        self.meta["session_id"] = string(record.get("id"))
        if string(record.get("cwd")):
            self.meta["cwd"] = string(record.get("cwd"))
        if string(record.get("modelId")):  # version 1 headers name the model
            self.meta["model"] = string(record.get("modelId"))
        self.span.see(record.get("timestamp"))

    def entry(self, record: Mapping[str, object]) -> None:
        kind = record.get("type")
        stamp = self.span.see(record.get("timestamp"))
        if kind == "message":
            self.message(mapping(record.get("message")), stamp)
        elif kind in ("compaction", "branch_summary"):
            summary = string(record.get("summary"))
            if summary.strip():
                label = "compacted" if kind == "compaction" else "branch summary"
                self.drafts.open("system", f"{SPEAKER} ({label})", stamp).texts.append(summary)
        elif kind == "model_change" and string(record.get("modelId")):
            self.meta["model"] = string(record.get("modelId"))
        elif kind == "custom_message" and record.get("display") is True:
            text = as_text(record.get("content"))
            if text.strip():
                self.drafts.open("system", SPEAKER, stamp).texts.append(text)

    def message(self, message: Mapping[str, object], stamp: datetime | None) -> None:
        role = message.get("role")
        when = stamp or moment(message.get("timestamp"))
        if role == "user":
            text = as_text(_texts(message.get("content")))
            if text.strip():
                self.drafts.open("user", "User", when).texts.append(text)
        elif role == "assistant":
            self.assistant(message, when)
        elif role == "toolResult":
            call_id = string(message.get("toolCallId"))
            call = self.drafts.call(call_id)
            if call is not None:
                self.drafts.replace(call_id, _result(call, message))
        elif role == "bashExecution":
            command = string(message.get("command"))
            code = message.get("exitCode")
            exit_code = code if isinstance(code, int) and not isinstance(code, bool) else None
            call = ToolCall("bash", short(command), actions=(ShellCommand(command, exit_code),))
            failed = message.get("cancelled") is True or bool(exit_code)
            draft = self.drafts.open("user", "User", when)
            draft.calls.append(with_result(call, string(message.get("output")), error=failed))

    def assistant(self, message: Mapping[str, object], when: datetime | None) -> None:
        draft = self.drafts.open("assistant", SPEAKER, when)
        for block in map(mapping, items(message.get("content"))):
            kind = block.get("type")
            if kind == "text" and string(block.get("text")).strip():
                draft.texts.append(string(block.get("text")))
            elif kind == "thinking" and string(block.get("thinking")).strip():
                draft.thinking.append(string(block.get("thinking")))
            elif kind == "toolCall":
                self.drafts.add_call(draft, _call(block))
        if message.get("stopReason") == "error" and string(message.get("errorMessage")):
            draft.texts.append(f"[error: {string(message.get('errorMessage'))}]")
        if string(message.get("model")):
            self.meta["model"] = string(message.get("model"))


def _texts(content: object) -> list[str] | str:
    """A user message's text: a string, or its text blocks (images are left out)."""
    if isinstance(content, str):
        return content
    return [
        string(mapping(b).get("text")) for b in items(content) if mapping(b).get("type") == "text"
    ]


def _entries(candidate: SessionInput, reader: _Reader) -> Iterable[dict[str, object]]:
    entries: list[dict[str, object]] = []
    for record in candidate.records():
        if _is_header(record):
            reader.header(record)
        else:
            entries.append(record)
            if record.get("type") == "session_info" and string(record.get("name")):
                reader.title = string(record.get("name"))  # named on any branch, it names all
    return _branch(entries)


def _read(candidate: SessionInput) -> Session:
    reader = _Reader()
    for entry in _entries(candidate, reader):
        reader.entry(entry)
    turns = reader.drafts.turns()
    meta = reader.meta
    meta.update(reader.span.meta())
    meta["skipped_lines"] = candidate.skipped
    prompts = [turn for turn in turns if not turn.text.startswith("/")]  # not `/mode`
    title = reader.title or title_from(prompts)
    return Session(format=AGENT, title=title, turns=turns, meta=meta)


READER = SessionReader(AGENT, _detect, _read)
