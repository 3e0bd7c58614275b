"""Hostile and malformed requests: each gets a clear 4xx with the documented error body, and
nothing the caller (or anyone else) owns changes.

The tables below read as the contract. Every request is made against one prepared "world" (an
owner with a space, a collection, a COMPLETED source and an uploaded file, and a second user
with the same). After each case every stored row the two users own is compared with how it
was before (`intact`); the last test also reads everything back through the API and compares
it with what both users read when the world was made.

Nothing here contacts a non-loopback address: every internal or metadata URL is one the
service must refuse from its text alone (scheme, credentials, literal address, local name),
before resolving or connecting. A listener on 127.0.0.1 counts any request that slips through.
"""

from __future__ import annotations

import hashlib
import http.client
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx
import pytest
from sqlalchemy import inspect, select

from contextd.blobs.base import check_key
from contextd.store.tables import (
    ApiKey,
    Artifact,
    Collection,
    PostbackDelivery,
    Source,
    Space,
    Upload,
)
from contextd.store.tables import User as UserRow
from tests.support.errors import assert_error
from tests.support.factories import transcript
from tests.support.pages import PageServer
from tests.support.service import Client, Service

MiB = 1024 * 1024
UNSET: Any = object()


# --- the world: what must survive every case ----------------------------------------------------


class Trap:
    """A real HTTP listener on 127.0.0.1 that must never be reached through the service."""

    def __init__(self) -> None:
        self.hits: list[str] = []
        trap = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                trap.hits.append(self.path)
                self.send_response(200)
                self.send_header("Content-Length", "6")
                self.end_headers()
                self.wfile.write(b"secret")

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@dataclass
class User:
    client: Client
    space: str
    collection: str
    source: str
    file_key: str


@dataclass
class World:
    owner: User
    victim: User
    trap: Trap
    service: Service
    blob_root: Path
    data_dir: Path
    baseline: tuple[dict[str, Any], dict[str, Any]] = field(default_factory=lambda: ({}, {}))

    def reads_back_unchanged(self) -> None:
        """Through the API: both users read exactly what they read when the world was made."""
        assert (state(self.owner), state(self.victim)) == self.baseline

    def fill(self, template: str) -> str:
        return template.format(
            space=self.owner.space,
            collection=self.owner.collection,
            source=self.owner.source,
            file_key=self.owner.file_key,
            user=self.owner.client.user_id,
            victim_user=self.victim.client.user_id,
            victim_key=self.victim.file_key,
            victim_source=self.victim.source,
            trap=self.trap.port,
        )


def _upload(c: Client, name: str, data: bytes) -> str:
    presigned = c.post(
        "/v1/upload/s3", json={"filename": name, "contentType": "text/plain", "size": len(data)}
    ).json()
    put = c.put(presigned["uploadUrl"], content=data, headers={"Content-Type": "text/plain"})
    assert put.status_code == 200, put.text
    return str(presigned["fileKey"])


def _populate(c: Client) -> User:
    space = c.space("kept")
    collection = c.post(f"/v1/spaces/{space['id']}/collections", json={"name": "c"}).json()
    source = c.source(
        space["id"],
        {
            "type": "CONTENT",
            "name": "kept source",
            "collectionId": collection["id"],
            "initial_data": {"data": transcript(12)},
        },
    )
    file_key = _upload(c, "kept.txt", b"kept file contents\n")
    assert c.wait(source["id"])["status"] == "COMPLETED"
    return User(c, space["id"], collection["id"], source["id"], file_key)


def state(user: User) -> dict[str, Any]:
    """What the user reads about their data (minus `last_used_at`, which every request bumps).
    Sources are listed with their full views (status, artifacts, snapshot), deleted included."""
    c = user.client

    def get(path: str, **params: Any) -> Any:
        response = c.get(path, params=params)
        assert response.status_code == 200, (path, response.text)
        return response.json()

    keys = get("/v1/api-keys", per_page=100)
    for key in keys["api_keys"]:
        key.pop("last_used_at", None)
    file = c.get(f"/v1/files/{user.file_key}")
    assert file.status_code == 200, file.text
    return {
        "spaces": get("/v1/spaces", per_page=100),
        "collections": get(f"/v1/spaces/{user.space}/collections"),
        "sources": get(f"/v1/spaces/{user.space}/sources", include_deleted="true", per_page=100),
        "keys": keys,
        "file": hashlib.sha256(file.content).hexdigest(),
    }


