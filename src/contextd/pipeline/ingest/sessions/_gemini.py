"""Gemini CLI sessions (`~/.gemini/tmp/<project-hash>/chats/session-*.json[l]`) and `/chat save`
checkpoints (`checkpoint-<tag>.json`).

Gemini CLI has written three shapes: the session file as one JSON `ConversationRecord`
(`sessionId`, `projectHash`, `messages` of `type` user/gemini/info/error/warning, the model's
`toolCalls` and `thoughts` on its messages); the current JSONL log of that record, whose first
line is the metadata and whose later lines are messages (a message written again under the same
`id` replaces it), `{"$set": ...}` updates and `{"$rewindTo": id}` (the conversation rewound to
before that message); and checkpoints, the raw Gemini API history (`Content` objects with `role`
user/model and `parts`: `text`, `thought`, `functionCall`, `functionResponse`), bare or as
`{"history": [...]}`. A bare history with text parts only is an ordinary chat export and is
left to the chat-export readers, unless it opens with the environment context Gemini CLI sends.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping

from contextd.pipeline.ingest.sessions._calls import (
    Draft,
    Drafts,
    Span,
    as_text,
    describe,
    items,
    mapping,
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

AGENT = "gemini"
SPEAKER = "Gemini"
# A Gemini 3 thought's description may begin with a backslash and an "n" written out, twice,
# before the real line breaks (2 of the 18 thoughts in the real session the fixture is cut from).
_ESCAPED_BREAKS = re.compile(r"^(?:\\n|\s)+")
_MESSAGE_TYPES = {"user", "gemini", "info", "error", "warning"}
_EXIT_CODE = re.compile(r"^Exit Code: (-?\d+)\s*$", re.MULTILINE)
# The environment Gemini CLI sends as the first user message, and what the model answers.
_CONTEXT_MARKS = ("<session_context>", "<hook_context>", "This is the Gemini CLI. We are setting")
_CONTEXT_REPLY = "Got it. Thanks for the context!"
_SUMMARY_KEYS = ("file_path", "absolute_path", "path", "dir_path", "pattern", "query", "prompt")


# --- detection ----------------------------------------------------------------------------------


def _is_metadata(record: Mapping[str, object]) -> bool:
    return isinstance(record.get("sessionId"), str) and isinstance(record.get("projectHash"), str)


def _is_message(record: Mapping[str, object]) -> bool:
    return (
        record.get("type") in _MESSAGE_TYPES
        and isinstance(record.get("id"), str)
        and "content" in record
    )


def _is_content(item: object) -> bool:
    item = mapping(item)
    return item.get("role") in ("user", "model") and isinstance(item.get("parts"), list)


def _is_tool_part(part: object) -> bool:
    part = mapping(part)
    return "functionCall" in part or "functionResponse" in part or part.get("thought") is True


def _history(data: object) -> list[object] | None:
    """A checkpoint's Content list, when `data` is one."""
    if isinstance(data, Mapping) and isinstance(data.get("history"), list):
        data = data["history"]
    if isinstance(data, list) and data and all(_is_content(item) for item in data):
        return data
    return None


def _detect(candidate: SessionInput) -> bool:
    head = candidate.head
    if not head:
        return False
    if candidate.kind == "jsonl":
        if _is_metadata(head[0]):
            return True
        return any(_is_message(r) and r.get("type") == "gemini" for r in head) and all(
            _is_message(r) or "$set" in r or "$rewindTo" in r for r in head
        )
    if candidate.kind != "json":
        return False
    if len(head) == 1 and _is_metadata(head[0]) and isinstance(head[0].get("messages"), list):
        return True
    if len(head) == 1 and "history" in head[0]:
        history = items(head[0]["history"])
        return bool(history) and all(_is_content(item) for item in history[:20])
    contents = [item for item in head if _is_content(item)]
    return (
        len(contents) == len(head)
        and isinstance(candidate.json, list)
        and len(contents) == len(candidate.json[: len(head)])
        and (
            any(_is_tool_part(part) for item in contents for part in _parts(item))
            or _is_context(_text(_parts(contents[0])))  # Gemini CLI's own first message
        )
    )


# --- parts and tools ----------------------------------------------------------------------------


def _parts(content: object) -> list[object]:
    """A `PartListUnion` (a string, a part, or a list of them) as a list of parts."""
    if isinstance(content, Mapping) and "parts" in content:
        content = content["parts"]
    if isinstance(content, list):
        return content
    return [content] if content is not None else []


