"""Amp (Sourcegraph) threads: the JSON file of one thread (`~/.local/share/amp/threads/T-*.json`,
or the VS Code extension's `threads3/`), which is also what exporting a thread gives.

A thread is `{"v", "id": "T-…", "created", "title", "messages", "env"}`; its messages carry
Anthropic-style content blocks (`text`, `thinking`, `tool_use`), and the results come back in
the next user message as `tool_result` blocks with the call's `toolUseID` and a `run` (`status`
done/error/cancelled/rejected-by-user, `result`, `error`). `env.initial.trees` says which
repository the thread ran in; `info` messages are Amp's own, of which only the summary that
replaces the thread's beginning is kept. A `{"title", "messages"}` chat without any of Amp's
own fields is left to the chat-export readers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import unquote, urlparse

from contextd.pipeline.ingest.sessions._calls import (
    Drafts,
    Span,
    as_text,
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

AGENT = "amp"
SPEAKER = "Amp"
_FAILED = {"error", "cancelled", "rejected-by-user"}
_SUMMARY_KEYS = ("path", "filePattern", "pattern", "query", "url", "description", "task")


def _is_message(item: object) -> bool:
    message = mapping(item)
    return message.get("role") in ("user", "assistant", "info") and isinstance(
        message.get("content"), list
    )


def _detect(candidate: SessionInput) -> bool:
    if candidate.kind != "json" or len(candidate.head) != 1:
        return False
    thread = candidate.head[0]
    messages = items(thread.get("messages"))
    if not any(_is_message(message) for message in messages[:20]):
        return False
    thread_id = string(thread.get("id"))
    return (
        thread_id.startswith("T-")
        or isinstance(mapping(thread.get("env")).get("initial"), Mapping)
        or any(isinstance(mapping(m).get("messageId"), int) for m in messages[:20])
    )


def _todos(arguments: Mapping[str, object]) -> TodoList:
    return todo_list(arguments.get("todos"), ("content",))


def _actions(name: str, arguments: Mapping[str, object]) -> tuple[tuple[Action, ...], str]:
    """What a tool call did, and its summary (tool names compared without case: Amp has written
    both `Bash` and `bash`)."""
    tool = name.lower()
    path = string(arguments.get("path"))
    if tool == "create_file" and path:
        return (FileWrite(path=path, content=string(arguments.get("content"))),), path
    if tool == "edit_file" and path:
        edit = FileEdit(
            path=path,
            old=string(arguments.get("old_str")),
            new=string(arguments.get("new_str")),
            replace_all=arguments.get("replace_all") is True,
        )
        return (edit,), path
    if tool == "apply_patch":
        actions = patch_actions(string(arguments.get("patch")) or string(arguments.get("input")))
        return actions, patch_paths(actions)
    if tool == "bash":
        command = string(arguments.get("cmd")) or string(arguments.get("command"))
        return ((ShellCommand(command=command),) if command else ()), short(command)
    if tool == "todo_write":
        todos = _todos(arguments)
        return (todos,), f"{len(todos.items)} items"
    return (), describe(arguments, _SUMMARY_KEYS)


def _result(call: ToolCall, run: Mapping[str, object]) -> ToolCall:
    """`call` completed by its `run`; a command's exit code is in its result."""
    status = string(run.get("status"))
    result = run.get("result")
    error = status in _FAILED
    code = mapping(result).get("exitCode")
    if isinstance(code, int) and not isinstance(code, bool):
        error = error or code != 0
        actions = tuple(
            ShellCommand(a.command, code) if isinstance(a, ShellCommand) else a
            for a in call.actions
        )
        call = ToolCall(call.name, call.summary, actions=actions, id=call.id)
    if error and run.get("error") is not None:
        output = as_text(mapping(run.get("error")).get("message") or run.get("error"))
    elif isinstance(result, Mapping) and "output" in result:
        output = as_text(result["output"])
    elif isinstance(result, Mapping) and isinstance(result.get("diff"), str):
        output = string(result["diff"])
    elif isinstance(result, Mapping) and isinstance(result.get("content"), str):
        output = string(result["content"])
    elif isinstance(result, str | list):
        output = as_text(result)
    elif result is None and run.get("progress") is not None:
        output = as_text(mapping(run.get("progress")).get("output") or run.get("progress"))
    else:
        output = json.dumps(result, ensure_ascii=False) if result is not None else status
    return with_result(call, output, error=error)


def _summary(message: Mapping[str, object]) -> str:
    for block in map(mapping, items(message.get("content"))):
        summary = mapping(block.get("summary"))
        if block.get("type") == "summary" and summary.get("type") == "message":
            return string(summary.get("summary"))
    return ""


def _repository(thread: Mapping[str, object], meta: dict[str, object]) -> None:
    trees = items(mapping(mapping(thread.get("env")).get("initial")).get("trees"))
    tree = mapping(trees[0]) if trees else {}
    uri = string(tree.get("uri"))
    if uri.startswith("file://"):
        meta["cwd"] = unquote(urlparse(uri).path)
    ref = string(mapping(tree.get("repository")).get("ref"))
    if ref:
        meta["git_branch"] = ref.removeprefix("refs/heads/")


def _read(candidate: SessionInput) -> Session:
    thread = mapping(candidate.json)
    span = Span()
    span.see(thread.get("created"))
    meta: dict[str, object] = {"agent": AGENT}
    if string(thread.get("id")):
        meta["session_id"] = string(thread.get("id"))
    _repository(thread, meta)
    drafts = Drafts()
    messages = items(thread.get("messages"))
    skipped = 0
    for message in messages:
        if not _is_message(message):
            skipped += 1
            continue
        message = mapping(message)
        role = string(message.get("role"))
        usage = mapping(message.get("usage"))
        stamp = span.see(mapping(message.get("meta")).get("sentAt") or usage.get("timestamp"))
        if role == "info":  # Amp's own notes; a summary of the thread so far is kept
            summary = _summary(message)
            if summary:
                drafts.open("system", "Amp (summary)", stamp).texts.append(summary)
            continue
        model = string(usage.get("model"))
        if model:
            meta["model"] = model
        draft = drafts.open(role, "User" if role == "user" else SPEAKER, stamp)
        for block in map(mapping, items(message.get("content"))):
            kind = block.get("type")
            if kind == "text" and string(block.get("text")).strip():
                draft.texts.append(string(block.get("text")))
            elif kind == "thinking" and string(block.get("thinking")).strip():
                draft.thinking.append(string(block.get("thinking")))
            elif kind == "tool_use" and role == "assistant":
                name = string(block.get("name"))
                actions, summary = _actions(name, mapping(block.get("input")))
                call_id = string(block.get("id")) or None
                drafts.add_call(draft, ToolCall(name, summary, actions=actions, id=call_id))
            elif kind == "tool_result":
                call_id = string(block.get("toolUseID")) or string(block.get("tool_use_id"))
                call = drafts.call(call_id)
                if call is not None:
                    drafts.replace(call_id, _result(call, mapping(block.get("run"))))
    turns = drafts.turns()
    meta.update(span.meta())
    meta["skipped_lines"] = skipped
    title = string(thread.get("title")) or title_from(turns)
    return Session(format=AGENT, title=title or None, turns=turns, meta=meta)


READER = SessionReader(AGENT, _detect, _read)
