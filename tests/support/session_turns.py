"""A coding-agent session built from the pipeline types, served to the real job in place of a
reader: the storage, API, search and budget tests need turns with tool calls and thinking
before (and independently of) the readers that produce them from real files.

`install(monkeypatch)` makes the job's ingest stage read a CONTENT body that starts with
`MARKER` as this session (its turns numbered from where the source's turns end, as a reader's
are), and anything else as it always does. The document text is the raw body, so a test can
make the "file" far larger than its conversation.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from contextd.pipeline.ingest import ingest as real_ingest
from contextd.pipeline.types import (
    Document,
    Fetched,
    FileEdit,
    FileWrite,
    Ingested,
    ShellCommand,
    TodoItem,
    TodoList,
    ToolCall,
    Turn,
)
from contextd.tasks import process_source

MARKER = "SESSION-FIXTURE"
MORE = "SESSION-FIXTURE-MORE"  # the turns a growing session appends

THINKING = "Pondering whether zanzibarite tolerances matter here."
"""A word found nowhere else: search must not find the session by it."""

CODE = "def parse(line):\n    return line.split(',')\n"

META = {
    "agent": "claude-code",
    "session_id": "0b6c7c1e-0000-4000-8000-000000000001",
    "model": "claude-sonnet-4-5",
    "cwd": "/home/dev/csvtool",
    "git_branch": "main",
    "started_at": "2026-11-30T09:00:00+00:00",
    "ended_at": "2026-11-30T09:05:00+00:00",
    "skipped_lines": 1,
}


def _at(minute: int) -> datetime:
    return datetime(2026, 11, 30, 9, minute, tzinfo=UTC)


TURNS = (
    Turn(0, "User", "user", "Write a CSV parser for csvtool and make the tests pass.", _at(0)),
    Turn(
        1,
        "Claude",
        "assistant",
        "I'll write the parser first.",
        _at(1),
        tool_calls=(
            ToolCall(
                name="Write",
                summary="csvtool/parse.py",
                status="ok",
                output="File created successfully",
                actions=(FileWrite("csvtool/parse.py", CODE),),
                id="toolu_01",
            ),
            ToolCall(
                name="TodoWrite",
                summary="2 items",
                status="ok",
                actions=(
                    TodoList(
                        (
                            TodoItem("Write the parser", "completed"),
                            TodoItem("Handle quoted fields", "pending"),
                        )
                    ),
                ),
                id="toolu_02",
            ),
        ),
        thinking=THINKING,
    ),
    Turn(
        2,
        "Claude",
        "assistant",
        "Running the test suite now.",
        _at(2),
        tool_calls=(
            ToolCall(
                name="Bash",
                summary="pytest -q tests/test_parse.py",
                status="error",
                output="E   AssertionError: quoted comma split\n" + "x" * 5_000,
                output_cut=12_000,
                actions=(ShellCommand("pytest -q tests/test_parse.py", exit_code=1),),
                id="toolu_03",
            ),
        ),
    ),
)

MORE_TURNS = (
    Turn(
        0,
        "Claude",
        "assistant",
        "Quoted fields are handled now.",
        _at(4),
        tool_calls=(
            ToolCall(
                name="Edit",
                summary="csvtool/parse.py",
                status="ok",
                actions=(
                    FileEdit("csvtool/parse.py", "line.split(',')", "next(csv.reader([line]))"),
                ),
                id="toolu_04",
            ),
        ),
        thinking="The csv module already does this.",
    ),
)


def _fake(fetched: Fetched, *, first_turn_index: int = 0) -> Ingested:
    text = fetched.content.decode("utf-8", "replace")
    if not text.startswith(MARKER):
        return real_ingest(fetched, first_turn_index=first_turn_index)
    more = text.startswith(MORE)
    turns = MORE_TURNS if more else TURNS
    meta = {**META, "ended_at": "2026-11-30T09:09:00+00:00", "skipped_lines": 2} if more else META
    document = Document(text=text, format="claude-code", title="csvtool parser", meta=meta)
    numbered = tuple(replace(t, index=first_turn_index + i) for i, t in enumerate(turns))
    return Ingested(document, numbered)


def install(monkeypatch: pytest.MonkeyPatch) -> None:
    """Read `MARKER` bodies as the session above, in the job of the server in this process."""
    monkeypatch.setattr(process_source, "ingest", _fake)
