"""Crush: the project's SQLite `crush.db`, message parts as JSON."""

from __future__ import annotations

from contextd.pipeline.ingest.sessions import read_session
from contextd.pipeline.ingest.sessions._model import Session
from contextd.pipeline.types import Fetched, FileEdit, FileWrite, ShellCommand, TodoItem, TodoList
from tests.support.agent_databases import fixture_database


def crush_session() -> Session:
    session = read_session(Fetched(fixture_database("crush", "crush.db.json")))
    assert session is not None
    return session


def test_the_main_session_not_the_longer_subagent() -> None:
    session = crush_session()
    assert session.format == "crush"
    assert session.title == "Rename Fetch to Get"
    meta = session.meta
    assert (meta["session_id"], meta["sessions"], meta["skipped_lines"]) == ("main", 2, 1)
    assert meta["model"] == "claude-sonnet-4-5-20250929"
    assert (meta["started_at"], meta["ended_at"]) == (
        "2026-01-20T09:00:00Z",
        "2026-01-20T09:00:35Z",
    )
    assert [t.role for t in session.turns] == ["user"] + ["assistant"] * 4 + ["user", "assistant"]
    assert session.turns[1].thinking == "Find every caller with grep before editing."


def test_tools_become_actions() -> None:
    turns = crush_session().turns
    (grep,) = turns[1].tool_calls
    assert grep.summary == "\\.Fetch\\(" and grep.status == "ok"
    edit, multi, todos = turns[2].tool_calls
    assert edit.actions == (
        FileEdit(
            "/home/dev/apiclient/client/client.go",
            "func (c *Client) Fetch(",
            "func (c *Client) Get(",
        ),
    )
    assert [a.replace_all for a in multi.actions if isinstance(a, FileEdit)] == [True, False]
    assert todos.actions == (
        TodoList((TodoItem("Rename Fetch to Get", "completed"),
                  TodoItem("Run go build", "in_progress"))),
    )  # fmt: skip
    (build,) = turns[3].tool_calls
    assert build.actions == (ShellCommand("go build ./...", 1),) and build.status == "error"
    write, vet = turns[4].tool_calls
    assert isinstance(write.actions[0], FileWrite)
    assert vet.actions == (ShellCommand("go vet ./client/...", 0),)
    (status,) = turns[5].tool_calls  # the user's own `!git status --short`
    assert status.actions == (ShellCommand("git status --short", 0),)
