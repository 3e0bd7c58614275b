"""Tool calls as stored JSON and back, and the one rule for what a turn says (search chunks,
budgets): its text and its calls' summaries, never its thinking or the file's envelope."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime

from contextd.pipeline.chunk import chunk_turns
from contextd.pipeline.snapshot import build_snapshot, source_tokens, update_snapshot
from contextd.pipeline.tokens import count_tokens
from contextd.pipeline.toolcalls import (
    conversation,
    conversation_text,
    storable,
    tool_calls_from_json,
    tool_calls_to_json,
)
from contextd.pipeline.types import (
    Document,
    FileEdit,
    FilePatch,
    FileWrite,
    ShellCommand,
    TodoItem,
    TodoList,
    ToolCall,
    Turn,
)

CALLS = (
    ToolCall(
        name="MultiEdit",
        summary="src/app.py",
        status="ok",
        output="ok",
        actions=(
            FileWrite("src/new.py", "x = 1\n"),
            FileEdit("src/app.py", "a", "b", replace_all=True),
            FilePatch("src/old.py", "@@ -1 +0,0 @@\n-x\n", operation="delete"),
        ),
        id="toolu_1",
    ),
    ToolCall(
        name="Bash",
        summary="pytest -q",
        status="error",
        output="1 failed",
        output_cut=40,
        actions=(ShellCommand("pytest -q", exit_code=1), ShellCommand("ls")),
    ),
    ToolCall(name="TodoWrite", actions=(TodoList((TodoItem("ship it", "pending"),)),)),
)


def test_tool_calls_survive_a_json_round_trip() -> None:
    stored = tool_calls_to_json(CALLS)
    assert stored is not None
    assert json.loads(json.dumps(stored)) == stored  # plain JSON, as the column holds it
    assert stored[1]["outputCut"] == 40 and stored[1]["actions"][0] == {
        "type": "shell_command",
        "command": "pytest -q",
        "exitCode": 1,
    }
    assert tool_calls_from_json(stored) == CALLS


def test_no_calls_are_stored_as_null_and_odd_json_reads_leniently() -> None:
    assert tool_calls_to_json(()) is None
    assert tool_calls_from_json(None) == () and tool_calls_from_json({"name": "x"}) == ()
    odd = [
        {"name": "Grep", "outputCut": True, "actions": [{"type": "teleport"}, "junk"]},
        "not a call",
    ]
    assert tool_calls_from_json(odd) == (ToolCall(name="Grep"),)


def test_storable_json_drops_nul_and_keeps_times_as_text() -> None:
    when = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    value = {"a\x00": ("x\x00y", when, math.nan, 2, None, True)}
    assert storable(value) == {"a": ["xy", "2026-11-30T09:00:00+00:00", None, 2, None, True]}
    [call] = tool_calls_to_json([ToolCall(name="Bash", output="bin\x00ary")]) or []
    assert call["output"] == "binary"


TURN = Turn(
    3,
    "Claude",
    "assistant",
    "Running the tests.",
    tool_calls=CALLS[1:2],
    thinking="secret musings about zanzibarite",
)


def test_a_turn_says_its_text_and_its_calls_summaries_never_its_thinking() -> None:
    assert conversation_text(TURN) == "Running the tests.\n[tool] Bash: pytest -q (error)"
    assert conversation_text(TURN, output_excerpt=5) == (
        "Running the tests.\n[tool] Bash: pytest -q (error)\n1 fai"
    )
    bare = Turn(0, "Claude", "assistant", "", tool_calls=(ToolCall(name="Read"),))
    assert conversation_text(bare) == "[tool] Read"
    plain = Turn(1, "User", "user", "hello", thinking="ignored")
    assert conversation_text(plain) == "hello"
    assert conversation([plain, TURN]) == "hello\n\n" + conversation_text(TURN)


def test_search_chunks_hold_the_summary_and_a_short_excerpt_not_the_thinking() -> None:
    long = Turn(
        0,
        "Claude",
        "assistant",
        "Checking.",
        tool_calls=(ToolCall(name="Bash", summary="make lint", output="ruff: ok " + "y" * 900),),
        thinking="zanzibarite",
    )
    [chunk] = chunk_turns([long])
    assert "[tool] Bash: make lint" in chunk.text and "ruff: ok" in chunk.text
    assert "zanzibarite" not in chunk.text
    assert len(chunk.text) < 300  # the output is an excerpt


def test_the_budget_comes_from_the_conversation_not_the_raw_file() -> None:
    """A session file is mostly envelope (ids, usage counters, signatures): its budget and
    `tokens_before` must come from what was said, however large the file."""
    turns = [
        Turn(0, "User", "user", "Add a --verbose flag to the CLI and keep the tests green."),
        TURN,
        Turn(4, "Claude", "assistant", "Fixed the failing test; all green now.", thinking="z" * 9),
    ]
    raw = '{"uuid": "5d0f6a1e-8f4b-4c51", "usage": {"input_tokens": 1234}}\n' * 20_000
    document = Document(text=raw, format="claude-code")
    said = count_tokens(conversation(turns))
    assert source_tokens(turns, document) == said
    assert said * 1_000 < count_tokens(raw)
    draft = build_snapshot(turns, document, [], ratio=4.0)
    assert draft.tokens_before == said and draft.budget <= said
    # without turns, a document counts its text
    assert source_tokens([], Document(text="one two three", format="text")) == 3
    # a fast-forward adds what the new turns say, summaries included, thinking not
    first = build_snapshot(turns[:1], document, [], ratio=4.0)
    merged = update_snapshot(first, turns[1:], document, [], ratio=4.0)
    assert abs(merged.tokens_before - said) <= 1
