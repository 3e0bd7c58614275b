"""Structured chat exports: read from their structure, which says exactly who spoke when.

Each format is one reader module (`_chatgpt`, `_claude`, `_messages`) exposing an
`ExportReader`; `READERS` lists them in the order they are tried, first match wins. Adding a
format is one new module beside them and one entry here. A recognised export is rendered as a
Markdown transcript (`render_transcript`) that `transcripts.parse_transcript` reads back, so the
stored document shows the conversation as people read it.
"""

from __future__ import annotations

from collections.abc import Sequence

from contextd.pipeline.ingest.conversations import _chatgpt, _claude, _messages
from contextd.pipeline.ingest.conversations._common import ExportReader, as_dict, dicts
from contextd.pipeline.ingest.conversations._speakers import format_timestamp, is_known_speaker
from contextd.pipeline.types import Conversation, Document

READERS: tuple[ExportReader, ...] = (_chatgpt.READER, _claude.READER, _messages.READER)


def detect_export(data: object) -> tuple[str, list[Conversation]] | None:
    """Recognise a chat export already parsed from JSON; return its format name and contents.

    The format name (the reader's: "chatgpt", "claude" or "messages") becomes `Document.format`.
    """
    items = dicts(data) or ([d] if (d := as_dict(data)) is not None else None)
    if items is None:
        return None
    for reader in READERS:
        conversations = reader.read(data, items)
        if conversations is not None:
            return reader.name, conversations
    return None


def parse_export(data: object) -> list[Conversation] | None:
    """The conversations of a structured chat export, or None when `data` is not one."""
    found = detect_export(data)
    return found[1] if found is not None else None


def render_transcript(conversations: Sequence[Conversation]) -> str:
    """Write conversations as Markdown that reads well and that `parse_transcript` reads back.

    Each turn is an `### Speaker · timestamp` heading followed by its text; with several
    conversations, each starts with a `## title` heading.
    """
    blocks: list[str] = []
    several = len(conversations) > 1
    for number, conversation in enumerate(conversations, 1):
        if several:
            title = " ".join((conversation.title or "").split()) or f"Conversation {number}"
            blocks.append(f"## {title}\n")
        for turn in conversation.turns:
            head = turn.speaker
            if turn.timestamp is not None:
                head += f" · {format_timestamp(turn.timestamp)}"
            elif not is_known_speaker(turn.speaker):
                head += ":"  # a bare unknown name in a heading is not taken for a speaker
            blocks.append(f"### {head}\n\n{turn.text}\n")
    return "\n".join(blocks)


def export_document(format: str, conversations: Sequence[Conversation]) -> Document:
    """The Document of a chat export: its rendered transcript, titled when it holds one chat."""
    title = conversations[0].title if len(conversations) == 1 else None
    return Document(text=render_transcript(conversations), format=format, title=title)
