"""Shared fixtures: a real contextd server (uvicorn on loopback) per database backend.

The API suite runs once per backend: SQLite (the embedded default) and PostgreSQL (a fresh
database on the local server). Modules marked `all_engines` (the ones about processing and the
job lifecycle) run a third time on PostgreSQL with procrastinate as the job engine, the
scale-out configuration. Each test gets its own user and API key, so tests are isolated by
ownership exactly as real users are.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from contextd.api.app import create_app
from contextd.api.threaded import ThreadedServer
from contextd.config import Settings
from contextd.runtime import Runtime
from contextd.services import keys
from contextd.store.scratch import scratch_database

PG_ADMIN_URL = os.environ.get(
    "CONTEXTD_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = [
    b for b in os.environ.get("CONTEXTD_TEST_BACKENDS", "sqlite,postgresql").split(",") if b
]
FINAL = {"COMPLETED", "FAILED", "CANCELED"}
# Loopback addresses the test server may fetch from; everything else private stays blocked.
ALLOWED_TEST_NET = "127.0.0.2/32"
SHARED = Path(__file__).resolve().parents[2] / "shared"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" not in metafunc.fixturenames:
        return
    backends = list(BACKENDS)
    if metafunc.definition.get_closest_marker("all_engines") and "postgresql" in BACKENDS:
        backends.append("procrastinate")
    metafunc.parametrize("backend", backends, indirect=True, scope="session")


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    """sqlite, postgresql, or procrastinate (PostgreSQL with procrastinate running the jobs)."""
    return str(request.param)


@pytest.fixture(scope="session")
def database_url(backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'contextd.db'}"
        return
    with scratch_database(PG_ADMIN_URL, "contextd_test") as url:
        yield url


def make_settings(data_dir: Path, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": database_url,
        "allowed_networks": [ALLOWED_TEST_NET],
        "rate_limit_per_minute": 100_000,
        "job_poll_seconds": 0.05,
        "job_lease_seconds": 10.0,
        "worker_concurrency": 2,
        "postback_backoff_seconds": 0.2,
        "secret_key": "test-secret",
    }
    values.update(overrides)
    return Settings(**values)


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
        return Client(self.url, raw, user_id)


class Client(httpx.Client):
    """An HTTP client for one user, with helpers that keep tests short."""

    def __init__(self, base_url: str, key: str, user_id: str) -> None:
        super().__init__(base_url=base_url, headers={"Authorization": f"Bearer {key}"}, timeout=30)
        self.key = key
        self.user_id = user_id

    def space(self, name: str = "space") -> dict[str, Any]:
        response = self.post("/v1/spaces", json={"name": name})
        assert response.status_code == 201, response.text
        return dict(response.json())

    def source(self, space_id: str, body: dict[str, Any], expect: int = 201) -> dict[str, Any]:
        body = {"instructions": {}, **body}
        response = self.post(f"/v1/spaces/{space_id}/sources", json=body)
        assert response.status_code == expect, response.text
        return dict(response.json())

    def wait(
        self, source_id: str, timeout: float = 60, statuses: set[str] = FINAL
    ) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            body = self.get(f"/v1/sources/{source_id}").json()
            if body["status"] in statuses:
                return dict(body)
            if time.monotonic() > deadline:
                raise AssertionError(f"source {source_id} still {body['status']} after {timeout}s")
            time.sleep(0.05)


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A private CA the service trusts (as an operator would set CONTEXTD_CA_BUNDLE), so tests
    can run real HTTPS receivers on loopback."""
    import trustme

    ca = trustme.CA()
    path = tmp_path_factory.mktemp("tls") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    ca.bundle_path = path  # type: ignore[attr-defined]  # travels with the CA to `service`
    return ca


@pytest.fixture(scope="session")
def service(
    backend: str, database_url: str, tmp_path_factory: pytest.TempPathFactory, tls: Any
) -> Iterator[Service]:
    settings = make_settings(
        tmp_path_factory.mktemp("data"),
        database_url,
        ca_bundle=str(tls.bundle_path),
        job_engine="procrastinate" if backend == "procrastinate" else "database",
    )
    runtime = Runtime.build(settings)
    app = create_app(runtime)
    with ThreadedServer(app) as server:
        runtime.settings = runtime.settings.model_copy(update={"public_url": server.url})
        yield Service(runtime, server.url)
    runtime.close()


@pytest.fixture
def client(service: Service) -> Iterator[Client]:
    with service.client("alice") as c:
        yield c


@pytest.fixture
def other_client(service: Service) -> Iterator[Client]:
    with service.client("mallory") as c:
        yield c


def assert_error(
    response: httpx.Response, status: int, *, contains: str | None = None
) -> dict[str, Any]:
    """Every error has exactly the documented shape, and the request id is echoed."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) - {"details"} == {"error", "message", "code", "requestId"}, body
    assert body["code"] == status
    assert body["requestId"].startswith("req_") or body["requestId"]
    assert response.headers["x-request-id"] == body["requestId"]
    assert isinstance(body["message"], str) and body["message"]
    if contains:
        assert contains.lower() in body["message"].lower(), body["message"]
    return dict(body)


class PageServer:
    """A loopback web server (on 127.0.0.2, the one test network the service may fetch from)
    whose routes a test sets: path -> (status, headers, body)."""

    def __init__(self) -> None:
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.routes: dict[str, tuple[int, dict[str, str], bytes]] = {}
        self.delays: dict[str, float] = {}
        self.hits: list[str] = []
        pages = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                pages.hits.append(self.path)
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


@pytest.fixture(scope="session")
def pages() -> Iterator[PageServer]:
    server = PageServer()
    yield server
    server.close()
