"""The worker's bookkeeping for a small source: few write transactions, nothing lost.

On SQLite every write transaction takes the one writer lock that create-source needs too, and
the worker runs niced (bench/README.md, "sixth change"): the claim commits with the source's
PROCESSING, the turns with the results, the job's end with the last vectors, and no embedding job
is queued for chunks the run embeds itself. These tests count that, and check that the crash
paths still leave a source that completes or fails visibly, with its chunks embedded.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, event, func, select, text

from contextd.domain.enums import ArtifactType, JobStatus, SourceStatus
from contextd.jobs import queue
from contextd.jobs.base import ClaimedJob
from contextd.jobs.worker import Worker
from contextd.runtime import Runtime
from contextd.store.db import READ_ONLY
from contextd.store.tables import Artifact, Chunk, Job, Source
from contextd.tasks import process_source, source_results
from contextd.tasks.context import TaskContext
from contextd.tasks.handlers import HANDLERS, build_worker
from contextd.tasks.source_plan import Plan
from contextd.tasks.source_results import SMALL_CHARS
from tests.support.factories import transcript
from tests.support.settings import make_settings, own_database
from tests.support.sources import new_composition, new_source

pytestmark = pytest.mark.all_engines

BOUND = 60.0  # seconds a test waits for a runner before it fails (a deadlock guard, not timing)


@pytest.fixture
def runtime(backend: str, tmp_path: Path) -> Iterator[Runtime]:
    """A database of the test's own, where no other worker runs."""
    engine = "procrastinate" if backend == "procrastinate" else "database"
    with own_database(backend, tmp_path, "books") as url:
        rt = Runtime.build(make_settings(tmp_path, url, job_engine=engine))
        yield rt
        rt.close()


class WriteCounter:
    """Counts the transactions that begin as writers (on SQLite: `BEGIN IMMEDIATE`, a turn of
    the one writer lock)."""

    def __init__(self, runtime: Runtime) -> None:
        self.count = 0
        event.listen(runtime.db.engine, "begin", self._began)

    def _began(self, connection: Connection) -> None:
        if not connection.get_execution_options().get(READ_ONLY):
            self.count += 1


def drain(runtime: Runtime, worker: Worker[Runtime]) -> None:
    while worker.run_once():
        pass


def run_all(runtime: Runtime, source_id: str) -> None:
    """Run the source's jobs to the end with the runtime's own runner (either engine)."""
    worker = build_worker(runtime)
    if isinstance(worker, Worker):
        drain(runtime, worker)
        return
    worker.start()
    try:
        deadline = time.monotonic() + BOUND
        while time.monotonic() < deadline:
            if not open_jobs(runtime, source_id) and status(runtime, source_id) in (
                SourceStatus.COMPLETED,
                SourceStatus.FAILED,
            ):
                return
            time.sleep(0.1)
        raise AssertionError(f"jobs of {source_id} still open: {open_jobs(runtime, source_id)}")
    finally:
        worker.stop()


def status(runtime: Runtime, source_id: str) -> str | None:
    with runtime.db.read_session() as session:
        return session.scalar(select(Source.status).where(Source.id == source_id))


def open_jobs(runtime: Runtime, source_id: str) -> list[tuple[Any, ...]]:
    """(kind, status) of the source's jobs not yet ended, in whichever engine holds them."""
    with runtime.db.read_session() as session:
        if runtime.job_engine is None:
            rows = session.execute(
                select(Job.kind, Job.status).where(
                    Job.source_id == source_id,
                    Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)),
                )
            ).all()
        else:
            rows = session.execute(
                text(
                    "SELECT queue_name, status FROM procrastinate_jobs"
                    " WHERE args->>'source_id' = :id AND status IN ('todo', 'doing')"
                ),
                {"id": source_id},
            ).all()
    return [tuple(row) for row in rows]


def embedding_jobs(runtime: Runtime, source_id: str) -> int:
    with runtime.db.read_session() as session:
        if runtime.job_engine is None:
            found = select(func.count()).where(
                Job.kind == queue.EMBED_CHUNKS, Job.source_id == source_id
            )
            return int(session.scalar(found) or 0)
        return int(
            session.scalar(
                text(
                    "SELECT count(*) FROM procrastinate_jobs"
                    " WHERE queue_name = :kind AND args->>'source_id' = :id"
                ),
                {"kind": queue.EMBED_CHUNKS, "id": source_id},
            )
            or 0
        )


