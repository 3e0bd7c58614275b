"""Goose: the JSONL session files of its first versions, and its SQLite `sessions.db`."""

from __future__ import annotations

from contextd.pipeline.ingest.sessions import read_session
from contextd.pipeline.types import Fetched, FileEdit, FileWrite, ShellCommand
from tests.support.agent_databases import fixture_database
from tests.support.agent_sessions import read_fixture

LEGACY = "20251031_1.jsonl"


def test_jsonl_turns_and_meta() -> None:
    session = read_fixture("goose", LEGACY)
    assert session.format == "goose"
    assert session.title == "Add a --units flag"  # the metadata's description
    # results come back in user messages: those are not user turns
    assert [t.role for t in session.turns] == ["user"] + ["assistant"] * 5
    assert session.turns[1].thinking == "Find where the CLI parses its options."
    assert "Summary of the conversation" not in " ".join(t.text for t in session.turns)
    meta = session.meta
    assert (meta["session_id"], meta["cwd"]) == ("20251031_1", "/home/dev/weather-cli")
    assert (meta["started_at"], meta["ended_at"]) == (
        "2025-10-31T09:00:00Z",
        "2025-10-31T09:00:30Z",
    )


def test_jsonl_tools_become_actions() -> None:
    turns = read_fixture("goose", LEGACY).turns
    (grep,) = turns[1].tool_calls
    assert grep.actions == (ShellCommand("rg -n 'add_argument' weather/cli.py"),)
    (edit,) = turns[2].tool_calls
    (change,) = edit.actions
    assert isinstance(change, FileEdit) and change.path.endswith("weather/cli.py")
    write, test_run = turns[3].tool_calls
    assert isinstance(write.actions[0], FileWrite)
    assert test_run.actions == (ShellCommand("pytest -q", 1),) and test_run.status == "error"
    view, unknown = turns[4].tool_calls
    assert (view.actions, view.status) == ((), "ok")
    assert unknown.status == "error" and unknown.output == "-32602: Tool not found"


def test_the_database_gives_its_longest_session() -> None:
    session = read_session(Fetched(fixture_database("goose", "sessions.db.json")))
    assert session is not None and session.format == "goose"
    assert session.title == "Configurable retry delay"
    assert session.meta["sessions"] == 2 and session.meta["skipped_lines"] == 1
    assert session.meta["cwd"] == "/home/dev/httpkit"
    calls = [c for t in session.turns for c in t.tool_calls]
    assert [a for c in calls for a in c.actions] == [
        ShellCommand("grep -n retryDelay http/client.go", 0),
        FileEdit(
            "http/client.go",
            "const retryDelay = 2 * time.Second",
            "var retryDelay = 2 * time.Second // overridden by HTTP_RETRY_DELAY",
        ),
        FileWrite(
            "http/config.go",
            "package http\n\n// LoadRetryDelay reads HTTP_RETRY_DELAY.\nfunc LoadRetryDelay() {}\n",
        ),
        ShellCommand("go test ./http/...", 1),
    ]
    assert calls[-1].status == "error"
