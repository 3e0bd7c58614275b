"""`contextd mcp`: the MCP server, a client of a contextd (or Ctxfy-compatible) API."""

from __future__ import annotations

from typing import Annotated, Literal

import typer

DEFAULT_URL = "http://127.0.0.1:8080"


def mcp(
    transport: Annotated[
        Literal["stdio", "http"],
        typer.Option(help="stdio (spawned by the AI assistant) or http (streamable HTTP)"),
    ] = "stdio",
    url: Annotated[
        str,
        typer.Option(
            envvar=["CONTEXTD_URL", "CONTEXTD_BASE_URL"], help="The contextd API's base URL"
        ),
    ] = DEFAULT_URL,
    api_key: Annotated[
        str | None,
        typer.Option(envvar="CONTEXTD_API_KEY", help="API key (prefer the variable)"),
    ] = None,
    space: Annotated[
        str | None,
        typer.Option(envvar="CONTEXTD_SPACE", help="Default space (id or name) for the tools"),
    ] = None,
    host: Annotated[str, typer.Option(help="http: interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="http: port")] = 8765,
    path: Annotated[str, typer.Option(help="http: endpoint path")] = "/mcp",
    token: Annotated[
        str | None,
        typer.Option(
            envvar="CONTEXTD_MCP_TOKEN",
            help="http: require 'Authorization: Bearer TOKEN' (needed off loopback)",
        ),
    ] = None,
) -> None:
    """Serve contextd's search, snapshots and artifacts to AI assistants over MCP."""
    from contextd.mcp.serve import McpConfig, run

    config = McpConfig(
        url=url,
        api_key=api_key,
        space=space,
        transport=transport,
        host=host,
        port=port,
        path=path,
        token=token,
    )
    try:
        run(config)
    except ValueError as err:
        typer.echo(f"error: {err}", err=True)
        raise typer.Exit(2) from err
    except KeyboardInterrupt:
        pass
