"""Web pages the service may fetch, served on loopback by the test itself."""

from __future__ import annotations

import threading
import time

from contextd.testing.jobs import SAFETY_TIMEOUT


class PageServer:
    """A loopback web server (on 127.0.0.2, the one test network the service may fetch from)
    whose routes a test sets: path -> (status, headers, body)."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.delays: dict[str, float] = {}
        self.hits: list[str] = []
        self._hit = threading.Condition()
        pages = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with pages._hit:
                    pages.hits.append(self.path)
                    pages._hit.notify_all()
                time.sleep(pages.delays.get(self.path, 0))
                status, headers, body = pages.routes.get(self.path, (404, {}, b"not found"))
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.2", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False  # slow handlers must not hold up the session's end
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def wait_for_hit(self, path: str, timeout: float = SAFETY_TIMEOUT) -> None:
        """Until the service has requested `path` (its job is then under way)."""
        with self._hit:
            if not self._hit.wait_for(lambda: path in self.hits, timeout):
                raise AssertionError(f"{path} was never requested")

    def url(self, path: str) -> str:
        return f"http://127.0.0.2:{self.port}{path}"

    def add(
        self,
        path: str,
        body: bytes | str,
        content_type: str = "text/html; charset=utf-8",
        status: int = 200,
        headers: dict[str, str] | None = None,
        delay: float = 0,
    ) -> str:
        data = body.encode() if isinstance(body, str) else body
        self.delays[path] = delay
        self.routes[path] = (status, {"Content-Type": content_type, **(headers or {})}, data)
        return self.url(path)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
