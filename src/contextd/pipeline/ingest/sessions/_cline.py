"""Cline and Roo Code task histories: `api_conversation_history.json`.

Both keep the conversation they send the model as Anthropic-style messages (`role`, `content`
blocks, plus `ts` in epoch milliseconds and, in newer Cline, `modelInfo`). Tool calls come in two
spellings: native `tool_use` blocks, or, in older versions, XML-ish tags inside the assistant's
text (`<write_to_file><path>…</path><content>…</content></write_to_file>`). Results come back in
the next user message, as `tool_result` blocks or as text blocks headed
`[write_to_file for 'path'] Result:`, in the order the calls were made. The user messages also
carry `<environment_details>` (open tabs, file listings, the time): bookkeeping, dropped from the
text, but the working directory is read from it.

A plain message list is left to the chat-export reader: a history is recognised by what only
these agents write (`<task>`, `<environment_details>`, `[tool] Result:` headers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime

from contextd.pipeline.ingest.sessions._calls import (
    as_dict,
    as_str,
    iso,
    items,
    moment,
    one_line,
    with_result,
)
from contextd.pipeline.ingest.sessions._edit_blocks import (
    search_replace_blocks,
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
    Turn,
)

_DETECT_MESSAGES = 10
_RESULT = re.compile(r"^\[([A-Za-z_]+)(?: for '((?:.|\n)*?)')?\] Result:[ \t]*\n?")
_ENV = re.compile(r"<environment_details>.*?(?:</environment_details>|$)", re.DOTALL)
_CWD = re.compile(r"# Current (?:Working|Workspace) Directory \((.+?)\) Files")
_ROO_MODEL = re.compile(r"<model>(.+?)</model>")
# The user's own words inside what Cline sends back: feedback on a call, an answer to a
# question, a message typed in plan mode or when resuming a task.
_SAID = re.compile(r"<(feedback|answer|user_message)>(.*?)</\1>", re.DOTALL)
# Cline's own notices, sent as user messages (the user's words in them are read with _SAID).
_NOTICES = (
    "[TASK RESUMPTION]",
    "[ERROR]",
    "New message to respond to",
    "[The user has",
    "(The user did not provide",
    "# task_progress",
)
_PROGRESS_REMINDER = re.compile(r"\n#+ task_progress .*", re.DOTALL)  # appended by Cline
_WRAPPERS = re.compile(r"</?task>")
_THINKING = re.compile(r"<thinking>(.*?)(?:</thinking>|$)", re.DOTALL)
_EXIT = re.compile(r"(?:Exit code|exit code):? (-?\d+)")
_ERROR_MARKS = ("failed with the following error", "<error>", "The user denied this operation")
# Tools whose words are the assistant speaking to the user: their text joins the turn's text.
_SAYING = {
    "attempt_completion": "result",
    "ask_followup_question": "question",
    "plan_mode_respond": "response",
}
_TOOLS = (
    "write_to_file|replace_in_file|apply_diff|insert_content|search_and_replace|"
    "execute_command|read_file|list_files|search_files|list_code_definition_names|"
    "browser_action|use_mcp_tool|access_mcp_resource|web_fetch|codebase_search|"
    "update_todo_list|new_task|switch_mode|load_mcp_documentation|fetch_instructions|"
    "attempt_completion|ask_followup_question|plan_mode_respond|condense|new_rule"
)
_TOOL_TAG = re.compile(rf"<({_TOOLS})>(.*?)</\1>", re.DOTALL)  # unclosed: prose, not a call
_PARAM = re.compile(r"<([a-z_]+)>")
_LONG_PARAMS = ("content", "diff", "result", "todos", "task_progress")
_TODO_LINE = re.compile(r"^\s*(?:[-*]\s*)?\[( |x|X|-)\]\s*(.+)$")
_SUMMARY_KEYS = ("path", "absolutePath", "command", "regex", "query", "url", "tool_name")


def _texts(content: object) -> list[str]:
    if isinstance(content, str):
        return [content]
    return [
        as_str(block.get("text")) or ""
        for block in items(content)
        if isinstance(block, dict) and block.get("type") == "text"
    ]


def _detect(candidate: SessionInput) -> bool:
    if candidate.kind != "json" or not isinstance(candidate.json, list):
        return False
    messages = candidate.head[:_DETECT_MESSAGES]
    if not messages or not all("role" in m and "content" in m for m in messages):
        return False
    for message in messages:
        for text in _texts(message.get("content")):
            start = text.lstrip()
            if start.startswith("<task>") or "<environment_details>" in text:
                return True
            if message.get("role") == "user" and _RESULT.match(start):
                return True
    return False


def _params(body: str) -> dict[str, object]:
    """The `<name>value</name>` parameters of an XML-ish tool call."""
    found: dict[str, object] = {}
    at = 0
    while (tag := _PARAM.search(body, at)) is not None:
        name = tag.group(1)
        close = f"</{name}>"
        end = body.rfind(close) if name in _LONG_PARAMS else body.find(close, tag.end())
        if end < tag.end():
            at = tag.end()
            continue
        found[name] = body[tag.end() : end].strip("\n")
        at = end + len(close)
    return found


def _todos(text: str, *, roo: bool) -> TodoList | None:
    """Cline's `task_progress` ("- [x] done") or Roo's `update_todo_list` ("[-] doing")."""
    items: list[TodoItem] = []
    for line in text.split("\n"):
        found = _TODO_LINE.match(line)
        if found is None:
            continue
        mark = found.group(1).lower()
        status = {"x": "completed", "-": "in_progress" if roo else "pending"}.get(mark, "pending")
        items.append(TodoItem(found.group(2).strip(), status))
    return TodoList(tuple(items)) if items else None


def _call(name: str, params: dict[str, object], call_id: str | None) -> ToolCall:
    """A Cline or Roo Code tool call, its actions normalized."""
    text = {k: v for k, v in params.items() if isinstance(v, str)}
    path = text.get("path") or text.get("absolutePath") or ""
    actions: list[Action] = []
    if name == "write_to_file" and "content" in text:
        actions.append(FileWrite(path, text["content"]))
    elif name in ("replace_in_file", "apply_diff") and "diff" in text:
        actions.extend(FileEdit(path, old, new) for old, new in search_replace_blocks(text["diff"]))
    elif name == "search_and_replace" and "search" in text:
        actions.append(FileEdit(path, text["search"], text.get("replace", ""), replace_all=True))
    elif name == "execute_command" and text.get("command"):
        actions.append(ShellCommand(text["command"]))
    elif name == "update_todo_list" and (todos := _todos(text.get("todos", ""), roo=True)):
        actions.append(todos)
    if "task_progress" in text and (progress := _todos(text["task_progress"], roo=False)):
        actions.append(progress)
    summary = next((text[k] for k in _SUMMARY_KEYS if text.get(k)), "")
    return ToolCall(name, one_line(summary), actions=tuple(actions), id=call_id)


def _result(call: ToolCall, output: str, error: bool) -> ToolCall:
    error = error or any(mark in output for mark in _ERROR_MARKS)
    done = with_result(call, output, error=error)
    exit_code = _EXIT.search(output)
    if exit_code is None:
        return done
    actions = tuple(
        replace(a, exit_code=int(exit_code.group(1))) if isinstance(a, ShellCommand) else a
        for a in done.actions
    )
    return replace(done, actions=actions)


@dataclass
class _Reader:
    turns: list[Turn] = field(default_factory=list)
    pending: list[int] = field(default_factory=list)  # indexes of calls awaiting a result
    calls: list[ToolCall] = field(default_factory=list)  # of the last assistant turn
    owner = -1  # the index of that turn
    cwd: str | None = None
    roo: bool = False
    model: str | None = None

    @property
    def speaker(self) -> str:
        return "Roo Code" if self.roo else "Cline"

    def assistant(self, message: dict[str, object], stamp: datetime | None) -> None:
        texts: list[str] = []
        thinking: list[str] = []
        calls: list[ToolCall] = []
        content = message.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        for block in items(blocks):
            block = as_dict(block) or {}
            kind = block.get("type")
            if kind == "text":
                self._tagged(as_str(block.get("text")) or "", texts, thinking, calls)
            elif kind in ("thinking", "reasoning"):
                thinking.append(as_str(block.get("thinking") or block.get("text")) or "")
            elif kind == "tool_use":
                name = as_str(block.get("name")) or "tool"
                params = as_dict(block.get("input")) or {}
                if name in _SAYING:
                    texts.append(as_str(params.get(_SAYING[name])) or "")
                call = _call(name, params, as_str(block.get("id")))
                if name not in _SAYING or call.actions:
                    calls.append(call)
        info = as_dict(message.get("modelInfo"))
        if info is not None and self.model is None:
            self.model = as_str(info.get("modelId"))
        text = "\n\n".join(t.strip() for t in texts if t.strip())
        if not text and not calls and not any(thinking):
            return
        self.calls = calls
        self.pending = list(range(len(calls)))
        self.owner = len(self.turns)
        think = "\n\n".join(t.strip() for t in thinking if t.strip())
        self.turns.append(
            Turn(len(self.turns), self.speaker, "assistant", text, stamp, tuple(calls), think)
        )

    def _tagged(
        self, text: str, texts: list[str], thinking: list[str], calls: list[ToolCall]
    ) -> None:
        """Split assistant text into prose, `<thinking>` and XML-ish tool calls."""
        thinking.extend(m.group(1) for m in _THINKING.finditer(text))
        text = _THINKING.sub("", text)
        for found in _TOOL_TAG.finditer(text):
            name, params = found.group(1), _params(found.group(2))
            if name in _SAYING:
                texts.append(str(params.get(_SAYING[name], "")))
            call = _call(name, params, None)
            if name not in _SAYING or call.actions:
                calls.append(call)
        texts.append(_TOOL_TAG.sub("", text))

    def user(self, message: dict[str, object], stamp: datetime | None) -> None:
        """The user's words become a turn; tool results go to the calls waiting for them. A
        result is a `tool_result` block, or a `[tool] Result:` text block and the text blocks
        after it (older Cline put the header and the output in separate blocks)."""
        said: list[str] = []
        results: list[tuple[str | None, str | None, list[str], bool]] = []
        content = message.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        for block in items(blocks):
            block = as_dict(block) or {}
            if block.get("type") == "tool_result":
                output = "\n".join(_texts(block.get("content")))
                results.append(
                    (
                        as_str(block.get("tool_use_id")),
                        None,
                        [output],
                        block.get("is_error") is True,
                    )
                )
                continue
            if block.get("type") != "text":
                continue
            text = self._environment(as_str(block.get("text")) or "")
            header = _RESULT.match(text.lstrip())
            if header is not None:
                results.append((None, header.group(1), [text.lstrip()[header.end() :]], False))
            elif results and results[-1][0] is None and text.strip():
                results[-1][2].append(text)
            elif _SAID.search(text):
                said.extend(m.group(2).strip() for m in _SAID.finditer(text))
            elif text.strip() and not text.lstrip().startswith(_NOTICES):
                said.append(_WRAPPERS.sub("", text).strip())
        for call_id, name, parts, error in results:
            output = "\n".join(parts)
            self._resolve(call_id, name, output, error)
            said.extend(m.group(2).strip() for m in _SAID.finditer(output))
        words = [_PROGRESS_REMINDER.sub("", t).strip() for t in said]
        text = "\n\n".join(t for t in words if t and not t.startswith(_NOTICES))
        if text:
            self.turns.append(Turn(len(self.turns), "User", "user", text, stamp))

    def _environment(self, text: str) -> str:
        """`text` without its `<environment_details>`, read for the mode and directory."""
        for env in _ENV.findall(text):
            self.roo = self.roo or "<slug>" in env
            if self.cwd is None and (cwd := _CWD.search(env)) is not None:
                self.cwd = cwd.group(1)
            if self.model is None and (model := _ROO_MODEL.search(env)) is not None:
                self.model = model.group(1)
        return _ENV.sub("", text)

    def _resolve(self, call_id: str | None, name: str | None, output: str, error: bool) -> None:
        """Give a result to its call: by id, else the first waiting call of that name."""
        for position in self.pending:
            call = self.calls[position]
            if (call_id and call.id == call_id) or (not call_id and name in (None, call.name)):
                break
        else:
            return
        self.pending.remove(position)
        done = _result(self.calls[position], output, error)
        self.calls[position] = done
        self.turns[self.owner] = replace(self.turns[self.owner], tool_calls=tuple(self.calls))


def _read(candidate: SessionInput) -> Session:
    reader = _Reader()
    messages = [m for m in items(candidate.json) if isinstance(m, dict)]
    skipped = len(items(candidate.json)) - len(messages)
    stamps = [moment(m.get("ts")) for m in messages]
    for message, stamp in zip(messages, stamps, strict=True):
        if message.get("role") == "assistant":
            reader.assistant(message, stamp)
        elif message.get("role") == "user":
            reader.user(message, stamp)
        else:
            skipped += 1
    known = [s for s in stamps if s is not None]
    title = next((one_line(t.text, 100) for t in reader.turns if t.role == "user"), None)
    meta: dict[str, object] = {
        "agent": "roo-code" if reader.roo else "cline",
        "model": reader.model,
        "cwd": reader.cwd,
        "started_at": iso(min(known)) if known else None,
        "ended_at": iso(max(known)) if known else None,
        "skipped_lines": skipped,
    }
    return Session("cline", title, tuple(reader.turns), {k: v for k, v in meta.items() if v})


READER = SessionReader("cline", _detect, _read)
