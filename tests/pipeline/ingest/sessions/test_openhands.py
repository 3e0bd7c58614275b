"""OpenHands: real trajectories (a conversation's event stream) from OpenHands' own tests."""

from __future__ import annotations

import json

from contextd.pipeline.ingest.sessions import read_session
from contextd.pipeline.types import FileEdit, FileWrite, ShellCommand, TodoItem, TodoList
from tests.support.agent_sessions import as_fetched, fixture_bytes, read_fixture

GUI = "basic_gui_mode.json"
RENAME = "wrong_initial_state.json"


def test_turns_leave_out_bookkeeping_events() -> None:
    session = read_fixture("openhands", GUI)
    assert session.format == "openhands"
    assert session.title == "I want to create a VueJS app that allows me to:"
    assert [t.role for t in session.turns] == ["user"] + ["assistant"] * 5
    assert session.turns[2].text == "Let's create the main HTML file:"  # the call's thought
    assert session.turns[5].text.startswith("I've created a complete Vue.js todo application")
    meta = session.meta
    assert (meta["model"], meta["cwd"]) == ("claude-3-5-sonnet-20241022", "/workspace")
    assert (meta["started_at"], meta["ended_at"]) == (
        "2025-01-20T20:29:13Z",
        "2025-01-20T20:30:35Z",
    )


def test_actions_and_observations_become_calls() -> None:
    turns = read_fixture("openhands", GUI).turns
    (mkdir,) = turns[1].tool_calls
    assert mkdir.name == "execute_bash" and mkdir.status == "ok"
    assert mkdir.actions == (ShellCommand("mkdir -p /workspace/todo-app", 0),)
    (html,) = turns[2].tool_calls
    (created,) = html.actions  # the older edit: its text is in the tool call's arguments
    assert isinstance(created, FileWrite) and created.path == "/workspace/todo-app/index.html"
    assert created.content.startswith("<!DOCTYPE html>")
    (server,) = turns[4].tool_calls  # still serving: OpenHands has no exit code for it
    assert server.actions == (
        ShellCommand("cd /workspace/todo-app && python3 -m http.server 8000"),
    )


def test_reads_runs_and_finish() -> None:
    session = read_fixture("openhands", RENAME)
    assert session.title == "Please rename game_2048.py to 2048.py"
    calls = [c for t in session.turns for c in t.tool_calls]
    assert [(c.summary, c.actions) for c in calls] == [
        ("/workspace", ()),
        (
            "mv /workspace/game_2048.py /workspace/2048.py",
            (ShellCommand("mv /workspace/game_2048.py /workspace/2048.py", 0),),
        ),
        ("/workspace", ()),
    ]
    assert session.turns[-1].text.startswith("The file has been successfully renamed")


def test_the_trajectory_routes_wrapper_edits_and_tasks() -> None:
    events = json.loads(fixture_bytes("openhands", RENAME))[:2]
    edit = {
        "id": 20,
        "timestamp": "2025-01-27T23:18:00",
        "source": "agent",
        "message": "",
        "action": "edit",
        "args": {
            "path": "/workspace/2048.py",
            "command": "str_replace",
            "old_str": "class Game2048:",
            "new_str": "class Game:",
            "thought": "Shorter.",
        },
    }
    failed = {
        "id": 21,
        "timestamp": "2025-01-27T23:18:01",
        "source": "agent",
        "cause": 20,
        "observation": "error",
        "content": "No replacement was performed.",
        "extras": {},
    }
    tasks = {
        "id": 22, "timestamp": "2025-01-27T23:18:02", "source": "agent", "message": "",
        "action": "task_tracking",
        "args": {"command": "plan", "thought": "", "task_list": [
            {"id": "1", "title": "Rename the file", "status": "done", "notes": ""},
            {"id": "2", "title": "Rename the class", "status": "todo", "notes": ""}]},
    }  # fmt: skip
    session = read_session(as_fetched({"trajectory": [*events, edit, failed, tasks]}))
    assert session is not None and session.format == "openhands"
    replace, plan = [c for t in session.turns for c in t.tool_calls][1:]
    assert replace.actions == (FileEdit("/workspace/2048.py", "class Game2048:", "class Game:"),)
    assert replace.status == "error" and replace.output == "No replacement was performed."
    assert plan.actions == (
        TodoList(
            (TodoItem("Rename the file", "completed"), TodoItem("Rename the class", "pending"))
        ),
    )
