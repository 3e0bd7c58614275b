"""SDK fixtures: `sdk` / `async_sdk` for the same fresh user as the API tests' `client`, and
`ScriptedServer`, a real loopback HTTP server that answers from a script (for retries)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from contextd.client import Client
from tests.conftest import Client as HttpClient

CONVERSATION = (
    "User: How do I start the contextd service locally?\n\n"
    "Assistant: Run `make run` from the repository root:\n\n"
    "```bash\nmake run\n```\n\n"
    "User: And which port does it listen on?\n\n"
    "Assistant: Port 8080 by default; pass `--port` to `contextd serve` to change it."
)


@pytest.fixture
def sdk(client: HttpClient) -> Iterator[Client]:
    with Client(str(client.base_url), client.key) as c:
        yield c


@pytest.fixture
def other_sdk(other_client: HttpClient) -> Iterator[Client]:
    with Client(str(other_client.base_url), other_client.key) as c:
        yield c


@pytest.fixture
def base_url(client: HttpClient) -> str:
    return str(client.base_url)


@pytest.fixture
def client_base(client: HttpClient) -> tuple[str, str]:
    """(base URL, API key) of a fresh user: an AsyncClient must be built inside the event loop
    that uses it, and some tests bring their own httpx client."""
    return str(client.base_url), client.key


Reply = tuple[int, dict[str, str], Any]


class ScriptedServer:
    """Answers each request with the next scripted reply (the last one repeats) and records
    what it received: (method, path, headers, body)."""

    def __init__(self) -> None:
        self.script: list[Reply] = []
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        scripted = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _answer(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length) if length else b""
                scripted.requests.append((self.command, self.path, dict(self.headers), body))
                index = min(len(scripted.requests), len(scripted.script)) - 1
                status, headers, payload = scripted.script[index]
                data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def reply(self, *replies: Reply) -> None:
        self.script = list(replies)
        self.requests.clear()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def scripted() -> Iterator[ScriptedServer]:
    server = ScriptedServer()
    yield server
    server.close()
