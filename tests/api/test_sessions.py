"""A coding-agent session posted as a CONTENT source (or uploaded as a FILE, for the agents that
keep sessions in SQLite) is read as a session, not as prose."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.support.agent_databases import fixture_database
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


def _record(n: int, kind: str, content: object, message_id: str | None = None) -> str:
    message: dict[str, object] = {"role": kind, "content": content}
    if message_id:
        message["id"] = message_id
    return json.dumps(
        {
            "type": kind,
            "message": message,
            "uuid": f"u{n}",
            "parentUuid": f"u{n - 1}" if n else None,
            "sessionId": "grow-1",
            "cwd": "/w",
            "timestamp": f"2026-03-01T09:{n:02d}:00Z",
        }
    )


def _tool(n: int, name: str, tool_input: dict[str, object]) -> list[str]:
    use = {"type": "tool_use", "id": f"tu{n}", "name": name, "input": tool_input}
    result = {"type": "tool_result", "tool_use_id": f"tu{n}", "content": "ok"}
    return [_record(n, "assistant", [use], f"m{n}"), _record(n + 1, "user", [result])]


def test_a_growing_session_is_fast_forwarded_with_its_files_versioned(client: Client) -> None:
    """A session file grows (sessions are append-only): the first lines, then the rest by
    fast-forward. The turns continue, and the file the agent wrote keeps one lineage whose
    versions follow the edits across both parts."""
    first = [
        _record(0, "user", "Write app.py with a greeting."),
        *_tool(1, "Write", {"file_path": "/w/app.py", "content": "print('hello')\n"}),
    ]
    rest = [
        _record(3, "user", "Now greet the world instead."),
        *_tool(4, "Edit", {"file_path": "/w/app.py", "old_string": "hello", "new_string": "hi"}),
        _record(6, "assistant", [{"type": "text", "text": "Done: app.py greets the world."}], "m6"),
    ]
    space = client.space()
    body = {"type": "CONTENT", "initial_data": {"data": "\n".join(first) + "\n"}}
    source = client.source(space["id"], body)
    done = client.wait(source["id"])
    assert done["status"] == "COMPLETED", done["message"]
    assert done["format"] == "claude-code"
    turns_before = done["stats"]["turns"]

    done = client.fast_forward(source["id"], "\n".join(rest) + "\n")
    assert done["stats"]["turns"] > turns_before
    indexes = [t["index"] for t in _all_turns(client, source["id"])]
    assert indexes == list(range(len(indexes)))  # numbering continues across the parts

    app = [a for a in done["artifacts"] if a["title"] == "app.py"]
    assert len(app) == 1, [a["title"] for a in done["artifacts"]]
    versions = client.get(f"/v1/artifacts/{app[0]['id']}/versions").json()["versions"]
    assert [v["version"] for v in versions] == [1, 2]
    latest = client.get(f"/v1/artifacts/{app[0]['id']}").json()
    assert latest["content"] == "print('hi')\n"  # the edit applied to the first part's file


def test_a_result_in_the_next_part_completes_the_call_made_in_the_part_before(
    client: Client,
) -> None:
    """A session saved while a command was running ends with the call and no result (an agent
    saving its own session through MCP does exactly that); the result opens the next part and
    completes the stored call instead of being lost."""
    use = {"type": "tool_use", "id": "tu1", "name": "Bash", "input": {"command": "pytest -q"}}
    failed = {
        "type": "tool_result",
        "tool_use_id": "tu1",
        "is_error": True,
        "content": "Exit code 2\nE   ModuleNotFoundError: No module named 'app'",
    }
    first = [_record(0, "user", "Run the tests."), _record(1, "assistant", [use], "m1")]
    rest = [
        _record(2, "user", [failed]),
        _record(3, "assistant", [{"type": "text", "text": "app.py is missing."}], "m3"),
    ]
    space = client.space()
    body = {"type": "CONTENT", "initial_data": {"data": "\n".join(first) + "\n"}}
    source = client.source(space["id"], body)
    assert client.wait(source["id"])["status"] == "COMPLETED"
    [before] = [c for t in _all_turns(client, source["id"]) for c in _calls(t)]
    assert before["status"] is None and before["actions"][0]["exitCode"] is None

    client.fast_forward(source["id"], "\n".join(rest) + "\n")
    turns = _all_turns(client, source["id"])
    [after] = [c for t in turns for c in _calls(t)]
    assert after["status"] == "error" and after["actions"][0]["exitCode"] == 2
    assert "No module named 'app'" in after["output"]
    assert turns[-1]["text"] == "app.py is missing."


def _calls(turn: dict[str, object]) -> list[dict[str, Any]]:
    calls = turn["toolCalls"]
    assert isinstance(calls, list)
    return calls


def _all_turns(client: Client, source_id: str) -> list[dict[str, object]]:
    found = client.get(f"/v1/sources/{source_id}/turns", params={"per_page": 100}).json()
    return list(found["turns"])


@pytest.mark.parametrize(
    ("agent", "fixture", "title"),
    [
        ("goose", "sessions.db.json", "Configurable retry delay"),
        ("crush", "crush.db.json", "Rename Fetch to Get"),
    ],
)
def test_an_agents_database_uploaded_as_a_file_is_read_as_its_session(
    client: Client, agent: str, fixture: str, title: str
) -> None:
    data = fixture_database(agent, fixture)
    kind = "application/vnd.sqlite3"
    presigned = client.post(
        "/v1/upload/s3", json={"filename": f"{agent}.db", "contentType": kind, "size": len(data)}
    ).json()
    put = client.put(presigned["uploadUrl"], content=data, headers={"Content-Type": kind})
    assert put.status_code == 200, put.text
    space = client.space()
    source = client.source(
        space["id"], {"type": "FILE", "initial_data": {"data": presigned["fileKey"]}}
    )
    done = client.wait(source["id"])
    assert done["status"] == "COMPLETED", done["message"]
    assert (done["format"], done["title"]) == (agent, title)
    turns = client.get(f"/v1/sources/{source['id']}/turns", params={"per_page": 1}).json()
    assert turns["turns"][0]["speaker"] == "User"
