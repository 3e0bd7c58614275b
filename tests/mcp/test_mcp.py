"""The MCP server (`contextd mcp`) driven by the MCP SDK's own client against the real contextd
server: in process for every tool, then as a subprocess over stdio and over streamable HTTP."""

from __future__ import annotations

import asyncio
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import httpx2
import pytest
from mcp.client.client import Client as McpClient
from mcp.client.stdio import StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.types import CallToolResult, TextContent
from typer.testing import CliRunner

from contextd.cli.main import app
from contextd.client import AsyncClient
from contextd.domain.enums import ArtifactType, ChunkKind, SearchMode, SourceStatus
from contextd.mcp import build_server
from contextd.testing import ChildProcess, contextd_argv, free_port
from tests.support.service import Client as HttpClient
from tests.support.service import Service

CHAT = (
    "User: How do I parse the release date in the deploy script?\n\n"
    "Assistant: Use `datetime.fromisoformat` on the tag's date:\n\n"
    "```python\nfrom datetime import datetime\n\n\n"
    "def release_date(tag: str) -> datetime:\n"
    '    return datetime.fromisoformat(tag.split("@", 1)[1])\n```\n\n'
    "User: Which timezone do releases use?\n\n"
    "Assistant: Always UTC: the pipeline sets TZ=UTC before tagging the zebrafish release."
)
REQUEST_ID = re.compile(r"\(requestId: req_\w+\)")
TOOLS = {
    "list_spaces",
    "create_space",
    "search",
    "get_snapshot",
    "get_source",
    "list_sources",
    "list_artifacts",
    "read_artifact",
    "add_content",
    "save_session",
}


def text_of(result: CallToolResult) -> str:
    return "\n".join(block.text for block in result.content if isinstance(block, TextContent))


def ok(result: CallToolResult) -> dict[str, Any]:
    assert not result.is_error, text_of(result)
    assert result.structured_content is not None
    assert text_of(result).strip()  # readable text as well
    return dict(result.structured_content)


def tool_error(result: CallToolResult) -> str:
    assert result.is_error, result
    return text_of(result)


def run(coro: Any) -> Any:
    return asyncio.run(coro)


def sqlite_only(backend: str) -> None:
    if backend != "sqlite":
        pytest.skip("the subprocess transports are tested once, on SQLite")


def test_every_tool_in_process(service: Service, client: HttpClient) -> None:
    space = client.space("mcp project")

    async def scenario() -> None:
        async with (
            AsyncClient(service.url, client.key) as api,
            McpClient(build_server(api)) as mcp,
        ):
            tools = {tool.name: tool for tool in (await mcp.list_tools()).tools}
            assert set(tools) == TOOLS
            for tool in tools.values():
                assert tool.description and tool.output_schema and tool.annotations
            assert tools["search"].annotations.read_only_hint  # type: ignore[union-attr]
            assert not tools["add_content"].annotations.read_only_hint  # type: ignore[union-attr]
            assert tools["search"].input_schema["required"] == ["query"]

            # add_content by space *name*, waiting for processing
            added = ok(
                await mcp.call_tool(
                    "add_content", {"text": CHAT, "space": "MCP Project", "name": "release chat"}
                )
            )
            source = added["source"]
            assert added["finished"] and source["status"] == "COMPLETED", source
            assert source["space_id"] == space["id"] and source["name"] == "release chat"
            assert source["turns"] == 4 and source["artifacts"] >= 1
            source_id = source["id"]

            spaces = ok(await mcp.call_tool("list_spaces", {}))["spaces"]
            assert [s["id"] for s in spaces] == [space["id"]]
            twin = ok(await mcp.call_tool("create_space", {"name": "mcp project"}))
            assert twin["name"] == "mcp project" and twin["id"] != space["id"]
            spaces = ok(await mcp.call_tool("list_spaces", {}))["spaces"]
            assert {s["id"] for s in spaces} == {space["id"], twin["id"]}
            ambiguous = await mcp.call_tool("list_sources", {"space": "mcp project"})
            assert "pass an id" in tool_error(ambiguous)

            found = ok(
                await mcp.call_tool(
                    "search",
                    {"query": "zebrafish timezone", "space": space["id"], "mode": "lexical"},
                )
            )
            assert found["results"] and found["results"][0]["source_id"] == source_id
            assert "zebrafish" in found["results"][0]["text"]

            code = ok(
                await mcp.call_tool(
                    "search",
                    {
                        "query": "release date fromisoformat",
                        "space": space["id"],
                        "kinds": ["artifact"],
                        "languages": ["python"],
                        "source_ids": [source_id],
                        "top_k": 3,
                    },
                )
            )["results"]
            assert code and all(hit["kind"] == "artifact" for hit in code)
            assert all(hit["language"] == "python" and hit["artifact_id"] for hit in code)

            snapshot = ok(await mcp.call_tool("get_snapshot", {"source_id": source_id}))
            expected = client.get(f"/v1/sources/{source_id}/snapshot").json()["content"]
            assert snapshot["content"] == expected and expected.strip()
            assert snapshot["source_id"] == source_id and snapshot["tokens_after"] > 0

            got = ok(await mcp.call_tool("get_source", {"source_id": source_id}))
            assert got["status"] == "COMPLETED" and got["has_snapshot"]

            listed = ok(
                await mcp.call_tool("list_sources", {"space": space["id"], "status": "COMPLETED"})
            )
            assert [s["id"] for s in listed["sources"]] == [source_id] and listed["total"] == 1
            assert (
                ok(await mcp.call_tool("list_sources", {"space": space["id"], "status": "FAILED"}))[
                    "sources"
                ]
                == []
            )

            # by source alone: its space is looked up
            artifacts = ok(await mcp.call_tool("list_artifacts", {"source_id": source_id}))
            assert artifacts["space_id"] == space["id"]
            python = [a for a in artifacts["artifacts"] if a["language"] == "python"]
            assert python and python[0]["type"] == "CODE" and python[0]["lines"] >= 4
            filtered = ok(
                await mcp.call_tool(
                    "list_artifacts",
                    {"space": space["id"], "type": "CODE", "language": "python", "limit": 1},
                )
            )
            assert [a["id"] for a in filtered["artifacts"]] == [python[0]["id"]]

            artifact = ok(await mcp.call_tool("read_artifact", {"artifact_id": python[0]["id"]}))
            assert "def release_date(tag: str) -> datetime:" in artifact["content"]
            assert artifact["source_id"] == source_id and artifact["language"] == "python"
            readable = await mcp.call_tool("read_artifact", {"artifact_id": python[0]["id"]})
            assert "```python\nfrom datetime import datetime" in text_of(readable)

            resource = await mcp.read_resource(f"contextd://sources/{source_id}/snapshot")
            assert resource.contents[0].text == expected  # type: ignore[union-attr]

            # without waiting: the source id comes back at once, still being processed
            queued = ok(
                await mcp.call_tool(
                    "add_content",
                    {"text": "User: hi\n\nAssistant: hello", "wait": False, "space": space["id"]},
                )
            )
            assert not queued["finished"] or queued["source"]["status"] == "COMPLETED"
            client.wait(queued["source"]["id"])

    run(scenario())


