"""Finding turns: structured chat exports, and plain transcripts written in many styles."""

from __future__ import annotations

import json
import random
import re
from datetime import UTC, datetime
from typing import Any

import pytest

from contextd.pipeline.ingest.conversations import (
    READERS,
    detect_export,
    parse_export,
    parse_transcript,
    render_transcript,
    speaker_role,
)
from contextd.pipeline.types import Conversation
from tests.support.settings import SHARED

LOCOMO = SHARED / "evaldata" / "locomo-dev" / "conv-26.json"
T0 = 1_700_000_000.0  # 2023-11-14 22:13:20 UTC


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(T0 + seconds, tz=UTC)


def summary(conversation: Conversation) -> list[tuple[str, str, str]]:
    return [(turn.speaker, turn.role, turn.text) for turn in conversation.turns]


# --- ChatGPT ------------------------------------------------------------------------------------


def chatgpt_node(
    node_id: str,
    parent: str | None,
    children: list[str],
    role: str | None = None,
    parts: list[object] | None = None,
    seconds: float = 0,
    **metadata: object,
) -> dict[str, object]:
    message = None
    if role is not None:
        message = {
            "id": node_id,
            "author": {"role": role, "name": None, "metadata": {}},
            "create_time": T0 + seconds,
            "content": {"content_type": "text", "parts": parts or [""]},
            "metadata": metadata,
        }
    return {"id": node_id, "message": message, "parent": parent, "children": children}


def chatgpt_conversation() -> dict[str, object]:
    """A chat whose first answer was regenerated: the old answer and its reply are a side branch."""
    nodes = [
        chatgpt_node("root", None, ["sys"]),
        chatgpt_node(
            "sys", "root", ["u1"], "system", [""], is_visually_hidden_from_conversation=True
        ),
        chatgpt_node("u1", "sys", ["a1-old", "a1-new"], "user", ["How do I reverse a list?"], 1),
        chatgpt_node("a1-old", "u1", ["u2-old"], "assistant", ["Use reversed()."], 2),
        chatgpt_node("u2-old", "a1-old", [], "user", ["And for strings?"], 3),
        chatgpt_node(
            "a1-new", "u1", ["img"], "assistant", ["Slice it:\n\n```python\nxs[::-1]\n```"], 4
        ),
        chatgpt_node("img", "a1-new", ["u2"], "user", [{"content_type": "image_asset_pointer"}], 5),
        chatgpt_node("u2", "img", ["a2"], "user", ["Thanks!"], 6),
        chatgpt_node("a2", "u2", [], "assistant", ["You're welcome."], 7),
    ]
    return {
        "title": "Reversing lists",
        "create_time": T0,
        "mapping": {node["id"]: node for node in nodes},
        "current_node": "a2",
    }


def test_chatgpt_export_keeps_only_the_current_branch_in_order() -> None:
    [conversation] = parse_export([chatgpt_conversation()]) or []

    assert conversation.title == "Reversing lists"
    assert summary(conversation) == [
        ("User", "user", "How do I reverse a list?"),
        ("ChatGPT", "assistant", "Slice it:\n\n```python\nxs[::-1]\n```"),
        ("User", "user", "Thanks!"),
        ("ChatGPT", "assistant", "You're welcome."),
    ]
    assert [turn.index for turn in conversation.turns] == [0, 1, 2, 3]
    assert [turn.timestamp for turn in conversation.turns] == [at(1), at(4), at(6), at(7)]


def test_chatgpt_export_may_be_a_single_conversation_object() -> None:
    conversations = parse_export(chatgpt_conversation())

    assert conversations is not None
    assert len(conversations[0].turns) == 4


def test_chatgpt_export_without_current_node_follows_the_newest_branch() -> None:
    conversation = chatgpt_conversation()
    del conversation["current_node"]

    [parsed] = parse_export(conversation) or []

    assert [turn.text for turn in parsed.turns][-1] == "You're welcome."


