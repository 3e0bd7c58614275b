"""Ownership isolation: user B can neither see nor touch anything of user A's.

Every route that addresses one of A's resources answers B with 404, exactly as for an id that
does not exist (never 403, which would confirm the id, and never any of A's data). Where B
names A's resources inside a request body (a fileKey, source ids, a collection), the request is
refused with the same 400 an unknown id gets. After each attempt A reads back exactly what A
read before.
"""

from __future__ import annotations

import io
import uuid
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.errors import assert_error
from tests.support.factories import transcript
from tests.support.service import Client, Service

SECRET_NAME = "alice-private-source-name"


@dataclass
class Alice:
    client: Client
    space: str
    collection: str
    child: str
    source: str
    artifact: str
    key: str
    file_key: str

    def fill(self, template: str) -> str:
        return template.format(
            space=self.space,
            collection=self.collection,
            source=self.source,
            artifact=self.artifact,
            key=self.key,
            file_key=self.file_key,
        )


@pytest.fixture(scope="module")
def alice(service: Service) -> Iterator[Alice]:
    """A's world: a space with a collection tree, a COMPLETED source with artifacts and a
    snapshot, an uploaded file and a second API key."""
    with service.client("alice") as c:
        space = c.space("alice space")
        base = f"/v1/spaces/{space['id']}/collections"
        collection = c.post(base, json={"name": "root"}).json()
        child = c.post(base, json={"name": "child", "parentId": collection["id"]}).json()
        data = b"alice's file\n"
        presigned = c.post(
            "/v1/upload/s3",
            json={"filename": "alice.txt", "contentType": "text/plain", "size": len(data)},
        ).json()
        put = c.put(presigned["uploadUrl"], content=data, headers={"Content-Type": "text/plain"})
        assert put.status_code == 200, put.text
        source = c.source(
            space["id"],
            {
                "type": "CONTENT",
                "name": SECRET_NAME,
                "collectionId": collection["id"],
                "initial_data": {"data": transcript(12)},
            },
        )
        done = c.wait(source["id"])
        assert done["status"] == "COMPLETED", done["message"]
        assert done["artifacts"] and done["snapshot"]
        key = c.post("/v1/api-keys", json={"name": "alice second key"}).json()
        yield Alice(
            c,
            space["id"],
            collection["id"],
            child["id"],
            source["id"],
            done["artifacts"][0]["id"],
            key["id"],
            presigned["fileKey"],
        )


def view(a: Alice) -> dict[str, Any]:
    """Everything A can read, through the API (minus `last_used_at`, which reads bump)."""
    c = a.client

    def get(path: str, **params: Any) -> Any:
        response = c.get(a.fill(path), params=params)
        assert response.status_code == 200, (path, response.text)
        return response

    keys = get("/v1/api-keys").json()
    for key in keys["api_keys"]:
        key.pop("last_used_at", None)
    archive = zipfile.ZipFile(io.BytesIO(get("/v1/spaces/{space}/artifacts.zip").content))
    return {
        "spaces": get("/v1/spaces").json(),
        "space": get("/v1/spaces/{space}").json(),
        "collections": get("/v1/spaces/{space}/collections").json(),
        "sources": get("/v1/spaces/{space}/sources", include_deleted="true").json(),
        "source": get("/v1/sources/{source}").json(),
        "snapshot": get("/v1/sources/{source}/snapshot").json(),
        "turns": get("/v1/sources/{source}/turns", per_page=100).json(),
        "content": get("/v1/sources/{source}/content").text,
        "artifacts": get("/v1/spaces/{space}/artifacts", current="false").json(),
        "artifact": get("/v1/artifacts/{artifact}").json(),
        "raw": get("/v1/artifacts/{artifact}/raw").content,
        "zip": {name: archive.read(name) for name in archive.namelist()},
        "keys": keys,
        "file": get("/v1/files/{file_key}").content,
    }


def glance(a: Alice) -> dict[str, Any]:
    """The part of A's view any write would show in: the space, the collection tree, the source
    (status, revision, artifacts, snapshot, timestamps) and the keys."""
    full = {}
    for name, path in [
        ("space", "/v1/spaces/{space}"),
        ("collections", "/v1/spaces/{space}/collections"),
        ("source", "/v1/sources/{source}"),
        ("keys", "/v1/api-keys"),
    ]:
        response = a.client.get(a.fill(path))
        assert response.status_code == 200, response.text
        full[name] = response.json()
    for key in full["keys"]["api_keys"]:
        key.pop("last_used_at", None)
    return full


@pytest.fixture(scope="module")
def baseline(alice: Alice) -> tuple[dict[str, Any], dict[str, Any]]:
    """A's full view and glance, taken once before B tries anything."""
    return view(alice), glance(alice)


@pytest.fixture
def before(alice: Alice, baseline: tuple[dict[str, Any], dict[str, Any]]) -> Iterator[None]:
    """After each test, A's glance is what it was at the start."""
    yield
    assert glance(alice) == baseline[1]