def rows(w: World) -> dict[str, list[dict[str, Any]]]:
    """Every stored column of every row the two users own (a cheap, exact check per case)."""
    users = [w.owner.client.user_id, w.victim.client.user_id]
    with w.service.runtime.db.session() as session:
        spaces = [s.id for s in session.scalars(select(Space).where(Space.user_id.in_(users)))]
        queries: dict[str, Any] = {
            "users": select(UserRow).where(UserRow.id.in_(users)),
            "spaces": select(Space).where(Space.user_id.in_(users)),
            "collections": select(Collection).where(Collection.space_id.in_(spaces)),
            "sources": select(Source).where(Source.user_id.in_(users)),
            "artifacts": select(Artifact).where(Artifact.space_id.in_(spaces)),
            "keys": select(ApiKey).where(ApiKey.user_id.in_(users)),
            "uploads": select(Upload).where(
                Upload.file_key.in_([w.owner.file_key, w.victim.file_key])
            ),
            "deliveries": select(PostbackDelivery).where(PostbackDelivery.user_id.in_(users)),
        }
        found = {}
        for name, query in queries.items():
            found[name] = sorted(
                (
                    {
                        a.key: getattr(row, a.key)
                        for a in inspect(type(row)).column_attrs
                        if a.key != "last_used_at"
                    }
                    for row in session.scalars(query)
                ),
                key=repr,
            )
        return found


def files_outside(root: Path, blobs: Path) -> set[Path]:
    return {p for p in root.rglob("*") if p.is_file() and not p.is_relative_to(blobs)}


@pytest.fixture(scope="module")
def world(service: Service) -> Iterator[World]:
    trap = Trap()
    with service.client("owner") as owner, service.client("victim") as victim:
        w = World(
            _populate(owner),
            _populate(victim),
            trap,
            service,
            Path(getattr(service.runtime.blobs, "root", service.runtime.settings.data_dir)),
            Path(service.runtime.settings.data_dir),
        )
        w.baseline = (state(w.owner), state(w.victim))
        yield w
    trap.close()


@pytest.fixture
def intact(world: World) -> Iterator[World]:
    """Yield the world; afterwards every row both users own is as it was (and the listener on
    127.0.0.1 has heard nothing). The slower read-back through the API runs in the id tests
    and at the end of the module."""
    before = rows(world)
    yield world
    assert rows(world) == before
    assert world.trap.hits == []


# --- one hostile request ------------------------------------------------------------------------


@dataclass(frozen=True)
class Bad:
    """A request and the error it must get. `path`, string bodies and params are templates."""

    why: str
    method: str
    path: str
    json: Any = UNSET
    content: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    params: dict[str, Any] | None = None
    status: int = 400
    field: str | None = None  # must be among `details[].field`
    contains: str | None = None  # in the message

    def send(self, w: World) -> httpx.Response:
        kwargs: dict[str, Any] = {"headers": self.headers, "params": self.params}
        if self.json is not UNSET:
            kwargs["json"] = self.json
        if self.content is not None:
            kwargs["content"] = self.content
        return w.owner.client.request(self.method, w.fill(self.path), **kwargs)

    def check(self, response: httpx.Response) -> dict[str, Any]:
        body = assert_error(response, self.status, contains=self.contains)
        if self.field is not None:
            fields = [d["field"] for d in body.get("details", [])]
            assert self.field in fields, body
        return body


def ids(cases: list[Bad]) -> list[Any]:
    return [pytest.param(c, id=c.why) for c in cases]


SOURCES = "/v1/spaces/{space}/sources"
JSON = {"Content-Type": "application/json"}
OK_SOURCE = {"type": "CONTENT", "initial_data": {"data": "hello"}, "instructions": {}}


def nested(levels: int, leaf: str = "1") -> bytes:
    return (b'{"a":' * levels) + leaf.encode() + (b"}" * levels)


