"""Codex CLI rollouts (`~/.codex/sessions/YYYY/MM/DD/rollout-*.jsonl`).

Three generations exist and users keep all of them: the current JSONL, where every line is
`{"timestamp", "type": "session_meta"|"response_item"|"event_msg"|"turn_context"|"compacted",
"payload"}`; the older JSONL, whose first line is the session meta (`id`, `timestamp`) and whose
other lines are bare Responses-API items (plus `{"record_type": "state"}` lines); and the first
TypeScript CLI's single JSON `{"session": {...}, "items": [...]}`. The conversation itself is
always the Responses-API items (`message`, `reasoning`, `function_call` and its output); the
`event_msg` records mostly repeat them for the UI, so only the exit codes are taken from them.

Since late 2025 Codex runs commands in long-lived processes (`exec_command`): a command still
running after its yield time answers "Process running with session ID N", and the model then
polls it with `write_stdin` calls whose `chars` is empty, each answering with the output since
the last one and, at the end, "Process exited with code C". Those polls are not something the
agent did, so they are folded into the command they poll: its output is the polls' outputs
joined, its exit code the last one's.

A prompt is written twice, as a `message` item and as a `user_message` event; some rollouts
(Codex Desktop's among them) keep only the event, so a prompt is read from whichever comes
first and its twin, next to it with the same text, is skipped.
"""

from __future__ import annotations

import json
import re
import shlex
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import replace
from typing import NamedTuple

from contextd.pipeline.ingest.sessions._calls import (
    Draft,
    Drafts,
    Span,
    as_text,
    describe,
    embedded_patch,
    items,
    json_object,
    late_result,
    mapping,
    moment,
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
    LateResult,
    ShellCommand,
    TodoList,
    ToolCall,
)

AGENT = "codex"
SPEAKER = "Codex"
_ENVELOPE_TYPES = {"session_meta", "response_item", "event_msg", "turn_context", "compacted"}
_ITEM_TYPES = {
    "message",
    "reasoning",
    "function_call",
    "function_call_output",
    "custom_tool_call",
    "custom_tool_call_output",
    "local_shell_call",
    "web_search_call",
}
_PATCH_COMMANDS = ("apply_patch", "applypatch")
_SHELL_TOOLS = {"shell", "shell_command", "exec_command", "container.exec", "local_shell"}
# What Codex injects as user messages before the user's own: instructions and environment.
_BOILERPLATE = (
    "<user_instructions>",
    "<environment_context>",
    "<permissions instructions>",
    "<user_shell_command>",
    "<turn_aborted>",
    "# AGENTS.md instructions for ",
)
_EXIT_LINE = re.compile(r"^(?:Exit code:|Process exited with code) (-?\d+)\s*$", re.MULTILINE)
_RUNNING_LINE = re.compile(r"^Process running with session ID (\d+)\s*$", re.MULTILINE)
_WALL_TIME_LINE = re.compile(r"^Wall time: ", re.MULTILINE)  # heads every timed tool's output
_POLL_TOOL = "write_stdin"
_OUTPUT_MARK = "\nOutput:\n"
# The IDE extension and Codex Desktop send a prompt under the context they add ("# Files
# mentioned by the user:", "# Context from my IDE setup:"); the title is the request itself.
_REQUEST_MARK = "## My request for Codex:"


# --- detection ----------------------------------------------------------------------------------


def _is_envelope(record: Mapping[str, object]) -> bool:
    return (
        record.get("type") in _ENVELOPE_TYPES
        and isinstance(record.get("payload"), dict)
        and isinstance(record.get("timestamp"), str)
    )


def _is_item(record: Mapping[str, object]) -> bool:
    if record.get("type") not in _ITEM_TYPES:
        return False
    if record.get("type") != "message":
        return True
    content = record.get("content")
    return isinstance(content, list) and any(
        mapping(part).get("type") in ("input_text", "output_text") for part in content
    )


def _is_legacy_meta(record: Mapping[str, object]) -> bool:
    return (
        "type" not in record
        and isinstance(record.get("id"), str)
        and isinstance(record.get("timestamp"), str)
    )


def _detect(candidate: SessionInput) -> bool:
    head = candidate.head
    if not head:
        return False
    if candidate.kind == "jsonl":
        if any(record.get("type") == "session_meta" and _is_envelope(record) for record in head):
            return True
        envelopes = [record for record in head if _is_envelope(record)]
        if len(envelopes) >= max(2, len(head) // 2) and any(
            record.get("type") in ("response_item", "turn_context") for record in envelopes
        ):
            return True
        return _is_legacy_meta(head[0]) and any(_is_item(record) for record in head[1:])
    if candidate.kind == "json" and len(head) == 1:
        session, items = head[0].get("session"), head[0].get("items")
        return (
            isinstance(session, dict)
            and isinstance(items, list)
            and any(_is_item(mapping(item)) for item in items[:20])
        )
    return False


