"""A coding-agent session posted as a CONTENT source is read as a session, not as prose."""

from __future__ import annotations

import json
from pathlib import Path

from tests.support.service import Client

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sessions" / "claude_code"


def test_a_claude_code_session_completes_with_its_turns(client: Client) -> None:
    space = client.space()
    body = (FIXTURES / "agent_session.jsonl").read_text(encoding="utf-8")
    source = client.source(space["id"], {"type": "CONTENT", "initial_data": {"data": body}})
    done = client.wait(source["id"])
    assert done["status"] == "COMPLETED", done["message"]
    assert done["format"] == "claude-code"
    assert done["title"] == "Calculator: add divide with zero check"
    assert done["stats"]["turns"] == 10  # prompts, answers and the compaction summary

    turns = client.get(f"/v1/sources/{source['id']}/turns", params={"per_page": 3}).json()
    assert [t["speaker"] for t in turns["turns"]] == ["User", "Claude", "Claude"]
    assert turns["turns"][0]["text"].startswith("Add a divide function to calc.py")
    assert "parentUuid" not in json.dumps(turns)


def test_unknown_jsonl_is_read_as_records(client: Client) -> None:
    space = client.space()
    lines = [json.dumps({"event": "deploy", "n": n}) for n in range(3)] + ["{broken"]
    body = "\n".join(lines)
    source = client.source(space["id"], {"type": "CONTENT", "initial_data": {"data": body}})
    done = client.wait(source["id"])
    assert done["status"] == "COMPLETED", done["message"]
    assert done["format"] == "jsonl"
    assert done["stats"]["turns"] == 0
