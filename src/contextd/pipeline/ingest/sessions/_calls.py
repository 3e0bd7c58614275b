"""Pieces the agent readers share: bounded tool output, timestamps, and Codex-style patches.

Tool results are often huge (a test run, a whole file read back), and what a snapshot or a
reader needs from them is their gist and whether they failed, so every reader cuts them the
same way here, with one bound for outputs and a shorter one for errors (kept verbatim, since
their exact wording is what a resumed session needs). The `apply_patch` envelope is Codex's,
but other agents (OpenCode's `patch`, Amp) reuse it, so its parser lives here rather than in
`_codex`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from contextd.pipeline.ingest.conversations import format_timestamp, parse_timestamp
from contextd.pipeline.types import (
    Action,
    FilePatch,
    FileWrite,
    LateResult,
    TodoItem,
    TodoList,
    ToolCall,
    Turn,
)

OUTPUT_LIMIT = 2000  # characters of a tool result kept
ERROR_LIMIT = 600  # an error is kept verbatim, but short
SUMMARY_LIMIT = 200
CUT_MARK = "\n[…]\n"  # where a long output was cut


def bounded(text: str, limit: int = OUTPUT_LIMIT) -> tuple[str, int]:
    """`text` cut to `limit` characters, and how many were cut. The start and the end are
    kept (a third and two thirds of the bound), since a failing run says what failed last."""
    if len(text) <= limit:
        return text, 0
    head = limit // 3
    return f"{text[:head]}{CUT_MARK}{text[len(text) - (limit - head) :]}", len(text) - limit


def short(text: str, limit: int = SUMMARY_LIMIT) -> str:
    """A one-line summary of a call's input (the first line of a command, a path)."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def describe(arguments: Mapping[str, object], keys: Iterable[str] = ()) -> str:
    """A call's summary from its input: the first of `keys` present (a path, a pattern, a
    query), else its first short string argument; never the raw input."""
    for key in keys:
        value = arguments.get(key)
        if isinstance(value, str) and value.strip():
            return short(value)
        if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
            return short(", ".join(str(v) for v in value))
    for value in arguments.values():
        if isinstance(value, str) and value.strip() and len(value) <= SUMMARY_LIMIT:
            return short(value)
    return ""


def with_result(call: ToolCall, output: str, *, error: bool) -> ToolCall:
    """`call` completed by its result, cut to its bound (shorter for errors)."""
    kept, cut = _result_bounded(output, error)
    return replace(call, status="error" if error else "ok", output=kept, output_cut=cut)


def late_result(
    call_id: str, output: str, *, error: bool, exit_code: int | None = None
) -> LateResult:
    """A result whose call this part of the session does not hold, cut as `with_result` cuts."""
    kept, cut = _result_bounded(output, error)
    return LateResult(call_id, "error" if error else "ok", kept, cut, exit_code)


def _result_bounded(output: str, error: bool) -> tuple[str, int]:
    return bounded(output.strip("\n"), ERROR_LIMIT if error else OUTPUT_LIMIT)


def one_line(text: str, limit: int = SUMMARY_LIMIT) -> str:
    """A summary from the text's first line only (a command's first line, a message's)."""
    return short(text.strip().split("\n", 1)[0], limit)


def todo_list(entries: object, text_keys: Sequence[str]) -> TodoList:
    """A todo tool's list (`[{content|description|step, status}, ...]`, key names differing by
    agent): the items with text, statuses spelt one way ("in-progress" -> "in_progress")."""
    todos: list[TodoItem] = []
    for entry in items(entries):
        todo = mapping(entry)
        text = next((string(todo.get(key)) for key in text_keys if string(todo.get(key))), "")
        if text:
            status = string(todo.get("status")).replace("-", "_") or "pending"
            todos.append(TodoItem(text=text, status=status))
    return TodoList(items=tuple(todos))


def as_text(value: object) -> str:
    """A tool result or message content as text: strings as they are, lists of text parts
    joined, anything else as compact JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        texts = [as_text(item) for item in value]
        return "\n".join(text for text in texts if text)
    if isinstance(value, Mapping):
        for key in ("text", "output", "content", "result"):
            inner = value.get(key)
            if isinstance(inner, str):
                return inner
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def mapping(value: object) -> Mapping[str, object]:
    return value if isinstance(value, Mapping) else {}


def items(value: object) -> list[object]:
    """A JSON array, or [] for anything else."""
    return value if isinstance(value, list) else []


def string(value: object) -> str:
    return value if isinstance(value, str) else ""


def as_str(value: object) -> str | None:
    """A string, or None: for fields where absent and empty mean different things."""
    return value if isinstance(value, str) else None


def as_dict(value: object) -> dict[str, object] | None:
    return value if isinstance(value, dict) else None


def iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def moment(value: object) -> datetime | None:
    """A timestamp as sessions write them: ISO 8601, or epoch seconds or milliseconds."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        seconds = value / 1000 if value > 1e11 else value
        try:
            return datetime.fromtimestamp(seconds, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str):
        return parse_timestamp(value)
    return None


