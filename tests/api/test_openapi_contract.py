"""The OpenAPI document tells the truth, and the behaviour it describes holds: one rule for
booleans and integers, authentication before the body is read, the rate-limit headers on every
`/v1` response, and a complete `Allow` on 405.

(The fuzzer in test_fuzz_openapi.py checks the document against the server wholesale; these
tests pin the individual promises with readable cases.)
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from tests.support.errors import assert_error
from tests.support.factories import transcript
from tests.support.service import Client, Service

RATE_HEADERS = ("x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-reset")
OK_SOURCE = {"type": "CONTENT", "initial_data": {"data": "User: hi\nAssistant: hello"}}


@pytest.fixture
def document(service: Service) -> dict[str, Any]:
    response = httpx.get(f"{service.url}/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def error_ref(response: dict[str, Any]) -> str:
    return str(response["content"]["application/json"]["schema"]["$ref"])


# --- the document ---------------------------------------------------------------------------


def test_each_operation_documents_the_errors_it_can_return(document: dict[str, Any]) -> None:
    get_source = document["paths"]["/v1/sources/{sourceId}"]["get"]["responses"]
    for status in ("200", "400", "401", "404", "413", "429", "500"):
        assert status in get_source, status
    assert error_ref(get_source["404"]) == "#/components/schemas/Error"
    assert "Retry-After" in get_source["429"]["headers"]
    create_source = document["paths"]["/v1/spaces/{spaceId}/sources"]["post"]["responses"]
    assert {"400", "401", "404", "413", "415", "429"} <= set(create_source)
    assert "409" in document["paths"]["/v1/sources/{sourceId}/cancel"]["post"]["responses"]
    assert "403" in document["paths"]["/uploads/{fileKey}"]["put"]["responses"]
    error = document["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"error", "message", "code", "requestId"}
    assert "details" in error["properties"]


def test_no_422_anywhere(document: dict[str, Any]) -> None:
    for path, method, operation in operations(document):
        assert "422" not in operation["responses"], (method, path)
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_the_bearer_scheme_covers_v1_and_nothing_else(document: dict[str, Any]) -> None:
    scheme = document["components"]["securitySchemes"]["bearer"]
    assert scheme == {**scheme, "type": "http", "scheme": "bearer"}
    for path, method, operation in operations(document):
        if path.startswith("/v1/"):
            assert operation.get("security") == [{"bearer": []}], (method, path)
            headers = operation["responses"]["200" if method == "get" else next(
                s for s in operation["responses"] if s.startswith("2")
            )]["headers"]  # fmt: skip
            assert {"X-Request-Id", "X-RateLimit-Limit", "X-RateLimit-Remaining"} <= set(headers)
        else:
            assert "security" not in operation, (method, path)
    for path in ("/health", "/metrics", "/uploads/{fileKey}"):
        assert "401" not in next(iter(document["paths"][path].values()))["responses"]


def test_metrics_are_documented_as_prometheus_text(document: dict[str, Any]) -> None:
    content = document["paths"]["/metrics"]["get"]["responses"]["200"]["content"]
    assert list(content) == ["text/plain"]
    other = document["paths"]["/v1/sources/{sourceId}/content"]["get"]["responses"]["200"]
    assert list(other["content"]) == ["text/markdown"]


def test_links_name_real_operations_and_their_parameters(document: dict[str, Any]) -> None:
    by_id = {op["operationId"]: (path, op) for path, _m, op in operations(document)}
    assert len(by_id) == len(list(operations(document)))  # operation ids are unique
    links = {
        (op["operationId"], name): link
        for _p, _m, op in operations(document)
        for response in op["responses"].values()
        for name, link in response.get("links", {}).items()
    }
    for source, target in [
        ("create_space", "get_space"),
        ("create_space", "list_sources"),
        ("create_source", "get_source"),
        ("create_source", "get_snapshot"),
        ("create_source", "list_turns"),
        ("create_api_key", "revoke_api_key"),
        ("list_artifacts", "get_artifact"),
        ("list_artifacts", "artifact_versions"),
        ("create_upload", "download_file"),
        ("receive_upload", "create_source"),
    ]:
        assert (source, target) in links, (source, target)
    for (_source, _name), link in links.items():
        _path, operation = by_id[link["operationId"]]
        declared = {p["name"] for p in operation.get("parameters", [])}
        assert set(link.get("parameters", {})) <= declared, link


def test_examples_are_given(document: dict[str, Any]) -> None:
    create = document["paths"]["/v1/spaces"]["post"]
    assert create["requestBody"]["content"]["application/json"]["example"]["name"]
    assert create["responses"]["201"]["content"]["application/json"]["example"]["id"]
    assert document["components"]["schemas"]["Error"]["example"]["code"] == 400


def test_rules_the_service_enforces_are_stated(document: dict[str, Any], service: Service) -> None:
    schemas = document["components"]["schemas"]
    upload = schemas["UploadRequest"]["properties"]
    assert upload["contentType"]["pattern"].startswith("^[A-Za-z0-9]")
    assert upload["size"]["maximum"] == service.runtime.settings.max_upload_bytes
    assert upload["size"]["type"] == "integer"
    assert "future" in schemas["ApiKeyCreate"]["properties"]["expiration_date"]["description"]
    assert "same space" in schemas["CollectionCreate"]["properties"]["parentId"]["description"]
    assert schemas["SpaceWrite"]["properties"]["name"]["pattern"] == r"^[^\u0000]*$"
    budget = schemas["ReprocessRequest"]["properties"]["snapshot_budget_tokens"]["anyOf"][0]
    assert budget == {"type": "integer", "minimum": 50, "maximum": 1_000_000}
    assert schemas["SearchRequest"]["properties"]["rerank"]["anyOf"][0] == {"type": "boolean"}
    params = document["paths"]["/v1/spaces/{spaceId}/artifacts"]["get"]["parameters"]
    language = next(p for p in params if p["name"] == "language")
    assert language["schema"]["anyOf"][0]["pattern"] == r"^[^\u0000]*$"


# --- one rule for input types -----------------------------------------------------------------


def test_booleans_are_json_booleans_everywhere(client: Client) -> None:
    space = client.space()
    url = f"/v1/spaces/{space['id']}/search"
    for bad in ("yes", 0, 1, "true"):
        body = assert_error(client.post(url, json={"query": "x", "rerank": bad}), 400)
        assert [d["field"] for d in body["details"]] == ["rerank"]
    for bad in ("yes", 1):
        body = {"query": "x", "filters": {"include_deleted": bad}}
        assert_error(client.post(url, json=body), 400)
    assert client.post(url, json={"query": "x", "rerank": False, "mode": "lexical"}).is_success
    sources = f"/v1/spaces/{space['id']}/sources"
    for bad in ("yes", "1", "on", "True"):
        assert_error(client.get(sources, params={"pinned": bad}), 400)
    assert client.get(sources, params={"pinned": "true", "include_deleted": "false"}).is_success


def test_integers_are_whole_json_numbers_everywhere(client: Client) -> None:
    space = client.space()
    url = f"/v1/spaces/{space['id']}/search"
    assert client.post(url, json={"query": "x", "top_k": 23.0, "mode": "lexical"}).is_success
    for bad in (23.5, "23", True):
        body = assert_error(client.post(url, json={"query": "x", "top_k": bad}), 400)
        assert [d["field"] for d in body["details"]] == ["top_k"]
    # In a query too: page=2.0 is page 2, page=2.5 is refused.
    assert client.get("/v1/spaces", params={"page": "2.0"}).json()["pagination"]["page"] == 2
    assert_error(client.get("/v1/spaces", params={"page": "2.5"}), 400)
    upload = {"filename": "a.txt", "contentType": "text/plain"}
    assert client.post("/v1/upload/s3", json={**upload, "size": 12.0}).status_code == 200
    assert_error(client.post("/v1/upload/s3", json={**upload, "size": 12.5}), 400)

    # The same in instructions, checked by the service rather than the schema.
    created = client.source(
        space["id"], {**OK_SOURCE, "instructions": {"snapshot_budget_tokens": 195.0}}
    )
    assert created["instructions"]["snapshot_budget_tokens"] == 195
    assert isinstance(created["instructions"]["snapshot_budget_tokens"], int)
    client.source(
        space["id"], {**OK_SOURCE, "instructions": {"snapshot_budget_tokens": 195.5}}, expect=400
    )


def test_reprocess_takes_a_whole_float_budget_like_search_takes_top_k(client: Client) -> None:
    space = client.space()
    source = client.source(space["id"], {**OK_SOURCE, "initial_data": {"data": transcript(6)}})
    assert client.wait(source["id"])["status"] == "COMPLETED"
    url = f"/v1/sources/{source['id']}/reprocess"
    assert_error(client.post(url, json={"snapshot_budget_tokens": 195.5}), 400)
    assert_error(client.post(url, json={"snapshot_budget_tokens": "195"}), 400)
    response = client.post(url, json={"snapshot_budget_tokens": 195.0})
    assert response.status_code == 202, response.text
    assert client.wait(source["id"])["instructions"]["snapshot_budget_tokens"] == 195


# --- authentication first, rate-limit headers always --------------------------------------------


def raw_request(service: Service, request: bytes) -> tuple[int, dict[str, str]]:
    """Send bytes as they are (a Content-Length no client library would send), read the head."""
    host, port = service.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    head = data.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in head[1:])
    return int(head[0].split()[1]), {k.lower(): v for k, v in headers.items()}


def test_no_valid_key_is_401_whatever_the_body(service: Service) -> None:
    for auth in ({}, {"Authorization": "Bearer ctx_wrong"}):
        with httpx.Client(base_url=service.url, headers=auth) as anonymous:
            for kwargs in (
                {"content": b'{"name": ', "headers": {"Content-Type": "application/json"}},
                {"content": b"name=x", "headers": {"Content-Type": "text/plain"}},
                {"json": {"name": 5, "unknown": True}},
            ):
                response = anonymous.post("/v1/spaces", **kwargs)
                assert_error(response, 401)
                assert all(h in response.headers for h in RATE_HEADERS)
    too_big = b"POST /v1/spaces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
    status, headers = raw_request(service, too_big + b"Content-Length: 999999999999\r\n\r\n{")
    assert status == 401 and "x-ratelimit-limit" in headers


def test_every_v1_response_carries_the_rate_limit_headers(client: Client, service: Service) -> None:
    space = client.space()
    responses = [
        (200, client.get("/v1/spaces")),
        (400, client.get("/v1/spaces", params={"page": 0})),
        (404, client.get("/v1/sources/unknown")),
        (404, client.get("/v1/no-such-route")),
        (405, client.patch("/v1/spaces")),
        (415, client.post("/v1/spaces", content=b"name=x")),
    ]
    for status, response in responses:
        assert response.status_code == status, response.text
        for header in RATE_HEADERS:
            assert header in response.headers, (status, response.headers)
    request = (
        f"POST /v1/spaces/{space['id']}/sources HTTP/1.1\r\nHost: x\r\n"
        f"Authorization: Bearer {client.key}\r\nContent-Type: application/json\r\n"
        "Content-Length: 999999999999\r\n\r\n{"
    ).encode()
    status, headers = raw_request(service, request)
    assert status == 413 and all(h in headers for h in RATE_HEADERS)


def test_the_key_is_looked_up_once_per_request(client: Client, service: Service) -> None:
    statements: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *args: Any) -> None:
        statements.append(statement)

    engine = service.runtime.db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        assert client.get("/v1/spaces").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert sum("key_hash" in s for s in statements) == 1, statements


# --- 405 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path", "allowed"),
    [
        ("PATCH", "/v1/spaces", {"GET", "POST"}),
        ("POST", "/v1/spaces/{space}", {"GET", "PUT", "DELETE"}),
        ("PUT", "/v1/sources/{source}", {"GET", "PATCH", "DELETE"}),
        ("DELETE", "/v1/spaces/{space}/collections", {"GET", "POST"}),
    ],
)
def test_405_allows_every_method_of_the_path(
    method: str, path: str, allowed: set[str], client: Client
) -> None:
    space = client.space()
    source = client.source(space["id"], OK_SOURCE)
    url = path.format(space=space["id"], source=source["id"])
    response = client.request(method, url)
    assert_error(response, 405)
    assert {m.strip() for m in response.headers["allow"].split(",")} - {"HEAD"} == allowed


# --- found by the fuzzer ------------------------------------------------------------------------


def test_a_non_ascii_upload_signature_is_403_not_500(service: Service) -> None:
    url = f"{service.url}/uploads/uploads/u/x/a.txt?expires=1&size=1&signature=%C3%A9"
    response = httpx.put(url, content=b"x", headers={"Content-Type": "text/plain"})
    assert_error(response, 403, contains="signature")