def source_with(**fields: Any) -> dict[str, Any]:
    return {**OK_SOURCE, **fields}


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

# --- postback_url (SSRF through the webhook) --------------------------------------------------

POSTBACK = [
    Bad(f"postback_url {name}", "POST", SOURCES,
        json=source_with(instructions={"postback_url": url}), field="instructions.postback_url")
    for name, url in [
        ("http (not https)", "http://hooks.example.com/x"),
        ("loopback", "https://127.0.0.1/hook"),
        ("metadata", "https://169.254.169.254/latest/meta-data/"),
        ("private", "https://10.0.0.1/hook"),
        ("IPv6 loopback", "https://[::1]/hook"),
        ("localhost", "https://localhost/hook"),
        ("credentials", "https://user:pw@127.0.0.2/hook"),
        ("empty", ""),
        ("number", 42),
        ("array", ["https://example.com"]),
    ]
] + [
    Bad("patch postback_url to loopback", "PATCH", "/v1/sources/{source}",
        json={"instructions": {"postback_url": "https://127.0.0.1/"}},
        field="instructions.postback_url"),
]  # fmt: skip

# --- FILE keys that are not the caller's upload -------------------------------------------------

FILE_KEYS = [
    Bad(f"FILE key {name}", "POST", SOURCES,
        json=source_with(type="FILE", initial_data={"data": key}), field="initial_data.data")
    for name, key in [
        ("../../etc/passwd", "../../etc/passwd"),
        ("/etc/passwd", "/etc/passwd"),
        ("another user's real key", "{victim_key}"),
        ("in another user's folder", "uploads/{victim_user}/x/y.txt"),
        ("with %2e%2e", "uploads/%2e%2e/x"),
        ("with .. inside", "uploads/{user}/../{victim_user}/x.txt"),
        ("with backslashes", "uploads\\..\\..\\x"),
        ("with an empty segment", "uploads//x"),
        ("with a trailing slash", "uploads/{user}/"),
        ("10k characters", "uploads/" + "k" * 10_000),
        ("not a string", 5),
        ("null", None),
    ]
]  # fmt: skip


def _fill_json(value: Any, w: World) -> Any:
    if isinstance(value, str):
        return w.fill(value) if "{" in value else value
    if isinstance(value, dict):
        return {k: _fill_json(v, w) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill_json(v, w) for v in value]
    return value


@pytest.mark.parametrize("case", ids(NOT_JSON + WRONG_FIELDS + QUERY + POSTBACK + FILE_KEYS))
def test_a_bad_request_is_refused_and_changes_nothing(case: Bad, intact: World) -> None:
    case = Bad(**{**case.__dict__, "json": _fill_json(case.json, intact)})
    case.check(case.send(intact))


# --- bodies over the limit ---------------------------------------------------------------------


def _raw(service: Service, request: bytes) -> httpx.Response:
    """Send bytes exactly as given (no client-side normalization) and read one response."""
    url = urlsplit(service.url)
    with socket.create_connection((url.hostname, url.port), timeout=20) as sock:
        sock.sendall(request)
        raw = http.client.HTTPResponse(sock)
        raw.begin()
        return httpx.Response(raw.status, headers=raw.getheaders(), content=raw.read())


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
    assert_error(_raw(service, claims_more + b'{"name": "x"}'), 413)
    # Claims 5 bytes of a longer body: only those 5 are the body, and they are not JSON.
    claims_less = _head("POST", "/v1/spaces", key, "Content-Length: 5\r\n")
    assert_error(_raw(service, claims_less + b'{"name": "x"}'), 400, contains="not valid JSON")


# --- SSRF: URLs the service must refuse before connecting ---------------------------------------

