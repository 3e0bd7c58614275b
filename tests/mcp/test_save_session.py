"""The MCP `save_session` tool through the MCP SDK's in-memory client against the real server:
an agent saves its own Claude Code session (found from the working directory), saves it again
with nothing new, then after more lines (a fast-forward of only those); inline content too."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from mcp.client.client import Client as McpClient
from mcp.types import CallToolResult, TextContent

from contextd.client import AsyncClient
from contextd.client.agent_sessions import META_KEY
from contextd.mcp import build_server
from tests.support.service import Client as HttpClient
from tests.support.service import Service
from tests.support.session_trees import claude_session, codex_rollout

CWD = "/home/dev/src/game"


def text_of(result: CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))


def ok(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, text_of(result)
    assert result.structured_content is not None
    return dict(result.structured_content)


def test_save_session_creates_then_fast_forwards(
    service: Service, client: HttpClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    home = tmp_path / "claude"
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(home))
    path = claude_session(home / "projects", CWD, "sess-1", ["Port the game loop to asyncio", "Ok"])

    async def scenario() -> None:
        async with (
            AsyncClient(service.url, client.key) as api,
            McpClient(build_server(api)) as mcp,
        ):
            tools = {tool.name: tool for tool in (await mcp.list_tools()).tools}
            assert not tools["save_session"].annotations.read_only_hint  # type: ignore[union-attr]

            first = ok(await mcp.call_tool("save_session", {"cwd": CWD}))
            assert (first["action"], first["session_id"], first["path"]) == (
                "new",
                "sess-1",
                str(path),
            )
            source_id = first["source"]["id"]
            spaces = {s["name"]: s["id"] for s in client.get("/v1/spaces").json()["spaces"]}
            assert first["space_id"] == spaces[CWD]  # the project's space, created
            assert first["source"]["name"] == "Port the game loop to asyncio (2026-03-01)"
            client.wait(source_id)

            again = ok(await mcp.call_tool("save_session", {"cwd": CWD}))
            assert (again["action"], again["sent_bytes"]) == ("unchanged", 0)
            assert again["source"]["id"] == source_id

            claude_session(
                home / "projects", CWD, "sess-1", ["Now add a pause key", "Added"], first=2
            )
            grown = ok(await mcp.call_tool("save_session", {"path": str(path)}))
            assert grown["action"] == "append" and grown["source"]["id"] == source_id
            new_part = "".join(path.read_text().splitlines(keepends=True)[2:]).encode()
            assert grown["sent_bytes"] == len(new_part)
            done = client.wait(source_id)
            record = done["instructions"][META_KEY]
            assert record["files"]["main"]["bytes"] == path.stat().st_size

            missing = await mcp.call_tool("save_session", {"cwd": "/nowhere/at/all"})
            assert missing.is_error and "pass the session file's path" in text_of(missing)

            # Inline content: a Codex rollout given as text, into a named space.
            rollout = codex_rollout(tmp_path / "codex", "cx-9", "/srv/api", "Paginate the API")
            body = rollout.read_text()
            saved = ok(
                await mcp.call_tool(
                    "save_session",
                    {"content": body, "agent": "codex", "space": spaces[CWD]},
                )
            )
            assert (saved["action"], saved["session_id"], saved["path"]) == ("new", "cx-9", None)
            stored = client.get(f"/v1/sources/{saved['source']['id']}").json()
            assert stored["instructions"][META_KEY]["conversation"] == "cx-9"
            assert json.loads(body.splitlines()[0])["payload"]["id"] == "cx-9"
            client.wait(saved["source"]["id"])

    asyncio.run(scenario())
