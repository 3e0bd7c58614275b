"""GitHub Copilot Chat sessions: the JSON that VS Code's "Chat: Export Chat..." writes (and the
`chatSessions/<id>.json` files it keeps, which have the same shape), and the JSONL mutation log
newer VS Code keeps instead (`chatSessions/<id>.jsonl`: a first `{"kind": 0, "v": state}`, then
`kind` 1 sets the value at path `k`, 2 appends `v` to the list at `k` (cut to `i` first when
given), 3 deletes it), replayed here into the same state.

The export is `{version, sessionId, creationDate, requesterUsername, responderUsername,
requests: [...]}`; each request holds the user's `message` (`{text, parts}`, or a bare string in
old exports) and the `response` as a list of parts: Markdown fragments (`{value}` without a
`kind`, or `markdownContent`), `inlineReference` file chips between them, `thinking`,
`toolInvocationSerialized` (a tool call with its result, `toolSpecificData` for terminal
commands and todo lists), and `textEditGroup` (the edits the agent made to a file, as ranges).
Types: microsoft/vscode `src/vs/workbench/contrib/chat/common/chatService.ts` and
`chatModel.ts`.

Range edits cannot be replayed without the file, so a `textEditGroup` becomes a FileWrite only
when the call that made it created the file; otherwise it is an "edit" call naming the file.
"""

from __future__ import annotations

import re
from dataclasses import replace
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
    FileWrite,
    ShellCommand,
    TodoItem,
    TodoList,
    ToolCall,
    Turn,
)

_CREATE_TOOLS = ("copilot_createFile", "create_file", "createFile")
_LINK = re.compile(r"\[([^\]]*)\]\(file://([^)\s]+)\)")
_TODO_STATUS = {"completed": "completed", "in-progress": "in_progress"}  # else "not-started"


def _state(candidate: SessionInput) -> dict[str, object] | None:
    """The session's state as `_detect` sees it: the export, or the log's initial state."""
    if candidate.kind not in ("json", "jsonl") or not candidate.head:
        return None
    first = candidate.head[0]
    if first.get("kind") == 0 and "requests" not in first:  # a log (one line: just its start)
        return as_dict(first.get("v"))
    return first if candidate.kind == "json" and len(candidate.head) == 1 else None


def _replay(candidate: SessionInput) -> tuple[dict[str, object], int]:
    """The state a mutation log ends in, and how many of its records could not be applied."""
    state: dict[str, object] = {}
    failed = 0
    for record in candidate.records():
        kind, path, value = record.get("kind"), items(record.get("k")), record.get("v")
        if kind == 0 and isinstance(value, dict):
            state = value
            continue
        parent: object = state
        for key in path[:-1]:
            parent = _child(parent, key)
        last = path[-1] if path else None
        if kind == 1 and isinstance(parent, dict) and isinstance(last, str):
            parent[last] = value
        elif kind == 1 and isinstance(parent, list) and (at := _index(parent, last)) is not None:
            parent[at] = value
        elif kind == 2 and isinstance(target := _child(parent, last), list):
            cut = record.get("i")
            if isinstance(cut, int) and not isinstance(cut, bool):
                del target[cut:]
            target.extend(items(value))
        elif kind == 3 and isinstance(parent, dict) and isinstance(last, str):
            parent.pop(last, None)
        else:
            failed += 1
    return state, failed + candidate.skipped


def _index(container: list[object], key: object) -> int | None:
    """`key` when it is a valid index of `container`."""
    if (
        isinstance(key, int)
        and not isinstance(key, bool)
        and -len(container) <= key < len(container)
    ):
        return key
    return None


def _child(container: object, key: object) -> object:
    if isinstance(container, dict) and isinstance(key, str):
        return container.get(key)
    if isinstance(container, list) and (index := _index(container, key)) is not None:
        return container[index]
    return None


def _detect(candidate: SessionInput) -> bool:
    data = _state(candidate)
    if data is None:
        return False
    requests = data.get("requests")
    if not isinstance(requests, list):
        return False
    marked = isinstance(data.get("responderUsername"), str) or (
        isinstance(data.get("version"), int) and isinstance(data.get("sessionId"), str)
    )
    first = as_dict(requests[0]) if requests else {}
    return marked and first is not None and ("message" in first or not requests)


def _markdown(value: object) -> str:
    """A string or an `IMarkdownString` (`{value}`)."""
    if isinstance(value, str):
        return value
    found = as_dict(value)
    return (as_str(found.get("value")) or "") if found is not None else ""


def _plain(text: str) -> str:
    """A tool message with its file links (`[](file:///path)`) written as their paths."""
    return _LINK.sub(lambda m: m.group(1) or unquote(m.group(2)), text)


def _path(uri: object) -> str:
    found = as_dict(uri) or {}
    if "uri" in found:
        return _path(found["uri"])
    return as_str(found.get("fsPath")) or as_str(found.get("path")) or ""


def _todos(data: dict[str, object]) -> TodoList | None:
    todos = [
        TodoItem(
            as_str(item.get("title")) or "",
            _TODO_STATUS.get(as_str(item.get("status")) or "", "pending"),
        )
        for entry in items(data.get("todoList"))
        if (item := as_dict(entry)) is not None
    ]
    return TodoList(tuple(todos)) if todos else None