def _text(parts: Iterable[object]) -> str:
    texts = []
    for part in parts:
        if isinstance(part, str):
            texts.append(part)
        elif isinstance(part, Mapping) and part.get("thought") is not True:
            texts.append(string(part.get("text")))
    return "\n\n".join(text.strip("\n") for text in texts if text.strip())


def _is_context(text: str) -> bool:
    return text.lstrip().startswith(_CONTEXT_MARKS)


def _todos(arguments: Mapping[str, object]) -> TodoList:
    return todo_list(arguments.get("todos"), ("description", "content"))


def _call(name: str, arguments: Mapping[str, object], call_id: str | None) -> ToolCall:
    """Gemini CLI's tools, and Qwen Code's (a fork that renamed `replace` to `edit`, with
    `replace_all`, and `write_todos` to `todo_write`)."""
    path = string(arguments.get("file_path")) or string(arguments.get("absolute_path"))
    actions: tuple[Action, ...] = ()
    summary = path
    if name == "write_file" and path:
        actions = (FileWrite(path=path, content=string(arguments.get("content"))),)
    elif name in ("replace", "edit") and path:
        expected = arguments.get("expected_replacements")
        every = (
            arguments.get("allow_multiple") is True
            or arguments.get("replace_all") is True
            or (isinstance(expected, int) and expected > 1)
        )
        old, new = string(arguments.get("old_string")), string(arguments.get("new_string"))
        actions = (FileEdit(path=path, old=old, new=new, replace_all=every),)
    elif name == "run_shell_command":
        command = string(arguments.get("command"))
        actions = (ShellCommand(command=command),) if command else ()
        summary = short(command)
    elif name in ("write_todos", "todo_write"):
        todos = _todos(arguments)
        actions = (todos,)
        summary = f"{len(todos.items)} items"
    if not summary:
        summary = describe(arguments, _SUMMARY_KEYS)
    return ToolCall(name=name, summary=summary, actions=actions, id=call_id)


def _response_text(result: object) -> tuple[str, bool]:
    """The text of a tool result (`functionResponse` parts or a string) and whether it is an
    error."""
    texts: list[str] = []
    error = False
    for part in _parts(result):
        response = mapping(mapping(part).get("functionResponse")).get("response")
        if isinstance(response, Mapping):
            if "error" in response:
                error = True
                texts.append(as_text(response["error"]))
            else:
                texts.append(as_text(response.get("output", response)))
        elif isinstance(part, str) or "text" in mapping(part):
            texts.append(as_text(part))
    return "\n".join(text for text in texts if text), error


def _completed(call: ToolCall, output: str, *, error: bool) -> ToolCall:
    """`call` with its result; a shell command's exit code is read from the output."""
    found = _EXIT_CODE.search(output)
    if found and any(isinstance(action, ShellCommand) for action in call.actions):
        code = int(found.group(1))
        error = error or code != 0
        actions = tuple(
            ShellCommand(a.command, code) if isinstance(a, ShellCommand) else a
            for a in call.actions
        )
        call = ToolCall(call.name, call.summary, actions=actions, id=call.id)
    return with_result(call, output, error=error)


# --- session records ----------------------------------------------------------------------------


def _session_messages(
    candidate: SessionInput, meta: dict[str, object]
) -> list[Mapping[str, object]]:
    """The messages of a session file after its updates and rewinds, in order."""
    if candidate.kind == "json":
        document = mapping(candidate.json)
        meta.update(document)
        return [mapping(m) for m in items(document.get("messages")) if isinstance(m, Mapping)]
    messages: dict[str, Mapping[str, object]] = {}
    for record in candidate.records():
        if "$rewindTo" in record:
            target = record["$rewindTo"]
            ids = list(messages)
            cut = ids.index(target) if target in messages else 0
            for key in ids[cut:]:
                del messages[key]
        elif isinstance(record.get("$set"), Mapping):
            update = mapping(record["$set"])
            if isinstance(update.get("messages"), list):
                rebuilt = [mapping(message) for message in items(update["messages"])]
                messages = {string(m.get("id")): m for m in rebuilt if m}
            meta.update({k: v for k, v in update.items() if k != "messages"})
        elif _is_message(record):
            messages[string(record["id"])] = record
        elif _is_metadata(record):
            meta.update({k: v for k, v in record.items() if k != "messages"})
            for message in items(record.get("messages")):
                if _is_message(mapping(message)):
                    messages[string(mapping(message)["id"])] = mapping(message)
    return list(messages.values())


