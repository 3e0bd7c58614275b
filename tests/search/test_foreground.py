"""The embedding lane waits for processing (`search.foreground`), on a real database."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

from contextd.jobs.base import ClaimedJob
from contextd.pipeline.embed import Vectors
from contextd.pipeline.types import Document, Turn
from contextd.runtime import Runtime
from contextd.search import foreground
from contextd.search.index import embed_pending, index_text
from contextd.store.tables import Chunk, Source
from contextd.tasks.context import TaskContext
from contextd.tasks.handlers import embed_chunks
from tests.support.settings import make_settings
from tests.support.sources import new_source


class Recording:
    """The `Embedder` seam, recording what it was asked to embed."""

    name = "recording"
    dim = 4

    def __init__(self) -> None:
        self.texts: list[str] = []

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.texts += texts
        return np.full((len(texts), self.dim), 0.5, dtype=np.float32)


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    runtime = Runtime.build(make_settings(tmp_path / "data", f"sqlite:///{tmp_path / 'fg.db'}"))
    yield runtime
    runtime.close()


def add_source(runtime: Runtime, turns: int) -> str:
    """A source whose turn chunks are written and lack vectors (as after `stage_text`)."""
    source_id = new_source(runtime)
    with runtime.db.session() as session:
        source = session.get(Source, source_id)
        assert source is not None
        rows = tuple(
            Turn(index=i, speaker="User", role="user", text=f"Turn {i}: the lease renews. " * 20)
            for i in range(turns)
        )
        document = Document(text="", format="text")
        index_text(session, source, rows, document, append=False, queue_embedding=False)
    return source_id


def vectors(runtime: Runtime, source_id: str) -> list[str | None]:
    with runtime.db.read_session() as session:
        return list(
            session.scalars(select(Chunk.embedding_model).where(Chunk.source_id == source_id))
        )


def test_the_lane_waits_until_no_source_is_processed(runtime: Runtime) -> None:
    source_id = add_source(runtime, 40)
    embedder = Recording()
    done: list[int] = []
    lane = threading.Thread(
        target=lambda: done.append(
            embed_pending(runtime.db, embedder, source_id, yield_to_processing=True)
        )
    )
    with foreground.processing():
        assert foreground.running() == 1
        lane.start()
        lane.join(0.5)
        assert lane.is_alive()  # still waiting: nothing embedded while the job runs
        assert embedder.texts == []
        assert set(vectors(runtime, source_id)) == {None}
    lane.join(30)
    assert not lane.is_alive()
    assert foreground.running() == 0
    assert done == [len(vectors(runtime, source_id))] and done[0] > 0
    assert set(vectors(runtime, source_id)) == {"recording"}


def test_inline_embedding_does_not_wait_for_its_own_job(runtime: Runtime) -> None:
    """The processing job embeds inside `processing()`: only the lane yields."""
    source_id = add_source(runtime, 10)
    embedder = Recording()
    with foreground.processing():
        count = embed_pending(runtime.db, embedder, source_id)
    assert count == len(embedder.texts) > 0
    assert set(vectors(runtime, source_id)) == {"recording"}


def test_nested_and_concurrent_jobs_release_the_lane_only_when_all_end() -> None:
    with foreground.processing():
        with foreground.processing():
            assert foreground.running() == 2
        assert not foreground.wait_idle(timeout=0.05)
    assert foreground.wait_idle(timeout=0.05)
    with pytest.raises(RuntimeError), foreground.processing():
        raise RuntimeError("a failing job still releases the lane")
    assert foreground.running() == 0


@pytest.mark.parametrize("inline", [True, False])
def test_the_embedding_job_yields_only_when_processing_embeds_inline(
    tmp_path: Path, inline: bool
) -> None:
    """With `embed_inline` off the lane is the only embedder: waiting for processing would
    starve it on a worker that is never idle, so it embeds at once."""
    settings = make_settings(
        tmp_path / "data", f"sqlite:///{tmp_path / 'fg.db'}", embed_inline=inline
    )
    runtime = Runtime.build(settings)
    try:
        embedder = Recording()
        runtime.__dict__["embedder"] = embedder  # the cached model, replaced before first use
        source_id = add_source(runtime, 10)
        job = ClaimedJob(
            id=1, kind="embed_chunks", source_id=source_id, payload={}, attempts=1, max_attempts=3
        )
        ctx = TaskContext(runtime=runtime, job=job, worker_id="test", lost=threading.Event())
        lane = threading.Thread(target=embed_chunks, args=(ctx,))
        with foreground.processing():
            lane.start()
            lane.join(0.5 if inline else 30)
            assert lane.is_alive() is inline
            assert (embedder.texts == []) is inline
        lane.join(30)
        assert set(vectors(runtime, source_id)) == {"recording"}
    finally:
        runtime.close()


class WatchedRuntime(Runtime):
    """Records, at each read of `embedder`, how many sources were being processed: in a new
    worker the first read loads search's model."""

    reads: list[int]
    recording: Recording

    @property
    def embedder(self) -> Recording:
        self.reads.append(foreground.running())
        return self.recording


def test_the_embedding_job_reads_the_model_only_once_processing_ends(tmp_path: Path) -> None:
    runtime = WatchedRuntime.build(
        make_settings(tmp_path / "data", f"sqlite:///{tmp_path / 'fg.db'}", embed_inline=True)
    )
    assert isinstance(runtime, WatchedRuntime)
    try:
        runtime.reads, runtime.recording = [], Recording()
        source_id = add_source(runtime, 10)
        job = ClaimedJob(
            id=1, kind="embed_chunks", source_id=source_id, payload={}, attempts=1, max_attempts=3
        )
        ctx = TaskContext(runtime=runtime, job=job, worker_id="test", lost=threading.Event())
        lane = threading.Thread(target=embed_chunks, args=(ctx,))
        with foreground.processing():  # the first source's job, its model not loaded yet
            lane.start()
            lane.join(0.5)
            assert lane.is_alive()
            assert runtime.reads == []
        lane.join(30)
        assert runtime.reads == [0]
        assert set(vectors(runtime, source_id)) == {"recording"}
    finally:
        runtime.close()
