"""The embedding model is pluggable; changing it re-embeds chunks without re-extracting."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from starlette.applications import Starlette
from starlette.routing import Route

from contextd.api.app import create_app
from contextd.jobs.queue import EMBED_CHUNKS
from contextd.runtime import Runtime
from contextd.search.index import mark_model_change
from contextd.store.tables import Artifact, Chunk, Job
from contextd.testing import ThreadedServer, drain_jobs
from tests.support.factories import transcript
from tests.support.fake_openai import FakeEmbeddingServer
from tests.support.service import Client, Service
from tests.support.settings import make_settings


@pytest.fixture
def embeddings() -> Iterator[FakeEmbeddingServer]:
    fake = FakeEmbeddingServer()
    app = Starlette(routes=[Route("/v1/embeddings", fake.embeddings, methods=["POST"])])
    with ThreadedServer(app, timeout_graceful_shutdown=1) as server:
        fake.url = server.url + "/v1"
        yield fake


def start(
    tmp_path: Path, embeddings: FakeEmbeddingServer, model: str, **extra: object
) -> tuple[Runtime, ThreadedServer]:
    settings = make_settings(
        tmp_path / "data",
        f"sqlite:///{tmp_path / 'models.db'}",
        embedding_url=embeddings.url,
        embedding_model=model,
        embedding_dim=embeddings.dim,
        **extra,
    )
    runtime = Runtime.build(settings)
    return runtime, ThreadedServer(create_app(runtime))


def models(runtime: Runtime) -> set[str | None]:
    with runtime.db.read_session() as session:
        return set(session.scalars(select(Chunk.embedding_model)))


def wait_models(runtime: Runtime, expected: set[str | None]) -> None:
    drain_jobs(runtime)  # the embedding jobs
    assert models(runtime) == expected


def test_changing_the_model_reembeds_without_reextracting(
    tmp_path: Path, embeddings: FakeEmbeddingServer
) -> None:
    runtime, server = start(tmp_path, embeddings, "m1")
    with server, Service(runtime, server.url).client() as client:
        key, user_id = client.key, client.user_id
        space = client.space()
        source = client.source(
            space["id"], {"type": "CONTENT", "initial_data": {"data": transcript(30)}}
        )
        done = client.wait(source["id"])
        wait_models(runtime, {"openai:m1"})
        with runtime.db.read_session() as session:
            artifacts_before = set(session.scalars(select(Artifact.id)))
    runtime.close()

    runtime, server = start(tmp_path, embeddings, "m2")
    with server:
        with runtime.db.session() as session:
            assert mark_model_change(session, "openai:m2") == 1
        wait_models(runtime, {"openai:m2"})
        with Client(server.url, key, user_id, runtime=runtime) as client:
            after = client.get(f"/v1/sources/{source['id']}").json()
            assert after["revision"] == done["revision"]  # nothing was reprocessed
            found = client.post(
                f"/v1/spaces/{space['id']}/search",
                json={"query": "job queue lease", "mode": "vector"},
            ).json()
            assert found["results"]
        with runtime.db.read_session() as session:
            assert set(session.scalars(select(Artifact.id))) == artifacts_before
    runtime.close()
    assert {call["model"] for call in embeddings.calls} == {"m1", "m2"}


@pytest.mark.parametrize("inline", [True, False])
def test_the_processing_job_embeds_what_its_chunks_lack_after_completed(
    tmp_path: Path, embeddings: FakeEmbeddingServer, inline: bool
) -> None:
    """`embed_inline` (default): COMPLETED is followed by every vector in the same job, not
    after other sources' embedding jobs, and a small source queues no embedding job at all;
    off, the embedding job does it all."""
    runtime, server = start(tmp_path, embeddings, "m1", embed_inline=inline)
    with server, Service(runtime, server.url).client() as client:
        space = client.space()
        source = client.source(
            space["id"], {"type": "CONTENT", "initial_data": {"data": transcript(30)}}
        )
        assert client.wait(source["id"])["status"] == "COMPLETED"  # processing jobs only
        with runtime.db.read_session() as session:
            embedded = set(
                session.scalars(
                    select(Chunk.embedding_model).where(Chunk.source_id == source["id"])
                )
            )
            jobs = session.scalars(
                select(Job.id).where(Job.kind == EMBED_CHUNKS, Job.source_id == source["id"])
            ).all()
        if inline:  # embedded before the job ends, by the job: no embedding job
            assert embedded == {"openai:m1"}
            assert not jobs
        else:
            assert jobs
        wait_models(runtime, {"openai:m1"})
    runtime.close()


def test_each_chunk_is_embedded_once_while_the_lane_waits_for_processing(
    tmp_path: Path, embeddings: FakeEmbeddingServer
) -> None:
    """The turn chunks' embedding job is queued when the turns are written, but the lane waits
    until the processing job (inline embedding included) is over: every chunk's text reaches
    the model once, not once from the lane and again inline."""
    runtime, server = start(tmp_path, embeddings, "m1", embed_concurrency=1)
    with server, Service(runtime, server.url).client() as client:
        space = client.space()
        source = client.source(
            space["id"], {"type": "CONTENT", "initial_data": {"data": transcript(120)}}
        )
        assert client.wait(source["id"])["status"] == "COMPLETED"
        wait_models(runtime, {"openai:m1"})
        with runtime.db.read_session() as session:
            chunks = session.scalars(select(Chunk.id).where(Chunk.source_id == source["id"])).all()
    runtime.close()
    sent = [text for call in embeddings.calls for text in call["input"]]
    assert len(chunks) > 1
    assert len(sent) == len(chunks) == len(set(sent))