def test_chatgpt_tool_plumbing_is_dropped_but_code_and_its_output_are_kept() -> None:
    def message(role: str, content: dict[str, object], recipient: str = "all") -> object:
        return {"author": {"role": role}, "recipient": recipient, "content": content}

    said = [
        message("user", {"content_type": "text", "parts": ["Plot 2+2 and remember I like Rust"]}),
        message("assistant", {"content_type": "text", "parts": ["Likes Rust"]}, "bio"),
        message("tool", {"content_type": "text", "parts": ["Model set context updated."]}),
        message(
            "assistant", {"content_type": "code", "language": "python", "text": "2+2"}, "python"
        ),
        message("tool", {"content_type": "execution_output", "text": "4"}),
        message("assistant", {"content_type": "text", "parts": ["It is 4."]}),
    ]
    ids = [f"n{i}" for i in range(len(said))]
    mapping = {
        node_id: {
            "message": msg,
            "parent": ids[i - 1] if i else None,
            "children": ids[i + 1 : i + 2],
        }
        for i, (node_id, msg) in enumerate(zip(ids, said, strict=True))
    }

    [conversation] = (
        parse_export({"title": "Tools", "mapping": mapping, "current_node": "n5"}) or []
    )

    assert summary(conversation) == [
        ("User", "user", "Plot 2+2 and remember I like Rust"),
        ("ChatGPT", "assistant", "```python\n2+2\n```"),
        ("Tool", "tool", "```\n4\n```"),
        ("ChatGPT", "assistant", "It is 4."),
    ]


# --- Claude -------------------------------------------------------------------------------------


def claude_conversation(name: str) -> dict[str, object]:
    return {
        "uuid": "c-1",
        "name": name,
        "created_at": "2024-05-01T10:00:00Z",
        "chat_messages": [
            {
                "sender": "human",
                "text": "Write a haiku about tests",
                "content": [{"type": "text", "text": "Write a haiku about tests"}],
                "created_at": "2024-05-01T10:00:00.123456Z",
                "attachments": [],
            },
            {
                "sender": "assistant",
                "text": "ignored when content has text",
                "content": [
                    {"type": "thinking", "thinking": "private reasoning"},
                    {"type": "text", "text": "Green bar at dawn\nred bar fades"},
                ],
                "created_at": "2024-05-01T10:00:05Z",
            },
        ],
    }


def test_claude_export_reads_senders_text_blocks_and_times() -> None:
    conversations = parse_export([claude_conversation("Haiku"), claude_conversation("Again")])

    assert conversations is not None
    assert [c.title for c in conversations] == ["Haiku", "Again"]
    first = conversations[0]
    assert summary(first) == [
        ("Human", "user", "Write a haiku about tests"),
        ("Claude", "assistant", "Green bar at dawn\nred bar fades"),
    ]
    assert first.turns[0].timestamp == datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=UTC)


def test_claude_export_may_be_a_single_object_and_keeps_pasted_attachments() -> None:
    conversation = claude_conversation("Paste")
    message = conversation["chat_messages"][0]  # type: ignore[index]
    message["attachments"] = [{"file_name": "app.py", "extracted_content": "print('hi')\n"}]

    [parsed] = parse_export(conversation) or []

    assert parsed.turns[0].text.endswith("app.py:\n\n```\nprint('hi')\n```")


# --- message lists ------------------------------------------------------------------------------


def test_openai_message_list_and_messages_wrapper_are_exports() -> None:
    messages = [
        {"role": "system", "content": "Be terse."},
        {"role": "user", "content": [{"type": "text", "text": "2+2?"}]},
        {"role": "assistant", "content": "4"},
        {"role": "assistant", "content": None, "tool_calls": []},
    ]

    for data in (messages, {"title": "Maths", "messages": messages}):
        [conversation] = parse_export(data) or []
        assert summary(conversation) == [
            ("System", "system", "Be terse."),
            ("User", "user", "2+2?"),
            ("Assistant", "assistant", "4"),
        ]


def test_gemini_contents_with_parts_are_read_too() -> None:
    data = [
        {"role": "user", "parts": [{"text": "Hi"}]},
        {"role": "model", "parts": [{"text": "Hello"}]},
    ]

    [conversation] = parse_export(data) or []

    assert [(t.speaker, t.role) for t in conversation.turns] == [
        ("User", "user"),
        ("Model", "assistant"),
    ]


@pytest.mark.parametrize(
    "data",
    [
        {"name": "config", "port": 8080},
        [1, 2, 3],
        [],
        "just a string",
        [{"role": "admin", "content": "can delete"}],  # roles, but nobody chatting
    ],
)
def test_other_json_is_not_an_export(data: object) -> None:
    assert parse_export(data) is None


