"""A turn's tool calls as JSON, and the text of a turn that search, snapshots and budgets see.

Tool calls are stored with their turn (`turns.tool_calls`, migration 0005) in the JSON written
here and read back here, by every writer and reader (the job, the turns endpoint, fast-forward),
so the stored shape has one definition. Keys are camelCase, as the API shows them:
`{name, summary, status, output, outputCut, actions: [{type, ...}], id}`, each action tagged by
`type` (`file_write`, `file_edit`, `file_patch`, `shell_command`, `todo_list`). Stored whole
(file contents included): the artifacts are extracted from them, and the API compacts them.

`conversation_text` is the one rule for what a turn *says*: its text, then one line per tool
call with the call's short summary (so "which turn ran pytest" is found), never its thinking.
Search adds a short excerpt of each call's output; token budgets count summaries only, so a
session's budget comes from its conversation, not from the raw file or the tools' outputs.

`complete_calls` gives stored calls the results that a later part of their session holds.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from contextd.pipeline.types import (
    Action,
    FileEdit,
    FilePatch,
    FileWrite,
    LateResult,
    ShellCommand,
    TodoItem,
    TodoList,
    ToolCall,
    Turn,
)

SEARCH_OUTPUT_EXCERPT = 200
"""Characters of a tool call's output that its turn's search chunk holds (0: none)."""

# --- pipeline types -> JSON ------------------------------------------------------------------


def action_to_json(action: Action) -> dict[str, Any]:
    if isinstance(action, FileWrite):
        return {"type": "file_write", "path": action.path, "content": action.content}
    if isinstance(action, FileEdit):
        return {
            "type": "file_edit",
            "path": action.path,
            "old": action.old,
            "new": action.new,
            "replaceAll": action.replace_all,
        }
    if isinstance(action, FilePatch):
        return {
            "type": "file_patch",
            "path": action.path,
            "patch": action.patch,
            "operation": action.operation,
        }
    if isinstance(action, ShellCommand):
        return {"type": "shell_command", "command": action.command, "exitCode": action.exit_code}
    return {
        "type": "todo_list",
        "items": [{"text": item.text, "status": item.status} for item in action.items],
    }


def tool_call_to_json(call: ToolCall) -> dict[str, Any]:
    return {
        "name": call.name,
        "summary": call.summary,
        "status": call.status,
        "output": call.output,
        "outputCut": call.output_cut,
        "actions": [action_to_json(action) for action in call.actions],
        "id": call.id,
    }


def tool_calls_to_json(calls: Iterable[ToolCall]) -> list[Any] | None:
    """The stored form of a turn's calls; None (a NULL column) when it made none."""
    stored = [storable(tool_call_to_json(call)) for call in calls]
    return stored or None


