"""For the SDK's tests: a conversation to add, and a loopback HTTP server that answers from a
script (to exercise retries)."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

CONVERSATION = (
    "User: How do I start the contextd service locally?\n\n"
    "Assistant: Run `make run` from the repository root:\n\n"
    "```bash\nmake run\n```\n\n"
    "User: And which port does it listen on?\n\n"
    "Assistant: Port 8080 by default; pass `--port` to `contextd serve` to change it."
)


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
