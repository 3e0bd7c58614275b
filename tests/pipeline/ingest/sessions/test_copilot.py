"""GitHub Copilot Chat exported sessions (VS Code's chat export JSON)."""

from __future__ import annotations

import json

import pytest

from contextd.pipeline.ingest.sessions import SessionInput, read_session
from contextd.pipeline.ingest.sessions._copilot import READER
from contextd.pipeline.types import FileWrite, ShellCommand, TodoList
from tests.support.session_inputs import (
    PLAIN_TRANSCRIPT,
    chatgpt_export,
    fetched,
    fixture_bytes,
)

EXPORT = fixture_bytes("copilot", "chat.json")


def test_export_is_read_with_meta_and_turns() -> None:
    session = read_session(fetched(EXPORT, "application/json"))
    assert session is not None and session.format == "copilot"
    assert session.title == "Add a slugify helper"
    assert session.meta == {
        "agent": "copilot",
        "session_id": "3f0c8a52-7d1e-4c55-9a0b-6f2e1d9c4b71",
        "model": "copilot/claude-sonnet-4",
        "started_at": "2025-07-01T08:00:00+00:00",
        "ended_at": "2025-07-01T08:11:00+00:00",
    }
    assert [(t.role, t.speaker) for t in session.turns] == [
        ("user", "User"),
        ("assistant", "GitHub Copilot"),
        ("user", "User"),
        ("assistant", "GitHub Copilot"),
    ]
    reply = session.turns[1]
    # Markdown fragments joined around the file chip; prose after tool calls is a new paragraph.
    assert reply.text == (
        "I'll add the helper to `text.ts` and create a test file.\n\n"
        "The test fails: the leading and trailing separators are not removed."
    )
    assert reply.thinking == "I should look at src/text.ts before adding the helper."


def test_tool_invocations_edits_commands_and_todos() -> None:
    session = read_session(fetched(EXPORT))
    assert session is not None
    read, edit, create, todo, run = session.turns[1].tool_calls
    assert (read.name, read.summary, read.status) == (
        "copilot_readFile",
        "Read /home/dev/shop/src/text.ts",
        "ok",
    )
    # A range edit of an existing file names the file; it cannot be replayed without it.
    assert (edit.name, edit.summary, edit.actions) == (
        "copilot_replaceString",
        "/home/dev/shop/src/text.ts",
        (),
    )
    (write,) = create.actions
    assert write == FileWrite(
        "/home/dev/shop/src/text.test.ts",
        'import { slugify } from "./text";\n\ntest("slugify", () => {\n'
        '  expect(slugify(" Hello, World! ")).toBe("hello-world");\n});\n',
    )
    (todos,) = todo.actions
    assert isinstance(todos, TodoList)
    assert [(i.text, i.status) for i in todos.items] == [
        ("Add slugify to src/text.ts", "completed"),
        ("Write a test", "completed"),
        ("Run the tests", "in_progress"),
    ]
    assert run.actions == (ShellCommand("npx jest src/text.test.ts", exit_code=1),)
    assert run.status == "error" and run.output.startswith("FAIL src/text.test.ts")


def test_denied_and_failed_calls_and_response_errors() -> None:
    session = read_session(fetched(EXPORT))
    assert session is not None
    last = session.turns[3]
    assert last.text == "Error: Sorry, the response was filtered."
    denied, failed = last.tool_calls
    assert denied.actions == (ShellCommand("npm install"),)  # the legacy `command` spelling
    assert (denied.status, denied.output) == ("error", "denied")
    assert (failed.status, failed.output) == ("error", "String not found in file")


def test_old_exports_with_a_bare_message_string() -> None:
    data = {
        "responderUsername": "GitHub Copilot",
        "requests": [
            {"message": "What does this regex do?", "response": [{"value": "It matches words."}]},
            "junk",
        ],
    }
    session = read_session(fetched(json.dumps(data).encode()))
    assert session is not None and session.format == "copilot"
    assert [t.text for t in session.turns] == ["What does this regex do?", "It matches words."]
    assert session.meta["skipped_lines"] == 1


@pytest.mark.parametrize(
    "content",
    [
        PLAIN_TRANSCRIPT,
        chatgpt_export(),
        fixture_bytes("cline", "api_conversation_history.json"),
        fixture_bytes("aider", ".aider.chat.history.md"),
        b'{"requests": [{"message": "x"}]}',  # no responder, version or session id
        b'{"responderUsername": "x", "requests": {"a": 1}}',
    ],
    ids=["plain-transcript", "chatgpt", "cline", "aider", "unmarked", "requests-not-list"],
)
def test_other_formats_are_refused(content: bytes) -> None:
    assert not READER.detect(SessionInput(fetched(content)))


def test_mutation_log_is_replayed_into_the_session() -> None:
    """VS Code's `chatSessions/<id>.jsonl`: an initial state, then sets, appends and deletes."""
    export = json.loads(EXPORT)
    first, second = export["requests"]
    initial = {k: v for k, v in export.items() if k != "requests"} | {"requests": []}
    partial = first | {"response": first["response"][:3]}
    lines = [
        {"kind": 0, "v": initial},
        {"kind": 2, "k": ["requests"], "v": [partial]},
        {"kind": 2, "k": ["requests", 0, "response"], "v": first["response"][3:]},
        {"kind": 1, "k": ["requests", 0, "result"], "v": first["result"]},
        {"kind": 2, "k": ["requests"], "v": [second | {"message": {"text": "draft"}}]},
        {"kind": 2, "k": ["requests"], "v": [second], "i": 1},  # the draft replaced
        {"kind": 3, "k": ["customTitle"]},
        {"kind": 1, "k": ["requests", 9, "result"], "v": {}},  # no such request
    ]
    content = "\n".join(json.dumps(line) for line in lines) + "\n{broken\n"
    replayed = read_session(fetched(content.encode()))
    original = read_session(fetched(EXPORT))
    assert replayed is not None and original is not None
    assert replayed.format == "copilot"
    assert replayed.turns == original.turns
    assert replayed.title == original.turns[0].text  # the custom title was deleted
    assert replayed.meta["skipped_lines"] == 2  # one record not applicable, one not JSON


def test_a_log_of_another_kind_is_refused() -> None:
    content = b'{"kind": 0, "v": {"items": []}}\n{"kind": 2, "k": ["items"], "v": [1]}\n'
    assert not READER.detect(SessionInput(fetched(content)))


def test_a_log_of_one_line_is_its_initial_state() -> None:
    content = json.dumps({"kind": 0, "v": json.loads(EXPORT)}).encode()
    session = read_session(fetched(content))
    original = read_session(fetched(EXPORT))
    assert session is not None and original is not None
    assert session.turns == original.turns and session.title == "Add a slugify helper"
