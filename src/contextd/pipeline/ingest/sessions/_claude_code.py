"""Claude Code sessions: `~/.claude/projects/<project>/<session>.jsonl`, one record a line.

`user` and `assistant` records carry Anthropic message content blocks; everything else
(`summary`, `file-history-snapshot`, `queue-operation`, most `system` records) is bookkeeping,
read for metadata at most and never shown as text. What needs care:

* Claude Code writes one assistant message as several records sharing `message.id` (one per
  content block, with tool results in between): they are one turn.
* Tool results come back in `user` records; such a record is not something the user said, so it
  adds no turn, only the result to the call with the same id.
* `isSidechain` records are subagent work (older versions wrote them into the main file; newer
  ones into `<session>/subagents/agent-*.jsonl`). They are kept out of the main thread and
  placed, marked "Subagent <id>", right after the turn whose `Task` call launched them (at the
  end when that call is unknown), so the files a subagent wrote still become artifacts.
* A `compact_boundary` system record starts a new context; the `isCompactSummary` user record
  after it is the summary Claude Code wrote of everything before. It is kept as a "system"
  turn, and `meta["compact_boundaries"]` lists the index of the first turn after each boundary.
* Results are cut as every reader cuts them (`_calls.with_result`: the start and the end
  kept, errors shorter and verbatim), with the count of what was cut. A `Bash` error says
  "Exit code N"; a `Bash` result that is no error is taken as exit 0, since Claude Code
  reports every non-zero exit as an error.
* Images become a placeholder naming their media type; their base64 data is never kept.
* Rewinds ("redo from here") leave abandoned branches in the file; turns are kept in file
  order, every record once (by `uuid`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from contextd.pipeline.ingest.conversations import parse_timestamp
from contextd.pipeline.ingest.sessions._calls import late_result, short, with_result
from contextd.pipeline.ingest.sessions._input import SessionInput
from contextd.pipeline.ingest.sessions._model import Session, SessionReader
from contextd.pipeline.types import (
    Action,
    FileEdit,
    FileWrite,
    LateResult,
    ShellCommand,
    TodoItem,
    TodoList,
    ToolCall,
    Turn,
)

NAME = "claude-code"
_EXIT_CODE = re.compile(r"^Exit code (-?\d+)")
_MESSAGE_TYPES = ("user", "assistant")
_BOOKKEEPING = ("summary", "file-history-snapshot", "queue-operation")
UNNAMED = "sidechain"  # the label of sidechain records before any names its agent


def _detect(candidate: SessionInput) -> bool:
    """Claude Code's records say `sessionId` and chain by `parentUuid`; no other agent does."""
    if candidate.kind != "jsonl":
        return False
    for record in candidate.head:
        kind = record.get("type")
        message = isinstance(record.get("message"), dict)
        if kind in _MESSAGE_TYPES and message and "sessionId" in record and "parentUuid" in record:
            return True
        snapshot = kind == "file-history-snapshot" and "snapshot" in record
        if snapshot or (kind == "summary" and "leafUuid" in record):
            return True  # a file may start with many of these before its first message
    return False


@dataclass
class _Turn:
    speaker: str
    role: str
    texts: list[str] = field(default_factory=list)
    thinking: list[str] = field(default_factory=list)
    calls: list[ToolCall] = field(default_factory=list)
    timestamp: datetime | None = None
    message_id: str | None = None

    def build(self, results: Mapping[str, ToolCall]) -> Turn:
        calls = tuple(results.get(c.id or "", c) for c in self.calls)
        return Turn(
            index=0,
            speaker=self.speaker,
            role=self.role,
            text="\n\n".join(t for t in self.texts if t.strip()),
            timestamp=self.timestamp,
            tool_calls=calls,
            thinking="\n\n".join(t for t in self.thinking if t.strip()),
        )


@dataclass
class _Thread:
    """The turns of one thread (the main session or one subagent) as records arrive."""

    label: str | None  # None for the main thread, else the subagent's id
    turns: list[_Turn] = field(default_factory=list)
    boundaries: list[int] = field(default_factory=list)
    first_at: datetime | None = None

    def speaker(self, base: str) -> str:
        return base if self.label is None else f"Subagent {self.label} ({base.lower()})"


