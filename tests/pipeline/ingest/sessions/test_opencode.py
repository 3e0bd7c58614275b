"""OpenCode: the JSON that `opencode export` writes (session info, messages with their parts)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from contextd.pipeline.ingest.conversations import detect_export
from contextd.pipeline.ingest.sessions import READERS, SessionInput, read_session
from contextd.pipeline.types import (
    Fetched,
    FileEdit,
    FilePatch,
    FileWrite,
    ShellCommand,
    TodoItem,
    TodoList,
)
from tests.support.agent_sessions import (
    CHAT_EXPORTS,
    OTHER_AGENT_SAMPLES,
    as_fetched,
    fixture_bytes,
    other_agents_files,
    read_fixture,
)

EXPORT = "session-export.json"
OPENCODE = next(reader for reader in READERS if reader.name == "opencode")


def test_turns_leave_out_synthetic_text_and_bookkeeping_parts() -> None:
    session = read_fixture("opencode", EXPORT)
    assert session.format == "opencode"
    assert session.title == "Add a /health endpoint"
    assert [(t.index, t.role) for t in session.turns] == [
        (0, "user"), (1, "assistant"), (2, "user"), (3, "assistant"),
    ]  # fmt: skip
    first = session.turns[0]
    assert first.text.startswith("Add a /health endpoint to server.ts")
    assert "Called the Read tool" not in first.text  # a synthetic part
    assert session.turns[1].thinking == "I should look at how routes are registered first."
    assert session.turns[1].text == "I'll add the route next to the others."


def test_meta() -> None:
    meta = read_fixture("opencode", EXPORT).meta
    assert meta["agent"] == "opencode"
    assert meta["session_id"] == "ses_5c2a91f0dffeAbCdEf1234567"
    assert meta["cwd"] == "/home/dev/todo-api"
    assert meta["model"] == "claude-sonnet-4-5"
    assert meta["started_at"] == "2025-10-30T13:20:00Z"
    assert meta["ended_at"] == "2025-10-30T13:21:00Z"
    assert meta["skipped_lines"] == 1  # the message without a role or parts


def test_tools_become_actions() -> None:
    turns = read_fixture("opencode", EXPORT).turns
    read, edit, write, todo, failing, rejected = turns[1].tool_calls
    assert (read.name, read.summary, read.status) == ("read", "/home/dev/todo-api/server.ts", "ok")
    assert edit.actions == (
        FileEdit(
            "/home/dev/todo-api/server.ts",
            'app.get("/todos", list);',
            'app.get("/todos", list);\napp.get("/health", (_req, res) => res.json({ ok: true }));',
        ),
    )
    (written,) = write.actions
    assert isinstance(written, FileWrite) and written.path.endswith("test/health.test.ts")
    assert todo.actions == (
        TodoList((TodoItem("Add /health route", "completed"),
                  TodoItem("Run the test suite", "in_progress"))),
    )  # fmt: skip
    assert failing.actions == (ShellCommand("npx vitest run", 1),)
    assert failing.status == "error" and "ReferenceError" in failing.output
    assert rejected.status == "error"
    assert rejected.output == "The user rejected permission to use this specific tool call."
    patch, passing = turns[3].tool_calls
    assert [(a.path, a.operation) for a in patch.actions if isinstance(a, FilePatch)] == [
        ("test/health.test.ts", "update")
    ]
    assert passing.actions == (ShellCommand("npx vitest run", 0),) and passing.status == "ok"


def test_a_call_still_running_has_no_status() -> None:
    data = json.loads(fixture_bytes("opencode", EXPORT))
    running = copy.deepcopy(data["messages"][1]["parts"][7])
    running["state"] = {"status": "running", "input": {"command": "sleep 60"}, "time": {"start": 1}}
    data["messages"][1]["parts"] = [running]
    session = read_session(as_fetched(data))
    assert session is not None
    (call,) = session.turns[1].tool_calls
    assert call.status is None and call.output == ""
    assert call.actions == (ShellCommand("sleep 60"),)


@pytest.mark.parametrize("path", other_agents_files("opencode"), ids=lambda p: p.parent.name)
def test_refuses_other_agents_sessions(path: Path) -> None:
    assert not OPENCODE.detect(SessionInput(Fetched(path.read_bytes())))


@pytest.mark.parametrize("name", sorted(CHAT_EXPORTS))
def test_leaves_chat_exports_to_their_readers(name: str) -> None:
    data = CHAT_EXPORTS[name]
    assert not OPENCODE.detect(SessionInput(as_fetched(data)))
    assert read_session(as_fetched(data)) is None
    assert detect_export(data) is not None


@pytest.mark.parametrize("name", sorted(OTHER_AGENT_SAMPLES))
def test_refuses_other_agents_samples(name: str) -> None:
    assert not OPENCODE.detect(SessionInput(OTHER_AGENT_SAMPLES[name]))