def chunks(runtime: Runtime, source_id: str) -> tuple[int, int]:
    """(chunks, chunks with a vector) of the source."""
    with runtime.db.read_session() as session:
        total = session.scalar(select(func.count()).where(Chunk.source_id == source_id))
        embedded = session.scalar(
            select(func.count()).where(Chunk.source_id == source_id, Chunk.embedding.is_not(None))
        )
    return int(total or 0), int(embedded or 0)


def test_a_small_source_completes_embedded_without_an_embedding_job(runtime: Runtime) -> None:
    """Either engine: COMPLETED, every chunk with its vector, and its jobs ended, with no
    embedding job queued: the processing job embedded them before it ended."""
    source_id = new_source(runtime, turns=8)
    run_all(runtime, source_id)
    assert status(runtime, source_id) == SourceStatus.COMPLETED
    total, embedded = chunks(runtime, source_id)
    assert total > 0 and embedded == total
    assert open_jobs(runtime, source_id) == []
    assert embedding_jobs(runtime, source_id) == 0


def test_a_small_source_costs_the_worker_three_write_transactions(
    runtime: Runtime, backend: str
) -> None:
    """Claim + PROCESSING, turns + results + COMPLETED, the vectors + the job's end: three
    (there were ten: a claim, PROCESSING, two checks, the turns, the results, the vectors and
    the job's end, then the embedding job's claim and end)."""
    if backend != "sqlite":
        pytest.skip("counted where the writer lock is: SQLite")
    worker = build_worker(runtime)
    assert isinstance(worker, Worker)
    drain(runtime, worker)  # the first run also purges old jobs: not counted
    source_id = new_source(runtime, turns=8)
    counter = WriteCounter(runtime)
    drain(runtime, worker)
    assert counter.count == 3
    assert status(runtime, source_id) == SourceStatus.COMPLETED
    total, embedded = chunks(runtime, source_id)
    assert total > 0 and embedded == total
    with runtime.db.read_session() as session:
        jobs = session.execute(select(Job.kind, Job.status).where(Job.source_id == source_id))
        assert [tuple(row) for row in jobs] == [(queue.PROCESS_SOURCE, JobStatus.SUCCEEDED)]


def test_reading_a_compositions_members_takes_no_write_transaction(
    runtime: Runtime, backend: str
) -> None:
    """A run reads what it builds on (a composition's members, stored text) in read sessions:
    a COMPOSITION of a small source costs the same three write transactions as the source
    (four before: the members were read in a write session, a turn of SQLite's lock)."""
    if backend != "sqlite":
        pytest.skip("counted where the writer lock is: SQLite")
    worker = build_worker(runtime)
    assert isinstance(worker, Worker)
    member = new_source(runtime, turns=8)
    drain(runtime, worker)
    composed = new_composition(runtime, member)
    counter = WriteCounter(runtime)
    drain(runtime, worker)
    assert counter.count == 3
    assert status(runtime, composed) == SourceStatus.COMPLETED


def test_a_small_source_row_is_updated_once_at_claim_and_once_at_the_end(
    runtime: Runtime, backend: str
) -> None:
    """The claim marks it PROCESSING and reads the run's plan in one UPDATE ... RETURNING, and
    the final transaction writes every change to the row in one UPDATE (there were four: the
    claim's flush, then a flush each for the turn count, the document fields and COMPLETED),
    while the results stay right: COMPLETED, its turns counted, its snapshot stored."""
    if backend == "procrastinate":
        pytest.skip("the claim hook is the database worker's; the writes are the same")
    worker = build_worker(runtime)
    assert isinstance(worker, Worker)
    drain(runtime, worker)
    source_id = new_source(runtime, turns=8)
    updates: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE SOURCES"):
            updates.append(statement)

    event.listen(runtime.db.engine, "before_cursor_execute", seen)
    try:
        drain(runtime, worker)
    finally:
        event.remove(runtime.db.engine, "before_cursor_execute", seen)
    assert len(updates) == 2, updates
    assert "RETURNING" in updates[0].upper()
    with runtime.db.read_session() as session:
        row = session.execute(
            select(Source.status, Source.turn_count, Source.document_key, Source.started_at).where(
                Source.id == source_id
            )
        ).one()
        snapshots = session.scalar(
            select(func.count()).where(
                Artifact.source_id == source_id, Artifact.type == ArtifactType.CONTEXT
            )
        )
    assert row.status == SourceStatus.COMPLETED
    assert row.turn_count == 8
    assert row.document_key is not None and row.started_at is not None
    assert snapshots == 1