def test_api_errors_are_tool_errors(
    service: Service, client: HttpClient, other_client: HttpClient
) -> None:
    theirs = other_client.source(
        other_client.space("private")["id"],
        {"type": "CONTENT", "initial_data": {"data": "User: secret\n\nAssistant: kept"}},
    )
    mine = client.space("mine")

    async def scenario() -> None:
        async with (
            AsyncClient(service.url, client.key, max_retries=0) as api,
            McpClient(build_server(api)) as mcp,
        ):
            text = tool_error(await mcp.call_tool("get_snapshot", {"source_id": "no-such-source"}))
            assert "404" in text and "not found" in text.lower()
            assert REQUEST_ID.search(text), text

            # another user's source does not exist for this key
            for tool, args in [
                ("get_source", {"source_id": theirs["id"]}),
                ("get_snapshot", {"source_id": theirs["id"]}),
                ("list_artifacts", {"source_id": theirs["id"]}),
                ("search", {"query": "secret", "space": theirs["spaceId"]}),
            ]:
                text = tool_error(await mcp.call_tool(tool, args))
                assert "404" in text and REQUEST_ID.search(text), (tool, text)
                assert "kept" not in text

            assert "404" in tool_error(
                await mcp.call_tool("read_artifact", {"artifact_id": "nope"})
            )
            # no space and no default space: told what to do
            assert "list_spaces" in tool_error(await mcp.call_tool("search", {"query": "x"}))
            # bad arguments are refused by the input schema
            bad = {"query": "x", "space": mine["id"], "top_k": 500}
            assert "top_k" in tool_error(await mcp.call_tool("search", bad))
            bad_mode = {"query": "x", "space": mine["id"], "mode": "fuzzy"}
            assert "mode" in tool_error(await mcp.call_tool("search", bad_mode))

        async with (
            AsyncClient(service.url, "ctx_wrong_key", max_retries=0) as api,
            McpClient(build_server(api)) as mcp,
        ):
            assert "401" in tool_error(await mcp.call_tool("list_spaces", {}))

        async with (
            AsyncClient("http://127.0.0.1:9", client.key, max_retries=0) as api,
            McpClient(build_server(api, default_space=mine["id"])) as mcp,
        ):
            assert "could not reach" in tool_error(await mcp.call_tool("search", {"query": "x"}))

    run(scenario())


@pytest.fixture
def seeded(backend: str, client: HttpClient) -> dict[str, Any]:
    """A space with one processed conversation: the subprocess tests search it."""
    sqlite_only(backend)
    space = client.space("transport test")
    source = client.source(space["id"], {"type": "CONTENT", "initial_data": {"data": CHAT}})
    assert client.wait(source["id"])["status"] == "COMPLETED"
    return {"space": space, "source": source}


