"""ASGI middleware: request ids, body size limits, rate-limit headers and metrics.

Written as plain ASGI (not BaseHTTPMiddleware) so streaming bodies are counted as they arrive
and nothing is buffered twice.
"""

from __future__ import annotations

import re
import secrets
import time
from typing import Any

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from contextd.api.errors import UNEXPECTED_MESSAGE, error_body, log_unexpected
from contextd.api.metrics import REQUEST_LATENCY, REQUESTS
from contextd.domain.errors import PayloadTooLarge

_CLIENT_ID = re.compile(r"^[A-Za-z0-9._\-]{8,64}$")


def _json_response(status: int, body: dict[str, Any], rid: str) -> list[Message]:
    import json

    data = json.dumps(body).encode()
    return [
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(data)).encode()),
                (b"x-request-id", rid.encode()),
            ],
        },
        {"type": "http.response.body", "body": data},
    ]


class RequestContextMiddleware:
    def __init__(self, app: ASGIApp, *, max_body: int, max_upload: int) -> None:
        self.app = app
        self.max_body = max_body
        self.max_upload = max_upload

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        rid = incoming if _CLIENT_ID.match(incoming) else "req_" + secrets.token_hex(8)
        state = scope.setdefault("state", {})
        state["request_id"] = rid
        started = time.perf_counter()
        limit = self.max_upload if scope["path"].startswith("/uploads/") else self.max_body

        # No id, key or filter contains NUL, and PostgreSQL cannot even compare text with one:
        # answer here rather than let `%00` reach a query.
        rejected = None
        query = scope.get("query_string", b"")
        if "\x00" in scope["path"]:
            rejected = (404, "not found: the path contains a NUL (%00) character")
        elif b"%00" in query or b"\x00" in query:
            rejected = (400, "query parameters must not contain NUL (%00) characters")
        if rejected is not None:
            status, message = rejected
            for msg in _json_response(status, error_body(status, message, rid), rid):
                await send(msg)
            return

        length = headers.get(b"content-length")
        # More digits than any limit has is too large (and `int` refuses over 4300 digits).
        if length is not None and (not length.isdigit() or len(length) > 18 or int(length) > limit):
            status = 413 if length.isdigit() else 400
            message = (
                f"request body larger than {limit} bytes"
                if status == 413
                else "invalid Content-Length header"
            )
            for msg in _json_response(status, error_body(status, message, rid), rid):
                await send(msg)
            return

        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise PayloadTooLarge(f"request body larger than {limit} bytes")
            return message

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
            await self.app(scope, counting_receive, send_with_headers)
        except Exception as exc:
            # Answered and logged here, once, and not re-raised: Starlette's
            # ServerErrorMiddleware and uvicorn would each log it again with a full traceback.
            log_unexpected(scope["method"], scope["path"], rid, exc)
            if not response_started:
                body = error_body(500, UNEXPECTED_MESSAGE, rid)
                for msg in _json_response(500, body, rid):
                    await send_with_headers(msg)
            # A response already under way cannot become a 500: returning without completing
            # it makes the server close the connection, so the client sees it cut short.
        finally:
            route = scope.get("route")
            path = getattr(route, "path", None) or "unmatched"
            REQUESTS.labels(scope["method"], path, str(status_holder["status"])).inc()
            REQUEST_LATENCY.labels(scope["method"], path).observe(time.perf_counter() - started)