# --- reading ------------------------------------------------------------------------------------


def _lines(candidate: SessionInput) -> Iterator[tuple[str, dict[str, object], object]]:
    """(kind, payload, timestamp) of every record, whatever the generation: kind is an
    envelope type ("session_meta", "response_item", ...)."""
    if candidate.kind == "json":
        document = mapping(candidate.json)
        session = mapping(document.get("session"))
        yield "session_meta", dict(session), session.get("timestamp")
        for item in items(document.get("items")):
            if isinstance(item, dict):
                yield "response_item", item, None
        return
    first = True
    for record in candidate.records():
        if _is_envelope(record):
            payload = record["payload"]
            assert isinstance(payload, dict)
            yield str(record["type"]), payload, record.get("timestamp")
        elif first and _is_legacy_meta(record):
            yield "session_meta", record, record.get("timestamp")
        elif "record_type" not in record and isinstance(record.get("type"), str):
            yield "response_item", record, record.get("timestamp")
        first = False


def _message_texts(payload: Mapping[str, object]) -> list[str]:
    content = payload.get("content")
    if isinstance(content, str):
        return [content]
    texts: list[str] = []
    for part in content if isinstance(content, list) else ():
        part = mapping(part)
        if part.get("type") in ("input_text", "output_text", "text"):
            texts.append(string(part.get("text")))
    return [text for text in texts if text.strip()]


def _is_boilerplate(text: str) -> bool:
    return text.lstrip().startswith(_BOILERPLATE)


def _command_text(arguments: Mapping[str, object]) -> str:
    command = arguments.get("command", arguments.get("cmd"))
    if isinstance(command, list):
        words = [str(word) for word in command]
        if len(words) == 3 and words[1] in ("-lc", "-c") and words[0].endswith(("sh", "bash")):
            return words[2]
        return shlex.join(words)
    return string(command)


def _plan(arguments: Mapping[str, object]) -> TodoList:
    return todo_list(arguments.get("plan"), ("step",))


def _call(name: str, arguments: Mapping[str, object], raw: str, call_id: str | None) -> ToolCall:
    """A function or custom tool call with its summary and actions."""
    actions: tuple[Action, ...] = ()
    summary = ""
    if name == "apply_patch":
        envelope = string(arguments.get("input")) or raw
        actions = patch_actions(envelope)
        summary = patch_paths(actions)
    elif name in _SHELL_TOOLS:
        command = _command_text(arguments)
        words = arguments.get("command")
        embedded = embedded_patch(command)
        if isinstance(words, list) and len(words) == 2 and words[0] in _PATCH_COMMANDS:
            embedded = str(words[1])  # ["apply_patch", "<envelope>"], as early releases ran it
        if embedded is not None:
            actions = patch_actions(embedded)
            summary = "apply_patch " + patch_paths(actions)
        elif command:
            actions = (ShellCommand(command=command),)
            summary = short(command)
    elif name == "update_plan":
        plan = _plan(arguments)
        actions = (plan,)
        summary = f"{len(plan.items)} steps"
    else:
        summary = describe(arguments, ("path", "file_path", "pattern", "query", "url"))
    return ToolCall(name=name, summary=summary, actions=actions, id=call_id)


class _Output(NamedTuple):
    text: str
    exit_code: int | None
    success: bool | None
    process: int | None  # the unified-exec process still running, to be polled


def _output(payload: Mapping[str, object]) -> _Output:
    """The text of a call's output, its exit code, its success flag and the process it left
    running, when written."""
    raw = payload.get("output")
    success: bool | None = None
    if isinstance(raw, dict):  # {"content": ..., "success": ...}
        success = raw.get("success") if isinstance(raw.get("success"), bool) else None
        raw = raw.get("content")
    if isinstance(raw, list):  # content items
        raw = as_text(raw)
    text = string(raw)
    exit_code: int | None = None
    process: int | None = None
    parsed = json_object(text) if text.startswith("{") else {}
    if "output" in parsed:
        text = string(parsed.get("output"))
        code = mapping(parsed.get("metadata")).get("exit_code")
        exit_code = code if isinstance(code, int) and not isinstance(code, bool) else None
    else:
        header = text.split(_OUTPUT_MARK, 1)[0]
        found = _EXIT_LINE.search(header)
        running = _RUNNING_LINE.search(header)
        if found:
            exit_code = int(found.group(1))
        elif running:
            process = int(running.group(1))
        if (found or running or _WALL_TIME_LINE.search(header)) and _OUTPUT_MARK in text:
            text = _content_items_text(text.split(_OUTPUT_MARK, 1)[1])
    return _Output(text, exit_code, success, process)