@dataclass
class _Reading:
    main: _Thread = field(default_factory=lambda: _Thread(None))
    subagents: dict[str, _Thread] = field(default_factory=dict)
    calls: dict[str, ToolCall] = field(default_factory=dict)  # by tool_use id
    results: dict[str, ToolCall] = field(default_factory=dict)  # the calls with their result
    late: list[LateResult] = field(default_factory=list)  # results of calls not in this input
    anchors: dict[str, int] = field(default_factory=dict)  # agent id -> main turn of its Task
    task_turns: dict[str, int] = field(default_factory=dict)  # Task tool_use id -> main turn
    seen: set[str] = field(default_factory=set)
    meta: dict[str, object] = field(default_factory=dict)
    last_agent: str | None = None
    title: str | None = None
    started: datetime | None = None
    ended: datetime | None = None


def read_claude_code(main: SessionInput, subagents: Sequence[SessionInput] = ()) -> Session:
    """A session from its main file and, when imported from a directory or an archive, its
    `subagents/*.jsonl` transcripts. Malformed lines of every file are counted, never fatal."""
    reading = _Reading()
    skipped = 0
    for number, candidate in enumerate((main, *subagents)):
        default = None if number == 0 else f"agent-{number}"
        reading.last_agent = None
        for record in candidate.records():
            _take(reading, record, default)
        skipped += candidate.skipped
    turns = _assemble(reading)
    meta: dict[str, object] = {"agent": NAME, **reading.meta, "skipped_lines": skipped}
    if reading.started is not None:
        meta["started_at"] = reading.started.isoformat()
    if reading.ended is not None:
        meta["ended_at"] = reading.ended.isoformat()
    meta["compact_boundaries"] = _boundaries(reading, turns)
    if reading.subagents:
        meta["subagents"] = sorted(reading.subagents)
    late = tuple(reading.late)
    return Session(format=NAME, title=reading.title, turns=turns, meta=meta, late_results=late)


def _take(reading: _Reading, record: dict[str, object], default_agent: str | None) -> None:
    kind = record.get("type")
    if kind == "summary":
        if reading.title is None and isinstance(record.get("summary"), str):
            reading.title = str(record["summary"]).strip()[:200] or None
        return
    if kind in _BOOKKEEPING or kind not in ("user", "assistant", "system"):
        return
    uuid = record.get("uuid")
    if isinstance(uuid, str):
        if uuid in reading.seen:
            return
        reading.seen.add(uuid)
    stamp = record.get("timestamp")
    when = parse_timestamp(stamp) if isinstance(stamp, str) else None
    thread = reading.main
    if record.get("isSidechain") is True or default_agent is not None:
        thread = _subagent(reading, _agent_id(record) or default_agent)
    else:
        _note_meta(reading, record)
    if when is not None:
        reading.started = when if reading.started is None else min(reading.started, when)
        reading.ended = when if reading.ended is None else max(reading.ended, when)
        thread.first_at = thread.first_at or when
    if kind == "system":
        if record.get("subtype") == "compact_boundary":
            thread.boundaries.append(len(thread.turns))
        return
    message = record.get("message")
    if not isinstance(message, dict):
        return
    if kind == "assistant":
        _assistant(reading, thread, message, when)
    elif record.get("isMeta") is not True:
        _user(reading, thread, record, message, when)


def _agent_id(record: Mapping[str, object]) -> str | None:
    """The subagent a record belongs to or reports on: `agentId` on the record, or in the
    `toolUseResult` of a `Task` result."""
    agent = record.get("agentId")
    if not (isinstance(agent, str) and agent):
        result = record.get("toolUseResult")
        agent = result.get("agentId") if isinstance(result, dict) else None
    return agent if isinstance(agent, str) and agent else None


def _subagent(reading: _Reading, label: str | None) -> _Thread:
    """The thread of a subagent. Older files name the agent on some sidechain records only:
    records before the first named one go to an unnamed thread, which takes the first name
    seen, and records after it stay with the last named agent."""
    if label is None:
        label = reading.last_agent or UNNAMED
    elif UNNAMED in reading.subagents and label not in reading.subagents:
        thread = reading.subagents.pop(UNNAMED)
        thread.label = label
        for turn in thread.turns:
            turn.speaker = turn.speaker.replace(f"Subagent {UNNAMED} ", f"Subagent {label} ")
        reading.subagents[label] = thread
    if label != UNNAMED:
        reading.last_agent = label
    return reading.subagents.setdefault(label, _Thread(label))