def _session_turns(messages: Iterable[Mapping[str, object]], span: Span) -> Iterator[Draft]:
    for message in messages:
        stamp = span.see(message.get("timestamp"))
        kind = message.get("type")
        if kind == "user":
            text = _text(_parts(message.get("content")))
            if text and not _is_context(text) and not text.startswith(("/", "?")):
                draft = Draft("user", "User", stamp)
                draft.texts.append(text)
                yield draft
        elif kind == "gemini":
            draft = Draft("assistant", SPEAKER, stamp)
            text = _text(_parts(message.get("content")))
            if text:
                draft.texts.append(text)
            for thought in items(message.get("thoughts")):
                thought = mapping(thought)
                subject, body = string(thought.get("subject")), string(thought.get("description"))
                body = _ESCAPED_BREAKS.sub("", body)
                draft.thinking.append(f"**{subject}**\n{body}".strip() if subject else body)
            for record in items(message.get("toolCalls")):
                record = mapping(record)
                call = _call(
                    string(record.get("name")),
                    mapping(record.get("args")),
                    string(record.get("id")) or None,
                )
                if "result" in record or record.get("status"):
                    output, error = _response_text(record.get("result"))
                    if not output and isinstance(record.get("resultDisplay"), str):
                        output = string(record.get("resultDisplay"))
                    error = error or record.get("status") in ("error", "cancelled")
                    call = _completed(call, output, error=error)
                draft.calls.append(call)
            if not draft.empty():
                yield draft


# --- checkpoints --------------------------------------------------------------------------------


def _waiting(pending: list[str], drafts: Drafts, response: Mapping[str, object]) -> str | None:
    """The call a `functionResponse` answers: by id when it has one, else the first call of
    that name still waiting."""
    call_id = string(response.get("id"))
    if call_id in pending:
        return call_id
    name = string(response.get("name"))
    for waiting in pending:
        call = drafts.call(waiting)
        if call is not None and call.name == name:
            return waiting
    return None


def _checkpoint_turns(history: list[object]) -> Drafts:
    drafts = Drafts()
    pending: list[str] = []  # ids of calls waiting for their response, in order
    skip_reply = False
    for index, item in enumerate(history):
        content = mapping(item)
        parts = _parts(content)
        if content.get("role") == "user":
            for part in parts:
                response = mapping(mapping(part).get("functionResponse"))
                if response:
                    target = _waiting(pending, drafts, response)
                    call = drafts.call(target) if target else None
                    if target and call is not None:
                        pending.remove(target)
                        output, error = _response_text([part])
                        drafts.replace(target, _completed(call, output, error=error))
            text = _text(parts)
            if text and _is_context(text):
                skip_reply = True
            elif text:
                drafts.open("user", "User", None).texts.append(text)
        else:
            text = _text(parts)
            if skip_reply and text.strip() == _CONTEXT_REPLY:
                skip_reply = False
                continue
            skip_reply = False
            draft = drafts.open("assistant", SPEAKER, None)
            if text:
                draft.texts.append(text)
            for part in parts:
                part = mapping(part)
                if part.get("thought") is True and string(part.get("text")):
                    draft.thinking.append(string(part.get("text")))
                function = mapping(part.get("functionCall"))
                if function:
                    name = string(function.get("name"))
                    call_id = string(function.get("id")) or f"{name}#{index}.{len(draft.calls)}"
                    drafts.add_call(draft, _call(name, mapping(function.get("args")), call_id))
                    pending.append(call_id)
    return drafts


# --- reading ------------------------------------------------------------------------------------


def _read(candidate: SessionInput) -> Session:
    meta: dict[str, object] = {}
    span = Span()
    history = _history(candidate.json) if candidate.kind == "json" else None
    if history is not None:
        turns = _checkpoint_turns(history).turns()
        found: dict[str, object] = {}
    else:
        messages = _session_messages(candidate, meta)
        drafts = list(_session_turns(messages, span))
        turns = tuple(draft.turn(index) for index, draft in enumerate(drafts))
        span.see(meta.get("startTime"))
        span.see(meta.get("lastUpdated"))
        found = {"session_id": meta.get("sessionId")}
        models = [
            string(m.get("model")) for m in messages if m.get("type") == "gemini" and m.get("model")
        ]
        if models:
            found["model"] = models[-1]
    session_meta: dict[str, object] = {"agent": AGENT}
    session_meta.update({key: value for key, value in found.items() if value})
    session_meta.update(span.meta())
    session_meta["skipped_lines"] = candidate.skipped
    title = string(meta.get("summary")) or title_from(turns)
    return Session(format=AGENT, title=title or None, turns=turns, meta=session_meta)


READER = SessionReader(AGENT, _detect, _read)
