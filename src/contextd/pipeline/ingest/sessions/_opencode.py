"""OpenCode (sst/opencode) sessions, as `opencode export <session>` writes them.

OpenCode keeps a session as many small files (`storage/session/<project>/ses_*.json`,
`storage/message/ses_*/msg_*.json`, `storage/part/msg_*/prt_*.json`), which nobody pastes or
uploads one by one; its `export` command joins them into one JSON document,
`{"info": <session>, "messages": [{"info": <message>, "parts": [<part>, ...]}, ...]}`, and that
is what this reader reads. (A directory importer builds the same document from the storage
files: the session file as `info`, each message file as a message's `info` with its part files,
both ordered by id, which OpenCode makes ascending in time.)

Parts are `text` (the `synthetic` ones are OpenCode's own injections), `reasoning`, `tool`
(`tool`, `callID`, `state` with `status` pending/running/completed/error, `input`, `output` or
`error`, `metadata`), `file`, and step and snapshot bookkeeping, which is left out.
"""

from __future__ import annotations

from collections.abc import Mapping

from contextd.pipeline.ingest.sessions._calls import (
    Draft,
    Span,
    describe,
    items,
    mapping,
    patch_actions,
    patch_paths,
    short,
    string,
    title_from,
    todo_list,
    with_result,
)
from contextd.pipeline.ingest.sessions._input import SessionInput
from contextd.pipeline.ingest.sessions._model import Session, SessionReader
from contextd.pipeline.types import (
    Action,
    FileEdit,
    FileWrite,
    ShellCommand,
    TodoList,
    ToolCall,
)

AGENT = "opencode"
SPEAKER = "OpenCode"
_SUMMARY_KEYS = ("filePath", "path", "pattern", "url", "query", "description")


def _is_message(item: object) -> bool:
    message = mapping(item)
    info = mapping(message.get("info"))
    return info.get("role") in ("user", "assistant") and isinstance(message.get("parts"), list)


def _detect(candidate: SessionInput) -> bool:
    if candidate.kind != "json" or len(candidate.head) != 1:
        return False
    document = candidate.head[0]
    info = mapping(document.get("info"))
    messages = document.get("messages")
    return (
        isinstance(info.get("id"), str)
        and isinstance(info.get("time"), Mapping)
        and isinstance(messages, list)
        and any(_is_message(message) for message in messages[:20])
    )


def _todos(arguments: Mapping[str, object]) -> TodoList:
    return todo_list(arguments.get("todos"), ("content",))


def _edit(arguments: Mapping[str, object], path: str) -> FileEdit:
    return FileEdit(
        path=string(arguments.get("filePath")) or path,
        old=string(arguments.get("oldString")),
        new=string(arguments.get("newString")),
        replace_all=arguments.get("replaceAll") is True,
    )


def _actions(name: str, arguments: Mapping[str, object]) -> tuple[tuple[Action, ...], str]:
    """What a tool call did, and its summary."""
    path = string(arguments.get("filePath"))
    if name == "write" and path:
        return (FileWrite(path=path, content=string(arguments.get("content"))),), path
    if name == "edit" and path:
        return (_edit(arguments, path),), path
    if name == "multiedit" and path:
        edits = tuple(_edit(mapping(edit), path) for edit in items(arguments.get("edits")))
        return edits, path
    if name in ("patch", "apply_patch"):
        text = string(arguments.get("patchText")) or string(arguments.get("input"))
        actions = patch_actions(text)
        return actions, patch_paths(actions)
    if name == "bash":
        command = string(arguments.get("command"))
        return ((ShellCommand(command=command),) if command else ()), short(command)
    if name == "todowrite":
        todos = _todos(arguments)
        return (todos,), f"{len(todos.items)} items"
    return (), describe(arguments, _SUMMARY_KEYS)


def _call(part: Mapping[str, object]) -> ToolCall:
    name = string(part.get("tool"))
    state = mapping(part.get("state"))
    actions, summary = _actions(name, mapping(state.get("input")))
    call = ToolCall(name=name, summary=summary, actions=actions, id=string(part.get("callID")))
    status = state.get("status")
    if status == "error":
        return with_result(call, string(state.get("error")), error=True)
    if status != "completed":
        return call  # pending or running: the session ended before the result
    metadata = mapping(state.get("metadata"))
    code = metadata.get("exit")
    if isinstance(code, int) and not isinstance(code, bool):
        actions = tuple(
            ShellCommand(a.command, code) if isinstance(a, ShellCommand) else a for a in actions
        )
        call = ToolCall(name=name, summary=summary, actions=actions, id=call.id)
    failed = isinstance(code, int) and code != 0
    return with_result(call, string(state.get("output")), error=failed)


def _message(message: Mapping[str, object], span: Span, meta: dict[str, object]) -> Draft:
    info = mapping(message.get("info"))
    role = string(info.get("role"))
    stamp = span.see(mapping(info.get("time")).get("created"))
    span.see(mapping(info.get("time")).get("completed"))
    draft = Draft(role, "User" if role == "user" else SPEAKER, stamp)
    if role == "assistant":
        model = string(info.get("modelID")) or string(mapping(info.get("model")).get("modelID"))
        if model:
            meta["model"] = model
        cwd = string(mapping(info.get("path")).get("cwd"))
        if cwd:
            meta.setdefault("cwd", cwd)
    for part in map(mapping, items(message.get("parts"))):
        kind = part.get("type")
        if kind == "text" and part.get("synthetic") is not True:
            text = string(part.get("text"))
            if text.strip():
                draft.texts.append(text)
        elif kind == "reasoning":
            thinking = string(part.get("text"))
            if thinking.strip():
                draft.thinking.append(thinking)
        elif kind == "tool" and role == "assistant":
            draft.calls.append(_call(part))
    return draft


def _read(candidate: SessionInput) -> Session:
    document = mapping(candidate.json)
    info = mapping(document.get("info"))
    span = Span()
    span.see(mapping(info.get("time")).get("created"))
    span.see(mapping(info.get("time")).get("updated"))
    meta: dict[str, object] = {"agent": AGENT, "session_id": string(info.get("id"))}
    if string(info.get("directory")):
        meta["cwd"] = string(info.get("directory"))
    messages = items(document.get("messages"))
    readable = [mapping(message) for message in messages if _is_message(message)]
    drafts = [_message(message, span, meta) for message in readable]
    kept = [draft for draft in drafts if not draft.empty()]
    turns = tuple(draft.turn(index) for index, draft in enumerate(kept))
    meta.update(span.meta())
    meta["skipped_lines"] = len(messages) - len(readable)  # messages without a role or parts
    title = string(info.get("title")) or title_from(turns)
    return Session(format=AGENT, title=title or None, turns=turns, meta=meta)


READER = SessionReader(AGENT, _detect, _read)
