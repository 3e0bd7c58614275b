"""The snapshot of a coding-agent session: hand-over sections, on the real session fixtures.

A session's turns carry tool calls; its snapshot says what the goal was, where the work stands,
which files changed, which commands failed and what fixed them, what is still to do. Every line
cites turns that exist, stays within the budget and carries no bookkeeping (ids, JSON, tokens).
"""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

import pytest

from contextd.pipeline.artifacts import extract_artifacts
from contextd.pipeline.ingest import ingest
from contextd.pipeline.snapshot import SESSION_SECTIONS, build_snapshot, update_snapshot
from contextd.pipeline.types import (
    Document,
    Fetched,
    FileEdit,
    FileWrite,
    Ingested,
    ShellCommand,
    SnapshotDraft,
    TodoItem,
    TodoList,
    ToolCall,
    Turn,
)
from tests.support.agent_sessions import FIXTURES, session_files
from tests.support.conversations import conversation, section
from tests.support.session_turns import MORE_TURNS, THINKING, TURNS

BULLET = re.compile(r"^- (?P<text>.+) \[(?P<refs>t\d+(?:, t\d+)*)\]$")
HEADING = re.compile(r"^## (.+)$")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.I)
JUNK = [
    UUID,
    re.compile(r'"(?:type|role|content|tool_use_id|parentUuid|sessionId|signature)"\s*:'),
    re.compile(r"\b(?:toolu_|msg_01|call_[A-Za-z0-9]{8})"),
    re.compile(r"[A-Za-z0-9+/=]{60,}"),  # a signature or an encoded blob
]
DOCUMENT_META = {"agent": "claude-code", "cwd": "/home/dev/calc"}


def read(path: Path) -> Ingested:
    return ingest(Fetched(path.read_bytes(), filename=path.name))


def snapshot(ingested: Ingested, budget: int | None = 2_000) -> SnapshotDraft:
    turns, document = ingested.turns, ingested.document
    artifacts = extract_artifacts(document, turns)
    return build_snapshot(turns, document, artifacts, budget_tokens=budget, max_embedded=0)


def sections(markdown: str) -> dict[str, list[str]]:
    """Bullets by section heading, in the snapshot's order."""
    found: dict[str, list[str]] = {}
    current = ""
    for line in markdown.splitlines():
        if match := HEADING.match(line):
            current = match.group(1)
            found[current] = []
        elif current and line.strip():
            found[current].append(line)
    return found


SESSIONS = [path for path in session_files() if any(t.tool_calls for t in read(path).turns)]


def test_the_fixtures_cover_several_agents() -> None:
    agents = {path.parent.name for path in SESSIONS}
    assert {"claude_code", "codex", "cline", "gemini", "opencode"} <= agents