def test_a_large_source_still_writes_its_turns_early_and_queues_their_embedding(
    runtime: Runtime, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above `SMALL_CHARS` the turns are written before artifacts and the snapshot (search
    finds them meanwhile) and their embedding job is queued (another worker's lane may embed
    them); the run ends with every chunk embedded all the same."""
    if backend == "procrastinate":
        pytest.skip("the split is the handler's, the same on both engines")
    assert len(transcript(400)) > SMALL_CHARS
    source_id = new_source(runtime, turns=400)
    staged: list[str] = []
    original = source_results.stage_text

    def stage_text(ctx: TaskContext, plan: Plan, *args: Any, **kwargs: Any) -> None:
        staged.append(plan.source_id)
        original(ctx, plan, *args, **kwargs)

    monkeypatch.setattr(process_source, "stage_text", stage_text)
    run_all(runtime, source_id)
    assert status(runtime, source_id) == SourceStatus.COMPLETED
    assert staged == [source_id]  # the turns were written before the results
    assert embedding_jobs(runtime, source_id) == 1
    total, embedded = chunks(runtime, source_id)
    assert total > 0 and embedded == total


def test_a_claim_hook_that_fails_leaves_the_claim_and_the_handler_begins_alone(
    runtime: Runtime, backend: str
) -> None:
    if backend != "sqlite":
        pytest.skip("the claim hook is the database worker's (the same code on PostgreSQL)")

    def broken(_session: Any, _job: ClaimedJob) -> None:
        raise RuntimeError("hook failed")

    worker = Worker(
        runtime,
        HANDLERS,
        on_exhausted=process_source.fail_exhausted,
        on_claim={queue.PROCESS_SOURCE: broken},
    )
    source_id = new_source(runtime, turns=4)
    drain(runtime, worker)
    assert status(runtime, source_id) == SourceStatus.COMPLETED
    with runtime.db.read_session() as session:
        jobs = session.execute(select(Job.status, Job.attempts).where(Job.source_id == source_id))
        assert [tuple(row) for row in jobs] == [(JobStatus.SUCCEEDED, 1)]


def _given_up(runtime: Runtime, source_id: str, *, chunk_vector: bytes | str | None) -> None:
    """Claim and begin the source's run, leave a chunk (with `chunk_vector`, or none when it is
    "no chunk"), then give the job up as a worker does when the lease lapsed on its last try."""
    with runtime.db.session() as session:
        job = queue.claim(session, "worker-a", 60)
    assert job is not None and job.source_id == source_id
    with runtime.db.session() as session:
        assert process_source.begin_on_claim(session, job) is not None
    if chunk_vector != "no chunk":
        with runtime.db.session() as session:
            space_id = session.get_one(Source, source_id).space_id
            session.add(
                Chunk(
                    space_id=space_id,
                    source_id=source_id,
                    kind="turn",
                    text="written before the run died",
                    embedding=chunk_vector,
                )
            )
    with runtime.db.session() as session:  # the worker died: the lease lapsed on the last try
        process_source.fail_exhausted(session, job, "lease lapsed")
    assert status(runtime, source_id) == SourceStatus.FAILED


def test_a_run_given_up_after_writing_chunks_fails_visibly_and_queues_their_embedding(
    runtime: Runtime, backend: str
) -> None:
    """A small source's run that died after writing its chunks (no embedding job of their own):
    giving the job up fails the source and queues the embedding its run would have done."""
    if backend == "procrastinate":
        pytest.skip("`fail_exhausted` is shared; the jobs table is the database engine's")
    source_id = new_source(runtime, turns=4)
    _given_up(runtime, source_id, chunk_vector=None)
    assert embedding_jobs(runtime, source_id) == 1


@pytest.mark.parametrize("chunk_vector", ["no chunk", b"\x00" * 8], ids=["none", "embedded"])
def test_a_run_given_up_with_nothing_left_to_embed_queues_no_embedding(
    runtime: Runtime, backend: str, chunk_vector: bytes | str
) -> None:
    """No chunk written yet, or every chunk with its vector: no job that would find nothing."""
    if backend == "procrastinate":
        pytest.skip("`fail_exhausted` is shared; the jobs table is the database engine's")
    source_id = new_source(runtime, turns=4)
    _given_up(runtime, source_id, chunk_vector=chunk_vector)
    assert embedding_jobs(runtime, source_id) == 0
