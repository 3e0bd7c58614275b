"""The most frequent routes' fast paths answer exactly as the general ones do.

get-source reads its row without an ORM session, create-source writes it without one (CONTENT
and URI inputs) and answers from the values it wrote, and neither reads the caller's `users`
row (bench/api.py): the answers, the caller's other columns and revocation must not change
because of it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from contextd.api import views
from contextd.api.deps import source_context_of
from contextd.domain.enums import SourceType
from contextd.domain.errors import NotFound
from contextd.services import sources
from contextd.services.source_input import SESSIONLESS
from contextd.store.tables import Source
from tests.support.errors import assert_error
from tests.support.factories import transcript
from tests.support.pages import PageServer
from tests.support.service import Client, Service


def processed(client: Client, text: str) -> dict[str, Any]:
    space = client.space()
    source = client.source(space["id"], {"type": "CONTENT", "initial_data": {"data": text}})
    done = client.wait(source["id"])
    assert done["status"] == "COMPLETED", done["message"]
    return done


def test_a_source_reads_the_same_alone_in_a_list_and_from_the_orm(
    client: Client, service: Service
) -> None:
    done = processed(client, transcript(40, code_every=2))
    assert done["artifacts"] and done["snapshot"] is not None  # the heads and the summary
    alone = client.get(f"/v1/sources/{done['id']}").json()
    listed = client.get(f"/v1/spaces/{done['spaceId']}/sources").json()["sources"]
    assert listed == [alone]
    with service.runtime.db.session() as session:
        row = session.get(Source, done["id"])
        assert row is not None
        assert views.source(session, row).model_dump(mode="json") == alone


@contextmanager
def statements(service: Service) -> Iterator[list[str]]:
    """The SQL this process sends meanwhile (the server runs in this process)."""
    seen: list[str] = []

    def record(*args: Any) -> None:
        seen.append(args[2])

    engine = service.runtime.db.engine
    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def _of_users(sql: list[str]) -> list[str]:
    return [s for s in sql if "FROM users" in s or "UPDATE users" in s]


def test_the_caller_is_read_only_when_a_route_needs_more_than_its_id(
    client: Client, service: Service
) -> None:
    space = client.space()  # the key is verified (and cached) here
    with statements(service) as sql:
        created = client.source(space["id"], {"type": "CONTENT", "initial_data": {"data": "hi"}})
        assert client.get(f"/v1/sources/{created['id']}").status_code == 200
    assert _of_users(sql) == []
    before = client.get("/v1/postbacks/secret").json()["secret"]
    with statements(service) as sql:
        rotated = client.post("/v1/postbacks/secret/rotate").json()["secret"]
        assert client.get("/v1/postbacks/secret").json()["secret"] == rotated != before
    assert _of_users(sql)  # read from the database, never from a copy


def test_get_source_reads_its_row_and_artifact_heads_in_one_statement(
    client: Client, service: Service
) -> None:
    """The heads come with the row (an aggregate per dialect), in the order and with the
    values the general view reads them with (the test above compares the answers)."""
    done = processed(client, transcript(40, code_every=2))
    assert len(done["artifacts"]) > 1
    with statements(service) as sql:
        answer = client.get(f"/v1/sources/{done['id']}").json()
    # Only the reads of sources and artifacts: the embedded worker of this process polls the
    # jobs table meanwhile on the same engine.
    reads = [s for s in sql if s.lstrip().startswith(("SELECT sources.", "SELECT artifacts."))]
    assert len(reads) == 1 and "FROM artifacts" in reads[0], reads
    assert answer == done


def test_a_revoked_key_is_refused_by_the_fast_routes_at_once(client: Client) -> None:
    created = client.post("/v1/api-keys", json={"name": "temp"}).json()
    space = client.space()
    body = {"type": "CONTENT", "initial_data": {"data": "hi"}, "instructions": {}}
    with Client(str(client.base_url), created["api_key"], client.user_id) as other:
        source = other.post(f"/v1/spaces/{space['id']}/sources", json=body)
        assert source.status_code == 201  # verified, now cached
        assert other.get(f"/v1/sources/{source.json()['id']}").status_code == 200
        assert client.delete(f"/v1/api-keys/{created['id']}").status_code == 200
        assert_error(other.get(f"/v1/sources/{source.json()['id']}"), 401)
        assert_error(other.post(f"/v1/spaces/{space['id']}/sources", json=body), 401)


def _uploaded(client: Client, data: bytes) -> str:
    presigned = client.post(
        "/v1/upload/s3",
        json={"filename": "n.md", "contentType": "text/markdown", "size": len(data)},
    ).json()
    put = client.put(
        presigned["uploadUrl"], content=data, headers={"Content-Type": "text/markdown"}
    )
    assert put.status_code == 200, put.text
    return str(presigned["fileKey"])


@pytest.mark.parametrize("kind", list(SourceType))
def test_a_new_source_answers_as_its_stored_row_reads(
    client: Client, service: Service, pages: PageServer, kind: SourceType
) -> None:
    """create-source builds its answer from the values it wrote, without reading the row back:
    it must be the answer the general view gives for the row as stored, in the same transaction
    (before any worker can move the source on). CONTENT and URI are written on a connection
    without an ORM session, FILE and COMPOSITION with one."""
    space = client.space()
    collection = client.post(f"/v1/spaces/{space['id']}/collections", json={"name": "c"}).json()
    member = client.source(space["id"], {"type": "CONTENT", "initial_data": {"data": "hi"}})
    inputs: dict[SourceType, dict[str, Any]] = {
        SourceType.CONTENT: {"data": "User: hi\n\nAssistant: hello"},
        SourceType.URI: {"uri": pages.url("/a page")},
        SourceType.FILE: {"data": _uploaded(client, b"# Notes\n\nUse it.\n")},
        SourceType.COMPOSITION: {"source_ids": [member["id"]]},
    }
    runtime = service.runtime
    ctx = source_context_of(runtime)
    with runtime.db.write_connection() as connection, Session(bind=connection) as session:
        new = sources.prepare_source(
            ctx,
            client.user_id,
            space["id"],
            source_type=kind,
            initial_data=inputs[kind],
            instructions={"snapshot_budget_tokens": 300.0, "mine": [1]},
            name="n",
            description="d",
            collection_id=collection["id"],
            session=None if kind in SESSIONLESS else session,
        )
        row = sources.create_source(connection, ctx, new)
        answer = views.new_source(row).model_dump(mode="json")
        stored = session.get(Source, row["id"])
        assert stored is not None
        assert views.source(session, stored).model_dump(mode="json") == answer
        connection.rollback()  # nothing for the worker
    assert answer["status"] == "PENDING" and answer["revision"] == 1
    assert answer["instructions"]["snapshot_budget_tokens"] == 300  # normalized, as stored


def test_create_reports_the_space_then_the_collection_then_the_input(client: Client) -> None:
    """The input is validated (and a CONTENT source's bytes written) before the transaction
    checks the space and the collection, yet the errors keep their order of old."""
    space = client.space()
    bad = {"type": "CONTENT", "instructions": {"snapshot_ratio": 0}, "initial_data": {}}
    assert_error(client.post("/v1/spaces/nope/sources", json=bad), 404, contains="space")
    wrong_collection = {**bad, "collectionId": "nope"}
    answer = client.post(f"/v1/spaces/{space['id']}/sources", json=wrong_collection)
    assert_error(answer, 400, contains="collectionId")
    answer = client.post(f"/v1/spaces/{space['id']}/sources", json=bad)
    assert_error(answer, 400, contains="snapshot_ratio")


def test_the_bytes_of_a_source_not_created_are_removed(client: Client, service: Service) -> None:
    runtime = service.runtime
    ctx = source_context_of(runtime)
    new = sources.prepare_source(
        ctx,
        client.user_id,
        "no-such-space",
        source_type=SourceType.CONTENT,
        initial_data={"data": "hello " * sources.INLINE_RAW_MAX},  # a blob, not in the row
        instructions={},
    )
    key = new.row["raw_key"]
    assert runtime.blobs.get(key) == b"hello " * sources.INLINE_RAW_MAX  # before the transaction
    with pytest.raises(NotFound), runtime.db.write_connection() as connection:
        sources.create_source(connection, ctx, new)
    assert not runtime.blobs.exists(key)
