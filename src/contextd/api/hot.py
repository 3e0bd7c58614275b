"""get-source and create-source answered ahead of FastAPI's routing, dependency solving and
response validation.

Why: get-source is the most frequent request, and in-process (bench/api_app.py, a py-spy
profile) about a third of its CPU went to FastAPI's machinery around a route whose only inputs
are a path segment and the caller the middleware already authenticated: matching the path
against the included routers, `solve_dependencies` (which builds the query and header maps
and validates a `str` path parameter), the request/response wrappers, and validating the
returned `SourceOut` against `response_model` before dumping it. None of it can change the
answer of that route.

`FastRead` is a route placed first in the app's list (matching only: the OpenAPI document is
taken from the declared routes, so `/openapi.json` does not change). It matches exactly what
the mirrored `APIRoute` matches with a full match (GET on its path; HEAD and every other
method go on to the normal routes, as before), records that route in the scope (metrics label
the request with its path), and answers with the body FastAPI would send: the same model
dumped by the same pydantic serializer (`TypeAdapter.dump_json`, by alias), as
`application/json`. An error raised by the read (404 for a missing source or another user's)
reaches the app's exception handlers (`api/errors.py`) exactly as a route's does, since the
route list is inside Starlette's `ExceptionMiddleware`. tests/api/test_hot_route.py compares
the two paths' answers byte for byte.

`FastCreate` does the same for create-source (POST with a JSON body), the API's most frequent
write: with the embedded worker busy, py-spy (`--gil`) on `contextd serve` found the route's
own database work at about a seventh of the server's GIL time and FastAPI's handling of the
POST around it (routing, reading and parsing the body, `solve_dependencies`, the per-request
wrappers) at about a third (bench/README.md, issue 15 part 4, eighth change). It reads the
body, parses and validates it exactly as FastAPI would for the route (a `Content-Type` of
`application/json`, `json.loads`, then the route's own body field's `validate`, which is what
`solve_dependencies` calls for a single body parameter), and answers through the same
function as the route. Anything else (another content type, an empty body, invalid JSON, a
body the model refuses) is handed to the mirrored route with the body replayed, so every
error answer (422 and 400 alike) is the route's own. tests/api/test_hot_route.py compares both.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from functools import cache
from typing import Any

from fastapi.routing import APIRoute
from pydantic import TypeAdapter
from starlette._utils import get_route_path
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Match
from starlette.types import Message, Receive, Scope, Send

Answer = Callable[[Request, dict[str, Any]], Awaitable[Any]]


class FastRead(BaseRoute):
    """GET on `mirror`'s path, answered by `answer(request, path_params)` (an instance of
    `mirror`'s response model), dumped as FastAPI dumps `mirror`'s answers."""

    def __init__(self, mirror: APIRoute, answer: Answer) -> None:
        assert mirror.methods == {"GET"} and mirror.response_model is not None
        self.mirror = mirror
        self.path = mirror.path
        self.path_format = mirror.path_format  # what the router reports as the selected route
        self.answer = answer
        self.status_code = mirror.status_code or 200
        self._dump = _dumper(mirror.response_model)
        self.include_in_schema = False

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http" or scope["method"] != "GET":
            return Match.NONE, {}
        return _full_match(self.mirror, scope)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        value = await self.answer(Request(scope, receive), scope["path_params"])
        body = self._dump(value, by_alias=True)
        await Response(body, status_code=self.status_code, media_type="application/json")(
            scope, receive, send
        )

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        return self.mirror.url_path_for(name, **path_params)


Create = Callable[[Request, dict[str, Any], Any], Awaitable[Response]]


class FastCreate(BaseRoute):
    """POST on `mirror`'s path with a JSON body its one body parameter accepts, answered by
    `create(request, path_params, body)`; any other request on that path goes to `mirror`."""

    def __init__(self, mirror: APIRoute, create: Create) -> None:
        assert mirror.methods == {"POST"} and mirror.body_field is not None
        self.mirror = mirror
        self.path = mirror.path
        self.path_format = mirror.path_format
        self.create = create
        self.include_in_schema = False

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] != "http" or scope["method"] != "POST":
            return Match.NONE, {}
        return _full_match(self.mirror, scope)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        try:
            raw = await request.body()
        except Exception as exc:  # a body over the limit, a client gone: the route's answer
            await self.mirror.handle(scope, _raising(exc), send)
            return
        body = self._accepted(request.headers.get("content-type"), raw)
        if body is None:  # FastAPI's route answers: its own parsing, validation and errors
            await self.mirror.handle(scope, _replay(raw, receive), send)
            return
        response = await self.create(request, scope["path_params"], body)
        await response(scope, receive, send)

    def _accepted(self, content_type: str | None, raw: bytes) -> Any:
        """The validated body parameter, or None unless FastAPI would have accepted it too."""
        if not raw or content_type != "application/json":
            return None
        field = self.mirror.body_field
        assert field is not None
        try:
            value = json.loads(raw)  # as Starlette's `Request.json`
            validated, errors = field.validate(value, {}, loc=("body",))
        except Exception:  # invalid JSON, or nested too deeply to decode: the route's answer
            return None
        return None if errors else validated

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        return self.mirror.url_path_for(name, **path_params)


def _full_match(mirror: APIRoute, scope: Scope) -> tuple[Match, Scope]:
    """What `mirror.matches` gives for a request of its method: the path parameters, and the
    route answering (the metrics' label and the error handlers read it)."""
    found = mirror.path_regex.match(get_route_path(scope))
    if found is None:
        return Match.NONE, {}
    convertors = mirror.param_convertors
    params = dict(scope.get("path_params", {}))
    params.update({k: convertors[k].convert(v) for k, v in found.groupdict().items()})
    return Match.FULL, {"endpoint": mirror.endpoint, "path_params": params, "route": mirror}


def _replay(raw: bytes, receive: Receive) -> Receive:
    """`receive` with the body already read given back first (then the disconnect as ever)."""
    pending = [{"type": "http.request", "body": raw, "more_body": False}]

    async def replayed() -> Message:
        return pending.pop() if pending else await receive()

    return replayed


def _raising(exc: Exception) -> Receive:
    """A `receive` that fails as reading the body did, for the route to meet it the same way
    (FastAPI answers 400 for any error but an `HTTPException` while it reads a body)."""

    async def failing() -> Message:
        raise exc

    return failing


def mirror_of(routes: list[BaseRoute], endpoint: Callable[..., Any]) -> APIRoute:
    """The `APIRoute` among `routes` whose endpoint is `endpoint`."""
    for route in routes:
        if isinstance(route, APIRoute) and route.endpoint is endpoint:
            return route
    raise LookupError(endpoint)


@cache
def _dumper(model: Any) -> Callable[..., bytes]:
    return TypeAdapter(model).dump_json


def dumped(model: Any, value: Any, status_code: int) -> Response:
    """`value` (an instance of `model`, the route's `response_model`) as FastAPI would answer
    it: dumped by `model`'s serializer, by alias, as `application/json`. Returned by a route,
    FastAPI sends it as it is, without validating `value` against `response_model` again
    (create-source: that validation was ~5% of its request's CPU in-process). The route keeps
    `response_model=` and `status_code=` in its decorator, so the OpenAPI document is the
    same."""
    body = _dumper(model)(value, by_alias=True)
    return Response(body, status_code=status_code, media_type="application/json")
