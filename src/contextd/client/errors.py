"""Typed exceptions, so callers branch on the kind of failure rather than on status codes.

Every error raised for an HTTP response carries the server's `{error, message, code, requestId}`
body; `request_id` falls back to the `X-Request-Id` header, so it is there even when a proxy in
front of the server answered with a body of its own. Quote it when reporting a problem: it is
the key to the server's logs.
"""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from contextd.client.models import Source

__all__ = [
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "AuthenticationError",
    "ConflictError",
    "ContextdError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "RateLimitError",
    "ServerError",
    "ValidationError",
    "WaitTimeout",
]


class ContextdError(Exception):
    """Base of everything this SDK raises, so one `except` can catch them all."""

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        error: str | None = None,
        code: int | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.error = error
        self.code = code
        self.request_id = request_id

    def __str__(self) -> str:
        parts = [self.message]
        if self.status_code is not None:
            parts.insert(0, f"{self.status_code} {self.error or ''}".rstrip() + ":")
        if self.request_id:
            parts.append(f"(request id {self.request_id})")
        return " ".join(parts)


class APIStatusError(ContextdError):
    """The server answered with an error status; the subclasses name the common ones."""

    def __init__(
        self,
        message: str,
        *,
        response: httpx.Response,
        body: Any = None,
        status_code: int | None = None,
        error: str | None = None,
        code: int | None = None,
        request_id: str | None = None,
    ) -> None:
        super().__init__(
            message,
            status_code=response.status_code if status_code is None else status_code,
            error=error,
            code=code,
            request_id=request_id,
        )
        self.response = response
        self.body = body
        details = body.get("details") if isinstance(body, dict) else None
        # Validation errors list the offending fields: [{field, message}].
        self.details: list[dict[str, Any]] = details if isinstance(details, list) else []


class ValidationError(APIStatusError):
    """400 or 422: the request was malformed; `details` names the fields."""


class AuthenticationError(APIStatusError):
    """401: the API key is missing, wrong, revoked or expired."""


class PermissionDeniedError(APIStatusError):
    """403: e.g. an upload URL whose signature, type or expiry does not match."""


class NotFoundError(APIStatusError):
    """404: unknown id, or a resource of another user (the server does not tell them apart)."""


class ConflictError(APIStatusError):
    """409: the source is not in a state that allows the action (e.g. reprocess while PENDING)."""


class PayloadTooLargeError(APIStatusError):
    """413: the request body or upload is over the server's limit."""


class RateLimitError(APIStatusError):
    """429 after the retries were used up; `retry_after` says how long the server asked to wait."""

    def __init__(self, message: str, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.retry_after = parse_retry_after(self.response.headers.get("retry-after"))


class ServerError(APIStatusError):
    """5xx: the server failed; idempotent requests were already retried."""


class APIConnectionError(ContextdError):
    """No HTTP response at all: connection refused, reset, DNS failure, TLS error."""


class APITimeoutError(APIConnectionError, TimeoutError):
    """The request timed out (connect, read, write or waiting for a pooled connection)."""


class WaitTimeout(ContextdError, TimeoutError):
    """`wait_until_done` gave up; `source` is the last state seen (still not final)."""

    def __init__(self, message: str, *, source: Source) -> None:
        super().__init__(message)
        self.source = source


_BY_STATUS: dict[int, type[APIStatusError]] = {
    400: ValidationError,
    401: AuthenticationError,
    403: PermissionDeniedError,
    404: NotFoundError,
    409: ConflictError,
    413: PayloadTooLargeError,
    422: ValidationError,
    429: RateLimitError,
}


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """`Retry-After` as seconds from now: either delay-seconds or an HTTP date (RFC 9110)."""
    if value is None or not value.strip():
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


def error_from_response(response: httpx.Response) -> APIStatusError:
    """Map an error response to its exception, tolerating bodies that are not ours."""
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    fields = body if isinstance(body, dict) else {}
    message = fields.get("message")
    if not isinstance(message, str) or not message:
        message = response.text.strip()[:500] or response.reason_phrase or "HTTP error"
    request_id = fields.get("requestId") or response.headers.get("x-request-id")
    code = fields.get("code")
    error = fields.get("error")
    status = response.status_code
    cls = _BY_STATUS.get(status) or (ServerError if status >= 500 else APIStatusError)
    return cls(
        message,
        response=response,
        body=body,
        error=error if isinstance(error, str) else response.reason_phrase or None,
        code=code if isinstance(code, int) else status,
        request_id=str(request_id) if request_id else None,
    )
