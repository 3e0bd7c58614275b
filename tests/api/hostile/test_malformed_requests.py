"""Requests that are not what the route takes: bodies that are not its JSON object, wrong types,
nulls, huge strings and unknown fields field by field, bad pagination and filters, and bodies
over the size limit. Each is refused with its documented error and changes nothing."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.api.hostile.world import (
    JSON,
    SOURCES,
    Bad,
    MiB,
    World,
    ids,
    nested,
    refused,
    source_with,
)
from tests.support.errors import assert_error
from tests.support.service import Service, raw_request

# --- bodies that are not the JSON object the route takes ---------------------------------------

NOT_JSON = [
    Bad("truncated JSON", "POST", SOURCES, content=b'{"type": "CONTENT", "initial_data": {"da',
        headers=JSON, contains="not valid JSON"),
    Bad("trailing garbage", "POST", "/v1/spaces", content=b'{"name": "x"} trailing',
        headers=JSON, contains="not valid JSON"),
    Bad("two objects", "POST", "/v1/spaces", content=b'{"name": "a"}{"name": "b"}',
        headers=JSON, contains="not valid JSON"),
    Bad("single quotes", "POST", "/v1/spaces", content=b"{'name': 'x'}", headers=JSON,
        contains="not valid JSON"),
    Bad("whitespace only", "POST", "/v1/spaces", content=b"   ", headers=JSON),
    Bad("empty body, JSON content type", "POST", "/v1/spaces", content=b"", headers=JSON,
        field="body"),
    Bad("array instead of object", "POST", "/v1/spaces", content=b'[{"name": "x"}]',
        headers=JSON, field="body"),
    Bad("bare string", "POST", "/v1/api-keys", content=b'"x"', headers=JSON, field="body"),
    Bad("JSON null", "POST", "/v1/upload/s3", content=b"null", headers=JSON, field="body"),
    Bad("invalid UTF-8", "POST", "/v1/spaces", content=b'{"name": "\xff\xfe"}', headers=JSON),
    Bad("JSON sent as text/plain", "POST", SOURCES, content=b'{"name": "x"}',
        headers={"Content-Type": "text/plain"}, status=415, contains="application/json"),
    Bad("form-encoded body", "POST", "/v1/spaces", content=b"name=x",
        headers={"Content-Type": "application/x-www-form-urlencoded"}, status=415),
    Bad("JSON without a Content-Type", "PUT", "/v1/spaces/{space}", content=b'{"name": "x"}',
        status=415),
    Bad("10,000 nested objects", "POST", SOURCES, content=nested(10_000), headers=JSON,
        contains="nested too deeply"),
    Bad("10,000 nested arrays in initial_data", "POST", SOURCES, headers=JSON,
        content=b'{"type": "CONTENT", "instructions": {}, "initial_data": {"data": '
        + b"[" * 10_000 + b"]" * 10_000 + b"}}",
        contains="nested too deeply"),
    Bad("100 nested levels in instructions", "POST", SOURCES, headers=JSON,
        content=b'{"type": "CONTENT", "initial_data": {"data": "x"}, "instructions": '
        + nested(100) + b"}",
        field="instructions", contains="nested deeper"),
    Bad("NaN in instructions", "POST", SOURCES, headers=JSON,
        content=b'{"type": "CONTENT", "initial_data": {"data": "x"}, "instructions": {"n": NaN}}',
        field="instructions", contains="NaN"),
    Bad("1e400 (infinity) in instructions", "POST", SOURCES, headers=JSON,
        content=b'{"type": "CONTENT", "initial_data": {"data": "x"}, "instructions": {"n": 1e400}}',
        field="instructions"),
    Bad("Infinity as an upload size", "POST", "/v1/upload/s3", headers=JSON,
        content=b'{"filename": "a.txt", "contentType": "text/plain", "size": Infinity}',
        field="size"),
    Bad("a 5000-digit number", "POST", "/v1/upload/s3", headers=JSON,
        content=b'{"filename": "a", "contentType": "text/plain", "size": ' + b"9" * 5000 + b"}"),
    Bad("duplicate keys: the last one is validated", "POST", "/v1/spaces", headers=JSON,
        content=b'{"name": "fine", "name": 5}', field="name"),
    Bad("NUL in a name", "POST", "/v1/spaces", json={"name": "a\x00b"}, field="name",
        contains="NUL"),
    Bad("NUL in an instructions key", "POST", SOURCES,
        json=source_with(instructions={"k\x00": 1}), field="instructions", contains="NUL"),
    Bad("NUL in CONTENT data", "POST", SOURCES,
        json=source_with(initial_data={"data": "User: a\x00b"}), field="initial_data"),
    Bad("NUL in a COMPOSITION id", "POST", SOURCES,
        json=source_with(type="COMPOSITION", initial_data={"source_ids": ["\x00"]}),
        field="initial_data"),
    Bad("lone surrogate in a name", "POST", "/v1/spaces", headers=JSON,
        content=b'{"name": "a\\ud800"}', field="name", contains="surrogate"),
    Bad("lone surrogate in instructions", "POST", SOURCES, headers=JSON,
        content=b'{"type": "CONTENT", "initial_data": {"data": "x"}, '
        b'"instructions": {"k": "\\udfff"}}',
        field="instructions"),
]  # fmt: skip

# --- wrong types, nulls, huge strings and unknown fields, field by field ---------------------

WRONG_FIELDS = [
    # create source
    Bad("source type: number", "POST", SOURCES, json=source_with(type=1), field="type"),
    Bad("source type: null", "POST", SOURCES, json=source_with(type=None), field="type"),
    Bad("source type: unknown enum", "POST", SOURCES, json=source_with(type="VIDEO"),
        field="type"),
    Bad("source type: lower case", "POST", SOURCES, json=source_with(type="content"),
        field="type"),
    Bad("initial_data: string", "POST", SOURCES, json=source_with(initial_data="x"),
        field="initial_data"),
    Bad("initial_data: array", "POST", SOURCES, json=source_with(initial_data=["x"]),
        field="initial_data"),
    Bad("initial_data: null", "POST", SOURCES, json=source_with(initial_data=None),
        field="initial_data"),
    Bad("instructions: null", "POST", SOURCES, json=source_with(instructions=None),
        field="instructions"),
    Bad("instructions: string", "POST", SOURCES, json=source_with(instructions="x"),
        field="instructions"),
    Bad("name: number", "POST", SOURCES, json=source_with(name=5), field="name"),
    Bad("name: 100k characters", "POST", SOURCES, json=source_with(name="n" * 100_000),
        field="name"),
    Bad("description: object", "POST", SOURCES, json=source_with(description={}),
        field="description"),
    Bad("description: 100k characters", "POST", SOURCES,
        json=source_with(description="d" * 100_000), field="description"),
    Bad("collectionId: number", "POST", SOURCES, json=source_with(collectionId=5),
        field="collectionId"),
    Bad("collectionId: too long for an id", "POST", SOURCES,
        json=source_with(collectionId="c" * 37), field="collectionId"),
    Bad("collectionId: unknown", "POST", SOURCES,
        json=source_with(collectionId="00000000-0000-4000-8000-000000000000"),
        field="collectionId"),
    Bad("initialData instead of initial_data", "POST", SOURCES,
        json={"type": "CONTENT", "initialData": {"data": "x"}, "instructions": {}},
        field="initialData"),
    Bad("unknown field spaceID", "POST", SOURCES, json=source_with(spaceID="{space}"),
        field="spaceID"),
    Bad("trying to set status", "POST", SOURCES, json=source_with(status="COMPLETED"),
        field="status"),
    Bad("trying to set the id", "POST", SOURCES, json=source_with(id="{source}"), field="id"),
    # create / update space
    Bad("space name: missing", "POST", "/v1/spaces", json={}, field="name"),
    Bad("space name: null", "POST", "/v1/spaces", json={"name": None}, field="name"),
    Bad("space name: number", "POST", "/v1/spaces", json={"name": 5}, field="name"),
    Bad("space name: empty", "POST", "/v1/spaces", json={"name": ""}, field="name"),
    Bad("space name: 100k characters", "POST", "/v1/spaces", json={"name": "n" * 100_000},
        field="name"),
    Bad("space description: number", "POST", "/v1/spaces", json={"name": "x", "description": 5},
        field="description"),
    Bad("space: unknown field spaceID", "POST", "/v1/spaces",
        json={"name": "x", "spaceID": "{space}"}, field="spaceID"),
    Bad("space: trying to set user_id", "POST", "/v1/spaces",
        json={"name": "x", "user_id": "{victim_user}"}, field="user_id"),
    Bad("space update: name null", "PUT", "/v1/spaces/{space}", json={"name": None},
        field="name"),
    Bad("space update: trying to move it to another id", "PUT", "/v1/spaces/{space}",
        json={"name": "x", "id": "other"}, field="id"),
    # collections
    Bad("collection name: null", "POST", "/v1/spaces/{space}/collections", json={"name": None},
        field="name"),
    Bad("collection parentId: number", "POST", "/v1/spaces/{space}/collections",
        json={"name": "x", "parentId": 5}, field="parentId"),
    Bad("collection parent_id (wrong casing)", "POST", "/v1/spaces/{space}/collections",
        json={"name": "x", "parent_id": "{collection}"}, field="parent_id"),
    Bad("collection parentId: unknown", "POST", "/v1/spaces/{space}/collections",
        json={"name": "x", "parentId": "00000000-0000-4000-8000-000000000000"},
        field="parentId"),
    Bad("collection: moved below itself", "PATCH", "/v1/collections/{collection}",
        json={"parentId": "{collection}"}, contains="below itself"),
    # api keys
    Bad("key name: number", "POST", "/v1/api-keys", json={"name": 5}, field="name"),
    Bad("key name: 100k characters", "POST", "/v1/api-keys", json={"name": "k" * 100_000},
        field="name"),
    Bad("key expiration_date: not a date", "POST", "/v1/api-keys",
        json={"expiration_date": "tomorrow"}, field="expiration_date"),
    Bad("key expiration_date: no timezone", "POST", "/v1/api-keys",
        json={"expiration_date": "2999-01-01T00:00:00"}, field="expiration_date",
        contains="timezone"),
    Bad("key expiration_date: boolean", "POST", "/v1/api-keys", json={"expiration_date": True},
        field="expiration_date"),
    Bad("key expiration_date: in the past", "POST", "/v1/api-keys",
        json={"expiration_date": "2001-01-01T00:00:00Z"}, contains="future"),
    Bad("key: choosing the raw key", "POST", "/v1/api-keys", json={"api_key": "ctx_mine"},
        field="api_key"),
    Bad("key: expirationDate (wrong casing)", "POST", "/v1/api-keys",
        json={"expirationDate": "2999-01-01T00:00:00Z"}, field="expirationDate"),
    # uploads
    Bad("upload: nothing", "POST", "/v1/upload/s3", json={}, field="filename"),
    Bad("upload filename: null", "POST", "/v1/upload/s3",
        json={"filename": None, "contentType": "text/plain", "size": 1}, field="filename"),
    Bad("upload filename: number", "POST", "/v1/upload/s3",
        json={"filename": 5, "contentType": "text/plain", "size": 1}, field="filename"),
    Bad("upload filename: 256 characters", "POST", "/v1/upload/s3",
        json={"filename": "f" * 256, "contentType": "text/plain", "size": 1}, field="filename"),
    Bad("upload contentType: number", "POST", "/v1/upload/s3",
        json={"filename": "a", "contentType": 5, "size": 1}, field="contentType"),
    Bad("upload contentType: not a media type", "POST", "/v1/upload/s3",
        json={"filename": "a", "contentType": "plain text", "size": 1}, field="contentType"),
    Bad("upload contentType: header injection", "POST", "/v1/upload/s3",
        json={"filename": "a", "contentType": "text/plain\r\nX-Evil: 1", "size": 1},
        field="contentType"),
    Bad("upload size: string", "POST", "/v1/upload/s3",
        json={"filename": "a", "contentType": "text/plain", "size": "12"}, field="size"),
    Bad("upload size: boolean", "POST", "/v1/upload/s3",
        json={"filename": "a", "contentType": "text/plain", "size": True}, field="size"),
    Bad("upload size: fraction", "POST", "/v1/upload/s3",
        json={"filename": "a", "contentType": "text/plain", "size": 1.5}, field="size"),
    Bad("upload size: zero", "POST", "/v1/upload/s3",
        json={"filename": "a", "contentType": "text/plain", "size": 0}, field="size"),
    Bad("upload size: negative", "POST", "/v1/upload/s3",
        json={"filename": "a", "contentType": "text/plain", "size": -1}, field="size"),
    Bad("upload size: null", "POST", "/v1/upload/s3",
        json={"filename": "a", "contentType": "text/plain", "size": None}, field="size"),
    Bad("upload size: a terabyte", "POST", "/v1/upload/s3",
        json={"filename": "a", "contentType": "text/plain", "size": 10**12}, field="size"),
    Bad("upload: choosing the fileKey", "POST", "/v1/upload/s3",
        json={"filename": "a", "contentType": "text/plain", "size": 1, "fileKey": "{victim_key}"},
        field="fileKey"),
    # source patch and actions
    Bad("patch: trying to set status", "PATCH", "/v1/sources/{source}",
        json={"status": "PENDING"}, field="status"),
    Bad("patch: trying to move to another space", "PATCH", "/v1/sources/{source}",
        json={"spaceId": "{space}"}, field="spaceId"),
    Bad("patch name: number", "PATCH", "/v1/sources/{source}", json={"name": 5}, field="name"),
    Bad("patch instructions: string", "PATCH", "/v1/sources/{source}",
        json={"instructions": "x"}, field="instructions"),
    Bad("patch collectionId: unknown", "PATCH", "/v1/sources/{source}",
        json={"collectionId": "00000000-0000-4000-8000-000000000000"}, field="collectionId"),
    Bad("refresh flag: the string yes", "POST", "/v1/sources/{source}/refresh",
        json={"run_context_extraction": "yes"}, field="run_context_extraction"),
    Bad("reprocess flag: the number 1", "POST", "/v1/sources/{source}/reprocess",
        json={"update_existing": 1}, field="update_existing"),
    Bad("reprocess: updateExisting (wrong casing)", "POST", "/v1/sources/{source}/reprocess",
        json={"updateExisting": False}, field="updateExisting"),
    Bad("fast-forward type: COMPOSITION", "POST", "/v1/sources/{source}/fast-forward",
        json={"type": "COMPOSITION", "initial_data": {"source_ids": ["{source}"]}},
        field="type"),
    Bad("fast-forward type: missing", "POST", "/v1/sources/{source}/fast-forward",
        json={"initial_data": {"data": "x"}}, field="type"),
]  # fmt: skip

# --- pagination and filters -------------------------------------------------------------------

QUERY = [
    Bad("page 0", "GET", "/v1/spaces", params={"page": 0}, field="page"),
    Bad("page -1", "GET", "/v1/spaces", params={"page": -1}, field="page"),
    Bad("page abc", "GET", "/v1/spaces", params={"page": "abc"}, field="page"),
    Bad("page 1.5", "GET", "/v1/api-keys", params={"page": "1.5"}, field="page"),
    Bad("page 10^30", "GET", "/v1/spaces", params={"page": 10**30}, field="page"),
    Bad("per_page 0", "GET", "/v1/api-keys", params={"per_page": 0}, field="per_page"),
    Bad("per_page -5", "GET", SOURCES, params={"per_page": -5}, field="per_page"),
    Bad("per_page 101", "GET", SOURCES, params={"per_page": 101}, field="per_page"),
    Bad("per_page 10^30", "GET", "/v1/spaces/{space}/artifacts", params={"per_page": 10**30},
        field="per_page"),
    Bad("per_page all", "GET", "/v1/sources/{source}/turns", params={"per_page": "all"},
        field="per_page"),
    Bad("status filter: unknown enum", "GET", SOURCES, params={"status": "DONE"},
        field="status"),
    Bad("type filter: unknown enum", "GET", SOURCES, params={"type": "VIDEO"}, field="type"),
    Bad("pinned filter: maybe", "GET", SOURCES, params={"pinned": "maybe"}, field="pinned"),
    Bad("collectionId filter: too long", "GET", SOURCES, params={"collectionId": "c" * 37},
        field="collectionId"),
    Bad("artifact type filter: unknown enum", "GET", "/v1/spaces/{space}/artifacts",
        params={"type": "BOGUS"}, field="type"),
    Bad("NUL in a filter", "GET", SOURCES, params={"collectionId": "\x00"}, contains="NUL"),
    Bad("NUL in an artifact filter", "GET", "/v1/spaces/{space}/artifacts",
        params={"language": "py\x00"}, contains="NUL"),
]  # fmt: skip


@pytest.mark.parametrize("case", ids(NOT_JSON + WRONG_FIELDS + QUERY))
def test_a_bad_request_is_refused_and_changes_nothing(case: Bad, intact: World) -> None:
    refused(case, intact)


# --- bodies over the limit ---------------------------------------------------------------------


def _head(method: str, path: str, key: str, extra: str = "") -> bytes:
    return (
        f"{method} {path} HTTP/1.1\r\nHost: test\r\nAuthorization: Bearer {key}\r\n"
        f"Content-Type: application/json\r\nConnection: close\r\n{extra}\r\n"
    ).encode()


def test_a_body_over_25_mib_is_413(intact: World) -> None:
    c = intact.owner.client
    big = source_with(initial_data={"data": "x" * (26 * MiB)})
    assert_error(c.post(f"/v1/spaces/{intact.owner.space}/sources", json=big), 413)


def test_a_streamed_body_over_25_mib_is_413_without_a_content_length(intact: World) -> None:
    def chunks() -> Iterator[bytes]:
        yield b'{"type": "CONTENT", "instructions": {}, "initial_data": {"data": "'
        for _ in range(26):
            yield b"x" * MiB
        yield b'"}}'

    c = intact.owner.client
    response = c.post(f"/v1/spaces/{intact.owner.space}/sources", content=chunks(), headers=JSON)
    assert_error(response, 413)


def test_a_lying_content_length_is_refused(intact: World, service: Service) -> None:
    key = intact.owner.client.key
    # Claims 30 MB, sends 13 bytes: refused from the header, before waiting for the rest.
    claims_more = _head("POST", "/v1/spaces", key, "Content-Length: 31457280\r\n")
    assert_error(raw_request(service, claims_more + b'{"name": "x"}'), 413)
    # Claims 5 bytes of a longer body: only those 5 are the body, and they are not JSON.
    claims_less = _head("POST", "/v1/spaces", key, "Content-Length: 5\r\n")
    assert_error(
        raw_request(service, claims_less + b'{"name": "x"}'), 400, contains="not valid JSON"
    )
