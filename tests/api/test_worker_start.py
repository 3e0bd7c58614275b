"""The embedded worker starts in the background (so the first request does not wait for the job
handlers' imports), and /health says how that went: `starting`, `running`, or `failed` with a
503 while the API keeps answering."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from contextd.api.app import create_app
from contextd.runtime import Runtime
from contextd.tasks import handlers
from contextd.testing import ThreadedServer
from tests.support.settings import make_settings


def _health_until(url: str, wanted: str) -> httpx.Response:
    """/health once the worker has left `starting` (it starts in a thread of its own)."""
    deadline = time.monotonic() + 60
    while True:
        response = httpx.get(f"{url}/health")
        worker: dict[str, Any] = response.json()["dependencies"].get("worker", {})
        if worker.get("state") == wanted or time.monotonic() > deadline:
            return response
        time.sleep(0.05)


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'contextd.db'}")
    runtime = Runtime.build(settings)
    yield runtime
    runtime.close()


def test_health_shows_the_worker_running(runtime: Runtime) -> None:
    with ThreadedServer(create_app(runtime, embedded_worker=True)) as server:
        response = _health_until(server.url, "running")
    assert response.status_code == 200
    assert response.json()["dependencies"]["worker"] == {"status": "ok", "state": "running"}


def test_a_worker_that_cannot_start_is_shown_and_the_api_keeps_serving(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(_: Runtime) -> Any:
        raise RuntimeError("no queue here")  # what a misconfigured job engine raises, in short

    monkeypatch.setattr(handlers, "build_worker", broken)
    with ThreadedServer(create_app(runtime, embedded_worker=True)) as server:
        response = _health_until(server.url, "failed")
        assert httpx.get(f"{server.url}/v1/spaces").status_code == 401  # still answering
    assert response.status_code == 503
    assert response.json()["status"] == "degraded"
    assert response.json()["dependencies"]["worker"] == {"status": "error", "state": "failed"}