def _content_items_text(text: str) -> str:
    """An MCP tool's result, which Codex writes as its JSON content items, as their text."""
    if not text.startswith("[{"):
        return text
    try:
        parsed = json.loads(text)
    except ValueError:
        return text
    if isinstance(parsed, list) and all(mapping(item).get("type") == "text" for item in parsed):
        return as_text(parsed)
    return text


class _Reader:
    def __init__(self) -> None:
        self.drafts = Drafts()
        self.meta: dict[str, object] = {"agent": AGENT}
        self.exit_codes: dict[str, int] = {}
        self.late: list[LateResult] = []  # results of calls made in an earlier part
        self.processes: dict[int, str] = {}  # running unified-exec process -> its call's id
        self.polls: dict[str, str] = {}  # a `write_stdin` poll's call id -> the polled call's
        self.outputs: dict[str, str] = {}  # a polled call's output so far
        self.prompt: tuple[Draft, str] | None = None  # the last prompt read, to skip its twin
        self.span = Span()
        self.first_stamp: object = None  # rollouts are in time order: the first and last
        self.last_stamp: object = None  # stamps are parsed once, not every line's

    def assistant(self, stamp: object, *, fresh: bool) -> Draft:
        """The open assistant turn; a new one when `fresh` (a new step began) or none is open."""
        last = self.drafts.last
        if last is None or last.role != "assistant" or fresh:
            return self.drafts.open("assistant", SPEAKER, moment(stamp))
        return last

    def session_meta(self, payload: Mapping[str, object]) -> None:
        if isinstance(payload.get("id"), str):
            self.meta.setdefault("session_id", payload["id"])
        for key in ("cwd", "model"):
            if isinstance(payload.get(key), str):
                self.meta.setdefault(key, payload[key])
        branch = mapping(payload.get("git")).get("branch")
        if isinstance(branch, str) and branch:
            self.meta.setdefault("git_branch", branch)

    def item(self, payload: Mapping[str, object], stamp: object) -> None:
        kind = payload.get("type")
        if kind == "message":
            self.message(payload, stamp)
        elif kind == "reasoning":
            summary = [string(mapping(s).get("text")) for s in items(payload.get("summary"))]
            thinking = "\n\n".join(text for text in summary if text.strip())
            if thinking:
                last = self.drafts.last
                fresh = last is not None and bool(last.texts or last.calls)
                self.assistant(stamp, fresh=fresh).thinking.append(thinking)
        elif kind in ("function_call", "custom_tool_call"):
            name = string(payload.get("namespace")) + string(payload.get("name"))  # MCP tools
            raw = string(payload.get("arguments", payload.get("input")))
            arguments = json_object(raw) if kind == "function_call" else {"input": raw}
            call_id = string(payload.get("call_id")) or None
            process = _int(arguments.get("session_id"))
            polled = self.processes.get(process) if process is not None else None
            if name == _POLL_TOOL and not arguments.get("chars") and polled and call_id:
                self.polls[call_id] = polled  # an empty write: a poll, not an action
                return
            self.drafts.add_call(
                self.assistant(stamp, fresh=False), _call(name, arguments, raw, call_id)
            )
        elif kind == "local_shell_call":
            action = mapping(payload.get("action"))
            call_id = string(payload.get("call_id")) or string(payload.get("id")) or None
            self.drafts.add_call(
                self.assistant(stamp, fresh=False),
                _call("local_shell", action, json.dumps(action), call_id),
            )
        elif kind == "web_search_call":
            action = mapping(payload.get("action"))
            query = string(action.get("query")) or string(action.get("url"))
            status = "error" if payload.get("status") == "failed" else "ok"
            call = ToolCall("web_search", short(query), status=status)
            self.assistant(stamp, fresh=False).calls.append(call)
        elif kind in ("function_call_output", "custom_tool_call_output"):
            self.result(payload)

    def message(self, payload: Mapping[str, object], stamp: object) -> None:
        role = payload.get("role")
        texts = _message_texts(payload)
        if role == "user":
            self.user([text for text in texts if not _is_boilerplate(text)], stamp)
        elif role == "assistant" and texts:
            # A message opens a step (text, then the calls it announces), as in Claude Code.
            last = self.drafts.last
            fresh = last is not None and bool(last.texts or last.calls)
            self.assistant(stamp, fresh=fresh).texts.extend(texts)
        # "developer" and "system" messages are Codex's own instructions, not the conversation

    def user(self, texts: list[str], stamp: object) -> None:
        """A prompt, from its `message` item or its `user_message` event, whichever is first."""
        if not texts:
            return
        key = " ".join(" ".join(texts).split())
        if self.prompt is not None and self.prompt == (self.drafts.last, key):
            self.prompt = None  # the same prompt's twin
            return
        draft = self.drafts.open("user", "User", moment(stamp))
        draft.texts.extend(texts)
        self.prompt = (draft, key)

    def result(self, payload: Mapping[str, object]) -> None:
        call_id = string(payload.get("call_id"))
        output = _output(payload)
        if call_id in self.polls:  # a poll's output continues the polled command's
            call_id = self.polls.pop(call_id)
            output = output._replace(text=self.outputs.get(call_id, "") + output.text)
        call = self.drafts.call(call_id)
        exit_code = output.exit_code
        if exit_code is None:
            exit_code = self.exit_codes.get(call_id)
        error = output.success is False or (exit_code is not None and exit_code != 0)
        if call is None:
            # The call was made in an earlier part of a session read in parts.
            if call_id:
                late = late_result(call_id, output.text, error=error, exit_code=exit_code)
                self.late.append(late)
            return
        if output.process is not None:
            self.processes[output.process] = call_id
        self.outputs[call_id] = output.text
        actions = tuple(
            ShellCommand(action.command, exit_code) if isinstance(action, ShellCommand) else action
            for action in call.actions
        )
        updated = ToolCall(call.name, call.summary, actions=actions, id=call.id)
        self.drafts.replace(call_id, with_result(updated, output.text, error=error))

    def read(self, records: Iterable[tuple[str, dict[str, object], object]]) -> None:
        for kind, payload, stamp in records:
            if stamp is not None:
                self.first_stamp = stamp if self.first_stamp is None else self.first_stamp
                self.last_stamp = stamp
            if kind == "session_meta":
                self.session_meta(payload)
            elif kind == "turn_context":
                if isinstance(payload.get("model"), str):
                    self.meta["model"] = payload["model"]
                if isinstance(payload.get("cwd"), str):
                    self.meta.setdefault("cwd", payload["cwd"])
            elif kind == "response_item":
                self.item(payload, stamp)
            elif kind == "compacted":
                summary = string(payload.get("message"))
                if summary.strip():
                    self.drafts.open("system", "Codex (compacted)", moment(stamp)).texts.append(
                        summary
                    )
            elif kind == "event_msg" and payload.get("type") == "user_message":
                text = string(payload.get("message"))
                self.user([text] if text.strip() and not _is_boilerplate(text) else [], stamp)
            elif kind == "event_msg" and payload.get("type") == "exec_command_end":
                code = payload.get("exit_code")
                if isinstance(code, int) and not isinstance(code, bool):
                    self.exit_codes[string(payload.get("call_id"))] = code
                    self.late_exit_code(string(payload.get("call_id")), code)

    def late_exit_code(self, call_id: str, code: int) -> None:
        """An `exec_command_end` that comes after the call's output still gives its status."""
        call = self.drafts.call(call_id)
        if call is None or call.status is None:
            return
        if any(isinstance(a, ShellCommand) and a.exit_code is None for a in call.actions):
            actions = tuple(
                ShellCommand(a.command, code) if isinstance(a, ShellCommand) else a
                for a in call.actions
            )
            status = "error" if code != 0 else call.status
            self.drafts.replace(
                call_id,
                ToolCall(
                    call.name, call.summary, status, call.output, call.output_cut, actions, call.id
                ),
            )


def _int(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _read(candidate: SessionInput) -> Session:
    reader = _Reader()
    reader.read(_lines(candidate))
    turns = reader.drafts.turns()
    meta = reader.meta
    reader.span.see(reader.first_stamp)
    reader.span.see(reader.last_stamp)
    meta.update(reader.span.meta())
    meta["skipped_lines"] = candidate.skipped
    requests = (replace(turn, text=turn.text.split(_REQUEST_MARK, 1)[-1]) for turn in turns)
    late = tuple(reader.late)
    return Session(AGENT, title_from(requests), turns, meta, late_results=late)


READER = SessionReader(AGENT, _detect, _read)