def _tool(part: dict[str, object]) -> ToolCall:
    """A `toolInvocationSerialized` part as a call with its result."""
    name = as_str(part.get("toolId")) or "tool"
    summary = _plain(
        _markdown(part.get("pastTenseMessage")) or _markdown(part.get("invocationMessage"))
    )
    actions: list[Action] = []
    output = ""
    data = as_dict(part.get("toolSpecificData")) or {}
    if data.get("kind") == "terminal":
        line = as_dict(data.get("commandLine")) or {}
        command = (
            as_str(line.get("toolEdited"))
            or as_str(line.get("userEdited"))
            or as_str(line.get("original"))
            or as_str(data.get("command"))
            or ""
        )
        state = as_dict(data.get("terminalCommandState")) or {}
        code = state.get("exitCode")
        if command:
            exit_code = code if isinstance(code, int) and not isinstance(code, bool) else None
            actions.append(ShellCommand(command, exit_code))
            summary = command
        output = as_str((as_dict(data.get("terminalCommandOutput")) or {}).get("text")) or ""
    elif data.get("kind") == "todoList" and (todos := _todos(data)) is not None:
        actions.append(todos)
    details = as_dict(part.get("resultDetails")) or {}
    if not output:
        output = "\n".join(
            as_str(item.get("value")) or ""
            for entry in items(details.get("output"))
            if (item := as_dict(entry)) is not None
        )
    call = ToolCall(
        name, one_line(summary), actions=tuple(actions), id=as_str(part.get("toolCallId"))
    )
    confirmed = part.get("isConfirmed")
    denied = confirmed is False or (as_dict(confirmed) or {}).get("type") == 0
    failed = any(isinstance(a, ShellCommand) and a.exit_code not in (None, 0) for a in actions)
    if denied or failed or details.get("isError") is True:
        return with_result(call, output or ("denied" if denied else "error"), error=True)
    if part.get("isComplete") is True:
        return with_result(call, output, error=False)
    return call


def _edit(part: dict[str, object], previous: ToolCall | None) -> tuple[ToolCall, bool]:
    """The file a `textEditGroup` changed, as the call that made it (the tool call just before,
    when it has no actions yet: True) or as an "edit" call of its own (False)."""
    path = _path(part.get("uri"))
    edits = [
        edit
        for group in items(part.get("edits"))
        for entry in items(group)
        if (edit := as_dict(entry)) is not None
    ]
    if previous is not None and not previous.actions and previous.status != "error":
        actions: tuple[Action, ...] = ()
        if previous.name in _CREATE_TOOLS:
            actions = (FileWrite(path, "".join(as_str(e.get("text")) or "" for e in edits)),)
        return replace(previous, summary=path, actions=actions), True
    return ToolCall("edit", path, "ok" if part.get("done") is not False else None), False


def _response(parts: list[object]) -> tuple[str, str, list[ToolCall]]:
    text: list[str] = []
    thinking: list[str] = []
    calls: list[ToolCall] = []
    merged = False  # the previous edit group was given to the call before it
    after_call = False
    for entry in parts:
        part = as_dict(entry)
        if part is None:
            continue
        kind = part.get("kind")
        if kind is None or kind == "markdownContent":
            fragment = _markdown(part.get("content", part.get("value")))
            if text and after_call:  # prose resumed after a tool call: a new paragraph
                fragment = "\n\n" + fragment.lstrip()
            text.append(fragment)
            after_call = False
        elif kind == "inlineReference":
            name = as_str(part.get("name")) or _path(part.get("inlineReference")).rsplit("/")[-1]
            text.append(f"`{name}`" if name else "")
        elif kind == "thinking":
            value = part.get("value")
            chunks = value if isinstance(value, list) else [value]
            thinking.append("".join(c for c in chunks if isinstance(c, str)))
        elif kind == "toolInvocationSerialized":
            calls.append(_tool(part))
            after_call = True
        elif kind == "textEditGroup":
            previous = calls[-1] if calls and not merged else None
            call, merged = _edit(part, previous)
            if merged:
                calls[-1] = call
            else:
                calls.append(call)
            after_call = True
            continue
        merged = False
    return "".join(text).strip(), "\n\n".join(t.strip() for t in thinking if t.strip()), calls


def _read(candidate: SessionInput) -> Session:
    skipped = 0
    if candidate.kind == "jsonl":
        data, skipped = _replay(candidate)
    else:
        data = _state(candidate) or {}
    speaker = as_str(data.get("responderUsername")) or "GitHub Copilot"
    turns: list[Turn] = []
    model: str | None = None
    for entry in items(data.get("requests")):
        request = as_dict(entry)
        if request is None:
            skipped += 1
            continue
        stamp = moment(request.get("timestamp"))
        message = request.get("message")
        said = message if isinstance(message, str) else _markdown(as_dict(message) or {})
        said = said or as_str((as_dict(message) or {}).get("text")) or ""
        if said.strip():
            turns.append(Turn(len(turns), "User", "user", said.strip(), stamp))
        text, thinking, calls = _response(items(request.get("response")))
        error = as_dict((as_dict(request.get("result")) or {}).get("errorDetails"))
        if error is not None and (reason := as_str(error.get("message"))):
            text = (text + "\n\n" if text else "") + f"Error: {reason}"
        if text or thinking or calls:
            turns.append(
                Turn(len(turns), speaker, "assistant", text, stamp, tuple(calls), thinking)
            )
        model = model or as_str(request.get("modelId"))
    title = as_str(data.get("customTitle")) or next(
        (one_line(t.text, 100) for t in turns if t.role == "user"), None
    )
    meta: dict[str, object] = {
        "agent": "copilot",
        "session_id": as_str(data.get("sessionId")),
        "model": model,
        "started_at": iso(moment(data.get("creationDate"))),
        "ended_at": iso(moment(data.get("lastMessageDate"))),
        "skipped_lines": skipped,
    }
    return Session("copilot", title, tuple(turns), {k: v for k, v in meta.items() if v})


READER = SessionReader("copilot", _detect, _read)
