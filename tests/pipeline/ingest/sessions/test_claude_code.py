"""The Claude Code reader on real session files (and one built to the published record shapes):
turns, tool calls with their results, normalized actions, thinking kept apart, subagents,
compaction, bookkeeping never shown, malformed lines counted."""

from __future__ import annotations

import json
from pathlib import Path

from contextd.pipeline.ingest import ingest
from contextd.pipeline.ingest.sessions import (
    SessionInput,
    read_claude_code,
    read_session,
    session_document,
)
from contextd.pipeline.ingest.sessions._calls import CUT_MARK, ERROR_LIMIT, OUTPUT_LIMIT
from contextd.pipeline.types import (
    Fetched,
    FileEdit,
    FileWrite,
    ShellCommand,
    TodoItem,
    TodoList,
    ToolCall,
    Turn,
)

FIXTURES = Path(__file__).resolve().parents[3] / "fixtures" / "sessions" / "claude_code"
SUBAGENT = "agent_session/subagents/agent-a91c3e7.jsonl"


def _input(name: str) -> SessionInput:
    return SessionInput(Fetched((FIXTURES / name).read_bytes()))


def _agent_session() -> tuple[Turn, ...]:
    return read_claude_code(_input("agent_session.jsonl"), [_input(SUBAGENT)]).turns


def _calls(turns: tuple[Turn, ...]) -> dict[str, ToolCall]:
    return {c.summary: c for t in turns for c in t.tool_calls}


def test_prompts_and_answers_are_turns_and_tool_results_are_not() -> None:
    session = read_session(Fetched((FIXTURES / "representative_messages.jsonl").read_bytes()))
    assert session is not None and session.format == "claude-code"
    roles = [t.role for t in session.turns]
    # 12 records: 5 prompts, 6 assistant messages, 2 tool-result records, 1 summary
    assert roles.count("user") == 4 and roles.count("assistant") == 5
    assert [t.index for t in session.turns] == list(range(len(session.turns)))
    first = session.turns[0]
    assert first.speaker == "User"
    assert first.text == "Hello Claude! Can you help me understand how Python decorators work?"
    assert session.meta["session_id"] == "test_session"
    assert session.meta["model"] == "claude-3-sonnet-20240229"


def test_streamed_records_of_one_message_are_one_turn_with_thinking_apart() -> None:
    turns = _agent_session()
    answer = turns[1]
    assert answer.role == "assistant"
    assert answer.text == "I'll plan this and look at calc.py first."
    assert answer.thinking.startswith("The user wants divide() in calc.py")
    assert [c.name for c in answer.tool_calls] == ["TodoWrite", "Read"]
    everything = json.dumps([t.thinking + t.text for t in turns])
    assert "EqQBCkYIBxgCKkB3" not in everything  # the thinking's signature is never kept


def test_tool_calls_carry_results_and_normalized_actions() -> None:
    calls = _calls(_agent_session())
    edit = calls["/home/dev/calc/calc.py"]
    assert edit.status == "ok"
    assert edit.actions == (
        FileEdit(
            "/home/dev/calc/calc.py",
            "def add(a, b):\n    return a + b\n",
            "def add(a, b):\n    return a + b\n\n\ndef divide(a, b):\n"
            '    if b == 0:\n        raise ZeroDivisionError("b must not be 0")\n'
            "    return a / b\n",
        ),
    )
    write = calls["/home/dev/calc/test_calc.py"]
    assert write.actions == (
        FileWrite(
            "/home/dev/calc/test_calc.py",
            "from calc import divide\n\n\ndef test_divide():\n    assert divide(6, 3) == 2\n",
        ),
    )
    failed = calls["pytest -q"]
    assert failed.status == "error" and failed.actions == (ShellCommand("pytest -q", 1),)
    assert (
        failed.output.startswith("Exit code 1\nImportError") and len(failed.output) <= ERROR_LIMIT
    )
    assert calls["python -m pytest -q"].actions == (ShellCommand("python -m pytest -q", 0),)
    todo = calls["2 items"]
    assert todo.actions == (
        TodoList(
            (
                TodoItem("Add divide() to calc.py", "in_progress"),
                TodoItem("Run the tests", "pending"),
            )
        ),
    )


def test_long_outputs_are_cut_and_counted() -> None:
    reads = [c for t in _agent_session() for c in t.tool_calls if c.name == "Read"]
    assert len(reads) == 1
    output, cut = reads[0].output, reads[0].output_cut
    assert len(output) == OUTPUT_LIMIT + len(CUT_MARK) and cut > 0 and CUT_MARK in output
    assert output.startswith("     1→def add(a, b):")


def test_multiedit_is_several_edits_and_errors_are_kept_verbatim() -> None:
    session = read_session(Fetched((FIXTURES / "edge_cases.jsonl").read_bytes()))
    assert session is not None
    calls = {c.name: c for t in session.turns for c in t.tool_calls}
    failing = calls["FailingTool"]
    assert failing.status == "error"
    assert failing.output == "Error: Tool execution failed with error: Command not found"
    multi = calls["MultiEdit"]
    assert [type(a) for a in multi.actions] == [FileEdit]
    assert isinstance(multi.actions[0], FileEdit)
    assert multi.actions[0].path == "/tmp/complex_example.py"
    assert multi.actions[0].new.startswith("#!/usr/bin/env python3")


def test_subagent_work_follows_the_task_that_launched_it_marked() -> None:
    turns = _agent_session()
    task = next(i for i, t in enumerate(turns) if any(c.name == "Task" for c in t.tool_calls))
    sub = turns[task + 1 : task + 5]
    assert all(t.speaker.startswith("Subagent a91c3e7") for t in sub)
    assert sub[0].role == "other"  # the main agent's prompt, not the user's
    assert sub[0].text == "Find why calc cannot be imported from tests."
    written = [a for t in sub for c in t.tool_calls for a in c.actions]
    note = "# Layout\n\nRun tests with `python -m pytest`.\n"
    assert written == [FileWrite("/home/dev/calc/notes/layout.md", note)]
    assert not turns[task + 5].speaker.startswith("Subagent")


