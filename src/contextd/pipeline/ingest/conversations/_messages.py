"""Message lists: OpenAI-style `[{"role": ..., "content": ...}]` (Anthropic content blocks and
Gemini `parts` too), bare or wrapped in `{"title": ..., "messages": [...]}`."""

from __future__ import annotations

from contextd.pipeline.ingest.conversations._common import ExportReader, as_dict, as_str, dicts
from contextd.pipeline.ingest.conversations._speakers import any_timestamp, speaker_role
from contextd.pipeline.types import Conversation, Turn


def _message_text(message: dict[str, object]) -> str:
    """Text of an OpenAI (`content`), Anthropic (`content` blocks) or Gemini (`parts`) message."""
    content = message.get("content", message.get("parts"))
    if isinstance(content, str):
        return content.strip("\n")
    texts: list[str] = []
    for part in content if isinstance(content, list) else []:
        if isinstance(part, str):
            texts.append(part)
        elif isinstance(part, dict) and part.get("type", "text") == "text":
            texts.append(as_str(part.get("text")) or "")
    return "\n\n".join(t.strip("\n") for t in texts if t.strip())


def _message_turns(messages: list[dict[str, object]]) -> list[Turn]:
    turns: list[Turn] = []
    for message in messages:
        written = as_str(message.get("role")) or ""
        role = speaker_role(written)  # "model" (Gemini) is the assistant, "developer" a system
        speaker = as_str(message.get("name")) or written.capitalize()
        text = _message_text(message)
        if not text.strip():
            continue
        stamp = next(
            (message[k] for k in ("timestamp", "created_at", "create_time") if k in message), None
        )
        turns.append(Turn(len(turns), speaker, role, text, any_timestamp(stamp)))
    return turns


def _is_message(item: dict[str, object]) -> bool:
    return isinstance(item.get("role"), str) and ("content" in item or "parts" in item)


def _is_chat(messages: list[dict[str, object]]) -> bool:
    """Messages with roles, at least one of them a user or a model (not, say, an ACL list)."""
    return all(_is_message(m) for m in messages) and any(
        speaker_role(str(m["role"])) in ("user", "assistant") for m in messages
    )


def _read(data: object, items: list[dict[str, object]]) -> list[Conversation] | None:
    wrapper = as_dict(data)
    messages = dicts(wrapper.get("messages")) if wrapper is not None else items
    if not messages or not _is_chat(messages):
        return None
    title = as_str(wrapper.get("title")) if wrapper is not None else None
    return [Conversation(title, tuple(_message_turns(messages)))]


READER = ExportReader("messages", _read)