class Span:
    """The first and last timestamps met in a session, kept as records stream by."""

    def __init__(self) -> None:
        self.first: datetime | None = None
        self.last: datetime | None = None

    def see(self, value: object) -> datetime | None:
        stamp = moment(value)
        if stamp is not None:
            self.first = stamp if self.first is None else min(self.first, stamp)
            self.last = stamp if self.last is None else max(self.last, stamp)
        return stamp

    def meta(self) -> dict[str, object]:
        """`started_at` and `ended_at`, when any timestamp was met."""
        if self.first is None or self.last is None:
            return {}
        return {"started_at": format_timestamp(self.first), "ended_at": format_timestamp(self.last)}


def json_object(text: object) -> Mapping[str, object]:
    """A function call's `arguments` string parsed, or {} when it is not a JSON object."""
    if isinstance(text, Mapping):
        return text
    if not isinstance(text, str):
        return {}
    try:
        value = json.loads(text)
    except (ValueError, RecursionError):
        return {}
    return value if isinstance(value, dict) else {}


# --- turns built as records arrive ----------------------------------------------------------


@dataclass
class Draft:
    """A turn being built: agents write a turn's text, thinking and calls as separate records,
    and a call's result arrives later, so turns stay open until the whole session is read."""

    role: str
    speaker: str
    timestamp: datetime | None = None
    texts: list[str] = field(default_factory=list)
    thinking: list[str] = field(default_factory=list)
    calls: list[ToolCall] = field(default_factory=list)

    def empty(self) -> bool:
        return not (self.texts or self.thinking or self.calls)

    def turn(self, index: int) -> Turn:
        return Turn(
            index=index,
            speaker=self.speaker,
            role=self.role,
            text="\n\n".join(self.texts),
            timestamp=self.timestamp,
            tool_calls=tuple(self.calls),
            thinking="\n\n".join(self.thinking),
        )


class Drafts:
    """The turns of a session in order, with its calls findable by id for their results."""

    def __init__(self) -> None:
        self.items: list[Draft] = []
        self._calls: dict[str, tuple[Draft, int]] = {}

    def open(self, role: str, speaker: str, timestamp: datetime | None) -> Draft:
        draft = Draft(role, speaker, timestamp)
        self.items.append(draft)
        return draft

    @property
    def last(self) -> Draft | None:
        return self.items[-1] if self.items else None

    def add_call(self, draft: Draft, call: ToolCall) -> None:
        draft.calls.append(call)
        if call.id:
            self._calls[call.id] = (draft, len(draft.calls) - 1)

    def call(self, call_id: str) -> ToolCall | None:
        found = self._calls.get(call_id)
        return found[0].calls[found[1]] if found else None

    def replace(self, call_id: str, call: ToolCall) -> bool:
        """Put `call` (the same call with its result) where the call with `call_id` was."""
        found = self._calls.get(call_id)
        if found is None:
            return False
        found[0].calls[found[1]] = call
        return True

    def turns(self) -> tuple[Turn, ...]:
        kept = [draft for draft in self.items if not draft.empty()]
        return tuple(draft.turn(index) for index, draft in enumerate(kept))


def title_from(turns: Iterable[Turn]) -> str | None:
    """The first line of the first user prompt, as a session's title when it has none."""
    for turn in turns:
        if turn.role == "user" and turn.text.strip():
            return short(turn.text.strip().splitlines()[0], 80)
    return None


# --- the apply_patch envelope ------------------------------------------------------------------

_FILE_HEADER = re.compile(r"^\*\*\* (Update|Add|Delete) File: (.+?)\s*$")
_OPERATIONS = {"Update": "update", "Add": "add", "Delete": "delete"}
_HEREDOC = re.compile(r"(\*\*\* Begin Patch\n.*?\*\*\* End Patch)", re.DOTALL)


def patch_actions(envelope: str) -> tuple[Action, ...]:
    """One `FilePatch` per file of a `*** Begin Patch` envelope, in order; for an added file,
    whose whole content the patch holds, a `FileWrite` of it too. A `*** Move to:` line keeps
    the hunks on the old path (what was edited) and is left in the patch text."""
    actions: list[Action] = []
    current: tuple[str, str] | None = None
    body: list[str] = []

    def flush() -> None:
        if current is None:
            return
        operation, path = current
        text = "\n".join(body)
        actions.append(FilePatch(path=path, patch=text, operation=operation))
        if operation == "add":
            content = "\n".join(line[1:] for line in body if line.startswith("+"))
            actions.append(FileWrite(path=path, content=content + "\n" if body else ""))

    for line in envelope.replace("\r\n", "\n").split("\n"):
        header = _FILE_HEADER.match(line)
        if header:
            flush()
            current, body = (_OPERATIONS[header.group(1)], header.group(2)), []
        elif line.startswith(("*** End Patch", "*** Begin Patch")):
            flush()
            current, body = None, []
        elif current is not None and line != "*** End of File":
            body.append(line)
    flush()
    return tuple(actions)


def embedded_patch(command: str) -> str | None:
    """The envelope of an `apply_patch <<'EOF' … EOF` heredoc inside a shell command."""
    if "apply_patch" not in command and "applypatch" not in command:
        return None
    found = _HEREDOC.search(command.replace("\r\n", "\n"))
    return found.group(1) if found else None


def patch_paths(actions: Iterable[Action]) -> str:
    return ", ".join(action.path for action in actions if isinstance(action, FilePatch))
