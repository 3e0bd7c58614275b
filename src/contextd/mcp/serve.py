"""Running the MCP server: stdio (an AI assistant spawns it) or streamable HTTP (uvicorn).

Both open one `AsyncClient` to the contextd API in the event loop that serves, and close it
when serving ends.

Streamable HTTP exposes the API key's powers to whoever can reach the port, so it binds to
loopback by default (where the SDK also turns on its DNS-rebinding protection: Host and Origin
must be loopback), and refuses any other address unless a bearer token is set, which every
request must then carry as `Authorization: Bearer <token>`.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import sys
from dataclasses import dataclass

import anyio
from starlette.types import ASGIApp, Receive, Scope, Send

from contextd.client import AsyncClient
from contextd.mcp.server import build_server

__all__ = ["BearerTokenMiddleware", "McpConfig", "is_loopback", "run"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DEFAULT_PATH = "/mcp"


@dataclass(frozen=True)
class McpConfig:
    url: str
    api_key: str | None
    space: str | None = None
    transport: str = "stdio"  # or "http"
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    path: str = DEFAULT_PATH
    token: str | None = None


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class BearerTokenMiddleware:
    """Refuses HTTP requests without `Authorization: Bearer <token>` (401); lifespan and other
    scopes pass through."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.expected = f"Bearer {token}".encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            given = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not hmac.compare_digest(given, self.expected):
                body = json.dumps(
                    {"error": "unauthorized", "message": "missing or wrong bearer token"}
                ).encode()
                await send(
                    {
                        "type": "http.response.start",
                        "status": 401,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(body)).encode()),
                            (b"www-authenticate", b'Bearer realm="contextd-mcp"'),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": body})
                return
        await self.app(scope, receive, send)


def _log(message: str) -> None:
    # stdout belongs to the protocol on stdio: everything else goes to stderr.
    print(message, file=sys.stderr, flush=True)


async def _serve(config: McpConfig) -> None:
    async with AsyncClient(config.url, config.api_key or "") as client:
        server = build_server(client, default_space=config.space)
        if config.transport == "stdio":
            await server.run_stdio_async()
            return

        import uvicorn

        app: ASGIApp = server.streamable_http_app(
            streamable_http_path=config.path, host=config.host
        )
        if config.token:
            app = BearerTokenMiddleware(app, config.token)
        auth = "bearer token required" if config.token else "no auth: loopback only"
        host = f"[{config.host}]" if ":" in config.host else config.host
        _log(
            f"contextd MCP server (streamable HTTP, {auth}) on "
            f"http://{host}:{config.port}{config.path}, using the API at {client.base_url}"
        )
        uv = uvicorn.Server(
            uvicorn.Config(
                app,
                host=config.host,
                port=config.port,
                log_level="warning",
                access_log=False,
                lifespan="on",
            )
        )
        await uv.serve()


def run(config: McpConfig) -> None:
    """Serve until stdin closes (stdio) or the process is interrupted (HTTP)."""
    if config.transport not in ("stdio", "http"):
        raise ValueError(f"unknown transport {config.transport!r}: stdio or http")
    if config.transport == "http" and not config.token and not is_loopback(config.host):
        raise ValueError(
            f"refusing to serve MCP on {config.host} without a bearer token: anyone who can "
            "reach the port would act with your API key. Set --token (CONTEXTD_MCP_TOKEN) or "
            "bind to 127.0.0.1."
        )
    if not config.api_key:
        _log("warning: no API key (set CONTEXTD_API_KEY or --api-key); API calls will fail")
    anyio.run(_serve, config)
