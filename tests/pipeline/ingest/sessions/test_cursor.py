"""Cursor's chat database (`state.vscdb`, SQLite)."""

from __future__ import annotations

import pytest

from contextd.pipeline.ingest.sessions import SessionInput, read_session
from contextd.pipeline.ingest.sessions._cursor import READER, read_all
from contextd.pipeline.types import FileEdit, FileWrite, ShellCommand, TodoList
from tests.support.session_inputs import (
    PLAIN_TRANSCRIPT,
    chatgpt_export,
    cursor_database,
    fetched,
    fixture_bytes,
    sqlite_database,
)


@pytest.fixture(scope="module")
def database() -> bytes:
    return cursor_database()


def test_the_largest_composer_is_read_from_the_bytes_alone(database: bytes) -> None:
    session = read_session(fetched(database, "application/octet-stream"))
    assert session is not None and session.format == "cursor"
    assert session.title == "Fix the CSV export encoding"
    assert session.meta == {
        "agent": "cursor",
        "session_id": "6f1d2c3b-4a5e-4f60-8b71-9c0d1e2f3a4b",
        "model": "claude-4-sonnet",
        "cwd": "/home/dev/reports",
        "started_at": "2025-09-02T08:00:00+00:00",
        "ended_at": "2025-09-02T08:07:00+00:00",
        "skipped_lines": 1,  # a header whose bubble is missing
        "composers": 2,  # the row that is not JSON is no composer
    }
    assert [(t.index, t.role) for t in session.turns] == [
        (0, "user"),
        (1, "assistant"),
        (2, "user"),
        (3, "assistant"),
    ]


def test_assistant_bubbles_form_one_turn_with_calls_thinking_and_actions(database: bytes) -> None:
    session = read_session(fetched(database))
    assert session is not None
    reply = session.turns[1]
    assert reply.speaker == "Cursor"
    assert reply.thinking.startswith("Excel needs a BOM")
    assert reply.text == (
        "The file is opened without an encoding; I'll write it as `utf-8-sig`.\n\n"
        "Done: the export now starts with a UTF-8 BOM and a test checks it."
    )
    read, edit, write, run, todo = reply.tool_calls
    assert (read.name, read.summary, read.status) == ("read_file_v2", "export.py", "ok")
    assert read.output.startswith("import csv")
    assert edit.actions == (
        FileEdit(
            "export.py",
            '    with open(path, "w", newline="") as f:',
            '    with open(path, "w", newline="", encoding="utf-8-sig") as f:',
        ),
    )
    assert edit.output == ""  # a structured result with no text is not shown as JSON
    (file,) = write.actions
    assert isinstance(file, FileWrite) and file.path == "tests/test_export.py"
    assert run.actions == (ShellCommand("python -m pytest -q tests/test_export.py", 0),)
    assert run.output == "1 passed in 0.02s"
    (todos,) = todo.actions
    assert isinstance(todos, TodoList)
    assert [i.status for i in todos.items] == ["completed", "completed", "pending"]


def test_a_failing_command_keeps_its_exit_code_and_error(database: bytes) -> None:
    session = read_session(fetched(database))
    assert session is not None
    (lint,) = session.turns[3].tool_calls
    assert lint.actions == (ShellCommand("ruff check .", 1),)
    assert lint.status == "error" and "F401" in lint.output


def test_read_all_gives_every_composer_oldest_first(database: bytes) -> None:
    sessions = read_all(SessionInput(fetched(database)))
    assert [s.meta["session_id"] for s in sessions] == [
        "0a9b8c7d-6e5f-4a3b-9c2d-1e0f9a8b7c6d",
        "6f1d2c3b-4a5e-4f60-8b71-9c0d1e2f3a4b",
    ]
    old = sessions[0]  # the older inline `conversation` format
    assert [t.role for t in old.turns] == ["user", "assistant"]
    assert old.title == "What does csv.writer's newline='' do?"


def test_other_sqlite_databases_and_formats_are_refused() -> None:
    vscode_state = sqlite_database({"ItemTable": [{"key": "a", "value": "b"}]})
    for content in (
        vscode_state,
        PLAIN_TRANSCRIPT,
        chatgpt_export(),
        fixture_bytes("copilot", "chat.json"),
        fixture_bytes("cline", "api_conversation_history.json"),
        fixture_bytes("aider", ".aider.chat.history.md"),
        b"cursorDiskKV composerData:1",
    ):
        assert not READER.detect(SessionInput(fetched(content)))


def test_a_truncated_or_empty_database_is_read_without_failing(database: bytes) -> None:
    empty = sqlite_database({"cursorDiskKV": []})
    session = read_session(fetched(empty))
    assert session is not None and session.turns == ()
    assert session.meta["composers"] == 0
    cut = database[: len(database) // 2]
    assert READER.detect(SessionInput(fetched(cut)))  # the header and schema are intact
    assert READER.read(SessionInput(fetched(cut))).format == "cursor"
