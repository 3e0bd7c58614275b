"""Coding-agent session fixtures (`tests/fixtures/sessions/<agent>/`) and the chat exports that
session readers must leave to the chat-export readers.

Only bytes here: the readers live inside `pipeline.ingest`, whose tests call them directly."""

from __future__ import annotations

import json
from pathlib import Path

from contextd.pipeline.ingest.sessions import Session, read_session
from contextd.pipeline.types import Fetched

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sessions"


def fixture_bytes(agent: str, name: str) -> bytes:
    return (FIXTURES / agent / name).read_bytes()


def fixture(agent: str, name: str) -> Fetched:
    """A fixture as a session reader gets it (`read_session(fixture(...))`)."""
    return Fetched(fixture_bytes(agent, name), filename=name)


def session_files(agent: str | None = None) -> list[Path]:
    """The fixture files (not their SOURCE.md) of one agent, or of every agent."""
    root = FIXTURES / agent if agent else FIXTURES
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in (".json", ".jsonl"))


def other_agents_files(agent: str) -> list[Path]:
    return [path for path in session_files() if path.parent.name != agent]


CHATGPT_EXPORT = [
    {
        "title": "Reversing lists",
        "create_time": 1_700_000_000.0,
        "current_node": "a1",
        "mapping": {
            "root": {"id": "root", "message": None, "parent": None, "children": ["u1"]},
            "u1": {
                "id": "u1",
                "parent": "root",
                "children": ["a1"],
                "message": {
                    "id": "u1",
                    "author": {"role": "user"},
                    "create_time": 1_700_000_001.0,
                    "content": {"content_type": "text", "parts": ["How do I reverse a list?"]},
                },
            },
            "a1": {
                "id": "a1",
                "parent": "u1",
                "children": [],
                "message": {
                    "id": "a1",
                    "author": {"role": "assistant"},
                    "create_time": 1_700_000_002.0,
                    "content": {"content_type": "text", "parts": ["Use `xs[::-1]`."]},
                },
            },
        },
    }
]
CLAUDE_EXPORT = [
    {
        "uuid": "c1",
        "name": "Naming",
        "chat_messages": [
            {"sender": "human", "text": "Name my function", "created_at": "2024-05-01T10:00:00Z"},
            {"sender": "assistant", "text": "`load_config`", "created_at": "2024-05-01T10:00:05Z"},
        ],
    }
]
# The generic message lists, including Gemini API contents with text parts only.
MESSAGES_EXPORT = {
    "title": "Plain chat",
    "messages": [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}],
}
GEMINI_CONTENTS = [
    {"role": "user", "parts": [{"text": "Hi"}]},
    {"role": "model", "parts": [{"text": "Hello"}]},
]
CHAT_EXPORTS = {
    "chatgpt": CHATGPT_EXPORT,
    "claude": CLAUDE_EXPORT,
    "messages": MESSAGES_EXPORT,
    "gemini-contents": GEMINI_CONTENTS,
}


def as_fetched(data: object) -> Fetched:
    return Fetched(json.dumps(data).encode(), content_type="application/json")


def as_jsonl(records: list[dict[str, object]]) -> Fetched:
    return Fetched("\n".join(json.dumps(record) for record in records).encode())


# Minimal inputs of the agents other helpers read (Claude Code JSONL, a Cline/Roo task history,
# a Copilot Chat export), which no reader of another agent may take.
OTHER_AGENT_SAMPLES: dict[str, Fetched] = {
    "claude-code": as_jsonl([
        {"type": "summary", "summary": "Fix the parser", "leafUuid": "u2"},
        {"parentUuid": None, "isSidechain": False, "type": "user", "sessionId": "s1",
         "uuid": "u1", "timestamp": "2025-09-01T10:00:00.000Z", "cwd": "/repo",
         "gitBranch": "main", "message": {"role": "user", "content": "fix it"}},
        {"parentUuid": "u1", "isSidechain": False, "type": "assistant", "sessionId": "s1",
         "uuid": "u2", "timestamp": "2025-09-01T10:00:05.000Z",
         "message": {"role": "assistant", "model": "claude-sonnet-4-5",
                     "content": [{"type": "text", "text": "Done."}]}},
    ]),
    "cline": as_fetched([
        {"role": "user", "content": [{"type": "text", "text": "<task>\nAdd a test\n</task>"}]},
        {"role": "assistant", "content": [{"type": "text", "text": "<write_to_file>\n"
                                           "<path>t.py</path>\n<content>x</content>\n"
                                           "</write_to_file>"}]},
    ]),
    "copilot-chat": as_fetched({
        "requesterUsername": "dev", "responderUsername": "GitHub Copilot",
        "requests": [{"message": {"text": "explain"}, "response": [{"value": "It sorts."}]}],
    }),
}  # fmt: skip


def read_fixture(agent: str, name: str) -> Session:
    """The session a reader finds in a fixture file; fails the test when none does."""
    session = read_session(fixture(agent, name))
    assert session is not None, f"no reader recognised {agent}/{name}"
    return session
