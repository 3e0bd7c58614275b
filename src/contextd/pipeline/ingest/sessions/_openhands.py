"""OpenHands (All-Hands-AI/OpenHands) trajectories: a conversation's event stream as JSON.

OpenHands keeps a conversation as its event stream, one JSON file an event; the trajectory it
exports (the UI's "export trajectory", `save_trajectory_path`, the `/trajectory` route, which
wraps the list as `{"trajectory": [...]}`) is the list of those events. An event has an `id`,
a `timestamp`, a `source` (user, agent, environment) and either an `action` with its `args`
(`message`, `run` with `command`, `read`, `write`, `edit` with `command`
create/str_replace/insert, `think`, `finish`, `task_tracking` with `task_list`, ...) or an
`observation` answering the action whose id is its `cause` (`run` with
`extras.metadata.exit_code`, `edit` with `extras.prev_exist` and `new_content`, `error`,
`user_rejected`). What the model said with a call is the action's `thought`; the call's
arguments are also in `tool_call_metadata`, which older `edit` actions need, as they kept
only the path in their `args`. Agent-state changes and empty observations are bookkeeping and
are left out.
"""

from __future__ import annotations

from collections.abc import Mapping

from contextd.pipeline.ingest.sessions._calls import (
    Draft,
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

AGENT = "openhands"
SPEAKER = "OpenHands"
_SOURCES = {"user", "agent", "environment"}
_QUIET = {"change_agent_state", "system", "recall", "condensation", "null"}
_FAILED = {"error", "user_rejected"}
_TODO_STATUS = {"todo": "pending", "in_progress": "in_progress", "done": "completed"}
_SUMMARY_KEYS = ("path", "url", "query", "code", "command")
# OpenHands writes -1 when a command gave no exit code (still running, timed out, no prompt).
_NO_EXIT = -1


def _is_event(item: object) -> bool:
    event = mapping(item)
    return (
        isinstance(event.get("id"), int)
        and event.get("source") in _SOURCES
        and ("action" in event or "observation" in event)
    )


def _events(candidate: SessionInput) -> list[object] | None:
    data = candidate.json
    if isinstance(data, Mapping):
        data = data.get("trajectory")
    return data if isinstance(data, list) else None


def _detect(candidate: SessionInput) -> bool:
    if candidate.kind != "json":
        return False
    events = _events(candidate)
    sample = events[:20] if events else []
    return bool(sample) and 2 * sum(_is_event(event) for event in sample) > len(sample)


def _arguments(event: Mapping[str, object]) -> Mapping[str, object]:
    """The call's arguments as the model sent them (from `tool_call_metadata`)."""
    response = mapping(mapping(event.get("tool_call_metadata")).get("model_response"))
    call_id = string(mapping(event.get("tool_call_metadata")).get("tool_call_id"))
    for choice in map(mapping, items(response.get("choices"))):
        for call in map(mapping, items(mapping(choice.get("message")).get("tool_calls"))):
            if string(call.get("id")) == call_id:
                return json_object(mapping(call.get("function")).get("arguments"))
    return {}


def _todos(args: Mapping[str, object]) -> TodoList:
    todo_items = [
        TodoItem(string(task.get("title")), _TODO_STATUS.get(string(task.get("status")), "pending"))
        for task in map(mapping, items(args.get("task_list")))
        if string(task.get("title"))
    ]
    return TodoList(items=tuple(todo_items))


def _call(event: Mapping[str, object]) -> ToolCall:
    kind = string(event.get("action"))
    args = mapping(event.get("args"))
    name = string(mapping(event.get("tool_call_metadata")).get("function_name")) or kind
    path = string(args.get("path"))
    actions: tuple[Action, ...] = ()
    summary = path
    if kind == "run":
        command = string(args.get("command"))
        actions, summary = ((ShellCommand(command),) if command else ()), short(command)
    elif kind == "write" and path:
        actions = (FileWrite(path, string(args.get("content"))),)
    elif kind == "edit" and path:
        given = args if string(args.get("command")) else {**args, **_arguments(event)}
        command = string(given.get("command"))
        if command == "create":
            actions = (FileWrite(path, string(given.get("file_text"))),)
        elif command == "str_replace":
            actions = (FileEdit(path, string(given.get("old_str")), string(given.get("new_str"))),)
    elif kind == "task_tracking":
        todos = _todos(args)
        actions, summary = (todos,), f"{len(todos.items)} tasks"
    if not summary:
        summary = describe(args, _SUMMARY_KEYS)
    return ToolCall(name=name, summary=summary, actions=actions, id=str(event.get("id")))


def _observed(call: ToolCall, event: Mapping[str, object]) -> ToolCall:
    kind = string(event.get("observation"))
    extras = mapping(event.get("extras"))
    output = string(event.get("content")) or string(event.get("message"))
    error = kind in _FAILED or event.get("success") is False
    actions = call.actions
    if kind == "run":
        code = mapping(extras.get("metadata")).get("exit_code")
        exit_code = code if isinstance(code, int) and code != _NO_EXIT else None
        actions = tuple(
            ShellCommand(a.command, exit_code) if isinstance(a, ShellCommand) else a
            for a in actions
        )
        error = error or bool(exit_code)
    elif kind == "edit" and not actions and extras.get("prev_exist") is False:
        content = extras.get("new_content")  # a file created whole
        if isinstance(content, str) and string(extras.get("path")):
            actions = (FileWrite(string(extras.get("path")), content),)
    done = ToolCall(call.name, call.summary, actions=actions, id=call.id)
    return with_result(done, output, error=error)


class _Reader:
    def __init__(self) -> None:
        self.drafts = Drafts()
        self.span = Span()
        self.meta: dict[str, object] = {"agent": AGENT}
        self.response: str | None = None  # the model response the open turn answers

    def assistant(self, event: Mapping[str, object]) -> Draft:
        """The turn of the model response that made this action: several calls of one
        response share a turn, as they share its text."""
        metadata = mapping(event.get("tool_call_metadata"))
        response = mapping(metadata.get("model_response"))
        key = string(response.get("id")) or None
        if string(response.get("model")):
            self.meta["model"] = string(response.get("model"))
        last = self.drafts.last
        if (
            last is not None
            and last.role == "assistant"
            and key is not None
            and key == self.response
        ):
            return last
        self.response = key
        draft = self.drafts.open("assistant", SPEAKER, self.span.last)
        thought = string(mapping(event.get("args")).get("thought"))
        if thought.strip() and event.get("action") != "think":
            draft.texts.append(thought)
        return draft

    def event(self, event: Mapping[str, object]) -> None:
        stamp = self.span.see(event.get("timestamp"))
        action = string(event.get("action"))
        args = mapping(event.get("args"))
        if "observation" in event:
            self.observation(event)
        elif action in _QUIET or event.get("source") == "environment":
            return
        elif action == "message" and event.get("source") == "user":
            text = string(args.get("content")) or string(event.get("message"))
            if text.strip():
                self.drafts.open("user", "User", stamp).texts.append(text)
            self.response = None
        elif action == "message":
            text = string(args.get("content")) or string(event.get("message"))
            self.drafts.open("assistant", SPEAKER, stamp).texts.append(text)
            self.response = None
        elif action == "think":
            self.assistant(event).thinking.append(string(args.get("thought")))
        elif action == "finish":
            draft = self.assistant(event)
            final = string(args.get("final_thought"))
            if final.strip() and final not in draft.texts:
                draft.texts.append(final)
        else:
            self.drafts.add_call(self.assistant(event), _call(event))

    def observation(self, event: Mapping[str, object]) -> None:
        extras = mapping(event.get("extras"))
        working = string(mapping(extras.get("metadata")).get("working_dir"))
        if working:
            self.meta.setdefault("cwd", working)
        cause = event.get("cause")
        call = self.drafts.call(str(cause)) if isinstance(cause, int) else None
        if call is not None and call.status is None:
            self.drafts.replace(str(cause), _observed(call, event))


def _read(candidate: SessionInput) -> Session:
    reader = _Reader()
    events = _events(candidate) or []
    readable = [mapping(event) for event in events if _is_event(event)]
    for event in readable:
        reader.event(event)
    turns = reader.drafts.turns()
    meta = reader.meta
    meta.update(reader.span.meta())
    meta["skipped_lines"] = len(events) - len(readable)
    return Session(format=AGENT, title=title_from(turns), turns=turns, meta=meta)


READER = SessionReader(AGENT, _detect, _read)
