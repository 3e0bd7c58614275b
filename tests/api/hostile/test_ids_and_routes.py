"""Ids, methods and routes: unknown and malformed ids are 404 on every route that takes one, a
wrong method is 405, an unknown route 404, a hostile request id is not echoed, and after all of
it both users read back what they had."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

import pytest

from tests.api.hostile.world import OK_SOURCE, World
from tests.support.errors import assert_error

# --- ids ----------------------------------------------------------------------------------------

MALFORMED_IDS = [
    "00000000-0000-4000-8000-000000000000",  # well-formed, unknown
    "'; DROP TABLE sources; --",
    "1 OR 1=1",
    "i" * 10_000,
    "ünïcødé-💥",
    "\x00",
    "<script>alert(1)</script>",
    "%",
]

ID_ROUTES = [
    ("GET", "/v1/spaces/{id}", None),
    ("PUT", "/v1/spaces/{id}", {"name": "renamed"}),
    ("DELETE", "/v1/spaces/{id}", None),
    ("POST", "/v1/spaces/{id}/collections", {"name": "c"}),
    ("GET", "/v1/spaces/{id}/collections", None),
    ("POST", "/v1/spaces/{id}/sources", OK_SOURCE),
    ("GET", "/v1/spaces/{id}/sources", None),
    ("GET", "/v1/spaces/{id}/artifacts", None),
    ("GET", "/v1/spaces/{id}/artifacts.zip", None),
    ("PATCH", "/v1/collections/{id}", {"name": "renamed"}),
    ("DELETE", "/v1/collections/{id}", None),
    ("GET", "/v1/sources/{id}", None),
    ("PATCH", "/v1/sources/{id}", {"name": "renamed"}),
    ("DELETE", "/v1/sources/{id}", None),
    ("POST", "/v1/sources/{id}/restore", None),
    ("PATCH", "/v1/sources/{id}/toggle-pin", None),
    ("POST", "/v1/sources/{id}/cancel", None),
    ("POST", "/v1/sources/{id}/refresh", {}),
    ("POST", "/v1/sources/{id}/reprocess", {}),
    ("POST", "/v1/sources/{id}/fast-forward", {"type": "CONTENT", "initial_data": {"data": "x"}}),
    ("GET", "/v1/sources/{id}/snapshot", None),
    ("GET", "/v1/sources/{id}/turns", None),
    ("GET", "/v1/sources/{id}/content", None),
    ("GET", "/v1/artifacts/{id}", None),
    ("GET", "/v1/artifacts/{id}/raw", None),
    ("DELETE", "/v1/api-keys/{id}", None),
]


@pytest.mark.parametrize(
    ("method", "route", "body"), ID_ROUTES, ids=[f"{m} {r}" for m, r, _ in ID_ROUTES]
)
def test_unknown_and_malformed_ids_are_404(
    method: str, route: str, body: Any, intact: World
) -> None:
    c = intact.owner.client
    for raw_id in MALFORMED_IDS:
        path = route.replace("{id}", quote(raw_id, safe=""))
        response = (
            c.request(method, path, json=body) if body is not None else c.request(method, path)
        )
        assert_error(response, 404)


# --- methods and routes -------------------------------------------------------------------------

WRONG_METHODS = [
    ("DELETE", "/v1/spaces"),
    ("PATCH", "/v1/spaces/{space}"),
    ("POST", "/v1/spaces/{space}"),
    ("PUT", "/v1/sources/{source}"),
    ("POST", "/v1/sources/{source}"),
    ("GET", "/v1/sources/{source}/cancel"),
    ("DELETE", "/v1/sources/{source}/restore"),
    ("POST", "/v1/sources/{source}/toggle-pin"),
    ("PUT", "/v1/api-keys"),
    ("GET", "/v1/upload/s3"),
    ("PUT", "/v1/collections/{collection}"),
    ("DELETE", "/v1/artifacts/{source}"),
    ("POST", "/v1/files/{file_key}"),
    ("GET", "/uploads/{file_key}"),
    ("POST", "/health"),
]
UNKNOWN_ROUTES = [
    ("GET", "/v1/nope"),
    ("GET", "/v2/spaces"),
    ("GET", "/V1/spaces"),
    ("GET", "/v1/spaces/{space}/nope"),
    ("GET", "/v1/sources"),
    ("POST", "/v1/sources/{source}/explode"),
    ("GET", "/.env"),
]


@pytest.mark.parametrize(
    ("method", "path"), WRONG_METHODS, ids=[" ".join(r) for r in WRONG_METHODS]
)
def test_a_wrong_method_is_405(method: str, path: str, intact: World) -> None:
    response = intact.owner.client.request(method, intact.fill(path))
    assert_error(response, 405)


@pytest.mark.parametrize(
    ("method", "path"), UNKNOWN_ROUTES, ids=[" ".join(r) for r in UNKNOWN_ROUTES]
)
def test_an_unknown_route_is_404(method: str, path: str, intact: World) -> None:
    response = intact.owner.client.request(method, intact.fill(path))
    assert_error(response, 404, contains="no route")


def test_a_hostile_request_id_is_not_echoed(intact: World) -> None:
    response = intact.owner.client.get("/v1/nope", headers={"X-Request-Id": "<script>x</script>"})
    body = assert_error(response, 404)
    assert body["requestId"].startswith("req_") and "<" not in response.headers["x-request-id"]


def test_after_all_of_it_both_users_read_back_what_they_had(world: World) -> None:
    world.reads_back_unchanged()
    victim = world.victim.client.get(f"/v1/sources/{world.victim.source}")
    assert victim.status_code == 200 and victim.json()["status"] == "COMPLETED"
