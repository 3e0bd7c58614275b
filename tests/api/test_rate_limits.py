"""Per-user rate limits: the three X-RateLimit-* headers on every response, 429 + Retry-After."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from contextd.api.app import create_app
from contextd.runtime import Runtime
from contextd.testing import ThreadedServer
from tests.support.errors import assert_error
from tests.support.service import Client, Service
from tests.support.settings import make_settings

LIMIT = 5


@pytest.fixture
def limited(service: Service, tmp_path: Path) -> Iterator[Service]:
    """A second API process on the same database, with a limit of 5 requests a minute."""
    settings = make_settings(
        tmp_path,
        service.runtime.settings.resolved_database_url,
        rate_limit_per_minute=LIMIT,
        embedded_worker=False,
    )
    runtime = Runtime.build(settings)
    with ThreadedServer(create_app(runtime)) as server:
        yield Service(runtime, server.url)
    runtime.close()


def test_headers_count_down_then_429_with_retry_after(limited: Service) -> None:
    with limited.client() as client:
        remaining = []
        for n in range(LIMIT):
            response = client.get("/v1/spaces") if n % 2 else client.get("/v1/spaces/unknown")
            assert response.headers["X-RateLimit-Limit"] == str(LIMIT)
            remaining.append(int(response.headers["X-RateLimit-Remaining"]))
            reset = int(response.headers["X-RateLimit-Reset"])
            assert time.time() <= reset <= time.time() + 61  # epoch seconds
        assert remaining == [4, 3, 2, 1, 0]

        blocked = client.get("/v1/spaces")
        body = assert_error(blocked, 429, contains="rate limit")
        assert body["error"] == "Too Many Requests"
        assert 1 <= int(blocked.headers["Retry-After"]) <= 60
        assert blocked.headers["X-RateLimit-Remaining"] == "0"


def test_limits_are_per_user(limited: Service) -> None:
    with limited.client("a") as a, limited.client("b") as b:
        for _ in range(LIMIT):
            a.get("/v1/spaces")
        assert a.get("/v1/spaces").status_code == 429
        assert b.get("/v1/spaces").status_code == 200


def test_requests_without_a_valid_key_are_limited_too(limited: Service) -> None:
    with Client(limited.url, "ctx_wrong", "") as anonymous:
        statuses = [anonymous.get("/v1/spaces").status_code for _ in range(LIMIT + 1)]
    assert statuses == [401] * LIMIT + [429]