def storable(value: object) -> Any:
    """`value` as JSON every backend stores and gives back the same: NUL characters dropped
    (PostgreSQL text cannot hold them), times as ISO 8601, NaN/Infinity as null, tuples as
    lists, keys as strings, anything else as its text."""
    if value is None or isinstance(value, (bool, int)):
        return value
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {storable(str(key)): storable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [storable(item) for item in value]
    return storable(str(value))


# --- JSON -> pipeline types ------------------------------------------------------------------
# Lenient: a row written by an older version, or a field added later, must still read.


def _str(data: Mapping[str, Any], key: str, default: str = "") -> str:
    value = data.get(key)
    return value if isinstance(value, str) else default


def _int(data: Mapping[str, Any], key: str) -> int | None:
    value = data.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def action_from_json(data: Mapping[str, Any]) -> Action | None:
    """The action, or None for a type this version does not know."""
    kind = data.get("type")
    path = _str(data, "path")
    if kind == "file_write":
        return FileWrite(path=path, content=_str(data, "content"))
    if kind == "file_edit":
        return FileEdit(
            path=path,
            old=_str(data, "old"),
            new=_str(data, "new"),
            replace_all=data.get("replaceAll") is True,
        )
    if kind == "file_patch":
        return FilePatch(
            path=path, patch=_str(data, "patch"), operation=_str(data, "operation", "update")
        )
    if kind == "shell_command":
        return ShellCommand(command=_str(data, "command"), exit_code=_int(data, "exitCode"))
    if kind == "todo_list":
        items = data.get("items")
        return TodoList(
            items=tuple(
                TodoItem(text=_str(item, "text"), status=_str(item, "status"))
                for item in (items if isinstance(items, list) else [])
                if isinstance(item, Mapping)
            )
        )
    return None


def tool_call_from_json(data: Mapping[str, Any]) -> ToolCall:
    actions = data.get("actions")
    listed = actions if isinstance(actions, list) else []
    parsed = (action_from_json(a) for a in listed if isinstance(a, Mapping))
    status = data.get("status")
    call_id = data.get("id")
    return ToolCall(
        name=_str(data, "name"),
        summary=_str(data, "summary"),
        status=status if isinstance(status, str) else None,
        output=_str(data, "output"),
        output_cut=_int(data, "outputCut") or 0,
        actions=tuple(a for a in parsed if a is not None),
        id=call_id if isinstance(call_id, str) else None,
    )


def tool_calls_from_json(stored: object) -> tuple[ToolCall, ...]:
    """The calls of a stored turn (NULL or anything that is not a list: none)."""
    if not isinstance(stored, list):
        return ()
    return tuple(tool_call_from_json(item) for item in stored if isinstance(item, Mapping))


# --- what a turn says ------------------------------------------------------------------------


def tool_call_line(call: ToolCall, *, output_excerpt: int = 0) -> str:
    """`[tool] Bash: pytest -q (error)`, then the first `output_excerpt` characters of its
    output on the next line when asked."""
    head = f"[tool] {call.name}: {call.summary}" if call.summary else f"[tool] {call.name}"
    if call.status == "error":
        head += " (error)"
    excerpt = " ".join(call.output.split())[:output_excerpt] if output_excerpt > 0 else ""
    return f"{head}\n{excerpt}" if excerpt else head


def conversation_text(turn: Turn, *, output_excerpt: int = 0) -> str:
    """The turn's text and one line per tool call (thinking never included)."""
    if not turn.tool_calls:
        return turn.text
    lines = [tool_call_line(call, output_excerpt=output_excerpt) for call in turn.tool_calls]
    return "\n".join([turn.text, *lines]) if turn.text else "\n".join(lines)


def conversation(turns: Sequence[Turn]) -> str:
    """The conversation as budgets count it: every turn's `conversation_text`, blank-line joined."""
    return "\n\n".join(conversation_text(turn) for turn in turns)


# --- results that arrive in a later part ---------------------------------------------------


def complete_calls(turns: Sequence[Turn], results: Sequence[LateResult]) -> tuple[Turn, ...]:
    """The turns whose calls `results` complete, completed: a session read in parts gets the
    result of a call made in an earlier part (saved while the call was running) this way. A
    result for no known call, or for a call that already has one, changes nothing."""
    by_id = {r.call_id: r for r in results}
    changed: list[Turn] = []
    for turn in turns:
        calls = tuple(
            _completed(c, by_id[c.id]) if c.id in by_id and c.status is None else c
            for c in turn.tool_calls
        )
        if calls != turn.tool_calls:
            changed.append(replace(turn, tool_calls=calls))
    return tuple(changed)


def _completed(call: ToolCall, result: LateResult) -> ToolCall:
    actions = tuple(
        replace(a, exit_code=result.exit_code)
        if isinstance(a, ShellCommand) and a.exit_code is None
        else a
        for a in call.actions
    )
    return replace(
        call,
        status=result.status,
        output=result.output,
        output_cut=result.output_cut,
        actions=actions,
    )