def _note_meta(reading: _Reading, record: Mapping[str, object]) -> None:
    for key, name in (("sessionId", "session_id"), ("cwd", "cwd"), ("version", "version")):
        value = record.get(key)
        if isinstance(value, str) and value and name not in reading.meta:
            reading.meta[name] = value
    branch = record.get("gitBranch")
    if isinstance(branch, str) and branch:
        reading.meta["git_branch"] = branch  # the last one: where the work ended
    message = record.get("message")
    if isinstance(message, dict):
        model = message.get("model")
        if isinstance(model, str) and model and not model.startswith("<"):
            reading.meta.setdefault("model", model)  # "<synthetic>" marks Claude Code's own


def _assistant(
    reading: _Reading, thread: _Thread, message: Mapping[str, object], when: datetime | None
) -> None:
    message_id = _str(message, "id") or None
    last = thread.turns[-1] if thread.turns else None
    if last is not None and message_id is not None and message_id == last.message_id:
        turn = last  # one more block of the message being streamed
    else:
        turn = _Turn(thread.speaker("Claude"), "assistant", timestamp=when, message_id=message_id)
        thread.turns.append(turn)
    for block in _blocks(message.get("content")):
        kind = block.get("type")
        if kind == "text" and isinstance(block.get("text"), str):
            turn.texts.append(str(block["text"]))
        elif kind == "thinking" and isinstance(block.get("thinking"), str):
            turn.thinking.append(str(block["thinking"]))  # its signature is never kept
        elif kind == "tool_use":
            call = _tool_call(block)
            turn.calls.append(call)
            if call.id:
                reading.calls[call.id] = call
                if call.name in ("Task", "Agent") and thread.label is None:
                    reading.task_turns[call.id] = len(thread.turns) - 1
        elif kind == "image":
            turn.texts.append(_image(block))


def _user(
    reading: _Reading,
    thread: _Thread,
    record: Mapping[str, object],
    message: Mapping[str, object],
    when: datetime | None,
) -> None:
    texts: list[str] = []
    content = message.get("content")
    if isinstance(content, str):
        texts.append(content)
    for block in _blocks(content):
        kind = block.get("type")
        if kind == "text" and isinstance(block.get("text"), str):
            texts.append(str(block["text"]))
        elif kind == "image":
            texts.append(_image(block))
        elif kind == "tool_result":
            _result(reading, block, record)
    if not any(t.strip() for t in texts):
        return  # only tool results: not something the user said
    if record.get("isCompactSummary") is True:
        turn = _Turn("Compact summary", "system", texts, timestamp=when)
    else:
        # A subagent's prompt was written by the main agent, not the user: role "other", so
        # that nothing takes it for the user's goal.
        main = thread.label is None
        turn = _Turn(
            thread.speaker("User" if main else "Prompt"), "user" if main else "other", texts
        )
        turn.timestamp = when
        if reading.title is None and thread.label is None:
            reading.title = " ".join(texts[0].split())[:80] or None
    thread.turns.append(turn)


def _result(reading: _Reading, block: Mapping[str, object], record: Mapping[str, object]) -> None:
    call_id = block.get("tool_use_id")
    if not isinstance(call_id, str):
        return
    error = block.get("is_error") is True
    output = _result_text(block.get("content"))
    found = _EXIT_CODE.match(output) if error else None
    # Claude Code reports a non-zero exit as an error ("Exit code N"); a success is exit 0.
    code = int(found.group(1)) if found else (None if error else 0)
    if call_id not in reading.calls:
        # The call was made in an earlier part of a session read in parts.
        reading.late.append(late_result(call_id, output, error=error, exit_code=code))
        return
    call = reading.calls[call_id]
    actions = call.actions
    if call.name == "Bash":
        actions = tuple(
            replace(a, exit_code=code) if isinstance(a, ShellCommand) else a for a in actions
        )
    reading.results[call_id] = with_result(replace(call, actions=actions), output, error=error)
    agent = _agent_id(record)
    if agent is not None and call_id in reading.task_turns:
        reading.anchors[agent] = reading.task_turns[call_id]