BLOCKED_URLS = [
    ("loopback with a live listener", "http://127.0.0.1:{trap}/"),
    ("localhost", "http://localhost:{trap}/"),
    ("localhost with a trailing dot", "http://localhost.:{trap}/"),
    ("a .localhost name", "http://api.localhost:{trap}/"),
    ("IPv6 loopback", "http://[::1]:{trap}/"),
    ("cloud metadata", "http://169.254.169.254/latest/meta-data/"),
    ("10/8", "http://10.0.0.1/"),
    ("192.168/16", "http://192.168.0.1/"),
    ("172.16/12", "http://172.16.0.1/"),
    ("carrier-grade NAT", "http://100.64.0.1/"),
    ("0.0.0.0", "http://0.0.0.0:{trap}/"),
    ("decimal 127.0.0.1", "http://2130706433:{trap}/"),
    ("hex 127.0.0.1", "http://0x7f000001:{trap}/"),
    ("octal 127.0.0.1", "http://017700000001:{trap}/"),
    ("short 127.1", "http://127.1:{trap}/"),
    ("IPv4-mapped IPv6", "http://[::ffff:127.0.0.1]:{trap}/"),
    ("NAT64 of 127.0.0.1", "http://[64:ff9b::7f00:1]:{trap}/"),
    ("IPv6 link-local", "http://[fe80::1]/"),
    ("IPv6 unique local", "http://[fd00::1]/"),
    ("file:", "file:///etc/passwd"),
    ("gopher:", "gopher://127.0.0.1:{trap}/"),
    ("ftp:", "ftp://x/"),
    ("javascript:", "javascript:alert(1)"),
    ("data:", "data:text/html,hi"),
    ("credentials on an allowed host", "http://user:pass@127.0.0.2/"),
    ("no host", "http:///etc/passwd"),
    ("padded with spaces", "  http://127.0.0.1:{trap}/  "),
]


@pytest.mark.parametrize(("why", "url"), BLOCKED_URLS, ids=[w for w, _ in BLOCKED_URLS])
def test_an_internal_url_is_refused_before_connecting(why: str, url: str, intact: World) -> None:
    c = intact.owner.client
    for spelling in ("url", "uri"):
        body = source_with(type="URI", initial_data={spelling: intact.fill(url)})
        error = assert_error(c.post(f"/v1/spaces/{intact.owner.space}/sources", json=body), 400)
        assert error["details"][0]["field"] == f"initial_data.{spelling}", error


def test_fast_forward_refuses_an_internal_url_too(intact: World) -> None:
    c = intact.owner.client
    for url in ("http://127.0.0.1:{trap}/", "http://169.254.169.254/"):
        body = {"type": "URI", "initial_data": {"url": intact.fill(url)}}
        response = c.post(f"/v1/sources/{intact.owner.source}/fast-forward", json=body)
        assert assert_error(response, 400)["details"][0]["field"] == "initial_data.url"


# Each chain starts on the allowed test host (127.0.0.2); the last hop points somewhere internal.
REDIRECTS = [
    ("302 to a loopback listener", [302], "http://127.0.0.1:{trap}/"),
    ("301 to cloud metadata", [301], "http://169.254.169.254/latest/meta-data/"),
    ("307 to IPv6 loopback", [307], "http://[::1]:{trap}/"),
    ("308 to decimal 127.0.0.1", [308], "http://2130706433:{trap}/"),
    ("303 to localhost", [303], "http://localhost:{trap}/"),
    ("302 to file:", [302], "file:///etc/passwd"),
    ("three hops, then loopback", [302, 307, 301], "http://127.0.0.1:{trap}/admin"),
    ("two hops, then metadata", [301, 302], "http://169.254.169.254/"),
]


@pytest.mark.parametrize(("why", "statuses", "target"), REDIRECTS, ids=[w for w, *_ in REDIRECTS])
def test_a_redirect_to_an_internal_url_fails_the_source(
    why: str, statuses: list[int], target: str, client: Client, world: World, pages: PageServer
) -> None:
    slug = "/redir-" + hashlib.sha1(why.encode()).hexdigest()[:8]
    paths = [f"{slug}/{i}" for i in range(len(statuses))]
    for i, status in enumerate(statuses):
        location = pages.url(paths[i + 1]) if i + 1 < len(paths) else world.fill(target)
        pages.add(paths[i], "", status=status, headers={"Location": location})

    space = client.space()
    created = client.source(
        space["id"], {"type": "URI", "initial_data": {"url": pages.url(paths[0])}}
    )
    assert created["status"] in ("PENDING", "PROCESSING")  # the first URL itself is allowed
    done = client.wait(created["id"])
    assert done["status"] == "FAILED"
    assert "not allowed" in done["message"], done["message"]
    assert [h for h in pages.hits if h.startswith(slug)][: len(paths)] == paths  # hops were real
    assert world.trap.hits == []


