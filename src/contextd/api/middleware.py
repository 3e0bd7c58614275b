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
        headers = dict(scope.get("headers") or [])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        rid = incoming if _CLIENT_ID.match(incoming) else new_request_id()
        state = scope.setdefault("state", {})
        state["request_id"] = rid
        started = time.perf_counter()
        status_holder = {"status": 500}
        response_started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal response_started
            if message["type"] == "http.response.start":
                response_started = True
                status_holder["status"] = message["status"]
                extra = [(b"x-request-id", rid.encode())]
                for name, value in state.get("rate_limit_headers", {}).items():
                    extra.append((name.lower().encode(), str(value).encode()))
                existing = {k.lower() for k, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (k, v) for k, v in extra if k not in existing
                ]
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
            REQUESTS.labels(scope["method"], path, str(status_holder["status"])).inc()
            REQUEST_LATENCY.labels(scope["method"], path).observe(time.perf_counter() - started)

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
