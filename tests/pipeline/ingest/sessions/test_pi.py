"""Pi coding agent: a real version 1 session from pi's own tests, and a version 3 tree whose
abandoned branch is left out."""

from __future__ import annotations

import json

from contextd.pipeline.ingest.sessions import read_session
from contextd.pipeline.types import FileEdit, FileWrite, ShellCommand
from tests.support.agent_sessions import as_jsonl, fixture_bytes, read_fixture

REAL = "large-session.head.jsonl"
TREE = "tree-v3.jsonl"


def test_a_real_session_reads_linearly() -> None:
    session = read_fixture("pi", REAL)
    assert session.format == "pi"
    assert session.meta["session_id"] == "d703a1a9-1b7b-4fb1-b512-c9738b1fe617"
    assert session.meta["cwd"] == "/Users/badlogic/workspaces/pi-mono"
    assert session.meta["started_at"] == "2025-11-20T23:33:01Z"
    assert session.meta["skipped_lines"] == 0
    assert session.title is not None
    assert session.title.startswith("read packages/coding-agent/docs/theme.md")  # not `/mode`
    users = [t.text for t in session.turns if t.role == "user"]
    assert users[0] == "/mode" and len(users) == 5
    assert all(t.timestamp is not None for t in session.turns)


def test_real_tool_calls_become_actions() -> None:
    calls = [c for t in read_fixture("pi", REAL).turns for c in t.tool_calls]
    edit = next(c for c in calls if c.name == "edit")
    assert isinstance(edit.actions[0], FileEdit)
    assert edit.actions[0].path == "packages/coding-agent/src/tui/user-message-selector.ts"
    assert edit.status == "ok" and edit.output.startswith("Successfully replaced text")
    shells = [c for c in calls if c.name == "bash"]
    assert shells[0].actions == (
        ShellCommand('find packages/coding-agent/src -name "*selector.ts" -type f', 0),
    )
    failed = shells[-1]
    assert failed.status == "error" and failed.output == "Command exited with code 1"
    assert [a.exit_code for a in failed.actions if isinstance(a, ShellCommand)] == [1]
    # the calls of the message the user interrupted never got a result
    unanswered = [c for c in calls if c.status is None]
    assert len(unanswered) == 16 and {c.name for c in unanswered} == {"edit"}


def test_the_tree_keeps_the_branch_that_was_resumed() -> None:
    session = read_fixture("pi", TREE)
    assert session.title == "slugify helper"  # the session_info name
    texts = " ".join(t.text for t in session.turns)
    assert "Latin-1 regex over" not in texts  # the abandoned answer
    assert "Tried stripping accents" in texts  # its branch summary
    assert [t.role for t in session.turns] == [
        "user", "assistant", "system", "user", "assistant", "system", "user", "user",
    ]  # fmt: skip
    write = session.turns[1].tool_calls[0]
    assert write.actions == (
        FileWrite(
            "src/slug.ts",
            'export const slugify = (s: string) => s.toLowerCase().trim().replace(/\\s+/g, "-");\n',
        ),
    )
    assert session.turns[1].thinking == "A small pure function; write it, then run vitest."
    (edit,) = session.turns[4].tool_calls[0].actions
    assert isinstance(edit, FileEdit) and edit.old == "s.toLowerCase()"
    (user_run,) = session.turns[6].tool_calls  # `!npx vitest run`, the user's own command
    assert user_run.actions == (ShellCommand("npx vitest run", 0),) and user_run.status == "ok"
    assert session.meta["model"] == "gpt-5.1-codex"  # the last model_change
    assert session.meta["ended_at"] == "2026-01-14T09:02:15Z"


def test_a_file_without_its_header_is_still_pi() -> None:
    records = [json.loads(line) for line in fixture_bytes("pi", TREE).splitlines()]
    session = read_session(as_jsonl(records[1:]))
    assert session is not None and session.format == "pi"
    assert "session_id" not in session.meta
    assert session.title == "slugify helper"


def test_the_lines_a_growing_file_gained_are_pi() -> None:
    records = [json.loads(line) for line in fixture_bytes("pi", TREE).splitlines()]
    answer = {**records[7], "parentId": records[2]["id"]}
    session = read_session(as_jsonl([records[2], answer]))  # a prompt and a text-only answer
    assert session is not None and session.format == "pi"
    assert [t.role for t in session.turns] == ["user", "assistant"]
