"""get-source answered ahead of FastAPI's routing (`api.hot.FastRead`) answers exactly as the
route it mirrors: the same status, body bytes and headers for a source, another user's source
and a missing one; the other methods on its path, the metrics' label and the OpenAPI document
are unchanged."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY

from contextd.api import app as app_module
from contextd.api.hot import FastRead
from contextd.api.schemas import SourceOut
from contextd.runtime import Runtime
from contextd.services import keys
from tests.support.settings import make_settings

VARYING = {"x-ratelimit-remaining", "x-ratelimit-reset"}  # count down from one request to the next


@pytest.fixture(scope="module")
def runtime(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runtime]:
    tmp = tmp_path_factory.mktemp("hot")
    runtime = Runtime.build(make_settings(tmp, f"sqlite:///{tmp / 'hot.db'}"))
    yield runtime
    runtime.close()


def key_of(runtime: Runtime) -> str:
    with runtime.db.session() as session:
        user = keys.ensure_user(session, "hot", f"{uuid.uuid4().hex}@example.test")
        return keys.create_key(session, user, "test", None).raw


def fast_route(app: FastAPI) -> FastRead:
    found = [r for r in app.router.routes if isinstance(r, FastRead)]
    assert len(found) == 1
    return found[0]


def answers(client: TestClient, method: str, path: str, key: str) -> Any:
    headers = {"Authorization": f"Bearer {key}", "X-Request-Id": "hot-route-test"}
    return client.request(method, path, headers=headers)


def same(a: Any, b: Any) -> None:
    assert (a.status_code, a.content) == (b.status_code, b.content)
    assert [(k, v) for k, v in a.headers.multi_items() if k not in VARYING] == [
        (k, v) for k, v in b.headers.multi_items() if k not in VARYING
    ]


def test_fast_read_answers_as_the_route_it_mirrors(runtime: Runtime) -> None:
    app = app_module.create_app(runtime, embedded_worker=False)
    client = TestClient(app)
    key, other = key_of(runtime), key_of(runtime)
    space = client.post(
        "/v1/spaces", json={"name": "s"}, headers={"Authorization": f"Bearer {key}"}
    )
    created = client.post(
        f"/v1/spaces/{space.json()['id']}/sources",
        json={
            "type": "CONTENT",
            "instructions": {},
            "name": "n\u00e9 \u2028",
            "initial_data": {"data": "User: héllo\n\nAssistant: wörld"},
        },
        headers={"Authorization": f"Bearer {key}"},
    )
    assert created.status_code == 201, created.text
    assert created.headers["content-type"] == "application/json"
    source = f"/v1/sources/{created.json()['id']}"
    # create-source's answer, dumped by the route itself, is what FastAPI would send for it,
    # and what get-source reads back (no worker runs here: still PENDING).
    new = SourceOut.model_validate_json(created.content)
    assert created.content == SourceOut.__pydantic_serializer__.to_json(new, by_alias=True)
    assert created.content == answers(client, "GET", source, key).content
    cases = [
        ("GET", source, key),  # 200
        ("GET", source, other),  # another user's: 404
        ("GET", "/v1/sources/missing", key),  # 404
        ("GET", "/v1/sources/a%2Fb", key),  # an encoded slash is a segment: 404
        ("HEAD", source, key),  # not GET: the routes answer, as before
        ("PATCH", source, key),  # the body is missing: 400 from the route
        ("GET", source + "/", key),  # not this path
    ]
    fast = [answers(client, *case) for case in cases]
    assert fast[0].status_code == 200 and fast[1].status_code == 404
    body = SourceOut.model_validate_json(fast[0].content)
    # What FastAPI sends for the route: the model dumped by its serializer, by alias.
    assert fast[0].content == SourceOut.__pydantic_serializer__.to_json(body, by_alias=True)
    app.router.routes.remove(fast_route(app))
    for case, answer in zip(cases, fast, strict=True):
        same(answer, answers(client, *case))


def test_the_request_is_counted_under_the_route_path(runtime: Runtime) -> None:
    app = app_module.create_app(runtime, embedded_worker=False)
    client = TestClient(app)
    labels = {"method": "GET", "route": "/v1/sources/{sourceId}", "status": "404"}
    before = REGISTRY.get_sample_value("contextd_http_requests_total", labels) or 0.0
    assert answers(client, "GET", "/v1/sources/missing", key_of(runtime)).status_code == 404
    assert REGISTRY.get_sample_value("contextd_http_requests_total", labels) == before + 1


def test_the_openapi_document_does_not_change(runtime: Runtime) -> None:
    with_fast = TestClient(app_module.create_app(runtime, embedded_worker=False))
    app = app_module.create_app(runtime, embedded_worker=False)
    app.router.routes.remove(fast_route(app))
    without = TestClient(app)
    digests = [
        hashlib.sha256(c.get("/openapi.json").content).hexdigest() for c in (with_fast, without)
    ]
    assert digests[0] == digests[1]
