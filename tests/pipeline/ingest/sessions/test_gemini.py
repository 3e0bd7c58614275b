"""Gemini CLI: session JSONL (updates, rewinds), the older session JSON, and checkpoints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contextd.pipeline.ingest.conversations import detect_export
from contextd.pipeline.ingest.sessions import READERS, SessionInput, read_session
from contextd.pipeline.types import (
    Fetched,
    FileEdit,
    FileWrite,
    ShellCommand,
    TodoItem,
    TodoList,
)
from tests.support.agent_sessions import (
    CHAT_EXPORTS,
    OTHER_AGENT_SAMPLES,
    as_fetched,
    other_agents_files,
    read_fixture,
)

JSONL = "session-2025-11-04T10-15-6f0d1b52.jsonl"
LEGACY = "session-2025-08-12T14-02-3b7c9e21.json"
CHECKPOINT = "checkpoint-blue-heading.json"
GEMINI = next(reader for reader in READERS if reader.name == "gemini")


def test_session_log_applies_updates_and_rewinds() -> None:
    session = read_fixture("gemini", JSONL)
    assert session.format == "gemini"
    # the rewound prompt and its answer are gone, the slash command and the info line are not
    # turns, and the message written twice under one id appears once, in its last state
    assert [(t.role, t.text) for t in session.turns] == [
        ("user", "Fix the failing test in src/sum.js"),
        ("assistant", "Let me read the file and run the tests."),
        ("assistant", "The `+ 1` is the bug. Fixing it."),
        ("user", "Thanks, that's all."),
        ("assistant", "You're welcome!"),
    ]
    assert session.turns[1].thinking.startswith("**Reproducing the failure**")
    assert session.title == "Fix the off-by-one in sum"  # the summary set by `$set`


def test_session_log_meta() -> None:
    meta = read_fixture("gemini", JSONL).meta
    assert meta["agent"] == "gemini"
    assert meta["session_id"] == "6f0d1b52-3c1e-4b8e-9a57-2f1f0c6d9e11"
    assert meta["model"] == "gemini-2.5-flash"  # the last model used
    assert meta["started_at"] == "2025-11-04T10:15:00Z"
    assert meta["ended_at"] == "2025-11-04T10:17:01Z"
    assert meta["skipped_lines"] == 1


def test_tools_become_actions() -> None:
    turns = read_fixture("gemini", JSONL).turns
    read, failing = turns[1].tool_calls
    assert (read.name, read.summary, read.status, read.actions) == (
        "read_file", "/home/dev/calc/src/sum.js", "ok", (),
    )  # fmt: skip
    assert failing.actions == (ShellCommand("npm test", 1),)
    assert failing.status == "error"  # the call succeeded, the command did not
    edit, write, todos, passing, refused = turns[2].tool_calls
    assert edit.actions == (FileEdit("/home/dev/calc/src/sum.js", "a + b + 1", "a + b"),)
    assert write.actions == (
        FileWrite("/home/dev/calc/CHANGELOG.md", "# Changelog\n\n- Fix `sum` adding one.\n"),
    )
    assert todos.actions == (
        TodoList((
            TodoItem("Fix sum", "completed"),
            TodoItem("Re-run tests", "in_progress"),
            TodoItem("Publish 1.0.1", "pending"),
        )),
    )  # fmt: skip
    assert passing.actions == (ShellCommand("npm test", 0),) and passing.status == "ok"
    assert refused.status == "error"
    assert refused.output.startswith("[Operation Cancelled]")


def test_older_session_json() -> None:
    session = read_fixture("gemini", LEGACY)
    assert [t.role for t in session.turns] == ["user", "assistant"]  # the error line is not
    (call,) = session.turns[1].tool_calls
    assert call.actions == (FileWrite("/tmp/demo/hello.py", 'print("hello")\n'),)
    assert session.turns[1].thinking == "**Writing the file**\nA one-line script."
    assert session.meta["session_id"] == "3b7c9e21-5a44-4f0e-8d2b-6c1a0e9f7d30"
    assert session.meta["model"] == "gemini-2.5-pro"


def test_checkpoint_pairs_responses_with_calls_and_drops_the_context() -> None:
    session = read_fixture("gemini", CHECKPOINT)
    texts = [t.text for t in session.turns]
    assert not any("setting up the context" in t or "Thanks for the context" in t for t in texts)
    assert texts[0] == "Make the heading blue in style.css"
    calls = [c for t in session.turns for c in t.tool_calls]
    assert [(c.name, c.status) for c in calls] == [("read_file", "ok"), ("replace", "ok")]
    assert calls[0].output == "h1 { color: black; }"  # trailing newlines are not kept
    assert calls[1].actions == (
        FileEdit("/home/dev/site/style.css", "color: black;", "color: blue;"),
    )
    assert session.turns[1].thinking.startswith("**Finding the rule**")
    assert session.turns[-1].text == "The heading is now blue."


def test_checkpoint_wrapped_in_history() -> None:
    data = {"history": [{"role": "user", "parts": [{"text": "hi"}]},
                        {"role": "model", "parts": [{"text": "hello"}]}],
            "authType": "oauth-personal"}  # fmt: skip
    session = read_session(as_fetched(data))
    assert session is not None and session.format == "gemini"
    assert [t.text for t in session.turns] == ["hi", "hello"]


def test_rewind_to_an_unknown_message_clears_the_log() -> None:
    lines = [
        {"sessionId": "s", "projectHash": "p", "startTime": "2025-11-04T10:00:00Z"},
        {"id": "a", "timestamp": "2025-11-04T10:00:01Z", "type": "user", "content": "first"},
        {"$rewindTo": "missing"},
        {"id": "b", "timestamp": "2025-11-04T10:00:02Z", "type": "user", "content": "second"},
    ]
    body = "\n".join(json.dumps(line) for line in lines).encode()
    session = read_session(Fetched(body))
    assert session is not None
    assert [t.text for t in session.turns] == ["second"]


@pytest.mark.parametrize("path", other_agents_files("gemini"), ids=lambda p: p.parent.name)
def test_refuses_other_agents_sessions(path: Path) -> None:
    assert not GEMINI.detect(SessionInput(Fetched(path.read_bytes())))


@pytest.mark.parametrize("name", sorted(CHAT_EXPORTS))
def test_leaves_chat_exports_to_their_readers(name: str) -> None:
    """Gemini API contents with text only are an ordinary chat: the export readers keep it."""
    data = CHAT_EXPORTS[name]
    assert not GEMINI.detect(SessionInput(as_fetched(data)))
    assert read_session(as_fetched(data)) is None
    assert detect_export(data) is not None


@pytest.mark.parametrize("name", sorted(OTHER_AGENT_SAMPLES))
def test_refuses_other_agents_samples(name: str) -> None:
    assert not GEMINI.detect(SessionInput(OTHER_AGENT_SAMPLES[name]))


def test_checkpoint_of_text_only_is_known_by_its_context_message() -> None:
    data = [
        {"role": "user", "parts": [{"text": "<session_context>\nThis is the Gemini CLI. We are "
                                            "setting up the context for our chat.\n"
                                            "</session_context>"}]},
        {"role": "user", "parts": [{"text": "What does `make dist` do?"}]},
        {"role": "model", "parts": [{"text": "It builds the wheel."}]},
    ]  # fmt: skip
    session = read_session(as_fetched(data))
    assert session is not None and session.format == "gemini"
    assert [t.text for t in session.turns] == ["What does `make dist` do?", "It builds the wheel."]