# (method, path, body): each route that addresses one of A's resources by id.
A_ROUTES: list[tuple[str, str, Any]] = [
    ("GET", "/v1/spaces/{space}", None),
    ("PUT", "/v1/spaces/{space}", {"name": "taken over"}),
    ("DELETE", "/v1/spaces/{space}", None),
    ("POST", "/v1/spaces/{space}/collections", {"name": "planted"}),
    ("GET", "/v1/spaces/{space}/collections", None),
    ("PATCH", "/v1/collections/{collection}", {"name": "renamed"}),
    ("PATCH", "/v1/collections/{collection}", {"parentId": None}),
    ("DELETE", "/v1/collections/{collection}", None),
    ("POST", "/v1/spaces/{space}/sources", {"type": "CONTENT", "initial_data": {"data": "x"}}),
    ("GET", "/v1/spaces/{space}/sources", None),
    ("GET", "/v1/sources/{source}", None),
    ("PATCH", "/v1/sources/{source}", {"name": "renamed"}),
    ("PATCH", "/v1/sources/{source}", {"instructions": {"postback_url": "https://127.0.0.2/hook"}}),
    ("DELETE", "/v1/sources/{source}", None),
    ("POST", "/v1/sources/{source}/restore", None),
    ("PATCH", "/v1/sources/{source}/toggle-pin", None),
    ("POST", "/v1/sources/{source}/cancel", None),
    ("POST", "/v1/sources/{source}/refresh", {}),
    ("POST", "/v1/sources/{source}/reprocess", {}),
    (
        "POST",
        "/v1/sources/{source}/fast-forward",
        {"type": "CONTENT", "initial_data": {"data": "User: more\n\nAssistant: ok"}},
    ),
    ("GET", "/v1/sources/{source}/snapshot", None),
    ("GET", "/v1/sources/{source}/turns", None),
    ("GET", "/v1/sources/{source}/content", None),
    ("GET", "/v1/spaces/{space}/artifacts", None),
    ("GET", "/v1/spaces/{space}/artifacts.zip", None),
    ("GET", "/v1/artifacts/{artifact}", None),
    ("GET", "/v1/artifacts/{artifact}/raw", None),
    ("DELETE", "/v1/api-keys/{key}", None),
    ("GET", "/v1/files/{file_key}", None),
]


def _send(c: Client, method: str, path: str, body: Any) -> Any:
    if body is None:
        return c.request(method, path)
    if method == "POST" and path.endswith("/sources"):
        body = {"instructions": {}, **body}
    return c.request(method, path, json=body)


def _unknown(template: str) -> str:
    """The same route with every id replaced by one that exists nowhere."""
    return template.format(
        space=uuid.uuid4(),
        collection=uuid.uuid4(),
        source=uuid.uuid4(),
        artifact=uuid.uuid4(),
        key=uuid.uuid4(),
        file_key=f"uploads/{uuid.uuid4()}/{uuid.uuid4().hex}/alice.txt",
    )


@pytest.mark.parametrize(
    ("method", "path", "body"),
    A_ROUTES,
    ids=[f"{m} {p}" + (f" {sorted(b)}" if b else "") for m, p, b in A_ROUTES],
)
def test_b_gets_404_for_each_of_a_s_resources(
    method: str,
    path: str,
    body: Any,
    alice: Alice,
    other_client: Client,
    before: None,
) -> None:
    target = alice.fill(path)
    response = _send(other_client, method, target, body)
    error = assert_error(response, 404)
    # Nothing of A's beyond what B sent: no names, no owner id (unless B put it in the URL).
    assert SECRET_NAME not in response.text
    assert alice.client.user_id not in response.text.replace(target.split("/", 3)[-1], "")

    # Indistinguishable from an id that exists nowhere: same status, same message shape.
    unknown = assert_error(_send(other_client, method, _unknown(path), body), 404)
    assert error["message"].split(" ")[0] == unknown["message"].split(" ")[0]
    assert error["message"].endswith("not found") and unknown["message"].endswith("not found")


def test_b_lists_only_b_s_own_spaces_and_keys(
    alice: Alice, other_client: Client, before: None
) -> None:
    mine = other_client.space("bob space")
    spaces = other_client.get("/v1/spaces").json()
    assert [s["id"] for s in spaces["spaces"]] == [mine["id"]]
    assert spaces["pagination"]["total"] == 1
    keys = other_client.get("/v1/api-keys").json()
    assert alice.key not in {k["id"] for k in keys["api_keys"]}
    assert keys["pagination"]["total"] == 1


def test_b_s_filters_never_reach_into_a_s_data(
    alice: Alice, other_client: Client, before: None
) -> None:
    space = other_client.space()["id"]
    c = other_client
    sources = c.get(f"/v1/spaces/{space}/sources", params={"collectionId": alice.collection})
    assert sources.status_code == 200 and sources.json()["sources"] == []
    artifacts = c.get(f"/v1/spaces/{space}/artifacts", params={"sourceId": alice.source})
    assert artifacts.status_code == 200 and artifacts.json()["artifacts"] == []
    deliveries = c.get("/v1/postbacks/deliveries", params={"sourceId": alice.source})
    assert deliveries.status_code == 200 and deliveries.json()["deliveries"] == []


