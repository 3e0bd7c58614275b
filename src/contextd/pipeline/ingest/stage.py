"""The ingest stage: bytes in, normalized text and (for conversations) numbered turns out.

Chat exports are read from their structure, because it says who spoke when without guessing;
everything else is converted to text first and then examined for "Speaker:" lines. Turn numbers
start at `first_turn_index` so that data appended to an existing source continues its numbering
instead of colliding with the turns already stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace

from contextd.pipeline.ingest.conversations import detect_export, export_document, parse_transcript
from contextd.pipeline.ingest.convert import convert, detect_format, json_document, load_json
from contextd.pipeline.types import Fetched, Ingested, Turn


def _renumber(turns: Iterable[Turn], start: int) -> tuple[Turn, ...]:
    return tuple(replace(t, index=start + i) for i, t in enumerate(turns))


def ingest(fetched: Fetched, *, first_turn_index: int = 0) -> Ingested:
    """Convert a source and find its turns; raises UnsupportedFormat for unreadable input.

    NUL characters are dropped from everything returned: they carry no meaning in text, and
    PostgreSQL cannot store them.
    """
    return _without_nul(_ingest(fetched, first_turn_index))


def _without_nul(ingested: Ingested) -> Ingested:
    if "\x00" not in ingested.document.text and not any("\x00" in t.text for t in ingested.turns):
        return ingested
    document = replace(ingested.document, text=ingested.document.text.replace("\x00", ""))
    turns = tuple(replace(t, text=t.text.replace("\x00", "")) for t in ingested.turns)
    return Ingested(document, turns)


def _ingest(fetched: Fetched, first_turn_index: int) -> Ingested:
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
