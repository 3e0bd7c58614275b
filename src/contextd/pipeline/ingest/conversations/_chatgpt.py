"""ChatGPT's `conversations.json`: a tree of messages per conversation, read along the branch
the user last saw, with the code the model ran and its output kept."""

from __future__ import annotations

from contextd.pipeline.ingest.conversations._common import ExportReader, as_dict, as_str, fence
from contextd.pipeline.ingest.conversations._speakers import epoch
from contextd.pipeline.types import Conversation, Turn


def _chatgpt_branch(mapping: dict[str, object], current: object) -> list[dict[str, object]]:
    """The nodes of the branch the user last saw, root first.

    Edited prompts and regenerated answers leave sibling branches in `mapping`; only the path
    from `current_node` up to the root is the conversation as it stands. Without a usable
    `current_node`, the newest branch (last child at every fork) is taken instead.
    """
    nodes = {key: node for key, value in mapping.items() if (node := as_dict(value)) is not None}
    path: list[dict[str, object]] = []
    seen: set[str] = set()
    node_id = as_str(current)
    if node_id in nodes:
        while node_id is not None and node_id in nodes and node_id not in seen:
            seen.add(node_id)
            node = nodes[node_id]
            path.append(node)
            node_id = as_str(node.get("parent"))
        path.reverse()
        return path
    roots = [key for key, node in nodes.items() if as_str(node.get("parent")) not in nodes]
    node_id = roots[0] if roots else None
    while node_id is not None and node_id in nodes and node_id not in seen:
        seen.add(node_id)
        node = nodes[node_id]
        path.append(node)
        children = node.get("children")
        node_id = as_str(children[-1]) if isinstance(children, list) and children else None
    return path


def _chatgpt_text(content: dict[str, object]) -> str:
    """The visible text of a ChatGPT message, or "" for content the user never saw as text."""
    kind = content.get("content_type")
    if kind in ("text", "multimodal_text"):
        parts = content.get("parts")
        texts: list[str] = []
        for part in parts if isinstance(parts, list) else []:
            if isinstance(part, str):
                texts.append(part)
            elif (d := as_dict(part)) and d.get("content_type") == "audio_transcription":
                texts.append(as_str(d.get("text")) or "")
        return "\n\n".join(t.strip("\n") for t in texts if t.strip())
    if kind in ("code", "execution_output"):
        # Code the model ran and what it printed: part of the work, and artifacts live there.
        text = as_str(content.get("text")) or ""
        language = as_str(content.get("language")) or ""
        if language == "unknown":
            language = ""
        return fence(text, language) if text.strip() else ""
    return ""


def _shown_to_user(role: str, recipient: object, content_type: object) -> bool:
    """Whether ChatGPT showed the message, rather than exchanging it with a tool behind the scenes.

    The model's calls to search, memory or image tools and most tool replies are plumbing; code it
    ran with the Python tool, and that code's output, were shown and are kept.
    """
    if role == "assistant":
        return recipient in (None, "all", "python")
    if role == "tool":
        return content_type == "execution_output"
    return True


def _chatgpt_turns(conversation: dict[str, object]) -> list[Turn]:
    mapping = as_dict(conversation.get("mapping")) or {}
    speakers = {"user": "User", "assistant": "ChatGPT", "tool": "Tool"}
    turns: list[Turn] = []
    for node in _chatgpt_branch(mapping, conversation.get("current_node")):
        message = as_dict(node.get("message"))
        if message is None:
            continue
        author = as_dict(message.get("author")) or {}
        role = as_str(author.get("role")) or ""
        metadata = as_dict(message.get("metadata")) or {}
        content = as_dict(message.get("content")) or {}
        if role not in speakers or metadata.get("is_visually_hidden_from_conversation"):
            continue
        if not _shown_to_user(role, message.get("recipient"), content.get("content_type")):
            continue
        text = _chatgpt_text(content)
        if not text.strip():
            continue
        timestamp = epoch(message.get("create_time"))
        turns.append(Turn(len(turns), speakers[role], role, text, timestamp))
    return turns


def _read(data: object, items: list[dict[str, object]]) -> list[Conversation] | None:
    del data
    if not all(isinstance(item.get("mapping"), dict) for item in items):
        return None
    return [Conversation(as_str(c.get("title")), tuple(_chatgpt_turns(c))) for c in items]


READER = ExportReader("chatgpt", _read)
