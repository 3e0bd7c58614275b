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


# --- real session files (cut to whole messages, as their SOURCE.md says) -----------------------

REAL_FILE_OPS = "session-2026-01-16T11-01-file-ops-37b7abef.json"
REAL_THOUGHTS = "session-2025-12-01T21-45-5b959dae.json"


def test_real_session_file_writes_and_reads() -> None:
    session = read_fixture("gemini", REAL_FILE_OPS)
    assert session.format == "gemini"
    assert [t.role for t in session.turns] == [
        "user", "assistant", "user", "assistant", "assistant", "user", "assistant", "assistant",
        "user", "assistant", "assistant",
    ]  # fmt: skip
    prompts = [t.text for t in session.turns if t.role == "user"]
    assert prompts == [
        "show tools",
        "create hello.md file",
        "add 5 lines of random text",
        "remove 2 and 3 line",
    ]
    calls = [c for t in session.turns for c in t.tool_calls]
    assert [(c.name, c.summary, c.status) for c in calls] == [
        ("write_file", "hello.md", "ok"),
        ("read_file", "hello.md", "ok"),
        ("write_file", "hello.md", "ok"),
        ("read_file", "hello.md", "ok"),
        ("write_file", "hello.md", "ok"),
    ]
    writes = [a for c in calls for a in c.actions if isinstance(a, FileWrite)]
    assert writes[0] == FileWrite("hello.md", "# Hello World")
    assert writes[2] == FileWrite(
        "hello.md",
        "# Hello World\nSphinx of black quartz, judge my vow.\n"
        "Pack my box with five dozen liquor jugs.\nHow vexingly quick daft zebras jump.",
    )
    assert calls[1].output == "# Hello World"  # the functionResponse output of read_file
    assert calls[0].output.startswith("Successfully created and wrote to new file: ")
    meta = session.meta
    assert meta["session_id"] == "37b7abef-713d-4522-85f0-8ff15a4e6d17"
    assert meta["model"] == "gemini-3-pro"
    assert meta["started_at"] == "2026-01-16T11:01:22Z"
    assert meta["ended_at"] == "2026-01-16T12:34:29Z"


def test_real_session_thoughts_and_replace() -> None:
    session = read_fixture("gemini", REAL_THOUGHTS)
    assert [t.role for t in session.turns] == [
        "user", "assistant", "user", "assistant", "assistant", "user", "assistant", "assistant",
        "assistant",
    ]  # fmt: skip
    greeting = session.turns[1]
    assert greeting.text.startswith("Hello! I see we're all set up with the Gemini CLI")
    # both thoughts, each under its subject, without the "\n" written out that opens them
    assert greeting.thinking.startswith(
        "**Assessing the Prompt's Intent**\nI've processed the user's initial greeting."
    )
    assert "\n\n**Responding to User Input**\nMy current focus" in greeting.thinking
    assert "\\n" not in greeting.thinking
    assert "Assessing the Prompt" not in greeting.text
    listing = session.turns[3].tool_calls[0]
    assert (listing.name, listing.summary) == (
        "list_directory",
        "/Users/Jane_Smith/Documents/projects/epm-cdme/assistants/",
    )
    (replace,) = session.turns[6].tool_calls
    (edit,) = replace.actions
    assert isinstance(edit, FileEdit)
    assert edit.path == "/Users/Jane_Smith/Documents/projects/epm-cdme/assistants/lead_gemini.txt"
    assert edit.old.startswith("## Core Function\n\nSupport Team Lead in managing feedback and")
    assert edit.new.startswith("## Core Function\n\nSupport Team Lead with feedback and Jira")
    assert (len(edit.old), len(edit.new)) == (4540, 2548)
    assert replace.status == "ok"
    assert session.meta["model"] == "gemini-3-pro-image-preview"