# --- the reader registry ------------------------------------------------------------------------


def test_each_export_format_is_named_by_the_one_reader_that_reads_it() -> None:
    """The format name becomes `Document.format`, so it must say which reader matched."""
    samples: dict[str, Any] = {
        "chatgpt": chatgpt_conversation(),
        "claude": {"name": "c", "chat_messages": [{"sender": "human", "text": "Hi"}]},
        "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Yo"}],
    }
    names = [reader.name for reader in READERS]
    assert sorted(names) == sorted(samples)
    items_of = {name: data if isinstance(data, list) else [data] for name, data in samples.items()}
    for name, data in samples.items():
        found = detect_export(data)
        assert found is not None and found[0] == name
        readers = [r.name for r in READERS if r.read(data, items_of[name]) is not None]
        assert readers == [name], f"{name} is read by {readers}"


# --- transcripts --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "User: How do I list files?\nAssistant: Use ls.\nUser: Thanks",
        "Human: How do I list files?\n\nAI: Use ls.\n\nHuman: Thanks",
        "**User:** How do I list files?\n\n**ChatGPT:** Use ls.\n\n**User:** Thanks",
        "**Me**: How do I list files?\n\n**Gemini**: Use ls.\n\n**Me**: Thanks",
        "### User\n\nHow do I list files?\n\n### Assistant\n\nUse ls.\n\n### User\n\nThanks",
        "## You\nHow do I list files?\n## Claude\nUse ls.\n## You\nThanks",
        ">>> User\nHow do I list files?\n>>> Assistant\nUse ls.\n>>> User\nThanks",
        "You said:\nHow do I list files?\nChatGPT said:\nUse ls.\nYou said:\nThanks",
    ],
)
def test_transcript_styles_all_give_the_same_turns(text: str) -> None:
    conversation = parse_transcript(text)

    assert conversation is not None
    assert [(t.role, t.text) for t in conversation.turns] == [
        ("user", "How do I list files?"),
        ("assistant", "Use ls."),
        ("user", "Thanks"),
    ]
    assert [t.index for t in conversation.turns] == [0, 1, 2]


def test_transcript_timestamps_are_parsed_when_present() -> None:
    text = "User (2024-01-02 10:00): Deploy it\nAssistant (2024-01-02 10:01): Done"

    conversation = parse_transcript(text)

    assert conversation is not None
    assert [t.timestamp for t in conversation.turns] == [
        datetime(2024, 1, 2, 10, 0, tzinfo=UTC),
        datetime(2024, 1, 2, 10, 1, tzinfo=UTC),
    ]


def test_speaker_lines_inside_code_fences_stay_in_the_turn() -> None:
    code = "```yaml\nHost: example.com\nUser: deploy\n  Assistant: indented\n```"
    text = f"User: Fix my config\n\nAssistant: Here it is:\n\n{code}\n\nUser: Great"

    conversation = parse_transcript(text)

    assert conversation is not None
    assert [t.speaker for t in conversation.turns] == ["User", "Assistant", "User"]
    assert conversation.turns[1].text == f"Here it is:\n\n{code}"


def test_an_unclosed_fence_does_not_swallow_the_rest_of_the_chat() -> None:
    text = "User: what does ``` do?\n```\nAssistant: it opens a code block\nUser: ok"

    conversation = parse_transcript(text)

    assert conversation is not None
    assert [t.speaker for t in conversation.turns] == ["User", "Assistant", "User"]


def test_labels_inside_an_assistant_answer_are_not_speakers() -> None:
    text = (
        "User: Explain the plan\n"
        "Assistant: Sure.\n"
        "Note: this is important.\n"
        "Step 1: install\n"
        "Alice: (a character in the example)\n"
        "User: thanks"
    )

    conversation = parse_transcript(text)

    assert conversation is not None
    assert [t.speaker for t in conversation.turns] == ["User", "Assistant", "User"]
    assert "Step 1: install" in conversation.turns[1].text


