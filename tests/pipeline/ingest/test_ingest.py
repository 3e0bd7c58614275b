"""ingest(): one call from bytes to a Document plus numbered turns."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from contextd.pipeline.ingest import ingest
from contextd.pipeline.ingest.conversations import parse_transcript
from contextd.pipeline.types import Fetched, UnsupportedFormat

T0 = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC


def chatgpt(title: str, said: list[tuple[str, str]]) -> dict[str, object]:
    """A linear ChatGPT conversation (no branches), one second between messages."""
    mapping: dict[str, object] = {}
    parent = None
    for number, (role, text) in enumerate(said):
        node_id = f"{title}-{number}"
        mapping[node_id] = {
            "id": node_id,
            "parent": parent,
            "children": [f"{title}-{number + 1}"] if number + 1 < len(said) else [],
            "message": {
                "author": {"role": role},
                "create_time": T0 + number,
                "content": {"content_type": "text", "parts": [text]},
            },
        }
        parent = node_id
    return {"title": title, "mapping": mapping, "current_node": parent}


def test_chatgpt_export_becomes_a_transcript_with_turns_from_every_conversation() -> None:
    export = [
        chatgpt("Lists", [("user", "Reverse a list?"), ("assistant", "xs[::-1]")]),
        chatgpt("Dicts", [("user", "Merge dicts?"), ("assistant", "a | b")]),
    ]

    result = ingest(Fetched(json.dumps(export).encode(), filename="conversations.json"))

    assert result.document.format == "chatgpt"
    assert result.document.text.startswith(
        "## Lists\n\n### User · 2023-11-14T22:13:20Z\n\nReverse a list?\n"
    )
    assert "## Dicts\n" in result.document.text
    assert [(t.index, t.speaker, t.text) for t in result.turns] == [
        (0, "User", "Reverse a list?"),
        (1, "ChatGPT", "xs[::-1]"),
        (2, "User", "Merge dicts?"),
        (3, "ChatGPT", "a | b"),
    ]
    assert result.turns[1].timestamp == datetime(2023, 11, 14, 22, 13, 21, tzinfo=UTC)


def test_export_turns_continue_from_first_turn_index() -> None:
    export = chatgpt("Appended", [("user", "More?"), ("assistant", "Yes.")])

    result = ingest(Fetched(json.dumps(export).encode()), first_turn_index=7)

    assert [t.index for t in result.turns] == [7, 8]
    assert result.document.title == "Appended"


def test_claude_export_is_ingested_as_claude() -> None:
    export = [
        {
            "name": "Haiku",
            "chat_messages": [
                {"sender": "human", "text": "A haiku?", "created_at": "2024-05-01T10:00:00Z"},
                {"sender": "assistant", "text": "Tests pass at dawn", "created_at": None},
            ],
        }
    ]

    result = ingest(Fetched(json.dumps(export).encode(), content_type="application/json"))

    assert result.document.format == "claude"
    assert result.document.text == (
        "### Human · 2024-05-01T10:00:00Z\n\nA haiku?\n\n### Claude\n\nTests pass at dawn\n"
    )
    assert [t.role for t in result.turns] == ["user", "assistant"]


def test_rendered_export_text_parses_back_to_the_same_turns() -> None:
    export = chatgpt("One", [("user", "Hi"), ("assistant", "Hello\n\n### not a heading?")])

    result = ingest(Fetched(json.dumps(export).encode()))
    reparsed = parse_transcript(result.document.text)

    assert reparsed is not None
    assert [(t.speaker, t.timestamp) for t in reparsed.turns] == [
        (t.speaker, t.timestamp) for t in result.turns
    ]


def test_plain_transcript_file_gets_turns_numbered_from_first_turn_index() -> None:
    text = "User: Can you check my SQL?\n\nAssistant: Sure:\n\n```sql\nSELECT 1;\n```\n"

    result = ingest(Fetched(text.encode(), filename="chat.txt"), first_turn_index=10)

    assert result.document.format == "text"
    assert result.document.text == text
    assert [(t.index, t.role) for t in result.turns] == [(10, "user"), (11, "assistant")]
    assert result.turns[1].text == "Sure:\n\n```sql\nSELECT 1;\n```"


def test_html_page_of_a_shared_chat_is_split_into_turns() -> None:
    page = (
        b"<html><body><h1>Shared chat</h1>"
        b"<p><strong>User:</strong> How do I undo a commit?</p>"
        b"<p><strong>Assistant:</strong> Run this:</p>"
        b"<pre><code class='language-bash'>git reset --soft HEAD~1</code></pre>"
        b"</body></html>"
    )

    result = ingest(Fetched(page, content_type="text/html"))

    assert [t.speaker for t in result.turns] == ["User", "Assistant"]
    assert "```bash\ngit reset --soft HEAD~1\n```" in result.turns[1].text


def test_ordinary_document_has_no_turns() -> None:
    text = "# Runbook\n\nRestart the service.\n\nNote: check the logs first.\n"

    result = ingest(Fetched(text.encode(), filename="runbook.md"))

    assert result.document.format == "markdown"
    assert result.turns == ()


def test_json_that_is_not_a_chat_is_a_json_document_without_turns() -> None:
    result = ingest(Fetched(b'{"port": 8080}', content_type="application/json"))

    assert result.document.format == "json"
    assert result.turns == ()


def test_unsupported_input_raises_a_pipeline_error() -> None:
    with pytest.raises(UnsupportedFormat, match="unsupported file format: image/gif"):
        ingest(Fetched(b"GIF89a\x01\x00\x01\x00", content_type="image/gif"))


def test_nul_characters_never_leave_ingest() -> None:
    """Raw NUL bytes make text unreadable (binary), but JSON can escape them as \\u0000."""
    messages = [{"role": "user", "content": "hello\x00 there"},
                {"role": "assistant", "content": "fine\x00, thanks"}]  # fmt: skip
    ingested = ingest(Fetched(json.dumps(messages).encode(), "application/json"))
    assert "\x00" not in ingested.document.text
    assert [t.text for t in ingested.turns] == ["hello there", "fine, thanks"]
