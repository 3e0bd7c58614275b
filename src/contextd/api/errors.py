"""The one place where errors become HTTP responses.

Every error body is `{error, message, code, requestId}` (plus `details` for validation
errors), as the Ctxfy API documents, and the request id is echoed in `X-Request-Id`.
"""

from __future__ import annotations

import logging
import traceback
from http import HTTPStatus
from pathlib import Path
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from contextd.domain import errors as e

log = logging.getLogger("contextd.api")

STATUS_OF: dict[type[e.DomainError], int] = {
    e.NotFound: 404,
    e.InvalidState: 409,
    e.Conflict: 409,
    e.ValidationFailed: 400,
    e.Unauthorized: 401,
    e.Forbidden: 403,
    e.PayloadTooLarge: 413,
    e.RateLimited: 429,
}


def request_id(request: Request) -> str:
    return str(getattr(request.state, "request_id", "") or "")


def error_body(status: int, message: str, rid: str, details: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "error": HTTPStatus(status).phrase,
        "message": message,
        "code": status,
        "requestId": rid,
    }
    if details:
        body["details"] = details
    return body


def error_response(
    status: int,
    message: str,
    rid: str,
    details: Any = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    return JSONResponse(
        error_body(status, message, rid, details),
        status_code=status,
        headers={"X-Request-Id": rid, **(headers or {})},
    )


def _status_for(exc: e.DomainError) -> int:
    for cls in type(exc).__mro__:
        if cls in STATUS_OF:
            return STATUS_OF[cls]
    return 400


def domain_response(exc: e.DomainError, rid: str) -> JSONResponse:
    """The response for a domain error; also used by the middleware, which answers 401/429
    before the app runs."""
    status = _status_for(exc)
    headers = {}
    details = None
    if isinstance(exc, e.RateLimited):
        headers["Retry-After"] = str(exc.retry_after)
    if isinstance(exc, e.ValidationFailed) and exc.details:
        details = [{"field": d.field, "message": d.message} for d in exc.details]
    return error_response(status, exc.message, rid, details, headers)


async def _domain(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, e.DomainError)
    return domain_response(exc, request_id(request))


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _sent_non_json_body(request: Request) -> bool:
    """A body was sent, but not declared as JSON (so FastAPI did not parse it)."""
    has_body = request.headers.get("content-length", "0") != "0" or (
        "transfer-encoding" in request.headers
    )
    media = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
    return has_body and not (media == "application/json" or media.endswith("+json"))


async def _validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    if _sent_non_json_body(request) and any(
        tuple(err.get("loc", ()))[:1] == ("body",) for err in exc.errors()
    ):
        return error_response(
            415,
            "The request body must be JSON, sent with Content-Type: application/json",
            request_id(request),
        )
    details = []
    for err in exc.errors():
        if err.get("type") == "json_invalid":
            return error_response(400, "The request body is not valid JSON", request_id(request))
        details.append({"field": _field_name(tuple(err.get("loc", ()))), "message": err["msg"]})
    summary = "; ".join(f"{d['field']}: {d['message']}" for d in details[:3])
    return error_response(
        400, f"The request contains invalid parameters: {summary}", request_id(request), details
    )


async def _http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    # FastAPI turns any failure while reading a JSON body into "error parsing the body" (400);
    # keep the real reason: a body over the size limit is a 413, not a parse error.
    if isinstance(exc.__cause__, e.DomainError):
        return await _domain(request, exc.__cause__)
    if isinstance(exc.__cause__, RecursionError):
        return error_response(400, "The request body is nested too deeply", request_id(request))
    message = exc.detail if isinstance(exc.detail, str) else HTTPStatus(exc.status_code).phrase
    headers = dict(exc.headers or {})
    if exc.status_code == 404 and message == "Not Found":
        message = f"no route for {request.method} {request.url.path}"
    if exc.status_code == 405:
        # Starlette names only the methods of the first route whose path matched.
        allowed = _allowed_methods(request)
        headers["Allow"] = ", ".join(allowed)
        message = f"{request.method} is not allowed on {request.url.path}: use {headers['Allow']}"
    return error_response(exc.status_code, message, request_id(request), headers=headers)


METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route serves at this path: each method is tried against the routes
    (FastAPI nests included routers, so the routes' own method sets are not all at hand)."""
    allowed = []
    for method in METHODS:
        probe = {**request.scope, "method": method}
        if any(route.matches(probe)[0] == Match.FULL for route in request.app.router.routes):
            allowed.append(method)
    return allowed


UNEXPECTED_MESSAGE = "An unexpected error occurred on the server"


def _clip(text: str, limit: int = 200) -> str:
    """Client-controlled text (a path, an error quoting input) goes into one log line: escape
    control characters so it cannot forge lines, and clip it so it cannot fill the log."""
    clipped = text if len(text) <= limit else text[:limit] + "..."
    return repr(clipped)[1:-1]


def log_unexpected(method: str, path: str, rid: str, exc: BaseException) -> None:
    """Log an unexpected error as one short record: type, message, request, and where it was
    raised. Anyone who can send a request can trigger whatever bug is behind it, so a full
    traceback per request would let them fill the log; it is attached only when the logger is
    at DEBUG level, to the same record."""
    frames = traceback.extract_tb(exc.__traceback__)
    where = (
        f"{Path(frames[-1].filename).name}:{frames[-1].lineno} in {frames[-1].name}"
        if frames
        else "unknown location"
    )
    log.error(
        "unexpected %s: %s on %s %s (request %s) at %s",
        type(exc).__name__,
        _clip(str(exc)),
        method,
        _clip(path),
        rid,
        where,
        exc_info=exc if log.isEnabledFor(logging.DEBUG) else None,
    )


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    """Backstop for an error raised outside `RequestContextMiddleware` (which answers and logs
    every error raised inside it, and does not let it propagate to Starlette and uvicorn)."""
    rid = request_id(request)
    log_unexpected(request.method, request.url.path, rid, exc)
    # Answered outside the middleware (by Starlette's outermost layer): add its headers here.
    headers = dict(getattr(request.state, "rate_limit_headers", None) or {})
    return error_response(500, UNEXPECTED_MESSAGE, rid, headers=headers)


def install(app: FastAPI) -> None:
    app.add_exception_handler(e.DomainError, _domain)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)
