"""Continue: one JSON session of `ChatHistoryItem`s, tool results in `toolCallStates`."""

from __future__ import annotations

import json

from contextd.pipeline.ingest.sessions import read_session
from contextd.pipeline.types import FileEdit, FileWrite, ShellCommand
from tests.support.agent_sessions import as_fetched, fixture_bytes, read_fixture

SESSION = "b8c1f2d4-3e5a-4b6c-8d7e-9f0a1b2c3d4e.json"


def test_turns_and_meta() -> None:
    session = read_fixture("continue", SESSION)
    assert session.format == "continue"
    assert session.title == "Cart total ignores quantity"
    assert [t.role for t in session.turns] == ["user"] + ["assistant"] * 4
    assert session.turns[1].thinking == "total() sums prices only; multiply by quantity."
    assert session.turns[1].text == "I'll multiply by the quantity and add a test."
    meta = session.meta
    assert meta["session_id"] == "b8c1f2d4-3e5a-4b6c-8d7e-9f0a1b2c3d4e"
    assert meta["cwd"] == "/home/dev/shop front"  # from the workspace's file:// URI
    assert meta["model"] == "Claude Sonnet 4.5"
    assert meta["started_at"] == "2026-01-01T10:00:00Z"  # only reasoning carries times
    assert meta["skipped_lines"] == 1


def test_tools_become_actions() -> None:
    turns = read_fixture("continue", SESSION).turns
    replace, create = turns[1].tool_calls
    assert replace.actions == (
        FileEdit(
            "src/cart.ts",
            "return items.reduce((s, i) => s + i.price, 0);",
            "return items.reduce((s, i) => s + i.price * i.quantity, 0);",
        ),
    )
    assert isinstance(create.actions[0], FileWrite) and create.status == "ok"
    (failing,) = turns[2].tool_calls
    assert failing.actions == (ShellCommand("npm test -- cart", 1),)
    assert failing.status == "error" and "TypeError" in failing.output
    multi, passing, sketch = turns[3].tool_calls
    assert [a.replace_all for a in multi.actions if isinstance(a, FileEdit)] == [False, False]
    assert passing.actions == (ShellCommand("npm test -- cart", 0),) and passing.status == "ok"
    # a model-applied sketch is not an exact edit: its path only; it was cancelled
    assert (sketch.summary, sketch.actions, sketch.status) == ("README.md", (), "error")


def test_a_placeholder_title_gives_way_to_the_first_prompt() -> None:
    data = json.loads(fixture_bytes("continue", SESSION))
    data["title"] = "New Session"
    session = read_session(as_fetched(data))
    assert session is not None and session.title is not None
    assert session.title.startswith("The cart total ignores item quantities.")


def test_a_call_still_awaiting_approval_has_no_status() -> None:
    data = json.loads(fixture_bytes("continue", SESSION))
    history = data["history"][:3]
    history[2]["toolCallStates"][0]["status"] = "generated"
    history[2]["toolCallStates"][0]["output"] = []
    session = read_session(as_fetched({**data, "history": history}))
    assert session is not None
    assert session.turns[1].tool_calls[0].status is None