def mcp_env(service: Service, client: HttpClient) -> dict[str, str]:
    return {"CONTEXTD_URL": service.url, "CONTEXTD_API_KEY": client.key}


def test_stdio_transport(
    backend: str, service: Service, client: HttpClient, seeded: dict[str, Any]
) -> None:
    sqlite_only(backend)
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "contextd", "mcp", "--space", "transport test"],
        env=mcp_env(service, client),
    )

    async def scenario() -> None:
        async with McpClient(params) as mcp:
            assert mcp.server_info and mcp.server_info.name == "contextd"
            assert {tool.name for tool in (await mcp.list_tools()).tools} == TOOLS
            found = ok(await mcp.call_tool("search", {"query": "zebrafish", "mode": "lexical"}))
            assert found["space_id"] == seeded["space"]["id"]
            assert found["results"][0]["source_id"] == seeded["source"]["id"]

    run(scenario())


@pytest.fixture
def http_mcp(
    backend: str, service: Service, client: HttpClient, tmp_path: Path
) -> Iterator[tuple[str, str]]:
    """`contextd mcp --transport http` in a subprocess, with a bearer token: (URL, token)."""
    sqlite_only(backend)
    port = free_port()
    token = "mcp-test-token"
    env = {**os.environ, **mcp_env(service, client), "CONTEXTD_MCP_TOKEN": token}
    argv = contextd_argv("mcp", "--transport", "http", "--port", str(port))
    process = ChildProcess(argv, env, tmp_path / "mcp.log")
    url = f"http://127.0.0.1:{port}/mcp"
    try:
        process.start().wait_healthy(url, any_status=True)
        yield url, token
    finally:
        process.stop(10)


def test_streamable_http_transport(
    backend: str, http_mcp: tuple[str, str], seeded: dict[str, Any]
) -> None:
    sqlite_only(backend)
    url, token = http_mcp

    # the token is required
    initialize = {"jsonrpc": "2.0", "id": 1, "method": "ping"}
    assert httpx.post(url, json=initialize).status_code == 401
    wrong = httpx.post(url, json=initialize, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401

    async def scenario() -> None:
        headers = {"Authorization": f"Bearer {token}"}
        async with (
            httpx2.AsyncClient(headers=headers, timeout=httpx2.Timeout(30, read=300)) as http,
            McpClient(streamable_http_client(url, http_client=http)) as mcp,
        ):
            assert {tool.name for tool in (await mcp.list_tools()).tools} == TOOLS
            found = ok(
                await mcp.call_tool(
                    "search",
                    {"query": "zebrafish", "space": seeded["space"]["id"], "mode": "lexical"},
                )
            )
            assert found["results"][0]["source_id"] == seeded["source"]["id"]
            snapshot = ok(
                await mcp.call_tool("get_snapshot", {"source_id": seeded["source"]["id"]})
            )
            assert snapshot["content"].strip()

    run(scenario())


def test_http_refuses_public_bind_without_token(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CONTEXTD_MCP_TOKEN", raising=False)
    args = ["mcp", "--transport", "http", "--host", "0.0.0.0", "--api-key", "k"]
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 2, done.output
    assert "without a bearer token" in done.output


def test_tool_inputs_offer_the_api_enums_inline() -> None:
    """The tools take the API's own values (one declaration, in `contextd.domain`), listed inline
    in their input schemas, and refuse others before any API call is made."""

    async def scenario() -> None:
        # Nothing listens on port 9: a call that reached the API would fail to connect.
        async with (
            AsyncClient("http://127.0.0.1:9", "key") as api,
            McpClient(
                build_server(api, default_space="11111111-2222-3333-4444-555555555555")
            ) as mcp,
        ):
            tools = {tool.name: tool for tool in (await mcp.list_tools()).tools}
            search = tools["search"].input_schema["properties"]
            listing = tools["list_sources"].input_schema["properties"]
            artifacts = tools["list_artifacts"].input_schema["properties"]
            assert search["mode"]["enum"] == [m.value for m in SearchMode]
            assert search["kinds"]["anyOf"][0]["items"]["enum"] == [k.value for k in ChunkKind]
            types = search["artifact_types"]["anyOf"][0]["items"]["enum"]
            assert types == [t.value for t in ArtifactType]
            assert artifacts["type"]["anyOf"][0]["enum"] == [t.value for t in ArtifactType]
            assert listing["status"]["anyOf"][0]["enum"] == [s.value for s in SourceStatus]
            for schema in (tools["search"].input_schema, tools["list_sources"].input_schema):
                assert "$defs" not in schema

            refused = tool_error(await mcp.call_tool("search", {"query": "x", "kinds": ["word"]}))
            assert "'turn', 'section', 'artifact' or 'snapshot'" in refused
            assert "could not reach" not in refused

    run(scenario())