# (why, request body for B's own space, the field B is told about): A's ids inside B's bodies.
A_IDS_IN_B_BODIES: list[tuple[str, dict[str, Any], str]] = [
    (
        "A's fileKey as B's FILE source",
        {"type": "FILE", "initial_data": {"data": "{file_key}"}},
        "initial_data.data",
    ),
    (
        "A's source in B's COMPOSITION",
        {"type": "COMPOSITION", "initial_data": {"source_ids": ["{source}"]}},
        "initial_data.source_ids",
    ),
    (
        "A's source beside B's own in a COMPOSITION",
        {"type": "COMPOSITION", "initial_data": {"source_ids": ["{own}", "{source}"]}},
        "initial_data.source_ids",
    ),
    (
        "A's collection as B's source's collectionId",
        {"type": "CONTENT", "initial_data": {"data": "x"}, "collectionId": "{collection}"},
        "collectionId",
    ),
]


def _filled(value: Any, a: Alice, own: str) -> Any:
    if isinstance(value, str):
        return value.replace("{own}", own).format(
            file_key=a.file_key, source=a.source, collection=a.collection
        )
    if isinstance(value, dict):
        return {k: _filled(v, a, own) for k, v in value.items()}
    if isinstance(value, list):
        return [_filled(v, a, own) for v in value]
    return value


@pytest.mark.parametrize(
    ("why", "body", "field"), A_IDS_IN_B_BODIES, ids=[w for w, *_ in A_IDS_IN_B_BODIES]
)
def test_a_s_ids_inside_b_s_create_are_400(
    why: str,
    body: dict[str, Any],
    field: str,
    alice: Alice,
    other_client: Client,
    before: None,
) -> None:
    space = other_client.space()["id"]
    mine: list[str] = []
    if "{own}" in str(body):
        own = other_client.source(space, {"type": "CONTENT", "initial_data": {"data": "mine"}})
        mine.append(own["id"])
    filled = {"instructions": {}, **_filled(body, alice, mine[0] if mine else "")}
    error = assert_error(other_client.post(f"/v1/spaces/{space}/sources", json=filled), 400)
    assert error["details"][0]["field"] == field, error
    assert SECRET_NAME not in str(error)
    listed = other_client.get(f"/v1/spaces/{space}/sources").json()
    assert [s["id"] for s in listed["sources"]] == mine  # nothing was created


def test_a_s_collection_cannot_parent_or_file_b_s_things(
    alice: Alice, other_client: Client, before: None
) -> None:
    c = other_client
    space = c.space()["id"]
    mine = c.post(f"/v1/spaces/{space}/collections", json={"name": "mine"}).json()
    source = c.source(space, {"type": "CONTENT", "initial_data": {"data": "mine"}})

    created = c.post(
        f"/v1/spaces/{space}/collections", json={"name": "x", "parentId": alice.collection}
    )
    assert assert_error(created, 400)["details"][0]["field"] == "parentId"
    moved = c.patch(f"/v1/collections/{mine['id']}", json={"parentId": alice.child})
    assert assert_error(moved, 400)["details"][0]["field"] == "parentId"
    filed = c.patch(f"/v1/sources/{source['id']}", json={"collectionId": alice.collection})
    assert assert_error(filed, 400)["details"][0]["field"] == "collectionId"

    tree = c.get(f"/v1/spaces/{space}/collections").json()["collections"]
    assert [(n["id"], n["parentId"]) for n in tree] == [(mine["id"], None)]
    assert c.get(f"/v1/sources/{source['id']}").json()["collectionId"] is None


def test_a_s_file_cannot_fast_forward_b_s_source(
    alice: Alice, other_client: Client, before: None
) -> None:
    c = other_client
    space = c.space()["id"]
    own = c.source(space, {"type": "CONTENT", "initial_data": {"data": transcript(4)}})
    done = c.wait(own["id"])
    assert done["status"] == "COMPLETED", done["message"]
    body = {"type": "FILE", "initial_data": {"data": alice.file_key}}
    error = assert_error(c.post(f"/v1/sources/{own['id']}/fast-forward", json=body), 400)
    assert error["details"][0]["field"] == "initial_data.data"
    assert c.get(f"/v1/sources/{own['id']}").json()["revision"] == done["revision"]


def test_a_s_keys_still_work_after_b_tried_to_revoke_them(
    alice: Alice, other_client: Client, before: None
) -> None:
    assert_error(other_client.delete(f"/v1/api-keys/{alice.key}"), 404)
    listed = {k["id"]: k for k in alice.client.get("/v1/api-keys").json()["api_keys"]}
    assert listed[alice.key]["revoked_at"] is None
    assert alice.client.get(f"/v1/sources/{alice.source}").status_code == 200


def test_after_all_of_it_a_reads_back_exactly_what_a_had(
    alice: Alice, baseline: tuple[dict[str, Any], dict[str, Any]]
) -> None:
    assert view(alice) == baseline[0]
