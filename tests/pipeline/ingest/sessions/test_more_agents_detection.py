"""Pi, Qwen Code, Continue, Goose, Crush and OpenHands: each reader claims its own sessions and
none of another agent's, nor the chat exports and transcripts other readers own."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from contextd.pipeline.ingest.sessions import (
    READERS,
    SessionInput,
    _continue,
    _crush,
    _goose,
    _openhands,
    _pi,
    _qwen,
    read_session,
)
from contextd.pipeline.types import Fetched
from tests.support.agent_databases import fixture_database
from tests.support.agent_sessions import (
    CHAT_EXPORTS,
    OTHER_AGENT_SAMPLES,
    as_fetched,
    fixture_bytes,
    session_files,
)
from tests.support.session_inputs import MARKDOWN_NOTES, PLAIN_TRANSCRIPT, cursor_database

READERS_ADDED = (_pi, _qwen, _continue, _goose, _crush, _openhands)
NEW = {module.READER.name: module.READER for module in READERS_ADDED}
FOLDER = {"qwen-code": "qwen"}  # the fixture folder of an agent, when not its reader's name

QWEN_CHAT = "4f6c1d2e-8a3b-4c5d-9e0f-1a2b3c4d5e6f.jsonl"
CONTINUE_SESSION = "b8c1f2d4-3e5a-4b6c-8d7e-9f0a1b2c3d4e.json"
OWN: dict[str, tuple[str, Callable[[], bytes]]] = {
    "pi-real": ("pi", lambda: fixture_bytes("pi", "large-session.head.jsonl")),
    "pi-tree": ("pi", lambda: fixture_bytes("pi", "tree-v3.jsonl")),
    "qwen": ("qwen-code", lambda: fixture_bytes("qwen", QWEN_CHAT)),
    "continue": ("continue", lambda: fixture_bytes("continue", CONTINUE_SESSION)),
    "goose-jsonl": ("goose", lambda: fixture_bytes("goose", "20251031_1.jsonl")),
    "goose-db": ("goose", lambda: fixture_database("goose", "sessions.db.json")),
    "crush-db": ("crush", lambda: fixture_database("crush", "crush.db.json")),
    "openhands": ("openhands", lambda: fixture_bytes("openhands", "basic_gui_mode.json")),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(OWN))
def test_each_input_is_claimed_by_exactly_its_reader(name: str) -> None:
    owner, content = OWN[name]
    candidate = SessionInput(Fetched(content()))
    assert [r for r, reader in NEW.items() if reader.detect(candidate)] == [owner]
    session = read_session(Fetched(content()))
    assert session is not None and session.format == owner


def test_qwen_code_is_tried_before_claude_code() -> None:
    """Qwen Code's records chain by `parentUuid` under a `sessionId`, as Claude Code's do."""
    names = [reader.name for reader in READERS]
    assert names.index("qwen-code") < names.index("claude-code")


def others(agent: str) -> list[Path]:
    return [path for path in session_files() if path.parent.name != FOLDER.get(agent, agent)]


@pytest.mark.parametrize("agent", sorted(NEW))
def test_refuses_other_agents_sessions(agent: str) -> None:
    reader = NEW[agent]
    claimed = [
        p.name for p in others(agent) if reader.detect(SessionInput(Fetched(p.read_bytes())))
    ]
    assert claimed == []
    assert not reader.detect(SessionInput(Fetched(cursor_database())))


@pytest.mark.parametrize("agent", sorted(NEW))
def test_refuses_chat_exports_samples_and_text(agent: str) -> None:
    reader = NEW[agent]
    inputs = [as_fetched(data) for data in CHAT_EXPORTS.values()]
    inputs += list(OTHER_AGENT_SAMPLES.values())
    inputs += [Fetched(PLAIN_TRANSCRIPT), Fetched(MARKDOWN_NOTES)]
    assert [i for i, fetched in enumerate(inputs) if reader.detect(SessionInput(fetched))] == []


def test_the_databases_are_told_apart() -> None:
    goose = SessionInput(Fetched(fixture_database("goose", "sessions.db.json")))
    crush = SessionInput(Fetched(fixture_database("crush", "crush.db.json")))
    assert [r.name for r in READERS if r.detect(goose)] == ["goose"]
    assert [r.name for r in READERS if r.detect(crush)] == ["crush"]
