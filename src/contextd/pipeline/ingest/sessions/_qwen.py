"""Qwen Code (QwenLM/qwen-code) sessions: `~/.qwen/projects/<project>/chats/<session-id>.jsonl`.

Qwen Code began as a Gemini CLI fork but records sessions its own way (its
`ChatRecordingService`): one JSON record a line, `{uuid, parentUuid, sessionId, timestamp,
type, cwd, version, gitBranch}`, where `type` is `user`, `assistant`, `tool_result` or `system`
(with a `subtype`: compression checkpoints, slash commands, titles, telemetry...). The
conversation is the Gemini API `Content` in `message` (`role`, `parts`: `text`, `thought`,
`functionCall`, `functionResponse`), so the Gemini reader's part helpers read it; the record
adds the `model` and, on tool results, `toolCallResult` (`callId`, `status`, `error`).

The records chain by `parentUuid`, as Claude Code's do (and Claude Code's reader would claim
them, so this reader is tried before it): the conversation is the chain that ends at the last
record, which leaves out what a rewind or a branch abandoned; a subagent's records
(`isSidechain`) are its own conversation and are left out.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from contextd.pipeline.ingest.sessions._calls import (
    Drafts,
    Span,
    mapping,
    string,
    title_from,
)
from contextd.pipeline.ingest.sessions._gemini import (
    _call,
    _completed,
    _parts,
    _response_text,
    _text,
)
from contextd.pipeline.ingest.sessions._input import SessionInput
from contextd.pipeline.ingest.sessions._model import Session, SessionReader

AGENT = "qwen-code"
SPEAKER = "Qwen Code"
_TYPES = {"user", "assistant", "tool_result", "system"}
_FAILED = {"error", "cancelled"}


def _is_record(record: Mapping[str, object]) -> bool:
    if record.get("type") not in _TYPES or not isinstance(record.get("sessionId"), str):
        return False
    if not isinstance(record.get("uuid"), str) or "parentUuid" not in record:
        return False
    message = record.get("message")
    if isinstance(message, Mapping):
        return isinstance(message.get("parts"), list)  # Claude Code's messages have `content`
    return record.get("type") == "system" and isinstance(record.get("subtype"), str)


def _detect(candidate: SessionInput) -> bool:
    if candidate.kind != "jsonl":
        return False
    return any(_is_record(r) and isinstance(r.get("message"), Mapping) for r in candidate.head)


def _chain(records: list[dict[str, object]]) -> list[dict[str, object]]:
    """The records from the first to the last one written, following `parentUuid`."""
    by_id = {string(r.get("uuid")): r for r in records}
    path: list[dict[str, object]] = []
    seen: set[str] = set()
    current = records[-1] if records else None
    while current is not None and string(current.get("uuid")) not in seen:
        seen.add(string(current.get("uuid")))
        path.append(current)
        parent = current.get("parentUuid")
        current = by_id.get(parent) if isinstance(parent, str) else None
    path.reverse()
    return path


class _Reader:
    def __init__(self) -> None:
        self.drafts = Drafts()
        self.span = Span()
        self.meta: dict[str, object] = {"agent": AGENT}
        self.title: str | None = None

    def record(self, record: Mapping[str, object]) -> None:
        stamp = self.span.see(record.get("timestamp"))
        for key, name in (("sessionId", "session_id"), ("cwd", "cwd"), ("gitBranch", "git_branch")):
            if string(record.get(key)):
                self.meta.setdefault(name, string(record.get(key)))
        kind = record.get("type")
        parts = _parts(mapping(record.get("message")))
        if kind == "user":
            text = _text(parts)
            if text.strip():
                self.drafts.open("user", "User", stamp).texts.append(text)
        elif kind == "assistant":
            if string(record.get("model")):
                self.meta["model"] = string(record.get("model"))
            self.assistant(parts, stamp)
        elif kind == "tool_result":
            self.result(record, parts)

    def assistant(self, parts: list[object], stamp: datetime | None) -> None:
        last = self.drafts.last
        # One model response may be written as several records (text, then its calls).
        if last is None or last.role != "assistant" or last.calls:
            last = self.drafts.open("assistant", SPEAKER, stamp)
        text = _text(parts)
        if text:
            last.texts.append(text)
        for index, part in enumerate(map(mapping, parts)):
            if part.get("thought") is True and string(part.get("text")).strip():
                last.thinking.append(string(part.get("text")))
            function = mapping(part.get("functionCall"))
            if function:
                name = string(function.get("name"))
                call_id = string(function.get("id")) or f"{name}#{len(self.drafts.items)}.{index}"
                self.drafts.add_call(last, _call(name, mapping(function.get("args")), call_id))

    def result(self, record: Mapping[str, object], parts: list[object]) -> None:
        info = mapping(record.get("toolCallResult"))
        call_ids = [string(info.get("callId"))] + [
            string(mapping(mapping(p).get("functionResponse")).get("id")) for p in parts
        ]
        for call_id in (c for c in call_ids if c):
            call = self.drafts.call(call_id)
            if call is None or call.status is not None:
                continue
            output, error = _response_text(parts)
            if not output and string(mapping(info.get("error")).get("message")):
                output = string(mapping(info.get("error")).get("message"))
            if not output and isinstance(info.get("resultDisplay"), str):
                output = string(info.get("resultDisplay"))
            error = error or info.get("status") in _FAILED or bool(info.get("error"))
            self.drafts.replace(call_id, _completed(call, output, error=error))
            return

    def system(self, record: Mapping[str, object]) -> None:
        payload = mapping(record.get("systemPayload"))
        if record.get("subtype") == "custom_title" and string(payload.get("customTitle")):
            self.title = string(payload.get("customTitle"))


def _read(candidate: SessionInput) -> Session:
    reader = _Reader()
    records: list[dict[str, object]] = []
    for record in candidate.records():
        if not _is_record(record) or record.get("isSidechain") is True:
            continue
        if record.get("type") == "system":
            reader.system(record)  # a title anchors off the chain, at the end of the file
        records.append(record)
    for record in _chain(records):
        reader.record(record)
    turns = reader.drafts.turns()
    meta = reader.meta
    meta.update(reader.span.meta())
    meta["skipped_lines"] = candidate.skipped
    title = reader.title or title_from(turns)
    return Session(format=AGENT, title=title, turns=turns, meta=meta)


READER = SessionReader(AGENT, _detect, _read)