# --- file names and keys ------------------------------------------------------------------------

HOSTILE_FILENAMES = [
    "../../x.sh",
    "a/b/c.txt",
    "..",
    ".",
    "...",
    "..\\..\\x.bat",
    "/etc/passwd",
    "C:\\Windows\\system.ini",
    " ",
    ".htaccess",
    "x\r\nSet-Cookie: a=b.txt",
    "ünïcødé 💥.txt",
    "f" * 255,
]


@pytest.mark.parametrize("filename", HOSTILE_FILENAMES)
def test_an_upload_filename_never_shapes_the_key(filename: str, world: World) -> None:
    c = world.owner.client
    response = c.post(
        "/v1/upload/s3", json={"filename": filename, "contentType": "text/plain", "size": 2}
    )
    assert response.status_code == 200, response.text
    key = response.json()["fileKey"]
    assert key.startswith(f"uploads/{c.user_id}/")
    assert ".." not in key and "\\" not in key and len(key.split("/")) == 4
    assert check_key(key) == key
    put = c.put(response.json()["uploadUrl"], content=b"ok", headers={"Content-Type": "text/plain"})
    assert put.status_code == 200, put.text
    assert (world.blob_root / key).resolve().is_relative_to(world.blob_root)
    assert (world.blob_root / key).read_bytes() == b"ok"


UPLOAD_PATHS = [
    ("dot-dot to the secret key", "/uploads/../secret.key"),
    ("encoded dot-dot", "/uploads/%2e%2e/secret.key"),
    ("encoded slash", "/uploads/..%2fsecret.key"),
    ("dot-dot out of a real folder", "/uploads/uploads/{user}/x/../../../../secret.key"),
    ("absolute path", "/uploads//etc/passwd"),
]


@pytest.mark.parametrize(("why", "path"), UPLOAD_PATHS, ids=[w for w, _ in UPLOAD_PATHS])
def test_an_upload_put_outside_a_signed_key_writes_nothing(
    why: str, path: str, intact: World, service: Service
) -> None:
    target = intact.fill(path) + "?expires=9999999999&size=3&signature=" + "0" * 64
    request = (
        f"PUT {target} HTTP/1.1\r\nHost: test\r\nContent-Type: text/plain\r\n"
        "Content-Length: 3\r\nConnection: close\r\n\r\nabc"
    ).encode()
    before = files_outside(intact.data_dir, intact.blob_root)
    response = _raw(service, request)
    assert response.status_code in (403, 404), response.text
    assert_error(response, response.status_code)
    assert files_outside(intact.data_dir, intact.blob_root) == before


def test_a_signed_upload_url_cannot_be_retargeted(intact: World) -> None:
    c = intact.owner.client
    presigned = c.post(
        "/v1/upload/s3", json={"filename": "a.txt", "contentType": "text/plain", "size": 3}
    ).json()
    url = presigned["uploadUrl"]
    key = presigned["fileKey"]
    for forged in (
        url.replace(key, intact.victim.file_key),  # someone else's file
        url.replace(key, key.rsplit("/", 1)[0] + "/other.txt"),  # another name
        url.replace("size=3", "size=300"),  # a bigger file
        url.replace("expires=", "expires=1"),  # a later expiry
    ):
        put = c.put(forged, content=b"abc", headers={"Content-Type": "text/plain"})
        assert_error(put, 403, contains="signature")
    assert intact.victim.client.get(f"/v1/files/{intact.victim.file_key}").content == (
        b"kept file contents\n"
    )


@pytest.mark.parametrize(
    "key",
    [
        "{victim_key}",
        "uploads/{victim_user}",
        "uploads/%2e%2e/%2e%2e/secret.key",
        "uploads/{user}/nope/x.txt",
        "..%2f..%2fetc%2fpasswd",
    ],
)
def test_files_of_others_or_outside_the_store_are_404(key: str, intact: World) -> None:
    response = intact.owner.client.get(f"/v1/files/{intact.fill(key)}")
    assert_error(response, 404)


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
