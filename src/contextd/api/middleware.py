"""ASGI middleware: request ids, authentication and rate limiting of `/v1`, body size limits,
rate-limit headers and metrics.

Written as plain ASGI (not BaseHTTPMiddleware) so streaming bodies are counted as they arrive
and nothing is buffered twice.
"""

from __future__ import annotations

import os
import random
import re
import time
from collections.abc import Iterable
from typing import Any

import anyio.to_thread
from fastapi.responses import JSONResponse
from starlette.datastructures import State
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contextd.api import auth
from contextd.api.auth import is_api_path
from contextd.api.errors import (
    UNEXPECTED_MESSAGE,
    domain_response,
    error_response,
    log_unexpected,
)
from contextd.api.metrics import REQUEST_LATENCY, REQUESTS
from contextd.domain.errors import PayloadTooLarge

_CLIENT_ID = re.compile(r"^[A-Za-z0-9._\-]{8,64}$")

# Request ids label logs and errors; they are not secrets, so they come from a generator seeded
# once rather than from `secrets`: `os.urandom` is a system call that releases the GIL, and on
# the event loop every release can cost up to a switch interval (5 ms) while a request thread
# holds the GIL (bench/api.py).
_REQUEST_IDS = random.Random(os.urandom(16))
os.register_at_fork(after_in_child=lambda: _REQUEST_IDS.seed(os.urandom(16)))  # no shared ids


def new_request_id() -> str:
    return f"req_{_REQUEST_IDS.getrandbits(64):016x}"


# The per-request work below is done for every request, so it avoids what it can (a profile of
# get-source in-process had this middleware at ~18% of the request): only the three headers it
# reads are kept, the X-RateLimit-* names are encoded once, and the metrics' children are looked
# up once per (method, route, status) rather than through `labels()` (its argument checks and
# lock) on every request. The metrics, their names and labels are those of `api.metrics`.
_WANTED = frozenset((b"x-request-id", b"authorization", b"content-length"))
_RATE_NAMES = {
    name: name.lower().encode()
    for name in ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")
}
_COUNTERS: dict[tuple[str, str, int], Any] = {}
_LATENCIES: dict[tuple[str, str], Any] = {}


def _wanted_headers(raw: Iterable[tuple[bytes, bytes]]) -> dict[bytes, bytes]:
    """The headers this middleware reads, the last of each name winning (as `dict(raw)`)."""
    return {name: value for name, value in raw if name in _WANTED}


def _with_headers(
    existing: Iterable[tuple[bytes, bytes]], rid: str, rate: dict[str, str] | None
) -> list[tuple[bytes, bytes]]:
    """The response's headers, then X-Request-Id and the X-RateLimit-* ones that the response
    does not set itself."""
    headers = list(existing)
    extra = [(b"x-request-id", rid.encode())]
    if rate:
        extra += [
            (_RATE_NAMES.get(name) or name.lower().encode(), str(value).encode())
            for name, value in rate.items()
        ]
    present = {name.lower() for name, _ in headers}
    headers += [(name, value) for name, value in extra if name not in present]
    return headers


def _observe(method: str, route: str, status: int, seconds: float) -> None:
    """`REQUESTS` and `REQUEST_LATENCY` for one request."""
    counter = _COUNTERS.get((method, route, status))
    if counter is None:
        counter = _COUNTERS[method, route, status] = REQUESTS.labels(method, route, str(status))
    latency = _LATENCIES.get((method, route))
    if latency is None:
        latency = _LATENCIES[method, route] = REQUEST_LATENCY.labels(method, route)
    counter.inc()
    latency.observe(seconds)


class RequestContextMiddleware:
    """Request ids, then authentication and rate limiting of `/v1` (before any body is read,
    see `api.auth`), then the NUL and size checks, and the X-Request-Id and X-RateLimit-*
    headers on every response, errors included."""

    def __init__(self, app: ASGIApp, *, app_state: State, max_body: int, max_upload: int) -> None:
        self.app = app
        self.app_state = app_state  # the runtime and the rate limiter
        self.max_body = max_body
        self.max_upload = max_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = _wanted_headers(scope.get("headers") or ())
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        rid = incoming if _CLIENT_ID.match(incoming) else new_request_id()
        state = scope.setdefault("state", {})
        state["request_id"] = rid
        started = time.perf_counter()
        status = 500
        response_started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal response_started, status
            if message["type"] == "http.response.start":
                response_started = True
                status = message["status"]
                message["headers"] = _with_headers(
                    message.get("headers", ()), rid, state.get("rate_limit_headers")
                )
            await send(message)

        try:
            refusal = await self._refusal(scope, headers, state, rid)
            if refusal is not None:
                await refusal(scope, receive, send_with_headers)
                return
            await self.app(scope, self._counting(scope, receive), send_with_headers)
        except Exception as exc:
            # Answered and logged here, once, and not re-raised: Starlette's
            # ServerErrorMiddleware and uvicorn would each log it again with a full traceback.
            log_unexpected(scope["method"], scope["path"], rid, exc)
            if not response_started:
                await error_response(500, UNEXPECTED_MESSAGE, rid)(
                    scope, receive, send_with_headers
                )
            # A response already under way cannot become a 500: returning without completing
            # it makes the server close the connection, so the client sees it cut short.
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or "unmatched"
            _observe(scope["method"], path, status, time.perf_counter() - started)

    async def _refusal(
        self, scope: Scope, headers: dict[bytes, bytes], state: dict[str, Any], rid: str
    ) -> JSONResponse | None:
        """The answer when the request is refused before the app runs, in this order: no valid
        key or over the limit (on `/v1`), a NUL in the path or query, a bad Content-Length."""
        path: str = scope["path"]
        if is_api_path(path):
            client = scope.get("client")
            limiter = self.app_state.rate_limiter
            authorization = headers.get(b"authorization", b"").decode("latin-1")
            # A key verified seconds ago is answered here, on the event loop; otherwise the
            # database is asked in a thread.
            outcome = auth.authenticate_cached(limiter, authorization)
            if outcome is None:
                outcome = await anyio.to_thread.run_sync(
                    auth.authenticate,
                    self.app_state.runtime,
                    limiter,
                    authorization,
                    client[0] if client else "-",
                )
            state["rate_limit_headers"] = outcome.headers
            if outcome.error is not None:
                return domain_response(outcome.error, rid)
            state["user_id"] = outcome.user_id

        # No id, key or filter contains NUL, and PostgreSQL cannot even compare text with one:
        # answer here rather than let `%00` reach a query.
        query = scope.get("query_string", b"")
        if "\x00" in path:
            return error_response(404, "not found: the path contains a NUL (%00) character", rid)
        if b"%00" in query or b"\x00" in query:
            message = "query parameters must not contain NUL (%00) characters"
            return error_response(400, message, rid)

        limit = self.max_upload if path.startswith("/uploads/") else self.max_body
        length = headers.get(b"content-length")
        if length is not None and not length.isdigit():
            return error_response(400, "invalid Content-Length header", rid)
        # More digits than any limit has is too large (and `int` refuses over 4300 digits).
        if length is not None and (len(length) > 18 or int(length) > limit):
            return error_response(413, f"request body larger than {limit} bytes", rid)
        return None

    def _counting(self, scope: Scope, receive: Receive) -> Receive:
        """`receive`, refusing a streamed body once it passes the limit."""
        limit = self.max_upload if scope["path"].startswith("/uploads/") else self.max_body
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise PayloadTooLarge(f"request body larger than {limit} bytes")
            return message

        return counting_receive
