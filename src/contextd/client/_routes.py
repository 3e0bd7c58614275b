"""Routes and calls: what a request is, kept apart from how (sync or async) it is sent.

Each resource describes a request once as a `Call`, and its sync and async methods only hand
that call to their transport, so the two clients cannot drift apart. Every route the SDK knows
is declared here with `Route`, and every method that sends one is marked with `@uses`: a test
walks the server's OpenAPI document against this registry, so an endpoint added to the server
but not to the SDK fails the build.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx

T = TypeVar("T")
F = TypeVar("F", bound=Callable[..., Any])

ROUTES: dict[tuple[str, str], Route] = {}
"""(method, path template as in the OpenAPI document) -> route."""

METHODS: dict[tuple[str, str], list[str]] = {}
"""(method, path template) -> qualified names of the SDK methods that send it."""


@dataclass(frozen=True)
class Route:
    """One endpoint. `idempotent` says whether resending it after the server may already have
    acted is harmless: it decides retries on 5xx and on connections lost mid-request."""

    method: str
    path: str
    idempotent: bool
    absolute: bool = False
    """The URL comes from the server (presigned upload URL), not from the base URL."""

    def call(
        self,
        parse: Callable[[httpx.Response], T],
        path_params: Mapping[str, str] | None = None,
        *,
        params: Mapping[str, Any] | None = None,
        json: Any = None,
        content: bytes | Path | None = None,
        headers: Mapping[str, str] | None = None,
        url: str | None = None,
        ok_statuses: frozenset[int] = frozenset(),
    ) -> Call[T]:
        target = url if url is not None else self.expand(path_params or {})
        query = {k: _param(v) for k, v in (params or {}).items() if v is not None}
        return Call(
            route=self,
            url=target,
            params=query,
            json=json,
            content=content,
            headers=dict(headers or {}),
            parse=parse,
            ok_statuses=ok_statuses,
        )

    def expand(self, path_params: Mapping[str, str]) -> str:
        path = self.path
        for name, value in path_params.items():
            if not value:
                raise ValueError(f"{name} must not be empty")
            # File keys are paths ("uploads/<user>/<name>"); every other id is one segment.
            safe = "/" if name == "fileKey" else ""
            path = path.replace("{" + name + "}", quote(str(value), safe=safe))
        return path


def _param(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def route(
    method: str, path: str, *, idempotent: bool | None = None, absolute: bool = False
) -> Route:
    """Declare an endpoint. GET, PUT and DELETE are idempotent by HTTP's definition; POST and
    PATCH are not unless the caller says so (a search POST, a metadata PATCH)."""
    if idempotent is None:
        idempotent = method in ("GET", "HEAD", "PUT", "DELETE", "OPTIONS")
    declared = Route(method, path, idempotent, absolute)
    ROUTES[(method, path)] = declared
    return declared


def uses(*routes: Route) -> Callable[[F], F]:
    """Mark a resource method as the SDK's way to call these routes (see the module doc)."""

    def mark(fn: F) -> F:
        for r in routes:
            METHODS.setdefault((r.method, r.path), []).append(fn.__qualname__)
        return fn

    return mark


@dataclass
class Call(Generic[T]):
    route: Route
    url: str
    params: dict[str, str]
    json: Any
    content: bytes | Path | None
    headers: dict[str, str]
    parse: Callable[[httpx.Response], T]
    ok_statuses: frozenset[int] = field(default_factory=frozenset)
    """Error statuses that still carry the answer (a degraded `/health` is a 503 with a body)."""
