"""Serve an ASGI app from a background thread of this process, and find free ports.

For the test suite, the benchmarks, the evaluations and anyone embedding contextd in a Python
program: the socket is bound before the thread starts (no port race), and leaving the `with`
block stops the server and runs the app's shutdown (its embedded worker included).
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn


def free_socket(host: str = "127.0.0.1") -> socket.socket:
    """A socket bound to a free port of `host`: hand it to a server in this process, which then
    never races anyone for the port."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    return sock


def free_port(host: str = "127.0.0.1") -> int:
    """A port of `host` that was free a moment ago, for a server in another process (which must
    bind it itself, so a small race with other programs remains; loopback keeps it rare)."""
    with free_socket(host) as sock:
        port: int = sock.getsockname()[1]
        return port


class ThreadedServer:
    """Uvicorn in a background thread on a pre-bound socket."""

    def __init__(self, app: Any, host: str = "127.0.0.1", **config: Any) -> None:
        self.sock = free_socket(host)
        self.host, self.port = self.sock.getsockname()[:2]
        self.server = uvicorn.Server(
            uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on", **config)
        )
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.sock]})

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def __enter__(self) -> ThreadedServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(15)
