"""Continue (continuedev/continue) sessions: `~/.continue/sessions/<session-id>.json`.

One JSON `Session` per file, rewritten whole as the chat goes on (the IDE extensions and the
`cn` CLI write the same shape): `sessionId`, `title`, `workspaceDirectory`, `chatModelTitle`,
and `history`, a list of `ChatHistoryItem`s. Each item holds a `message` (`role` user,
assistant, thinking, tool or system; `content` a string or text/image parts; an assistant's
`toolCalls` in the OpenAI shape) and, for an assistant's calls, `toolCallStates`: the parsed
arguments, the `status` (generating, generated, calling, done, errored, canceled) and the
output as context items. A tool's result also comes back as a `tool` message with its
`toolCallId`. Messages carry no times; only reasoning does (`reasoning.startAt`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from urllib.parse import unquote, urlparse

from contextd.pipeline.ingest.sessions._calls import (
    Draft,
    Drafts,
    Span,
    as_text,
    describe,
    items,
    json_object,
    mapping,
    short,
    string,
    title_from,
    with_result,
)
from contextd.pipeline.ingest.sessions._input import SessionInput
from contextd.pipeline.ingest.sessions._model import Session, SessionReader
from contextd.pipeline.types import Action, FileEdit, FileWrite, ShellCommand, ToolCall

AGENT = "continue"
SPEAKER = "Continue"
_ROLES = {"user", "assistant", "thinking", "tool", "system"}
_SUMMARY_KEYS = ("filepath", "dirPath", "pattern", "query", "url", "name")
_FAILED = {"errored", "canceled"}
_DONE = {"done", *_FAILED}
# What `run_terminal_command` puts in its output's `status`.
_EXIT = re.compile(r"(?:failed with exit code|Background command failed with exit code) (-?\d+)")
_COMPLETED = "Command completed"


def _is_item(item: object) -> bool:
    message = mapping(mapping(item).get("message"))
    return message.get("role") in _ROLES and "contextItems" in mapping(item)


def _detect(candidate: SessionInput) -> bool:
    if candidate.kind != "json" or len(candidate.head) != 1:
        return False
    document = candidate.head[0]
    history = items(document.get("history"))[:20]
    return (
        isinstance(document.get("sessionId"), str)
        and bool(history)
        and _is_item(history[0])
        and 2 * sum(_is_item(item) for item in history) >= len(history)
    )


def _path(uri: str) -> str:
    """A workspace folder given as a `file://` URI (the IDEs) or a path (the CLI)."""
    if uri.startswith("file://"):
        return unquote(urlparse(uri).path)
    return uri


def _call(name: str, arguments: Mapping[str, object], call_id: str) -> ToolCall:
    path = string(arguments.get("filepath"))
    actions: tuple[Action, ...] = ()
    summary = path
    if name == "create_new_file" and path:
        actions = (FileWrite(path=path, content=string(arguments.get("contents"))),)
    elif name == "single_find_and_replace" and path:
        actions = (_edit(path, arguments),)
    elif name == "multi_edit" and path:
        actions = tuple(_edit(path, mapping(edit)) for edit in items(arguments.get("edits")))
    elif name == "run_terminal_command":
        command = string(arguments.get("command"))
        actions = (ShellCommand(command=command),) if command else ()
        summary = short(command)
    # `edit_existing_file` sends a sketch of the change with `// ... existing code ...` for
    # what is kept, applied by a model: not an exact edit, so only its path is kept.
    if not summary:
        summary = describe(arguments, _SUMMARY_KEYS)
    return ToolCall(name=name, summary=summary, actions=actions, id=call_id or None)


def _edit(path: str, arguments: Mapping[str, object]) -> FileEdit:
    return FileEdit(
        path=path,
        old=string(arguments.get("old_string")),
        new=string(arguments.get("new_string")),
        replace_all=arguments.get("replace_all") is True,
    )


def _finished(call: ToolCall, state: Mapping[str, object], fallback: str) -> ToolCall:
    """`call` with the result its state holds (or the `tool` message's text)."""
    status = string(state.get("status"))
    outputs = [mapping(output) for output in items(state.get("output"))]
    text = "\n".join(string(o.get("content")) for o in outputs if string(o.get("content")))
    text = text or fallback
    if status not in _DONE and not text:
        return call  # still generating, awaiting approval or running
    notes = " ".join(string(o.get("status")) for o in outputs)
    found = _EXIT.search(notes)
    code = int(found.group(1)) if found else (0 if _COMPLETED in notes else None)
    if code is not None:
        actions = tuple(
            ShellCommand(a.command, code) if isinstance(a, ShellCommand) else a
            for a in call.actions
        )
        call = ToolCall(call.name, call.summary, actions=actions, id=call.id)
    error = status in _FAILED or bool(code)
    return with_result(call, text, error=error)


def _message_text(content: object) -> str:
    if isinstance(content, list):  # text and image parts
        return as_text([string(mapping(p).get("text")) for p in content])
    return as_text(content)


def _read(candidate: SessionInput) -> Session:
    document = mapping(candidate.json)
    drafts = Drafts()
    span = Span()
    states: dict[str, Mapping[str, object]] = {}
    results: dict[str, str] = {}
    history = items(document.get("history"))
    readable = [mapping(item) for item in history if _is_item(item)]
    for item in readable:
        message = mapping(item.get("message"))
        if message.get("role") == "tool":
            results[string(message.get("toolCallId"))] = _message_text(message.get("content"))
        for state in map(mapping, items(item.get("toolCallStates"))):
            states[string(state.get("toolCallId"))] = state
    for item in readable:
        message = mapping(item.get("message"))
        role = message.get("role")
        reasoning = mapping(item.get("reasoning"))
        stamp = span.see(reasoning.get("startAt"))
        span.see(reasoning.get("endAt"))
        text = _message_text(message.get("content"))
        if role == "user" and text.strip():
            drafts.open("user", "User", stamp).texts.append(text)
        elif role == "thinking" and text.strip():
            _assistant(drafts, stamp).thinking.append(text)
        elif role == "assistant":
            draft = _assistant(drafts, stamp, fresh=True)
            if string(reasoning.get("text")).strip():
                draft.thinking.append(string(reasoning.get("text")))
            if text.strip():
                draft.texts.append(text)
            for raw in map(mapping, items(message.get("toolCalls"))):
                call_id = string(raw.get("id"))
                state = states.get(call_id, {})
                function = mapping(raw.get("function"))
                arguments = mapping(state.get("parsedArgs")) or json_object(
                    function.get("arguments")
                )
                call = _call(string(function.get("name")), arguments, call_id)
                drafts.add_call(draft, _finished(call, state, results.get(call_id, "")))
    turns = drafts.turns()
    meta: dict[str, object] = {"agent": AGENT, "session_id": string(document.get("sessionId"))}
    if string(document.get("workspaceDirectory")):
        meta["cwd"] = _path(string(document.get("workspaceDirectory")))
    if string(document.get("chatModelTitle")):
        meta["model"] = string(document.get("chatModelTitle"))
    meta.update(span.meta())
    meta["skipped_lines"] = len(history) - len(readable)
    title = string(document.get("title"))
    if not title or title == "New Session":  # Continue's placeholder until one is generated
        title = title_from(turns) or ""
    return Session(format=AGENT, title=title or None, turns=turns, meta=meta)


def _assistant(drafts: Drafts, stamp: datetime | None, *, fresh: bool = False) -> Draft:
    """The open assistant turn (thinking comes as its own message before the answer)."""
    last = drafts.last
    if last is not None and last.role == "assistant" and not (fresh and (last.texts or last.calls)):
        last.timestamp = last.timestamp or stamp
        return last
    return drafts.open("assistant", SPEAKER, stamp)


READER = SessionReader(AGENT, _detect, _read)
