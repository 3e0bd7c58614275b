"""Qwen Code: JSONL chat records chained by `parentUuid`, Gemini API content inside."""

from __future__ import annotations

import json

from contextd.pipeline.ingest.sessions import read_session
from contextd.pipeline.types import FileEdit, FileWrite, ShellCommand, TodoItem, TodoList
from tests.support.agent_sessions import as_jsonl, fixture_bytes, read_fixture

CHAT = "4f6c1d2e-8a3b-4c5d-9e0f-1a2b3c4d5e6f.jsonl"


def test_turns_follow_the_chain_to_the_last_record() -> None:
    session = read_fixture("qwen", CHAT)
    assert session.format == "qwen-code"  # not Claude Code, whose records chain the same way
    assert session.title == "Idempotent order cancel"
    assert [t.role for t in session.turns] == [
        "user", "assistant", "assistant", "assistant", "user", "assistant", "assistant",
    ]  # fmt: skip
    texts = " ".join(t.text for t in session.turns)
    assert "I'll change the test" not in texts  # the rewound answer
    assert session.turns[4].text.startswith("Don't touch the test")
    assert session.turns[1].thinking.startswith("Cancelling must be idempotent")
    assert session.turns[1].text == "Let me read the function first."


def test_meta() -> None:
    meta = read_fixture("qwen", CHAT).meta
    assert meta["agent"] == "qwen-code"
    assert meta["session_id"] == "4f6c1d2e-8a3b-4c5d-9e0f-1a2b3c4d5e6f"
    assert (meta["cwd"], meta["git_branch"]) == ("/home/dev/inventory", "fix-stock")
    assert meta["model"] == "qwen3-coder-plus"
    assert (meta["started_at"], meta["ended_at"]) == (
        "2026-02-03T14:00:00Z",
        "2026-02-03T14:01:21Z",
    )
    assert meta["skipped_lines"] == 1


def test_tools_become_actions() -> None:
    turns = read_fixture("qwen", CHAT).turns
    (read,) = turns[1].tool_calls
    assert (read.name, read.status) == ("read_file", "ok")
    assert read.summary == "/home/dev/inventory/inventory/orders.py"
    edit, todo = turns[2].tool_calls
    (change,) = edit.actions
    assert isinstance(change, FileEdit) and "if order.status == 'cancelled'" in change.new
    assert todo.actions == (
        TodoList((TodoItem("Make cancel_order idempotent", "completed"),
                  TodoItem("Run the test suite", "in_progress"))),
    )  # fmt: skip
    (shell,) = turns[3].tool_calls
    assert shell.actions == (ShellCommand("pytest -q tests/test_orders.py", 1),)
    assert shell.status == "error" and "test_cancel_twice" in shell.output
    (write,) = turns[5].tool_calls
    assert isinstance(write.actions[0], FileWrite) and write.status == "error"
    assert write.output == "File path must be within the workspace"


def test_a_subagents_records_are_left_out() -> None:
    records = [json.loads(line) for line in fixture_bytes("qwen", CHAT).splitlines()[:4]]
    side = dict(records[2], uuid="side-1", parentUuid=records[1]["uuid"], isSidechain=True)
    side["message"] = {"role": "model", "parts": [{"text": "Subagent: scanning the repo"}]}
    session = read_session(as_jsonl([*records, side]))
    assert session is not None and session.format == "qwen-code"
    assert "Subagent" not in " ".join(t.text for t in session.turns)
