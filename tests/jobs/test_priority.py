"""Postbacks never wait behind processing, and embedding comes after both.

On either job engine: a postback queued after processing jobs runs before them (priority), and
one queued while a long processing job holds the only main thread runs beside it (the postback
lane). The handlers here stand in for the real ones so that the test decides how long a
"processing" job lasts: it waits, bounded, for the postback to have run.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text

from contextd.jobs import queue
from contextd.jobs.base import Handler, Runner
from contextd.jobs.lanes import plan_lanes
from contextd.jobs.worker import Worker
from contextd.runtime import Runtime
from contextd.search.index import enqueue_embedding
from contextd.store.tables import Job
from contextd.tasks.context import TaskContext
from tests.support.settings import make_settings, own_database

pytestmark = pytest.mark.all_engines  # both engines order and split their work the same way

BOUND = 20.0  # seconds a test waits before it fails (not a timing assertion: a deadlock guard)


@pytest.fixture
def database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A database of the test's own, where no other worker runs."""
    with own_database(backend, tmp_path, "priority") as url:
        yield url


def build(backend: str, tmp_path: Path, url: str, **overrides: Any) -> Runtime:
    engine = "procrastinate" if backend == "procrastinate" else "database"
    return Runtime.build(make_settings(tmp_path, url, job_engine=engine, **overrides))


def runner(runtime: Runtime, handlers: dict[str, Handler[Runtime]]) -> Runner:
    if runtime.job_engine is not None:
        from contextd.jobs.procrastinate_runner import ProcrastinateRunner

        return ProcrastinateRunner(runtime, runtime.job_engine, handlers, concurrency=1)
    return Worker(runtime, handlers, concurrency=1)


class Recorder:
    """Handlers that note the order jobs run in; `done` is set after `expected` jobs."""

    def __init__(self, expected: int) -> None:
        self.order: list[str] = []
        self.expected = expected
        self.done = threading.Event()
        self.delivered = threading.Event()
        self.processing = threading.Event()
        self._lock = threading.Lock()

    def note(self, what: str) -> None:
        with self._lock:
            self.order.append(what)
            if len(self.order) == self.expected:
                self.done.set()

    def process(self, ctx: TaskContext) -> None:
        # Long processing: it lasts until the postback was delivered (or the bound runs out).
        self.processing.set()
        self.delivered.wait(BOUND / 2)
        self.note(f"process:{ctx.job.source_id}")

    def postback(self, ctx: TaskContext) -> None:
        self.note("postback")
        self.delivered.set()

    def embed(self, ctx: TaskContext) -> None:
        self.note(f"embed:{ctx.job.source_id}")

    def handlers(self) -> dict[str, Handler[Runtime]]:
        return {
            queue.PROCESS_SOURCE: self.process,
            queue.DELIVER_POSTBACK: self.postback,
            queue.EMBED_CHUNKS: self.embed,
        }


def run_until_done(runtime: Runtime, recorder: Recorder) -> list[str]:
    worker = runner(runtime, recorder.handlers())
    worker.start()
    try:
        assert recorder.done.wait(BOUND), f"only {recorder.order} ran"
    finally:
        worker.stop()
    return recorder.order


def test_a_postback_queued_last_runs_first_and_embedding_after_processing(
    backend: str, tmp_path: Path, database_url: str
) -> None:
    # One lane, one thread: only the order of claims decides.
    runtime = build(backend, tmp_path, database_url, postback_concurrency=0, embed_concurrency=0)
    try:
        with runtime.db.session() as session:
            queue.enqueue(session, queue.EMBED_CHUNKS, source_id="s0")
            for n in (1, 2, 3):
                queue.enqueue(session, queue.PROCESS_SOURCE, source_id=f"s{n}")
            queue.enqueue(session, queue.DELIVER_POSTBACK, source_id="s9")
        recorder = Recorder(expected=5)
        recorder.delivered.set()  # processing does not wait here
        order = run_until_done(runtime, recorder)
    finally:
        runtime.close()
    assert order == ["postback", "process:s1", "process:s2", "process:s3", "embed:s0"]


def test_a_postback_is_delivered_while_a_long_processing_job_runs(
    backend: str, tmp_path: Path, database_url: str
) -> None:
    runtime = build(backend, tmp_path, database_url, postback_concurrency=1)
    try:
        recorder = Recorder(expected=2)
        worker = runner(runtime, recorder.handlers())
        worker.start()
        try:
            with runtime.db.session() as session:
                queue.enqueue(session, queue.PROCESS_SOURCE, source_id="long")
            worker.notify()
            assert recorder.processing.wait(BOUND)  # the only main thread is now busy
            with runtime.db.session() as session:
                queue.enqueue(session, queue.DELIVER_POSTBACK, source_id="other")
            worker.notify()
            assert recorder.done.wait(BOUND), f"only {recorder.order} ran"
        finally:
            worker.stop()
    finally:
        runtime.close()
    # Without its own lane the postback would have waited for the processing job to give up.
    assert recorder.order == ["postback", "process:long"]


def test_a_source_has_one_due_embedding_job_however_often_it_is_asked(
    backend: str, tmp_path: Path, database_url: str
) -> None:
    runtime = build(backend, tmp_path, database_url)
    try:
        with runtime.db.session() as session:
            for _ in range(3):
                enqueue_embedding(session, "one")
            enqueue_embedding(session, "two")
        with runtime.db.read_session() as session:
            if runtime.job_engine is None:
                per_source = session.execute(
                    select(Job.source_id, func.count()).group_by(Job.source_id)
                ).all()
            else:
                per_source = session.execute(
                    text("SELECT args->>'source_id', count(*) FROM procrastinate_jobs GROUP BY 1")
                ).all()
    finally:
        runtime.close()
    assert sorted(tuple(row) for row in per_source) == [("one", 1), ("two", 1)]


def test_lanes_split_the_kinds_a_worker_takes(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, "sqlite://", postback_concurrency=2, embed_concurrency=1)
    main, postback, embed = plan_lanes(settings, 3)
    assert (main.kinds, main.exclude, main.concurrency) == (
        None,
        frozenset({queue.DELIVER_POSTBACK, queue.EMBED_CHUNKS}),
        3,
    )
    assert (postback.kinds, postback.concurrency) == (frozenset({queue.DELIVER_POSTBACK}), 2)
    assert (embed.kinds, embed.concurrency) == (frozenset({queue.EMBED_CHUNKS}), 1)
    # A worker dedicated to some queues keeps lanes only for those it serves.
    only = plan_lanes(settings, 1, [queue.DELIVER_POSTBACK])
    assert [(lane.name, lane.kinds) for lane in only] == [
        ("postback", frozenset({queue.DELIVER_POSTBACK}))
    ]
