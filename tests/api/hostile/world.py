"""The prepared world every hostile request is made against, and the shape of one such request.

The test modules beside this one read as the contract: each table is a kind of hostile input
(malformed requests, server-side request forgery, file names and keys, ids and routes), and each
case gets a clear 4xx with the documented error body while nothing the caller (or anyone else)
owns changes. Every case runs against one "world" per module (an owner with a space, a
collection, a COMPLETED source and an uploaded file, and a second user with the same). After each
case every stored row the two users own is compared with how it was before (`intact`, in
`conftest.py`); when a module ends, both users read everything back through the API and must
read what they read when the world was made.

Nothing here contacts a non-loopback address: every internal or metadata URL is one the
service must refuse from its text alone (scheme, credentials, literal address, local name),
before resolving or connecting. A listener on 127.0.0.1 counts any request that slips through.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import inspect, select

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


def populate(c: Client) -> User:
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


def _fill_json(value: Any, w: World) -> Any:
    if isinstance(value, str):
        return w.fill(value) if "{" in value else value
    if isinstance(value, dict):
        return {k: _fill_json(v, w) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill_json(v, w) for v in value]
    return value


def refused(case: Bad, w: World) -> None:
    """Send one case (its JSON templates filled from the world) and check the error it gets."""
    case = Bad(**{**case.__dict__, "json": _fill_json(case.json, w)})
    case.check(case.send(w))
