"""The hot routes are matched first, and that changes nothing but how soon they are found.

`create_app` moves the `sources` router to the front of the route list (`app.HOT`), because
FastAPI tries a request's path against every route before the one that answers it. That is
only safe if no route of the other routers answers a path a `sources` route matches (it
would be shadowed), and the OpenAPI document (and so the API reference) must keep the
declared order."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Route

from contextd.api import app as app_module
from contextd.api.hot import FastCreate, FastRead
from contextd.api.routers import sources
from contextd.runtime import Runtime
from tests.support.settings import make_settings


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[FastAPI]:
    tmp = tmp_path_factory.mktemp("routing")
    runtime = Runtime.build(make_settings(tmp, f"sqlite:///{tmp / 'routing.db'}"))
    yield app_module.create_app(runtime, embedded_worker=False)
    runtime.close()


def sample(path: str) -> str:
    """A concrete path the template matches (every parameter `x`)."""
    return re.sub(r"\{[^}]+\}", "x", path)


def leaves(routes: list[BaseRoute]) -> list[Route]:
    """The app's routes with a path, those of included routers spelt out."""
    found: list[Route] = []
    for route in routes:
        router = getattr(route, "original_router", None)
        if router is not None:
            found += leaves(router.routes)
        elif isinstance(route, Route):
            found.append(route)
    return found


def test_the_sources_router_is_matched_first(app: FastAPI) -> None:
    """After get-source's `FastRead` and create-source's `FastCreate`, which match only what
    their routes do (test_hot_route)."""
    first, second = app.router.routes[:2]
    assert isinstance(first, FastRead) and first.mirror.endpoint is sources.get_source
    assert isinstance(second, FastCreate) and second.mirror.endpoint is sources.create_source
    assert getattr(app.router.routes[2], "original_router", None) is app_module.HOT


def test_no_other_route_answers_a_path_a_hot_route_matches(app: FastAPI) -> None:
    hot = leaves(app_module.HOT.routes)
    others = [r for r in leaves(app.router.routes) if r not in hot]
    assert hot and others
    shadowed = [
        (other.path, route.path)
        for other in others
        for route in hot
        if route.path_regex.match(sample(other.path))
    ]
    assert shadowed == []


def test_the_openapi_document_keeps_the_declared_order(app: FastAPI) -> None:
    declared: list[str] = []
    for module in app_module.ROUTERS:
        for route in module.router.routes:
            path = getattr(route, "path_format", "")  # `{fileKey:path}` as `{fileKey}`
            documented = isinstance(route, APIRoute) and route.include_in_schema
            if documented and path not in declared:
                declared.append(path)
    paths = list(app.openapi()["paths"])
    assert paths == declared
    assert paths.index("/v1/spaces") < paths.index("/v1/sources/{sourceId}")


def test_the_hot_routes_still_answer(app: FastAPI) -> None:
    from fastapi.testclient import TestClient

    with TestClient(app) as client:
        assert client.get("/v1/sources/missing").status_code == 401  # found; no key given
        assert client.post("/v1/spaces/missing/sources", json={}).status_code == 401
        assert client.get("/health").status_code in (200, 503)
