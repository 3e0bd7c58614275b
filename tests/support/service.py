"""The service under test as the tests see it: the runtime, its URL, and per-user clients."""

from __future__ import annotations

import http.client
import socket
import time
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import httpx

from contextd.jobs.queue import PROCESS_SOURCE
from contextd.runtime import Runtime
from contextd.services import keys
from contextd.testing import drain_jobs
from contextd.testing.jobs import SAFETY_TIMEOUT

FINAL = {"COMPLETED", "FAILED", "CANCELED"}


@dataclass
class Service:
    runtime: Runtime
    url: str

    def new_user(self, name: str = "tester") -> tuple[str, str]:
        """Create a user and a key directly in the database: (user id, raw key)."""
        with self.runtime.db.session() as session:
            user = keys.ensure_user(session, name, f"{uuid.uuid4().hex}@example.test")
            created = keys.create_key(session, user, "test", None)
            return user.id, created.raw

    def client(self, name: str = "tester") -> Client:
        user_id, raw = self.new_user(name)
        return Client(self.url, raw, user_id, runtime=self.runtime)


class Client(httpx.Client):
    """An HTTP client for one user, with helpers that keep tests short.

    Given the `runtime` of the server (in this process), `wait` drains the source's jobs
    instead of watching the clock; without it (a server in another process), it polls."""

    def __init__(
        self, base_url: str, key: str, user_id: str, *, runtime: Runtime | None = None
    ) -> None:
        super().__init__(base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=30)
        self.key = key
        self.user_id = user_id
        self.runtime = runtime

    def space(self, name: str = "space") -> dict[str, Any]:
        response = self.post("/v1/spaces", json={"name": name})
        assert response.status_code == 201, response.text
        return dict(response.json())

    def source(self, space_id: str, body: dict[str, Any], expect: int = 201) -> dict[str, Any]:
        body = {"instructions": {}, **body}
        response = self.post(f"/v1/spaces/{space_id}/sources", json=body)
        assert response.status_code == expect, response.text
        return dict(response.json())

    def fast_forward(self, source_id: str, data: str) -> dict[str, Any]:
        """Append pasted `data` to a source (202) and return the source once it is COMPLETED
        again."""
        response = self.post(
            f"/v1/sources/{source_id}/fast-forward",
            json={"type": "CONTENT", "initial_data": {"data": data}},
        )
        assert response.status_code == 202, response.text
        done = self.wait(source_id)
        assert done["status"] == "COMPLETED", done["message"]
        return done

    def wait(
        self, source_id: str, timeout: float | None = None, statuses: set[str] = FINAL
    ) -> dict[str, Any]:
        """The source once its status is one of `statuses` (by default: once processed).

        `timeout` is a safety net for servers in other processes; with a runtime the wait ends
        when the source's processing jobs are drained, however long that takes."""
        limit = timeout if timeout is not None else 60 if self.runtime is None else SAFETY_TIMEOUT
        deadline = time.monotonic() + limit
        while True:
            if self.runtime is not None:
                drain_jobs(self.runtime, source_id=source_id, kinds=[PROCESS_SOURCE])
            body = self.get(f"/v1/sources/{source_id}").json()
            if body["status"] in statuses:
                return dict(body)
            if time.monotonic() > deadline:
                raise AssertionError(f"source {source_id} still {body['status']} after {limit}s")
            time.sleep(0.05)


def raw_request(service: Service, request: bytes, timeout: float = 20) -> httpx.Response:
    """Send bytes exactly as given (no client-side normalization) and read one response: how a
    hostile client's malformed framing reaches the server."""
    url = urlsplit(service.url)
    with socket.create_connection((url.hostname, url.port), timeout=timeout) as sock:
        sock.sendall(request)
        raw = http.client.HTTPResponse(sock)
        raw.begin()
        return httpx.Response(raw.status, headers=raw.getheaders(), content=raw.read())