def test_multi_party_chat_with_names_and_clock_times() -> None:
    text = (
        "[09:01] Alice: morning all\n"
        "[09:02] bob: hi Alice\n"
        "[09:02] Carol: standup in 5\n"
        "[09:03] Alice: on my way\n"
    )

    conversation = parse_transcript(text)

    assert conversation is not None
    assert summary(conversation) == [
        ("Alice", "other", "morning all"),
        ("bob", "other", "hi Alice"),
        ("Carol", "other", "standup in 5"),
        ("Alice", "other", "on my way"),
    ]
    assert conversation.turns[0].timestamp is None  # a clock time alone has no date


def test_transcript_title_comes_from_a_heading_before_the_first_turn() -> None:
    conversation = parse_transcript("# Debugging session\n\nUser: hi\nAssistant: hello")

    assert conversation is not None
    assert conversation.title == "Debugging session"


@pytest.mark.parametrize(
    "text",
    [
        # An ordinary document with "Label:" lines.
        "# Deploying\n\nThe service runs behind nginx and needs a database.\n\n"
        "Note: back up first.\n\nRun the migration, then restart.\n\n"
        "Warning: this drops the old table.\n\nNote: it takes a minute.\n",
        # A form: every label once.
        "Name: Ada Lovelace\nEmail: ada@example.com\nCompany: Analytical Engines\n",
        # One speaker only.
        "User: first\nUser: second\n",
        # A long essay that merely ends with an example exchange.
        "Essay paragraph about chat interfaces and their history. " * 40
        + "\n\nUser: hi\nAssistant: hello\n",
        # Prose with colons.
        "The answer: forty-two.\nAlice said: run.\nhttps://example.com is a link: yes\n",
        # API reference headings (Node.js docs): sections, not speakers.
        "## Class: `EventEmitter`\n\nEmits events.\n\n### Event: `'close'`\n\nSent last.\n\n"
        "## Class: `Event`\n\nAn event.\n\n### Event: `'error'`\n\nSent on errors.\n",
        # Platform notes.
        "On POSIX: `/` separates.\nOn Windows: `\\\\` too.\nOn Windows: drive letters.\n",
    ],
)
def test_documents_that_are_not_conversations_give_none(text: str) -> None:
    assert parse_transcript(text) is None


def test_speaker_roles() -> None:
    assert [speaker_role(s) for s in ["Me", "GPT-4o", "Claude 3.5 Sonnet", "System", "Tool"]] == [
        "user",
        "assistant",
        "assistant",
        "system",
        "tool",
    ]
    assert speaker_role("Caroline") == "other"


def test_rendered_exports_parse_back_to_the_same_turns() -> None:
    conversations = parse_export(chatgpt_conversation())
    assert conversations is not None

    parsed = parse_transcript(render_transcript(conversations))

    assert parsed is not None
    assert [(t.speaker, t.role, t.text, t.timestamp) for t in parsed.turns] == [
        (t.speaker, t.role, t.text, t.timestamp) for t in conversations[0].turns
    ]


def test_a_200k_word_transcript_parses() -> None:
    rng = random.Random(7)
    words = ["the", "model", "said", "we", "should", "refactor", "the", "parser", "now"]
    lines: list[str] = []
    total = 0
    while total < 200_000:
        size = rng.randint(5, 120)
        speaker = ("User", "Assistant")[len(lines) % 2]
        lines.append(f"{speaker}: " + " ".join(rng.choice(words) for _ in range(size)))
        total += size

    conversation = parse_transcript("\n\n".join(lines))

    assert conversation is not None
    assert len(conversation.turns) == len(lines)


def test_locomo_conversation_is_split_into_every_turn_with_its_speaker() -> None:
    if not LOCOMO.exists():
        pytest.skip(f"LoCoMo evaluation data not present at {LOCOMO}")
    data = json.loads(LOCOMO.read_text())
    sessions = sorted(
        (key for key in data if re.fullmatch(r"session_\d+", key)),
        key=lambda key: int(key.split("_")[1]),
    )
    expected = [(turn["speaker"], turn["text"].strip()) for key in sessions for turn in data[key]]
    text = "\n".join(f"{speaker}: {said}" for speaker, said in expected)

    conversation = parse_transcript(text)

    assert conversation is not None
    assert [(t.speaker, t.text) for t in conversation.turns] == expected
    assert {t.role for t in conversation.turns} == {"other"}
