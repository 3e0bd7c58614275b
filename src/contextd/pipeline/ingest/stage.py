"""The ingest stage: bytes in, normalized text and (for conversations) numbered turns out.

Coding-agent sessions (Claude Code JSONL, ...) are recognised first, by content: their turns
carry tool calls and thinking. Chat exports are read from their structure, because it says who
spoke when without guessing; JSONL that no reader knows is kept as pretty-printed records, never
taken for prose; everything else is converted to text first and then examined for "Speaker:"
lines. Turn numbers start at `first_turn_index` so that data appended to an existing source
continues its numbering instead of colliding with the turns already stored.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import replace

from contextd.pipeline.ingest.conversations import detect_export, export_document, parse_transcript
from contextd.pipeline.ingest.convert import convert, detect_format, json_document, load_json
from contextd.pipeline.ingest.sessions import (
    SessionInput,
    jsonl_document,
    read_session,
    session_document,
)
from contextd.pipeline.types import Fetched, Ingested, ToolCall, Turn


def _renumber(turns: Iterable[Turn], start: int) -> tuple[Turn, ...]:
    return tuple(replace(t, index=start + i) for i, t in enumerate(turns))


def ingest(fetched: Fetched, *, first_turn_index: int = 0) -> Ingested:
    """Convert a source and find its turns; raises UnsupportedFormat for unreadable input.

    NUL characters are dropped from everything returned: they carry no meaning in text, and
    PostgreSQL cannot store them.
    """
    return _without_nul(_ingest(fetched, first_turn_index))


def _without_nul(ingested: Ingested) -> Ingested:
    """Every text kept goes to the database: the turns' thinking and tool calls too."""
    if (
        "\x00" not in ingested.document.text
        and not any(_has_nul(t) for t in ingested.turns)
        and not any("\x00" in r.output for r in ingested.late_results)
    ):
        return ingested
    document = replace(ingested.document, text=_clean(ingested.document.text))
    turns = tuple(_turn_without_nul(t) if _has_nul(t) else t for t in ingested.turns)
    late = tuple(replace(r, output=_clean(r.output)) for r in ingested.late_results)
    return Ingested(document, turns, late_results=late)


def _clean(text: str) -> str:
    return text.replace("\x00", "")


def _has_nul(turn: Turn) -> bool:
    return (
        "\x00" in turn.text
        or "\x00" in turn.thinking
        or any("\x00" in c.summary or "\x00" in c.output for c in turn.tool_calls)
    )


def _turn_without_nul(turn: Turn) -> Turn:
    calls = tuple(_call_without_nul(c) for c in turn.tool_calls)
    return replace(turn, text=_clean(turn.text), thinking=_clean(turn.thinking), tool_calls=calls)


def _call_without_nul(call: ToolCall) -> ToolCall:
    return replace(call, summary=_clean(call.summary), output=_clean(call.output))


def _shifted(meta: Mapping[str, object], start: int) -> dict[str, object]:
    """Session metadata whose turn indexes follow the renumbering of the turns."""
    shifted = dict(meta)
    boundaries = meta.get("compact_boundaries")
    if isinstance(boundaries, list) and start:
        shifted["compact_boundaries"] = [b + start for b in boundaries if isinstance(b, int)]
    return shifted


def _ingest(fetched: Fetched, first_turn_index: int) -> Ingested:
    candidate = SessionInput(fetched)
    session = read_session(candidate)
    if session is not None:
        document = session_document(session)
        document = replace(document, meta=_shifted(document.meta, first_turn_index))
        numbered = _renumber(session.turns, first_turn_index)
        return Ingested(document, numbered, late_results=session.late_results)
    records = jsonl_document(candidate) if candidate.kind == "jsonl" else None
    if records is not None:
        return Ingested(records)  # records hold no speaker lines
    if detect_format(fetched) == "json":
        ok, data = load_json(fetched)
        if ok:
            found = detect_export(data)
            if found is None:
                return Ingested(json_document(data))  # fenced JSON holds no speaker lines
            format, conversations = found
            turns = (turn for conversation in conversations for turn in conversation.turns)
            document = export_document(format, conversations)
            return Ingested(document, _renumber(turns, first_turn_index))
    document = convert(fetched)
    conversation = parse_transcript(document.text)
    if conversation is None:
        return Ingested(document)
    return Ingested(document, _renumber(conversation.turns, first_turn_index))
