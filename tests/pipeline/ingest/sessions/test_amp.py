"""Amp: a thread's JSON (Anthropic-style blocks, results in `tool_result` runs)."""

from __future__ import annotations

from pathlib import Path

import pytest

from contextd.pipeline.ingest.conversations import detect_export
from contextd.pipeline.ingest.sessions import READERS, SessionInput, read_session
from contextd.pipeline.types import (
    Fetched,
    FileEdit,
    FileWrite,
    ShellCommand,
    TodoItem,
    TodoList,
)
from tests.support.agent_sessions import (
    CHAT_EXPORTS,
    OTHER_AGENT_SAMPLES,
    as_fetched,
    other_agents_files,
    read_fixture,
)

THREAD = "T-7f3c2b1a-9d8e-4f60-a5b4-c3d2e1f0a9b8.json"
AMP = next(reader for reader in READERS if reader.name == "amp")


def test_turns() -> None:
    session = read_fixture("amp", THREAD)
    assert session.format == "amp"
    assert session.title == "Rename config loader"
    roles = [t.role for t in session.turns]
    assert roles == ["user", "assistant", "assistant", "assistant", "system", "assistant",
                     "user", "assistant"]  # fmt: skip
    # tool results are not user turns; the user's words beside a result are
    assert [t.text for t in session.turns if t.role == "user"] == [
        "Rename loadCfg to loadConfig everywhere and make sure the build passes",
        "Don't push, just fix server.ts",
    ]
    assert session.turns[1].thinking == "Find the usages first."
    assert "EqQB" not in "".join(t.thinking + t.text for t in session.turns)  # no signature
    assert session.turns[4].text.startswith("Renamed loadCfg in config.ts")  # the summary


def test_meta() -> None:
    meta = read_fixture("amp", THREAD).meta
    assert meta["agent"] == "amp"
    assert meta["session_id"] == "T-7f3c2b1a-9d8e-4f60-a5b4-c3d2e1f0a9b8"
    assert meta["cwd"] == "/home/dev/webshop"
    assert meta["git_branch"] == "rename-config"
    assert meta["model"] == "claude-sonnet-4-5-20250929"
    assert meta["started_at"] == "2025-11-05T10:00:00Z"
    assert meta["ended_at"] == "2025-11-05T10:00:30Z"
    assert meta["skipped_lines"] == 1


def test_tools_become_actions() -> None:
    turns = read_fixture("amp", THREAD).turns
    (grep,) = turns[1].tool_calls
    assert (grep.name, grep.summary, grep.status) == ("Grep", "src", "ok")
    assert grep.output.startswith("src/config.ts:3:")
    edit, edit_all, create, todo = turns[2].tool_calls
    assert edit.actions == (
        FileEdit("/home/dev/webshop/src/config.ts", "export function loadCfg() {",
                 "export function loadConfig() {"),
    )  # fmt: skip
    assert edit.output.startswith("```diff")
    assert edit_all.actions == (
        FileEdit("/home/dev/webshop/src/main.ts", "loadCfg", "loadConfig", replace_all=True),
    )
    assert create.actions == (
        FileWrite(
            "/home/dev/webshop/docs/config.md",
            "# Configuration\n\nCall `loadConfig()` once at start-up.\n",
        ),
    )
    assert todo.actions == (
        TodoList((TodoItem("Rename loadCfg", "completed"),
                  TodoItem("Run the build", "in_progress"))),
    )  # fmt: skip
    (build,) = turns[3].tool_calls
    assert build.actions == (ShellCommand("npm run build", 2),)
    assert build.status == "error" and "TS2305" in build.output
    (push,) = turns[5].tool_calls
    assert push.status == "error" and push.output == "rejected-by-user"
    assert push.actions == (ShellCommand("git push --force"),)


def test_a_plain_titled_chat_is_not_an_amp_thread() -> None:
    data = {
        "title": "t",
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hi"}]}],
    }
    assert not AMP.detect(SessionInput(as_fetched(data)))
    assert read_session(as_fetched(data)) is None


@pytest.mark.parametrize("path", other_agents_files("amp"), ids=lambda p: p.parent.name)
def test_refuses_other_agents_sessions(path: Path) -> None:
    assert not AMP.detect(SessionInput(Fetched(path.read_bytes())))


@pytest.mark.parametrize("name", sorted(CHAT_EXPORTS))
def test_leaves_chat_exports_to_their_readers(name: str) -> None:
    data = CHAT_EXPORTS[name]
    assert not AMP.detect(SessionInput(as_fetched(data)))
    assert read_session(as_fetched(data)) is None
    assert detect_export(data) is not None


@pytest.mark.parametrize("name", sorted(OTHER_AGENT_SAMPLES))
def test_refuses_other_agents_samples(name: str) -> None:
    assert not AMP.detect(SessionInput(OTHER_AGENT_SAMPLES[name]))
