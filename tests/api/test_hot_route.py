"""get-source answered ahead of FastAPI's routing (`api.hot.FastRead`) answers exactly as the
route it mirrors: the same status, body bytes and headers for a source, another user's source
and a missing one; the other methods on its path, the metrics' label and the OpenAPI document
are unchanged."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client import REGISTRY
from sqlalchemy import select

from contextd.api import app as app_module
from contextd.api.hot import FastCreate, FastRead
from contextd.api.schemas import SourceOut
from contextd.runtime import Runtime
from contextd.services import keys
from contextd.store.tables import Job
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


def test_a_fast_create_is_counted_under_the_route_path(runtime: Runtime) -> None:
    client = TestClient(app_module.create_app(runtime, embedded_worker=False))
    labels = {"method": "POST", "route": "/v1/spaces/{spaceId}/sources", "status": "404"}
    before = REGISTRY.get_sample_value("contextd_http_requests_total", labels) or 0.0
    body = {"type": "CONTENT", "instructions": {}, "initial_data": {"data": "hi"}}
    headers = {"Authorization": f"Bearer {key_of(runtime)}"}
    assert client.post("/v1/spaces/nope/sources", json=body, headers=headers).status_code == 404
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


def fast_create_route(app: FastAPI) -> FastCreate:
    found = [r for r in app.router.routes if isinstance(r, FastCreate)]
    assert len(found) == 1
    return found[0]


def created_without_ids(answer: Any) -> dict[str, Any]:
    """A new source's answer without what is its own: its id (links included) and times."""
    made = answer.json()
    body: dict[str, Any] = json.loads(answer.text.replace(made["id"], "ID"))
    for name in ("created_at", "updated_at"):
        assert body[name] is not None
        body[name] = None
    return body


def test_fast_create_answers_as_the_route_it_mirrors(runtime: Runtime) -> None:
    """Every request on create-source's path, answered with and without `FastCreate`: the same
    status, headers and body bytes (for a source created: the same body but for its id and
    times), and the source created the same way."""
    app = app_module.create_app(runtime, embedded_worker=False)
    client = TestClient(app)
    key, other = key_of(runtime), key_of(runtime)
    auth = {"Authorization": f"Bearer {key}"}
    space = client.post("/v1/spaces", json={"name": "s"}, headers=auth).json()["id"]
    theirs = client.post(
        "/v1/spaces", json={"name": "t"}, headers={"Authorization": f"Bearer {other}"}
    ).json()["id"]
    path = f"/v1/spaces/{space}/sources"
    good = {
        "type": "CONTENT",
        "instructions": {"snapshot_budget_tokens": 300.0},
        "name": "n\u00e9 \u2028",
        "initial_data": {"data": "User: héllo\n\nAssistant: wörld"},
    }
    json_type = {"content-type": "application/json"}
    cases: list[tuple[str, str, bytes, dict[str, str]]] = [
        ("POST", path, json.dumps(good).encode(), json_type),  # 201, the fast path
        ("POST", path, json.dumps(good).encode(), {"content-type": "application/json; x=1"}),
        ("POST", path, json.dumps(good).encode(), {}),  # no content type: 415 (middleware)
        ("POST", path, json.dumps(good).encode(), {"content-type": "text/plain"}),
        ("POST", path, b"", json_type),  # no body: 400 (validation)
        ("POST", path, b"{", json_type),  # invalid JSON: 400
        ("POST", path, b"[]", json_type),  # not an object: 400
        ("POST", path, json.dumps({**good, "extra": 1}).encode(), json_type),  # 400
        ("POST", path, json.dumps({**good, "type": "NOPE"}).encode(), json_type),  # 400
        ("POST", path, json.dumps({**good, "initial_data": {}}).encode(), json_type),  # 400
        ("POST", path, json.dumps({**good, "collectionId": "nope"}).encode(), json_type),  # 400
        ("POST", "/v1/spaces/nope/sources", json.dumps(good).encode(), json_type),  # 404
        ("POST", f"/v1/spaces/{theirs}/sources", json.dumps(good).encode(), json_type),  # 404
        ("POST", path + "/", json.dumps(good).encode(), json_type),  # not this path
        ("PUT", path, json.dumps(good).encode(), json_type),  # not POST: 405 from the routes
        ("GET", path, b"", {}),  # the list
        ("POST", path, b'{"a":' * 10_000 + b"1" + b"}" * 10_000, json_type),  # too deep: 400
    ]

    def send(method: str, url: str, content: bytes, headers: dict[str, str]) -> Any:
        sent = {**auth, "X-Request-Id": "hot-create-test", **headers}
        return client.request(method, url, content=content, headers=sent)

    fast = [send(*case) for case in cases]
    statuses = [a.status_code for a in fast]
    assert statuses[:4] == [201, 201, 415, 415] and statuses[4:9] == [400] * 5
    assert statuses[9:13] == [400, 400, 404, 404] and statuses[-1] == 400
    app.router.routes.remove(fast_create_route(app))
    for case, answer in zip(cases, fast, strict=True):
        routed = send(*case)
        if answer.status_code == 201:
            assert routed.status_code == 201
            assert created_without_ids(answer) == created_without_ids(routed)
            assert [(k, v) for k, v in answer.headers.multi_items() if k not in VARYING] == [
                (k, v) for k, v in routed.headers.multi_items() if k not in VARYING
            ]
        elif case[0] == "GET":  # the list has grown by the sources the routed ones made
            assert (answer.status_code, routed.status_code) == (200, 200)
        else:
            same(answer, routed)
    # What was created through the fast path reads back as its answer said (PENDING, queued).
    made = fast[0].json()
    assert client.get(f"/v1/sources/{made['id']}", headers=auth).json() == made
    with runtime.db.session() as session:
        job = session.scalars(select(Job).where(Job.source_id == made["id"])).one()
        assert (job.kind, job.payload["revision"]) == ("process_source", 1)


def test_fast_create_meets_a_body_over_the_limit_as_the_route_does(tmp_path: Path) -> None:
    """A streamed body (no Content-Length) refused while it is read: the route's answer, the
    same with and without `FastCreate`."""
    settings = make_settings(tmp_path, f"sqlite:///{tmp_path / 'limit.db'}", max_request_bytes=64)
    runtime = Runtime.build(settings)
    try:
        app = app_module.create_app(runtime, embedded_worker=False)
        client = TestClient(app)
        key = key_of(runtime)
        auth = {"Authorization": f"Bearer {key}", "X-Request-Id": "hot-create-limit"}
        space = client.post("/v1/spaces", json={"name": "s"}, headers=auth).json()["id"]
        body = json.dumps(
            {"type": "CONTENT", "instructions": {}, "initial_data": {"data": "x" * 200}}
        )

        def streamed() -> Any:
            headers = {**auth, "content-type": "application/json"}
            chunks = (body[i : i + 50].encode() for i in range(0, len(body), 50))
            return client.post(f"/v1/spaces/{space}/sources", content=chunks, headers=headers)

        fast = streamed()
        app.router.routes.remove(fast_create_route(app))
        routed = streamed()
        assert fast.status_code >= 400, fast.text
        same(fast, routed)
    finally:
        runtime.close()