def _result_text(content: object) -> str:
    if isinstance(content, str):
        return content
    parts: list[str] = []
    for block in _blocks(content):
        if block.get("type") == "text" and isinstance(block.get("text"), str):
            parts.append(str(block["text"]))
        elif block.get("type") == "image":
            parts.append(_image(block))
    return "\n".join(parts)


def _blocks(content: object) -> Iterable[Mapping[str, object]]:
    if isinstance(content, list):
        return (b for b in content if isinstance(b, dict))
    return ()


def _image(block: Mapping[str, object]) -> str:
    source = block.get("source")
    media = source.get("media_type") if isinstance(source, dict) else None
    return f"[image: {media}]" if isinstance(media, str) else "[image]"


def _str(data: Mapping[str, object], key: str) -> str:
    value = data.get(key)
    return value if isinstance(value, str) else ""


def _tool_call(block: Mapping[str, object]) -> ToolCall:
    name = _str(block, "name") or "tool"
    raw = block.get("input")
    data: Mapping[str, object] = raw if isinstance(raw, dict) else {}
    call_id = _str(block, "id") or None
    return ToolCall(name, _summary(name, data), actions=_actions(name, data), id=call_id)


def _summary(name: str, data: Mapping[str, object]) -> str:
    """What identifies the call: its file, command, pattern or query, never the raw input."""
    if name == "TodoWrite":
        todos = data.get("todos")
        return f"{len(todos)} items" if isinstance(todos, list) else ""
    for key in ("file_path", "notebook_path", "command", "pattern", "url", "query", "description"):
        value = _str(data, key)
        if value:
            where = _str(data, "path") if key == "pattern" else ""
            return short(f"{value} in {where}" if where else value)
    for other in data.values():
        if isinstance(other, str) and other.strip():
            return short(other)
    return ""


def _actions(name: str, data: Mapping[str, object]) -> tuple[Action, ...]:
    """The call's effect in `pipeline.types` terms. `NotebookEdit` changes one cell, which no
    action describes faithfully, so it has none (its summary names the notebook)."""
    path = _str(data, "file_path")
    if name == "Write" and path:
        return (FileWrite(path, _str(data, "content")),)
    if name == "Edit" and path:
        return (_edit(path, data),)
    if name == "MultiEdit" and path:
        edits = data.get("edits")
        items = edits if isinstance(edits, list) else []
        return tuple(_edit(path, e) for e in items if isinstance(e, dict))
    if name == "Bash" and _str(data, "command"):
        return (ShellCommand(_str(data, "command")),)
    todos = data.get("todos")
    if name == "TodoWrite" and isinstance(todos, list):
        return (
            TodoList(
                tuple(
                    TodoItem(_str(t, "content") or _str(t, "activeForm"), _str(t, "status"))
                    for t in todos
                    if isinstance(t, dict)
                )
            ),
        )
    return ()


def _edit(path: str, data: Mapping[str, object]) -> FileEdit:
    return FileEdit(
        path, _str(data, "old_string"), _str(data, "new_string"), data.get("replace_all") is True
    )


def _assemble(reading: _Reading) -> tuple[Turn, ...]:
    """Main turns in order, each subagent's turns after the turn that launched it."""
    after: dict[int, list[_Thread]] = {}
    loose: list[_Thread] = []
    for label, thread in reading.subagents.items():
        anchor = reading.anchors.get(label)
        (after.setdefault(anchor, []) if anchor is not None else loose).append(thread)
    turns: list[Turn] = []
    main = reading.main.turns
    for position in range(len(main) + 1):
        if position < len(main):
            turns.append(replace(main[position].build(reading.results), index=len(turns)))
        threads = after.get(position, []) if position < len(main) else loose
        for thread in sorted(threads, key=lambda t: (t.first_at is None, t.first_at)):
            for turn in thread.turns:
                turns.append(replace(turn.build(reading.results), index=len(turns)))
    return tuple(turns)


def _boundaries(reading: _Reading, turns: Sequence[Turn]) -> list[int]:
    """Main-thread boundary positions mapped to indexes in the assembled turns."""
    main_indexes = [t.index for t in turns if not t.speaker.startswith("Subagent ")]
    return [
        main_indexes[b] if b < len(main_indexes) else len(turns) for b in reading.main.boundaries
    ]


READER = SessionReader(NAME, _detect, read_claude_code)
