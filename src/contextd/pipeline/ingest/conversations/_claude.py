"""Claude's `conversations.json`: `chat_messages` per conversation, pasted files included."""

from __future__ import annotations

from contextd.pipeline.ingest.conversations._common import (
    ExportReader,
    as_str,
    dicts,
    fence,
)
from contextd.pipeline.ingest.conversations._speakers import any_timestamp
from contextd.pipeline.types import Conversation, Turn


def _claude_text(message: dict[str, object]) -> str:
    blocks = message.get("content")
    texts = [
        as_str(block.get("text")) or ""
        for block in (blocks if isinstance(blocks, list) else [])
        if isinstance(block, dict) and block.get("type") == "text"
    ]
    text = "\n\n".join(t for t in texts if t.strip()) or (as_str(message.get("text")) or "")
    # Pasted files arrive as attachments; their text is part of what the user said.
    attachments = message.get("attachments")
    for attachment in attachments if isinstance(attachments, list) else []:
        if not isinstance(attachment, dict):
            continue
        extracted = as_str(attachment.get("extracted_content")) or ""
        if extracted.strip():
            name = as_str(attachment.get("file_name")) or "attachment"
            text = f"{text}\n\n{name}:\n\n{fence(extracted)}".lstrip("\n")
    return text.strip("\n")


def _claude_turns(conversation: dict[str, object]) -> list[Turn]:
    senders = {"human": ("Human", "user"), "assistant": ("Claude", "assistant")}
    turns: list[Turn] = []
    for message in dicts(conversation.get("chat_messages")) or []:
        sender = senders.get(as_str(message.get("sender")) or "")
        text = _claude_text(message)
        if sender is None or not text.strip():
            continue
        timestamp = any_timestamp(message.get("created_at"))
        turns.append(Turn(len(turns), sender[0], sender[1], text, timestamp))
    return turns


def _read(data: object, items: list[dict[str, object]]) -> list[Conversation] | None:
    del data
    if not all(isinstance(item.get("chat_messages"), list) for item in items):
        return None
    return [Conversation(as_str(c.get("name")), tuple(_claude_turns(c))) for c in items]


READER = ExportReader("claude", _read)
