"""SDK fixtures: `sdk` / `async_sdk` for the same fresh user as the API tests' `client`, and
`scripted`, a real loopback HTTP server that answers from a script (for retries)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from contextd.client import Client
from tests.support.sdk import ScriptedServer
from tests.support.service import Client as HttpClient


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


@pytest.fixture(scope="module")
def scripted() -> Iterator[ScriptedServer]:
    server = ScriptedServer()
    yield server
    server.close()
