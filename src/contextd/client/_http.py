"""Transport: sends a `Call` over httpx, retries what is safe to retry (see `RetryPolicy`),
and turns failures into the typed errors of `contextd.client.errors`."""

from __future__ import annotations

import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import anyio
import httpx

from contextd import __version__
from contextd.client._routes import Call
from contextd.client.errors import (
    APIConnectionError,
    APITimeoutError,
    ContextdError,
    error_from_response,
    parse_retry_after,
)

T = TypeVar("T")

DEFAULT_BASE_URL = "http://127.0.0.1:8080"
DEFAULT_TIMEOUT = 30.0
USER_AGENT = f"contextd-python/{__version__}"
_CHUNK = 1024 * 1024

_NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
_RETRY_STATUSES_IDEMPOTENT = frozenset({408, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """How many times to retry, and how long to wait.

    What is retried, and why:

    - **429** for every method: a rate-limited request was refused before anything happened, so
      resending it cannot duplicate an effect.
    - **408, 500, 502, 503, 504** and connections lost *after* the request was sent (read or write
      errors, read timeouts) only for idempotent routes (GET, PUT, DELETE, and the POST/PATCH routes
      declared idempotent: search, metadata updates, upload presigning). A non-idempotent POST
      (create a source, reprocess, cancel, rotate a secret...) may have taken effect before the
      server or a proxy failed, and the API has no idempotency keys, so resending it could create a
      second source; the error is raised instead, for the caller to check and decide.
    - Connections that never got through (refused, DNS, connect timeout, no pooled connection)
      for every method: the server cannot have seen the request.

    The wait is the server's `Retry-After` (seconds or an HTTP date) when it sends one, else an
    exponential backoff with jitter. A `Retry-After` beyond `max_retry_after` is not waited out: the
    error is raised with its `retry_after`, since blocking for minutes is the caller's call.
    """

    max_retries: int = 2
    backoff_base: float = 0.5
    backoff_max: float = 8.0
    max_retry_after: float = 60.0

    def delay(
        self,
        attempt: int,
        *,
        idempotent: bool,
        status: int | None = None,
        headers: httpx.Headers | None = None,
        exc: Exception | None = None,
    ) -> float | None:
        """Seconds to wait before retry number `attempt + 1`, or None to give up."""
        if attempt >= self.max_retries:
            return None
        if exc is not None:
            if isinstance(exc, httpx.UnsupportedProtocol):  # a bad URL stays bad
                return None
            return self.backoff(attempt) if idempotent or isinstance(exc, _NEVER_SENT) else None
        if status != 429 and not (idempotent and status in _RETRY_STATUSES_IDEMPOTENT):
            return None
        retry_after = parse_retry_after(headers.get("retry-after") if headers else None)
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after else None
        return self.backoff(attempt)

    def backoff(self, attempt: int) -> float:
        """Exponential, capped, with jitter so that many clients do not retry in lockstep."""
        ceiling = min(self.backoff_max, self.backoff_base * 2.0**attempt)
        return ceiling * random.uniform(0.5, 1.0)


class _Base:
    def __init__(
        self,
        *,
        base_url: str,
        api_key: str | None,
        retry: RetryPolicy,
        headers: Mapping[str, str] | None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_key = api_key
        self.retry = retry
        self.headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}

    def _build(
        self, http: httpx.Client | httpx.AsyncClient, call: Call[Any], content: Any
    ) -> httpx.Request:
        headers = dict(self.headers)
        # A presigned URL is its own credential (S3 refuses one that also has Authorization),
        # and the API key must not travel to whatever host the server named.
        if not call.route.absolute and self.api_key:
            headers["Authorization"] = f"Bearer {self.api_key}"
        headers.update(call.headers)
        url = call.url if call.route.absolute else self.base_url + call.url
        return http.build_request(
            call.route.method,
            url,
            params=call.params or None,
            json=call.json,
            content=content,
            headers=headers,
        )

    def _wait(self, call: Call[Any], attempt: int, outcome: httpx.Response | Exception) -> float:
        """The delay before the next attempt; raises the typed error when there is none."""
        idempotent = call.route.idempotent
        if isinstance(outcome, httpx.Response):
            delay = self.retry.delay(
                attempt, idempotent=idempotent, status=outcome.status_code, headers=outcome.headers
            )
            if delay is None:
                raise error_from_response(outcome)
            return delay
        delay = self.retry.delay(attempt, idempotent=idempotent, exc=outcome)
        if delay is None:
            raise _connection_error(call, outcome) from outcome
        return delay


def _connection_error(call: Call[Any], exc: Exception) -> APIConnectionError:
    kind = APITimeoutError if isinstance(exc, httpx.TimeoutException) else APIConnectionError
    detail = str(exc) or type(exc).__name__
    return kind(f"{call.route.method} {call.route.path} failed: {type(exc).__name__}: {detail}")


def _parse(call: Call[T], response: httpx.Response) -> T:
    try:
        return call.parse(response)
    except ValueError as exc:  # not JSON, or not the expected shape (pydantic's error is one)
        raise ContextdError(
            f"unexpected response to {call.route.method} {call.route.path}: {exc}",
            status_code=response.status_code,
            request_id=response.headers.get("x-request-id"),
        ) from exc


def _done(call: Call[Any], response: httpx.Response) -> bool:
    return response.is_success or response.status_code in call.ok_statuses


def _content_headers(call: Call[Any]) -> Call[Any]:
    """A file body is streamed; its length is declared up front (S3 refuses chunked PUTs)."""
    if isinstance(call.content, Path):
        size = call.content.stat().st_size
        return replace(call, headers={"Content-Length": str(size), **call.headers})
    return call


class SyncTransport(_Base):
    def __init__(
        self,
        *,
        base_url: str,
        api_key: str | None,
        retry: RetryPolicy,
        timeout: float | httpx.Timeout,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        super().__init__(base_url=base_url, api_key=api_key, retry=retry, headers=headers)
        self._owns_http = http_client is None
        self.http = http_client or httpx.Client(timeout=timeout)
        self.sleep = sleep or time.sleep

    def close(self) -> None:
        if self._owns_http:
            self.http.close()

    def send(self, call: Call[T]) -> T:
        call = _content_headers(call)
        attempt = 0
        while True:
            outcome: httpx.Response | Exception
            try:
                outcome = self._send_once(call)
            except httpx.TransportError as exc:
                outcome = exc
            if isinstance(outcome, httpx.Response) and _done(call, outcome):
                return _parse(call, outcome)
            delay = self._wait(call, attempt, outcome)
            attempt += 1
            self.sleep(delay)

    def _send_once(self, call: Call[Any]) -> httpx.Response:
        if isinstance(call.content, Path):
            with call.content.open("rb") as body:
                return self.http.send(self._build(self.http, call, body))
        return self.http.send(self._build(self.http, call, call.content))


class AsyncTransport(_Base):
    def __init__(
        self,
        *,
        base_url: str,
        api_key: str | None,
        retry: RetryPolicy,
        timeout: float | httpx.Timeout,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
        sleep: Callable[[float], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__(base_url=base_url, api_key=api_key, retry=retry, headers=headers)
        self._owns_http = http_client is None
        self.http = http_client or httpx.AsyncClient(timeout=timeout)
        self.sleep = sleep or anyio.sleep

    async def close(self) -> None:
        if self._owns_http:
            await self.http.aclose()

    async def send(self, call: Call[T]) -> T:
        call = _content_headers(call)
        attempt = 0
        while True:
            outcome: httpx.Response | Exception
            try:
                outcome = await self._send_once(call)
            except httpx.TransportError as exc:
                outcome = exc
            if isinstance(outcome, httpx.Response) and _done(call, outcome):
                return _parse(call, outcome)
            delay = self._wait(call, attempt, outcome)
            attempt += 1
            await self.sleep(delay)

    async def _send_once(self, call: Call[Any]) -> httpx.Response:
        if isinstance(call.content, Path):
            path = call.content
            with path.open("rb") as body:
                return await self.http.send(self._build(self.http, call, _chunks(body)))
        return await self.http.send(self._build(self.http, call, call.content))


async def _chunks(body: Any) -> AsyncIterator[bytes]:
    """Read a file off the event loop, a chunk at a time."""
    while chunk := await anyio.to_thread.run_sync(body.read, _CHUNK):
        yield chunk
