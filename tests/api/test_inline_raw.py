"""Small CONTENT is kept in the source's row (`sources.raw_inline`), not as a blob: created
through the HTTP API without writing a file, then processed, reprocessed, fast-forwarded and
deleted with its space like any source; larger bodies still go to the blob store."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select

from contextd.services.sources import INLINE_RAW_MAX
from contextd.store.tables import Source
from tests.support.factories import transcript
from tests.support.service import Client, Service


def stored(service: Service, source_id: str) -> tuple[str | None, bytes | None, str | None]:
    """The source's `raw_key`, `raw_inline` and `raw_hash` as the database has them."""
    with service.runtime.db.session() as session:
        row = session.execute(
            select(Source.raw_key, Source.raw_inline, Source.raw_hash).where(Source.id == source_id)
        ).one()
        return row.raw_key, row.raw_inline, row.raw_hash


def blob_files(service: Service, source_id: str) -> list[str]:
    root = Path(service.runtime.settings.resolved_storage_url.removeprefix("file://"))
    folder = root / "sources" / source_id
    return sorted(p.name for p in folder.iterdir()) if folder.is_dir() else []


def test_small_content_lives_in_the_row_and_is_processed_and_reprocessed(
    client: Client, service: Service
) -> None:
    text = transcript(4)
    assert len(text.encode()) <= INLINE_RAW_MAX
    space = client.space()
    source = client.source(space["id"], {"type": "CONTENT", "initial_data": {"data": text}})
    key, inline, digest = stored(service, source["id"])
    assert (key, inline) == (None, text.encode()) and digest
    # The request wrote no file (the worker may already have written the processed document).
    assert [f for f in blob_files(service, source["id"]) if not f.startswith("document.md")] == []
    done = client.wait(source["id"])
    assert done["status"] == "COMPLETED", done["message"]
    turns = client.get(f"/v1/sources/{source['id']}/turns").json()["turns"]
    assert [t["text"].split(".")[0] for t in turns] == [f"Turn {i}" for i in range(4)]
    # Reprocess reads the same bytes from the row again.
    answer = client.post(f"/v1/sources/{source['id']}/reprocess", json={})
    assert answer.status_code == 202, answer.text
    again = client.wait(source["id"])
    assert again["status"] == "COMPLETED" and again["revision"] == 2
    assert client.get(f"/v1/sources/{source['id']}/turns").json()["turns"] == turns
    assert stored(service, source["id"])[1] == text.encode()  # kept for the next reprocess
    # A fast-forward part small enough is kept in its own row too, and appended.
    more = "User: one more question?\n\nAssistant: one more answer."
    forwarded = client.post(
        f"/v1/sources/{source['id']}/fast-forward",
        json={"type": "CONTENT", "initial_data": {"data": more}},
    )
    assert forwarded.status_code in (200, 202), forwarded.text
    grown = client.wait(source["id"])
    assert grown["status"] == "COMPLETED", grown["message"]
    texts = [t["text"] for t in client.get(f"/v1/sources/{source['id']}/turns").json()["turns"]]
    assert texts[-1].endswith("one more answer.") and len(texts) == len(turns) + 2


def test_content_over_the_limit_is_a_blob_as_before(client: Client, service: Service) -> None:
    text = transcript(60)
    assert len(text.encode()) > INLINE_RAW_MAX
    space = client.space()
    source = client.source(space["id"], {"type": "CONTENT", "initial_data": {"data": text}})
    key, inline, _ = stored(service, source["id"])
    assert inline is None and key == f"sources/{source['id']}/raw"
    assert service.runtime.blobs.get(key) == text.encode()
    assert client.wait(source["id"])["status"] == "COMPLETED"


def test_an_inline_source_goes_with_its_space(client: Client, service: Service) -> None:
    space = client.space()
    source = client.source(space["id"], {"type": "CONTENT", "initial_data": {"data": "hi"}})
    assert stored(service, source["id"])[1] == b"hi"
    assert client.delete(f"/v1/spaces/{space['id']}").status_code in (200, 204)
    with service.runtime.db.session() as session:
        assert session.get(Source, source["id"]) is None
