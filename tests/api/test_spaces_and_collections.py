"""Spaces (PUT to update) and the collection tree built from `parentId`."""

from __future__ import annotations

from contextd.jobs.queue import PURGE_BLOBS
from contextd.testing import drain_jobs
from tests.support.errors import assert_error
from tests.support.service import Client, Service


def test_space_crud(client: Client) -> None:
    created = client.post("/v1/spaces", json={"name": "Project X", "description": "d"})
    assert created.status_code == 201
    space = created.json()
    assert space["name"] == "Project X" and space["description"] == "d"

    assert client.get(f"/v1/spaces/{space['id']}").json()["name"] == "Project X"
    updated = client.put(f"/v1/spaces/{space['id']}", json={"name": "Renamed"})
    assert updated.status_code == 200
    assert updated.json()["name"] == "Renamed"
    assert updated.json()["description"] is None

    listing = client.get("/v1/spaces").json()
    assert [s["id"] for s in listing["spaces"]] == [space["id"]]
    assert listing["pagination"] == {"page": 1, "per_page": 25, "total": 1, "pages": 1}

    assert client.delete(f"/v1/spaces/{space['id']}").status_code == 204
    assert_error(client.get(f"/v1/spaces/{space['id']}"), 404)


def test_space_list_paginates(client: Client) -> None:
    for n in range(5):
        client.space(f"s{n}")
    page = client.get("/v1/spaces", params={"page": 2, "per_page": 2}).json()
    assert [s["name"] for s in page["spaces"]] == ["s2", "s3"]
    assert page["pagination"] == {"page": 2, "per_page": 2, "total": 5, "pages": 3}
    assert_error(client.get("/v1/spaces", params={"per_page": 101}), 400)
    assert_error(client.get("/v1/spaces", params={"page": 0}), 400)


def test_space_validation(client: Client) -> None:
    body = assert_error(client.post("/v1/spaces", json={}), 400)
    assert body["details"][0]["field"] == "name"
    assert_error(client.post("/v1/spaces", json={"name": ""}), 400)
    assert_error(client.post("/v1/spaces", json={"name": 5}), 400)
    assert_error(client.put("/v1/spaces/nope", json={"name": "x"}), 404)


def test_collections_form_a_tree(client: Client) -> None:
    space = client.space()
    base = f"/v1/spaces/{space['id']}/collections"
    root = client.post(base, json={"name": "root"}).json()
    child = client.post(base, json={"name": "child", "parentId": root["id"]}).json()
    grandchild = client.post(base, json={"name": "gc", "parentId": child["id"]}).json()
    other_root = client.post(base, json={"name": "other"}).json()

    tree = client.get(base).json()["collections"]
    assert [n["name"] for n in tree] == ["root", "other"]
    assert tree[0]["children"][0]["id"] == child["id"]
    assert tree[0]["children"][0]["children"][0]["id"] == grandchild["id"]
    assert tree[1]["id"] == other_root["id"] and tree[1]["children"] == []


def test_collection_parent_must_be_in_the_same_space(client: Client) -> None:
    a, b = client.space("a"), client.space("b")
    in_b = client.post(f"/v1/spaces/{b['id']}/collections", json={"name": "x"}).json()
    body = assert_error(
        client.post(
            f"/v1/spaces/{a['id']}/collections", json={"name": "y", "parentId": in_b["id"]}
        ),
        400,
    )
    assert "parentId" in body["message"]


def test_collection_move_refuses_cycles(client: Client) -> None:
    space = client.space()
    base = f"/v1/spaces/{space['id']}/collections"
    top = client.post(base, json={"name": "top"}).json()
    below = client.post(base, json={"name": "below", "parentId": top["id"]}).json()
    assert_error(client.patch(f"/v1/collections/{top['id']}", json={"parentId": below["id"]}), 400)
    moved = client.patch(f"/v1/collections/{below['id']}", json={"parentId": None})
    assert moved.status_code == 200 and moved.json()["parentId"] is None


def test_deleting_a_collection_unfiles_its_sources(client: Client) -> None:
    space = client.space()
    col = client.post(f"/v1/spaces/{space['id']}/collections", json={"name": "c"}).json()
    src = client.source(
        space["id"],
        {"type": "CONTENT", "initial_data": {"data": "hello"}, "collectionId": col["id"]},
    )
    assert src["collectionId"] == col["id"]
    assert client.delete(f"/v1/collections/{col['id']}").status_code == 204
    assert client.get(f"/v1/sources/{src['id']}").json()["collectionId"] is None


def test_deleting_a_space_removes_its_sources_and_their_blobs(
    client: Client, service: Service
) -> None:
    space = client.space()
    # Over `INLINE_RAW_MAX`, so its bytes are a blob (smaller ones go with the row:
    # tests/api/test_inline_raw.py).
    data = "keep me " * 500
    source = client.source(space["id"], {"type": "CONTENT", "initial_data": {"data": data}})
    done = client.wait(source["id"])
    blobs = service.runtime.blobs
    assert blobs.exists(f"sources/{source['id']}/raw")
    assert client.delete(f"/v1/spaces/{space['id']}").status_code == 204
    assert_error(client.get(f"/v1/sources/{done['id']}"), 404)
    drain_jobs(service, kinds=[PURGE_BLOBS])
    assert not blobs.exists(f"sources/{source['id']}/raw")
