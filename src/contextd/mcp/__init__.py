"""contextd as an MCP server (`contextd mcp`): search, snapshots, artifacts and adding content
as tools for AI assistants, over stdio or streamable HTTP, built on the official MCP Python SDK.

    from contextd.client import AsyncClient
    from contextd.mcp import build_server

    async with AsyncClient(url, api_key) as client:
        await build_server(client, default_space="my project").run_stdio_async()
"""

from contextd.mcp.serve import McpConfig, run
from contextd.mcp.server import INSTRUCTIONS, build_server, describe_error

__all__ = ["INSTRUCTIONS", "McpConfig", "build_server", "describe_error", "run"]