@pytest.mark.parametrize("path", SESSIONS, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_a_session_snapshot_has_the_hand_over_sections_and_cites_real_turns(path: Path) -> None:
    ingested = read(path)
    draft = snapshot(ingested)
    indexes = {turn.index for turn in ingested.turns}
    found = sections(draft.markdown)

    assert draft.tokens_after <= draft.budget
    names = [name for name in found if name != "Artifacts"]
    assert names == [name for name in SESSION_SECTIONS if name in names]  # known, in order
    assert "Constraints and facts" not in found  # the conversation sections are not used
    for name in names:
        for line in found[name]:
            match = BULLET.match(line)
            assert match, line
            assert {int(ref[1:]) for ref in match.group("refs").split(", ")} <= indexes, line
    for pattern in JUNK:
        assert not pattern.search(draft.markdown), (pattern.pattern, draft.markdown)
    for turn in ingested.turns:
        if turn.thinking.strip() and len(turn.thinking) > 20:
            assert turn.thinking.strip()[:40] not in draft.markdown


@pytest.mark.parametrize("path", SESSIONS, ids=lambda p: str(p.relative_to(FIXTURES)))
def test_the_goal_is_the_first_prompt(path: Path) -> None:
    ingested = read(path)
    first = next((t for t in ingested.turns if t.role == "user" and t.text.strip()), None)
    if first is None:  # a subagent's transcript: its prompt is the parent's tool call
        assert "## Goal" not in snapshot(ingested).markdown
        return
    goal = sections(snapshot(ingested).markdown).get("Goal", [])
    if snapshot(ingested).budget > 60:  # a source too small for any line has none
        assert goal, snapshot(ingested).markdown
        assert " ".join(first.text.split())[:40] in goal[0]


def test_a_failed_command_is_reported_with_what_then_passed() -> None:
    draft = snapshot(read(FIXTURES / "claude_code" / "agent_session.jsonl"))
    commands = section(draft.markdown, "## Commands")
    assert re.search(
        r"- `pytest -q` failed \(ImportError while importing test module [^)]*\); "
        r"passed as `python -m pytest -q` \[t4, t6\]",
        commands,
    ), draft.markdown
    state = section(draft.markdown, "## Current state")
    assert "Last command: `python -m pytest -q` passed (1 passed in 0.01s) [t6]" in state


def test_a_fix_between_the_failure_and_the_pass_is_named() -> None:
    draft = snapshot(read(FIXTURES / "opencode" / "session-export.json"))
    assert re.search(
        r"- `npx vitest run` failed \(ReferenceError: get is not defined\); "
        r"passed after editing test/health\.test\.ts \[t1, t3\]",
        section(draft.markdown, "## Commands"),
    ), draft.markdown


def test_a_failure_never_fixed_says_so() -> None:
    draft = snapshot(read(FIXTURES / "cline" / "api_conversation_history.json"))
    assert re.search(
        r"`python -m pytest -q` failed \(ModuleNotFoundError: No module named 'app'\); "
        r"not passed since \[t4\]",
        draft.markdown,
    ), draft.markdown


def test_the_open_todo_items_of_the_last_list_are_listed() -> None:
    draft = snapshot(read(FIXTURES / "claude_code" / "todowrite_examples.jsonl"))
    todos = section(draft.markdown, "## Open todo items")
    assert "- in progress: Add comprehensive tests [t7]" in todos
    assert "- Conduct security review and penetration testing [t7]" in todos
    assert "Implement core functionality" not in todos  # completed in the last list


def test_files_are_listed_by_path_relative_to_the_session() -> None:
    draft = snapshot(read(FIXTURES / "claude_code" / "agent_session.jsonl"))
    files = section(draft.markdown, "## Files touched")
    assert "- `test_calc.py`: created [t3]" in files
    assert "/home/dev" not in files


def test_a_redirection_by_the_user_joins_the_goal() -> None:
    draft = snapshot(read(FIXTURES / "cline" / "api_conversation_history.json"))
    goal = section(draft.markdown, "## Goal")
    assert goal.index("Add a /health endpoint") < goal.index("Add a conftest.py instead")


def test_a_tiny_budget_keeps_the_goal_first() -> None:
    ingested = read(FIXTURES / "claude_code" / "agent_session.jsonl")
    draft = snapshot(ingested, budget=45)
    assert draft.tokens_after <= 45
    assert list(sections(draft.markdown)) == ["Goal"]
    assert "Add a divide function to calc.py" in draft.markdown


# --- a session built here, to see every section and the fast-forward -----------------------


def call(name: str, *actions: object, status: str = "ok", output: str = "") -> ToolCall:
    return ToolCall(name=name, summary=name, status=status, output=output, actions=actions)  # type: ignore[arg-type]


RUN_TESTS = TodoItem("Run tests", "pending")
READING = " ".join(f"Line {i} of stats.py holds an older helper." for i in range(80))
"""Enough said in the session for its budget to hold every section."""
SESSION = (
    Turn(0, "User", "user", "Add a median() to stats.py and make the tests pass."),
    Turn(
        1,
        "Claude",
        "assistant",
        "I'll write the function. " + READING,
        tool_calls=(
            call("Write", FileWrite("/home/dev/calc/stats.py", "def mean(xs):\n    pass\n")),
            call(
                "TodoWrite",
                TodoList(
                    (TodoItem("Write median", "in_progress"), TodoItem("Run tests", "pending"))
                ),
            ),
        ),
        thinking="A secret musing about zanzibarite that must never show.",
    ),
    Turn(
        2,
        "Claude",
        "assistant",
        "",
        tool_calls=(
            call(
                "Bash",
                ShellCommand("pytest -q", exit_code=1),
                status="error",
                output="Exit code 1\nE   NameError: name 'median' is not defined\n1 failed",
            ),
        ),
    ),
    Turn(3, "User", "user", "Use statistics.median instead of writing it by hand."),
    Turn(
        4,
        "Claude",
        "assistant",
        "We decided to rely on the standard library for the median.",
        tool_calls=(
            call(
                "Edit",
                FileEdit("/home/dev/calc/stats.py", "    pass\n", "    return median(xs)\n"),
            ),
            call("Bash", ShellCommand("pytest -q", exit_code=0), output="3 passed in 0.02s"),
            call(
                "TodoWrite",
                TodoList((TodoItem("Write median", "completed"), RUN_TESTS)),
            ),
        ),
    ),
    Turn(5, "Claude", "assistant", "The median now comes from the statistics module."),
)
DOCUMENT = Document(text="", format="claude-code", title="stats median", meta=DOCUMENT_META)


def test_every_section_of_a_built_session() -> None:
    draft = build_snapshot(SESSION, DOCUMENT, [], budget_tokens=1_000, max_embedded=0)
    found = sections(draft.markdown)
    assert list(found) == [
        "Goal",
        "Current state",
        "Files touched",
        "Commands",
        "Decisions and constraints",
        "Open todo items",
    ]
    assert found["Goal"] == [
        "- Add a median() to stats.py and make the tests pass. [t0]",
        "- Use statistics.median instead of writing it by hand. [t3]",
    ]
    assert "- The median now comes from the statistics module. [t5]" in found["Current state"]
    assert found["Files touched"] == [
        "- `stats.py`: created, edited once (last: `return median(xs)`) [t1, t4]"
    ]
    assert found["Commands"] == [
        "- `pytest -q` failed (NameError: name 'median' is not defined); "
        "passed after editing stats.py [t2, t4]"
    ]
    assert found["Open todo items"] == ["- Run tests [t4]"]
    assert "zanzibarite" not in draft.markdown
    assert draft.turn_indexes == (0, 1, 2, 3, 4, 5)


def test_a_growing_session_is_fast_forwarded() -> None:
    first = build_snapshot(SESSION[:3], DOCUMENT, [], budget_tokens=1_000, max_embedded=0)
    assert "- in progress: Write median [t1]" in first.markdown
    merged = update_snapshot(first, SESSION[3:], DOCUMENT, [], budget_tokens=1_000, max_embedded=0)
    full = build_snapshot(SESSION, DOCUMENT, [], budget_tokens=1_000, max_embedded=0)
    found = sections(merged.markdown)

    assert abs(merged.tokens_before - full.tokens_before) <= 1
    assert merged.tokens_after <= merged.budget
    assert found["Goal"][0] == "- Add a median() to stats.py and make the tests pass. [t0]"
    assert "- Use statistics.median instead of writing it by hand. [t3]" in found["Goal"]
    assert found["Files touched"] == [
        "- `stats.py`: created, edited once (last: `return median(xs)`) [t1, t4]"
    ]
    assert found["Open todo items"] == ["- Run tests [t4]"]  # the new list replaced the old
    assert "- The median now comes from the statistics module. [t5]" in found["Current state"]
    assert "not passed since [t2]" in first.markdown
    assert found["Commands"] == [  # the old failure, passed in the new turns
        "- `pytest -q` failed (NameError: name 'median' is not defined); "
        "passed after editing stats.py [t2, t4]"
    ]
    # The hand-over sections equal a rebuild's; the sentences that fill the rest of the budget
    # come from the new turns only (the old ones are the previous snapshot's lines).
    rebuilt = sections(full.markdown)
    for name in ("Goal", "Files touched", "Commands", "Open todo items"):
        assert found[name] == rebuilt[name], name
    assert "Last command: `pytest -q` passed (3 passed in 0.02s) [t4]" in merged.markdown


def test_the_support_session_grows_within_its_small_budget() -> None:
    first = build_snapshot(TURNS, DOCUMENT, [], budget_tokens=1_000, max_embedded=0)
    more = tuple(replace(t, index=len(TURNS) + i) for i, t in enumerate(MORE_TURNS))
    merged = update_snapshot(first, more, DOCUMENT, [], budget_tokens=1_000, max_embedded=0)
    assert merged.tokens_after <= merged.budget < 1_000  # the conversation is the ceiling
    goal = "- Write a CSV parser for csvtool and make the tests pass. [t0]"
    assert section(merged.markdown, "## Goal").strip().splitlines() == [goal]
    assert "- Quoted fields are handled now. [t3]" in merged.markdown
    assert THINKING not in merged.markdown and THINKING not in first.markdown


def test_a_conversation_without_tool_calls_keeps_the_conversation_sections() -> None:
    turns = conversation(40)
    document = Document(text="", format="chatgpt", title="Task tracker API")
    draft = build_snapshot(turns, document, [], max_embedded=0)
    found = sections(draft.markdown)
    assert not set(found) & {"Files touched", "Commands", "Open todo items"}
    assert set(found) & {"Decisions", "Constraints and facts"}
