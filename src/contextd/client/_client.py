"""`Client` and `AsyncClient`: configuration, resource namespaces, and the unauthenticated
system routes."""

from __future__ import annotations

import os
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from types import TracebackType
from typing import Any, Self

import httpx

from contextd.client import _parse
from contextd.client._http import (
    DEFAULT_BASE_URL,
    DEFAULT_TIMEOUT,
    AsyncTransport,
    RetryPolicy,
    SyncTransport,
)
from contextd.client._routes import Call, route, uses
from contextd.client.models import Health, SearchFilters, SearchMode, SearchResponse, Space
from contextd.client.resources.artifacts import Artifacts, AsyncArtifacts
from contextd.client.resources.collections import AsyncCollections, Collections
from contextd.client.resources.keys import AsyncKeys, Keys
from contextd.client.resources.postbacks import AsyncPostbacks, Postbacks
from contextd.client.resources.sources import AsyncSources, Sources
from contextd.client.resources.spaces import AsyncSpaces, Spaces, search_call
from contextd.client.resources.uploads import AsyncUploads, Uploads

HEALTH = route("GET", "/health")
METRICS = route("GET", "/metrics")

ENV_BASE_URL = "CONTEXTD_BASE_URL"
ENV_API_KEY = "CONTEXTD_API_KEY"


def _health() -> Call[Health]:
    # A degraded service answers 503 with the same body: a result to read, not an error.
    return HEALTH.call(_parse.model(Health), ok_statuses=frozenset({503}))


def _metrics() -> Call[str]:
    return METRICS.call(_parse.text, headers={"Accept": "text/plain, */*"})


def _settings(
    base_url: str | None, api_key: str | None, max_retries: int | None, retry: RetryPolicy | None
) -> tuple[str, str | None, RetryPolicy]:
    policy = retry or RetryPolicy()
    if max_retries is not None:
        policy = replace(policy, max_retries=max_retries)
    url = base_url or os.environ.get(ENV_BASE_URL) or DEFAULT_BASE_URL
    return url, api_key if api_key is not None else os.environ.get(ENV_API_KEY), policy


class Client:
    """A synchronous client for a contextd server or the hosted Ctxfy API.

    `base_url` defaults to `$CONTEXTD_BASE_URL`, else a local contextd; `api_key` to
    `$CONTEXTD_API_KEY`. Failed requests are retried as `RetryPolicy` explains (`max_retries`,
    or a whole `RetryPolicy`). Pass `http_client` to bring your own httpx client (proxies, TLS,
    event hooks); it is then yours to close. `sleep` replaces `time.sleep` for retry waits and
    polling (tests, custom schedulers). Close the client, or use it as a
    context manager, to release its connections.
    """

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        url, key, policy = _settings(base_url, api_key, max_retries, retry)
        self._transport = SyncTransport(
            base_url=url,
            api_key=key,
            retry=policy,
            timeout=timeout,
            headers=headers,
            http_client=http_client,
            sleep=sleep,
        )
        self.base_url = self._transport.base_url
        self.keys = Keys(self._transport)
        self.spaces = Spaces(self._transport)
        self.collections = Collections(self._transport)
        self.sources = Sources(self._transport)
        self.uploads = Uploads(self._transport)
        self.artifacts = Artifacts(self._transport)
        self.postbacks = Postbacks(self._transport)

    def search(
        self,
        space: str | Space,
        query: str,
        *,
        mode: SearchMode | str | None = None,
        top_k: int | None = None,
        filters: SearchFilters | Mapping[str, Any] | None = None,
    ) -> SearchResponse:
        """Shortcut for `spaces.search`."""
        return self._transport.send(
            search_call(space if isinstance(space, str) else space.id, query, mode, top_k, filters)
        )

    @uses(HEALTH)
    def health(self) -> Health:
        """Service and dependency health; `ok` is False when degraded (no API key needed)."""
        return self._transport.send(_health())

    @uses(METRICS)
    def metrics(self) -> str:
        """Prometheus text exposition (no API key needed)."""
        return self._transport.send(_metrics())

    def close(self) -> None:
        self._transport.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client(base_url={self.base_url!r})"


class AsyncClient:
    """The asyncio (or trio) twin of `Client`, with the same namespaces and methods; list
    methods return async iterators, everything else is awaited."""

    def __init__(
        self,
        base_url: str | None = None,
        api_key: str | None = None,
        *,
        timeout: float | httpx.Timeout = DEFAULT_TIMEOUT,
        max_retries: int | None = None,
        retry: RetryPolicy | None = None,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        url, key, policy = _settings(base_url, api_key, max_retries, retry)
        self._transport = AsyncTransport(
            base_url=url,
            api_key=key,
            retry=policy,
            timeout=timeout,
            headers=headers,
            http_client=http_client,
            sleep=sleep,
        )
        self.base_url = self._transport.base_url
        self.keys = AsyncKeys(self._transport)
        self.spaces = AsyncSpaces(self._transport)
        self.collections = AsyncCollections(self._transport)
        self.sources = AsyncSources(self._transport)
        self.uploads = AsyncUploads(self._transport)
        self.artifacts = AsyncArtifacts(self._transport)
        self.postbacks = AsyncPostbacks(self._transport)

    async def search(
        self,
        space: str | Space,
        query: str,
        *,
        mode: SearchMode | str | None = None,
        top_k: int | None = None,
        filters: SearchFilters | Mapping[str, Any] | None = None,
    ) -> SearchResponse:
        return await self._transport.send(
            search_call(space if isinstance(space, str) else space.id, query, mode, top_k, filters)
        )

    @uses(HEALTH)
    async def health(self) -> Health:
        return await self._transport.send(_health())

    @uses(METRICS)
    async def metrics(self) -> str:
        return await self._transport.send(_metrics())

    async def close(self) -> None:
        await self._transport.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def __repr__(self) -> str:
        return f"AsyncClient(base_url={self.base_url!r})"