def test_sidechain_records_in_the_main_file_are_kept_out_of_the_main_turns() -> None:
    session = read_session(Fetched((FIXTURES / "sidechain_integrated.jsonl").read_bytes()))
    assert session is not None
    main = [t for t in session.turns if not t.speaker.startswith("Subagent")]
    assert [t.text for t in main] == ["", "Excellent research! The sub-assistant has identifi..."]
    side = [t for t in session.turns if t.speaker.startswith("Subagent e1c84ba5")]
    # the subagent's one message was streamed as two records: one turn
    assert len(side) == 1 and [c.name for c in side[0].tool_calls] == ["Grep"]
    # placed right after the Task call whose result names the agent
    assert [t.speaker for t in session.turns] == ["Claude", side[0].speaker, "Claude"]
    assert session.meta["subagents"] == ["e1c84ba5"]


def test_compact_boundary_and_summary_are_found() -> None:
    session = read_session(Fetched((FIXTURES / "dag_compact_after_rewind.jsonl").read_bytes()))
    assert session is not None
    assert session.meta["compact_boundaries"] == [8]
    boundary = 8
    summary = session.turns[boundary]
    assert summary.role == "system" and summary.speaker == "Compact summary"
    assert summary.text.startswith("This session is being continued")
    assert session.turns[boundary - 1].text == "Kept going"
    assert session.turns[boundary + 1].text == "After compaction"


def test_bookkeeping_never_shows_and_metadata_is_kept() -> None:
    fetched = Fetched((FIXTURES / "agent_session.jsonl").read_bytes())
    ingested = ingest(fetched)
    text = ingested.document.text
    for junk in ("file-history-snapshot", "parentUuid", "toolu_", "msg_01", "usage", "sessionId"):
        assert junk not in text
    assert "iVBORw0KGgo" not in text and "[image: image/png]" in text  # no base64
    assert "Caveat: The messages below" not in text  # isMeta records are Claude Code's own
    assert "→ Bash: pytest -q (exit 1)" in text
    assert "→ Edit: /home/dev/calc/calc.py" in text
    assert "The user wants divide()" not in text  # thinking stays in the turn, out of the text
    document = ingested.document
    assert document.format == "claude-code"
    assert document.title == "Calculator: add divide with zero check"  # the `summary` record
    meta = document.meta
    assert meta["agent"] == "claude-code"
    assert meta["session_id"] == "7f3c2a10-5b7e-4c1d-9a8e-2f6b1c0d4e91"
    assert meta["model"] == "claude-sonnet-4-5-20250929"
    assert meta["cwd"] == "/home/dev/calc" and meta["git_branch"] == "main"
    assert meta["started_at"] == "2025-11-20T09:00:00+00:00"
    assert meta["ended_at"] == "2025-11-20T09:52:10+00:00"
    assert meta["skipped_lines"] == 1  # the truncated line
    assert [t.tool_calls for t in ingested.turns] == [
        t.tool_calls for t in read_claude_code(_input("agent_session.jsonl")).turns
    ]


def test_ingest_renumbers_turns_and_boundaries_from_the_first_index() -> None:
    fetched = Fetched((FIXTURES / "dag_compact_after_rewind.jsonl").read_bytes())
    ingested = ingest(fetched, first_turn_index=10)
    assert ingested.turns[0].index == 10
    assert ingested.document.meta["compact_boundaries"] == [18]
    assert ingested.turns[18 - 10].role == "system"


def test_nul_is_dropped_from_thinking_and_tool_calls_too() -> None:
    line = {
        "type": "assistant",
        "sessionId": "s",
        "parentUuid": None,
        "uuid": "a1",
        "message": {
            "id": "m1",
            "role": "assistant",
            "content": [
                {"type": "thinking", "thinking": "th\x00ink", "signature": "x"},
                {"type": "tool_use", "id": "t1", "name": "Bash", "input": {"command": "ls\x00"}},
            ],
        },
    }
    prompt: dict[str, object] = {"type": "user", "sessionId": "s", "parentUuid": None}
    prompt["message"] = {"role": "user", "content": "hi"}
    body = "\n".join(json.dumps(r) for r in (prompt, line)).encode()
    turns = ingest(Fetched(body)).turns
    assert turns[1].thinking == "think"
    assert turns[1].tool_calls[0].summary == "ls"


def test_session_document_shows_each_call_as_one_line() -> None:
    session = read_claude_code(_input("todowrite_examples.jsonl"))
    text = session_document(session).text
    assert text.count("→ TodoWrite: ") == 3
    assert "Todos have been modified successfully" not in text  # outputs stay in the turns


def test_detected_by_its_records_not_by_shape_alone() -> None:
    summaries = [{"type": "summary", "summary": f"s{n}", "leafUuid": f"u{n}"} for n in range(60)]
    lines = [json.dumps(r) for r in summaries]
    prompt = {"type": "user", "sessionId": "s", "parentUuid": None, "uuid": "u"}
    lines.append(json.dumps({**prompt, "message": {"role": "user", "content": "late prompt"}}))
    session = read_session(Fetched("\n".join(lines).encode()))
    assert session is not None and [t.text for t in session.turns] == ["late prompt"]
    assert session.title == "s0"
    # an OpenAI-style message log is no Claude Code session
    other = [{"type": "user", "message": {"role": "user", "content": "hi"}}] * 2
    assert read_session(Fetched("\n".join(json.dumps(r) for r in other).encode())) is None
