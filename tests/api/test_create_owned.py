"""create-source's space check folded into the source's INSERT (`INSERT ... SELECT ... FROM
spaces WHERE` the caller's space), on SQLite and PostgreSQL: the row and its job are written in
the caller's own space, and nothing is written in a space that is another user's or missing,
which answers 404 as before; a body with a collection, or one the input checks refuse, keeps
the checks' old order (space, collection, input)."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import func, select

from contextd.store.tables import Job, Source
from tests.support.service import Client, Service

TEXT = "User: hi?\n\nAssistant: hello."
BODY: dict[str, Any] = {"type": "CONTENT", "initial_data": {"data": TEXT}}


def rows_in(service: Service, space_id: str) -> int:
    with service.runtime.db.read_session() as session:
        count = session.scalar(select(func.count()).where(Source.space_id == space_id))
        return int(count or 0)


def row_and_job(service: Service, source_id: str) -> tuple[dict[str, Any], list[str]]:
    with service.runtime.db.read_session() as session:
        source = session.execute(
            select(Source.space_id, Source.user_id, Source.status, Source.initial_data).where(
                Source.id == source_id
            )
        ).one()
        kinds = session.scalars(select(Job.kind).where(Job.source_id == source_id)).all()
        return dict(source._mapping), list(kinds)


def test_created_in_the_callers_space_with_its_job(client: Client, service: Service) -> None:
    space = client.space()
    created = client.source(space["id"], BODY)
    row, kinds = row_and_job(service, created["id"])
    assert row["space_id"] == space["id"] and row["user_id"] == client.user_id
    assert row["initial_data"] == {"bytes": len(TEXT.encode())}  # JSON, typed through the SELECT
    assert "process_source" in kinds
    assert created["status"] == "PENDING" and created["spaceId"] == space["id"]


def test_another_users_or_a_missing_space_writes_nothing(client: Client, service: Service) -> None:
    with service.client("other") as other:
        theirs = other.space()
        for space_id in (theirs["id"], str(uuid.uuid4())):
            body = {"instructions": {}, **BODY}
            answer = client.post(f"/v1/spaces/{space_id}/sources", json=body)
            assert answer.status_code == 404, answer.text
            assert answer.json()["message"] == f"space {space_id} not found"
            assert rows_in(service, space_id) == 0
        # A refused input in another user's space is still a 404: the space is checked first.
        refused = {"type": "URI", "initial_data": {"url": "not a url"}, "instructions": {}}
        answer = client.post(f"/v1/spaces/{theirs['id']}/sources", json=refused)
        assert answer.status_code == 404, answer.text
        assert other.post(f"/v1/spaces/{theirs['id']}/sources", json=refused).status_code == 400
        # The owner still creates there.
        assert other.source(theirs["id"], BODY)["spaceId"] == theirs["id"]


def test_a_collection_keeps_its_checks(client: Client, service: Service) -> None:
    space, elsewhere = client.space(), client.space("elsewhere")
    folder = client.post(f"/v1/spaces/{space['id']}/collections", json={"name": "c"})
    assert folder.status_code == 201, folder.text
    filed = client.source(space["id"], {**BODY, "collectionId": folder.json()["id"]})
    assert filed["collectionId"] == folder.json()["id"]
    client.source(elsewhere["id"], {**BODY, "collectionId": folder.json()["id"]}, expect=400)
    assert rows_in(service, elsewhere["id"]) == 0
