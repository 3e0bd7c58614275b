"""A coding-agent session's turns end to end, on both backends: tool calls and thinking stored
with the turns, served by the turns endpoint (thinking only when asked) and the SDK, kept by a
fast-forward; the session's metadata on the source; search finding a turn by the command it
ran, not by its thinking; the snapshot's budget from the conversation, not the file.

The session comes from `tests.support.session_turns` (built from the pipeline types and fed to
the real job in place of a reader), so these tests hold whatever reader produces the turns.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from contextd.client import Client as SdkClient
from contextd.pipeline.ingest import read_session
from contextd.pipeline.snapshot import source_tokens
from contextd.pipeline.tokens import count_tokens
from contextd.pipeline.types import Document, Fetched
from tests.support import session_turns
from tests.support.errors import assert_error
from tests.support.search import search
from tests.support.service import Client
from tests.support.session_turns import CODE, MARKER, MORE, THINKING, TURNS

# The "file": the conversation's few hundred tokens inside a JSON envelope 400 times larger.
ENVELOPE = '{"uuid": "5d0f6a1e-8f4b-4c51-9a63-2f0c8e6b1d27", "usage": {"input_tokens": 1}}\n'
RAW = MARKER + "\n" + ENVELOPE * 4_000


@pytest.fixture
def session(
    client: Client, monkeypatch: pytest.MonkeyPatch
) -> tuple[dict[str, Any], dict[str, Any]]:
    session_turns.install(monkeypatch)
    space = client.space()
    source = client.source(space["id"], {"type": "CONTENT", "initial_data": {"data": RAW}})
    done = client.wait(source["id"])
    assert done["status"] == "COMPLETED", done["message"]
    return space, done


def _turns(client: Client, source_id: str, **params: str) -> list[dict[str, Any]]:
    response = client.get(f"/v1/sources/{source_id}/turns", params=params)
    assert response.status_code == 200, response.text
    return list(response.json()["turns"])


def test_turns_show_tool_calls_compactly_and_thinking_only_when_asked(
    client: Client, session: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    _, source = session
    response = client.get(f"/v1/sources/{source['id']}/turns")
    assert CODE not in response.text  # file contents are artifacts, not part of the turn
    assert THINKING not in response.text
    prompt, wrote, ran = response.json()["turns"]
    assert prompt["toolCalls"] == [] and prompt["thinking"] is None
    assert wrote["thinking"] is None
    write, todo = wrote["toolCalls"]
    assert write["name"] == "Write" and write["summary"] == "csvtool/parse.py"
    assert (write["status"], write["id"], write["outputCut"]) == ("ok", "toolu_01", 0)
    assert write["actions"] == [
        {
            "type": "file_write",
            "path": "csvtool/parse.py",
            "chars": len(CODE),
            "lines": 2,
            "oldChars": None,
            "newChars": None,
            "replaceAll": None,
            "operation": None,
            "command": None,
            "exitCode": None,
            "items": None,
        }
    ]
    assert todo["actions"][0]["items"] == [
        {"text": "Write the parser", "status": "completed"},
        {"text": "Handle quoted fields", "status": "pending"},
    ]
    [bash] = ran["toolCalls"]
    stored = TURNS[2].tool_calls[0]
    assert bash["status"] == "error"
    assert bash["output"].startswith("E   AssertionError: quoted comma split")
    assert len(bash["output"]) == 2_000  # bounded; what is cut is counted
    assert bash["outputCut"] == stored.output_cut + len(stored.output) - 2_000
    assert bash["actions"][0]["command"] == "pytest -q tests/test_parse.py"
    assert bash["actions"][0]["exitCode"] == 1

    shown = _turns(client, source["id"], thinking="true")
    assert [t["thinking"] for t in shown] == ["", THINKING, ""]
    assert _turns(client, source["id"], thinking="false")[1]["thinking"] is None
    assert_error(client.get(f"/v1/sources/{source['id']}/turns", params={"thinking": "1"}), 400)


def test_the_source_shows_the_sessions_metadata(
    client: Client, session: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    _, source = session
    assert source["format"] == "claude-code"
    assert source["session"] == {
        "agent": "claude-code",
        "sessionId": "0b6c7c1e-0000-4000-8000-000000000001",
        "model": "claude-sonnet-4-5",
        "cwd": "/home/dev/csvtool",
        "gitBranch": "main",
        "startedAt": "2026-11-30T09:00:00+00:00",
        "endedAt": "2026-11-30T09:05:00+00:00",
        "skippedLines": 1,
        "other": {},
    }
    plain = client.source(
        source["spaceId"], {"type": "CONTENT", "initial_data": {"data": "User: hi\n\nBot: hello"}}
    )
    assert client.wait(plain["id"])["session"] is None


def test_search_finds_a_turn_by_its_command_and_not_by_its_thinking(
    client: Client, session: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    space, source = session
    # The command is also a COMMAND artifact (which may rank first); among the turns, the one
    # that ran it comes first.
    turns = {"kinds": ["turn"]}
    found = search(client, space["id"], "pytest", mode="lexical", filters=turns)["results"]
    assert [(r["sourceId"], r["kind"]) for r in found][:1] == [(source["id"], "turn")]
    assert found[0]["turnStart"] <= 2 <= found[0]["turnEnd"]
    # a short excerpt of the output is searchable, the thinking is not
    assert search(client, space["id"], "quoted comma split", mode="lexical")["results"]
    assert search(client, space["id"], "zanzibarite", mode="lexical")["results"] == []


def test_the_budget_comes_from_the_conversation_not_the_file(
    client: Client, session: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    _, source = session
    conversation = source_tokens(TURNS, Document(text=RAW, format="claude-code"))
    assert conversation * 100 < count_tokens(RAW)
    assert source["stats"]["tokens"] == conversation
    snapshot = client.get(f"/v1/sources/{source['id']}/snapshot").json()
    assert snapshot["tokens_before"] == conversation
    assert snapshot["budget"] <= conversation
    assert THINKING not in snapshot["content"] and "uuid" not in snapshot["content"]


def test_a_fast_forward_keeps_the_tool_calls_and_merges_the_metadata(
    client: Client, session: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    _, source = session
    merged = client.fast_forward(source["id"], MORE)
    turns = _turns(client, source["id"], thinking="true")
    assert [len(t["toolCalls"]) for t in turns] == [0, 2, 1, 1]
    assert turns[1]["thinking"] == THINKING
    [edit] = turns[3]["toolCalls"]
    assert edit["actions"][0]["type"] == "file_edit"
    assert (edit["actions"][0]["oldChars"], edit["actions"][0]["path"]) == (
        len("line.split(',')"),
        "csvtool/parse.py",
    )
    assert merged["session"]["startedAt"] == "2026-11-30T09:00:00+00:00"
    assert merged["session"]["endedAt"] == "2026-11-30T09:09:00+00:00"
    assert merged["session"]["skippedLines"] == 3


def test_the_sdk_reads_tool_calls_and_asks_for_thinking(
    client: Client, session: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    _, source = session
    with SdkClient(str(client.base_url), client.key) as sdk:
        turns = list(sdk.sources.turns(source["id"]))
        with_thinking = list(sdk.sources.turns(source["id"], thinking=True))
        read = sdk.sources.get(source["id"])
    assert turns[2].tool_calls[0].actions[0].exit_code == 1
    assert turns[1].tool_calls[0].actions[0].chars == len(CODE)
    assert turns[1].thinking is None and with_thinking[1].thinking == THINKING
    assert read.session is not None and read.session.git_branch == "main"


def _claude_code_jsonl() -> str:
    """A short Claude Code session in its JSONL shape (user prompt, assistant text and a Bash
    `tool_use` with its thinking, the `tool_result`), padded with bookkeeping records (file
    history snapshots) as real files are, so the file is far larger than its conversation."""
    base = {
        "isSidechain": False,
        "userType": "external",
        "cwd": "/home/dev/csvtool",
        "sessionId": "0b6c7c1e-0000-4000-8000-000000000002",
        "version": "1.0.51",
        "gitBranch": "main",
    }
    records: list[dict[str, Any]] = [
        {
            **base,
            "parentUuid": None,
            "type": "user",
            "message": {"role": "user", "content": "Run the csvtool tests and tell me what fails."},
            "uuid": "00000000-0000-4000-8000-000000000001",
            "timestamp": "2026-11-30T09:00:00.000Z",
        },
        {
            **base,
            "parentUuid": "00000000-0000-4000-8000-000000000001",
            "type": "assistant",
            "message": {
                "id": "msg_01",
                "type": "message",
                "role": "assistant",
                "model": "claude-sonnet-4-5",
                "content": [
                    {"type": "thinking", "thinking": THINKING, "signature": "c2lnbmF0dXJl"},
                    {"type": "text", "text": "Running the test suite."},
                    {
                        "type": "tool_use",
                        "id": "toolu_01",
                        "name": "Bash",
                        "input": {"command": "pytest -q", "description": "Run the tests"},
                    },
                ],
                "stop_reason": "tool_use",
                "usage": {"input_tokens": 12, "output_tokens": 40},
            },
            "uuid": "00000000-0000-4000-8000-000000000002",
            "timestamp": "2026-11-30T09:00:05.000Z",
        },
        {
            **base,
            "parentUuid": "00000000-0000-4000-8000-000000000002",
            "type": "user",
            "message": {
                "role": "user",
                "content": [
                    {
                        "type": "tool_result",
                        "tool_use_id": "toolu_01",
                        "content": "FAILED tests/test_parse.py::test_quoted - AssertionError",
                        "is_error": True,
                    }
                ],
            },
            "uuid": "00000000-0000-4000-8000-000000000003",
            "timestamp": "2026-11-30T09:00:09.000Z",
        },
    ]
    snapshot = {
        "type": "file-history-snapshot",
        "messageId": "00000000-0000-4000-8000-000000000001",
        "snapshot": {"trackedFileBackups": {f"f{i}.py": "x = 1\n" * 20 for i in range(50)}},
        "isSnapshotUpdate": False,
    }
    return "".join(json.dumps(r) + "\n" for r in [snapshot] * 20 + records)


def test_a_real_claude_code_file_gives_tool_calls_metadata_and_a_conversation_budget(
    client: Client,
) -> None:
    """End to end through the session reader, once one reads Claude Code (issue 12)."""
    raw = _claude_code_jsonl()
    if read_session(Fetched(content=raw.encode())) is None:
        pytest.skip("no session reader reads Claude Code JSONL yet (issue 12's reader helper)")
    space = client.space()
    source = client.source(space["id"], {"type": "CONTENT", "initial_data": {"data": raw}})
    done = client.wait(source["id"])
    assert done["status"] == "COMPLETED", done["message"]
    assert done["session"] is not None and done["session"]["gitBranch"] == "main"
    turns = _turns(client, done["id"])
    calls = [call for turn in turns for call in turn["toolCalls"]]
    assert any(c["name"] == "Bash" and "pytest" in c["summary"] for c in calls), calls
    assert all(t["thinking"] is None for t in turns)
    assert THINKING in [t["thinking"] for t in _turns(client, done["id"], thinking="true")]
    assert done["stats"]["tokens"] * 20 < count_tokens(raw)
    assert search(client, space["id"], "zanzibarite", mode="lexical")["results"] == []
    found = search(client, space["id"], "pytest", mode="lexical", filters={"kinds": ["turn"]})
    assert found["results"] and found["results"][0]["kind"] == "turn"
