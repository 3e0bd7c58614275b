"""Creating sources: per-type `initial_data` rules, `instructions`, `collectionId`."""

from __future__ import annotations

from tests.support.errors import assert_error
from tests.support.pages import PageServer
from tests.support.service import Client


def test_content_source_starts_pending_with_its_fields(client: Client) -> None:
    space = client.space()
    source = client.source(
        space["id"],
        {
            "type": "CONTENT",
            "name": "chat",
            "description": "pasted",
            "initial_data": {"data": "User: hi\n\nAssistant: hello"},
        },
    )
    assert source["status"] in ("PENDING", "PROCESSING", "COMPLETED")
    assert source["type"] == "CONTENT"
    assert source["spaceId"] == space["id"]
    assert source["name"] == "chat" and source["description"] == "pasted"
    assert source["initial_data"] == {"bytes": len(b"User: hi\n\nAssistant: hello")}
    assert source["pinned"] is False and source["deleted"] is False
    assert source["revision"] == 1


def test_instructions_are_required_but_may_be_empty(client: Client) -> None:
    space = client.space()
    response = client.post(
        f"/v1/spaces/{space['id']}/sources",
        json={"type": "CONTENT", "initial_data": {"data": "x"}},
    )
    body = assert_error(response, 400)
    assert body["details"] == [{"field": "instructions", "message": "Field required"}]


def test_unknown_instruction_keys_are_kept(client: Client) -> None:
    space = client.space()
    source = client.source(
        space["id"],
        {"type": "CONTENT", "initial_data": {"data": "x"}, "instructions": {"tag": "a"}},
    )
    assert source["instructions"] == {"tag": "a"}


def test_postback_url_must_be_https(client: Client) -> None:
    space = client.space()
    body = client.source(
        space["id"],
        {
            "type": "CONTENT",
            "initial_data": {"data": "x"},
            "instructions": {"postback_url": "http://example.com/hook"},
        },
        expect=400,
    )
    assert body["details"][0]["field"] == "instructions.postback_url"


def test_each_type_validates_its_initial_data(client: Client) -> None:
    space = client.space()
    cases = [
        ({"type": "URI", "initial_data": {}}, "initial_data.url"),
        ({"type": "URI", "initial_data": {"url": 42}}, "initial_data.url"),
        ({"type": "URI", "initial_data": {"uri": "ftp://example.com/x"}}, "initial_data.uri"),
        ({"type": "FILE", "initial_data": {}}, "initial_data.data"),
        ({"type": "FILE", "initial_data": {"data": "uploads/nope/x.txt"}}, "initial_data.data"),
        ({"type": "CONTENT", "initial_data": {}}, "initial_data.data"),
        ({"type": "CONTENT", "initial_data": {"data": "   "}}, "initial_data.data"),
        ({"type": "CONTENT", "initial_data": {"data": 12}}, "initial_data.data"),
        ({"type": "COMPOSITION", "initial_data": {}}, "initial_data.source_ids"),
        ({"type": "COMPOSITION", "initial_data": {"source_ids": []}}, "initial_data.source_ids"),
        (
            {"type": "COMPOSITION", "initial_data": {"source_ids": ["nope"]}},
            "initial_data.source_ids",
        ),
        ({"type": "COMPOSITION", "initial_data": {"source_ids": [1]}}, "initial_data.source_ids"),
    ]
    for body, field in cases:
        error = client.source(space["id"], body, expect=400)
        assert error["details"][0]["field"] == field, (body, error)
        assert error["code"] == 400 and error["error"] == "Bad Request"


def test_unknown_type_is_400(client: Client) -> None:
    space = client.space()
    error = client.source(space["id"], {"type": "VIDEO", "initial_data": {}}, expect=400)
    assert error["details"][0]["field"] == "type"


def test_uri_accepts_url_or_uri(client: Client, pages: PageServer) -> None:
    space = client.space()
    url = pages.add("/either", "<html><body><p>either</p></body></html>")
    a = client.source(space["id"], {"type": "URI", "initial_data": {"url": url}})
    b = client.source(space["id"], {"type": "URI", "initial_data": {"uri": url}})
    assert a["initial_data"] == {"url": url}
    assert b["initial_data"] == {"uri": url}


def test_collection_must_belong_to_the_space(client: Client) -> None:
    a, b = client.space("a"), client.space("b")
    col = client.post(f"/v1/spaces/{b['id']}/collections", json={"name": "c"}).json()
    error = client.source(
        a["id"],
        {"type": "CONTENT", "initial_data": {"data": "x"}, "collectionId": col["id"]},
        expect=400,
    )
    assert error["details"][0]["field"] == "collectionId"


def test_composition_members_must_be_in_the_same_space(client: Client) -> None:
    a, b = client.space("a"), client.space("b")
    in_b = client.source(b["id"], {"type": "CONTENT", "initial_data": {"data": "x"}})
    error = client.source(
        a["id"], {"type": "COMPOSITION", "initial_data": {"source_ids": [in_b["id"]]}}, expect=400
    )
    assert "unknown source" in error["details"][0]["message"]


def test_listing_filters(client: Client) -> None:
    space = client.space()
    col = client.post(f"/v1/spaces/{space['id']}/collections", json={"name": "c"}).json()
    first = client.source(space["id"], {"type": "CONTENT", "initial_data": {"data": "one"}})
    second = client.source(
        space["id"], {"type": "CONTENT", "initial_data": {"data": "two"}, "collectionId": col["id"]}
    )
    client.patch(f"/v1/sources/{first['id']}/toggle-pin")
    base = f"/v1/spaces/{space['id']}/sources"

    def ids(**params: str | int) -> list[str]:
        body = client.get(base, params=params).json()
        assert set(body) == {"sources", "pagination"}
        return [s["id"] for s in body["sources"]]

    assert ids() == [first["id"], second["id"]]  # pinned first
    assert ids(pinned="true") == [first["id"]]
    assert ids(collectionId=col["id"]) == [second["id"]]
    assert ids(type="URI") == []
    client.delete(f"/v1/sources/{second['id']}")
    assert ids() == [first["id"]]
    assert ids(deleted="true") == [second["id"]]
    assert set(ids(include_deleted="true")) == {first["id"], second["id"]}
    assert_error(client.get(base, params={"status": "DONE"}), 400)


def test_concurrent_creates_all_succeed(client: Client) -> None:
    """Many writers at once: none may hang or fail (regression: a thread-owned lock leaked when
    a request's session was opened and closed on different threads)."""
    from concurrent.futures import ThreadPoolExecutor

    space = client.space()

    def create(n: int) -> int:
        with Client(str(client.base_url), client.key, client.user_id) as c:
            body = {"type": "CONTENT", "instructions": {}, "initial_data": {"data": f"note {n}"}}
            return c.post(f"/v1/spaces/{space['id']}/sources", json=body).status_code

    with ThreadPoolExecutor(8) as pool:
        statuses = list(pool.map(create, range(120)))
    assert statuses == [201] * 120
    listed = client.get(f"/v1/spaces/{space['id']}/sources", params={"per_page": 1}).json()
    assert listed["pagination"]["total"] == 120
