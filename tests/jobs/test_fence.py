"""The fence: a run that lost its job (lease lapsed, job taken over) must not write.

Two runs of one revision can overlap when a worker stalls past its lease while still alive.
The revision guard cannot tell them apart (same revision); the fence does, by the job row's
owner and attempt, checked under a row lock in the very transaction that writes.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from contextd.domain.enums import SourceStatus
from contextd.jobs import queue
from contextd.jobs.base import ClaimedJob, JobContext
from contextd.runtime import Runtime
from contextd.store.tables import Source, Turn
from contextd.tasks import process_source
from contextd.tasks.context import TaskContext
from tests.support.settings import make_settings, own_database
from tests.support.sources import new_source

LEASE = 0.2


@pytest.fixture
def runtime(backend: str, tmp_path: Path) -> Iterator[Runtime]:
    """A database of the test's own: no worker may run on it (the suite's shared databases have
    the embedded workers of the API tests), since the test plays both workers by hand."""
    with own_database(backend, tmp_path, "fence") as url:
        rt = Runtime.build(make_settings(tmp_path, url, job_lease_seconds=LEASE))
        yield rt
        rt.close()


def claim_for(runtime: Runtime, worker: str, source_id: str) -> ClaimedJob:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        with runtime.db.session() as session:
            job = queue.claim(session, worker, LEASE)
        if job is not None and job.source_id == source_id:
            return job
        time.sleep(LEASE / 4)
    raise AssertionError(f"{worker} could not claim the job of {source_id}")


def context(runtime: Runtime, job: ClaimedJob, worker: str) -> TaskContext:
    return JobContext(
        runtime,
        job,
        worker,
        threading.Event(),
        still_owner=lambda session: queue.still_owned(session, job, worker),
    )


def test_a_run_whose_job_was_taken_over_writes_nothing(runtime: Runtime) -> None:
    source_id = new_source(runtime)
    first = claim_for(runtime, "worker-a", source_id)
    time.sleep(LEASE * 1.5)  # worker-a stalls past its lease; worker-b takes the job over
    second = claim_for(runtime, "worker-b", source_id)
    assert (first.id, first.attempts, second.attempts) == (second.id, 1, 2)

    with runtime.db.session() as session:
        assert not queue.still_owned(session, first, "worker-a")
    with runtime.db.session() as session:
        assert queue.still_owned(session, second, "worker-b")

    process_source.run(context(runtime, first, "worker-a"))  # the stale run wakes up
    with runtime.db.session() as session:
        source = session.get(Source, source_id)
        assert source is not None and source.status == SourceStatus.PROCESSING
        assert session.scalar(select(func.count()).where(Turn.source_id == source_id)) == 0

    process_source.run(context(runtime, second, "worker-b"))
    with runtime.db.session() as session:
        source = session.get(Source, source_id)
        assert source is not None and source.status == SourceStatus.COMPLETED
        turns = session.scalar(select(func.count()).where(Turn.source_id == source_id))
        assert turns == source.turn_count == 8


def test_the_owner_s_run_is_not_fenced_off(runtime: Runtime) -> None:
    source_id = new_source(runtime, turns=4)
    job = claim_for(runtime, "worker-a", source_id)
    process_source.run(context(runtime, job, "worker-a"))
    with runtime.db.session() as session:
        source = session.get(Source, source_id)
        assert source is not None and source.status == SourceStatus.COMPLETED
        assert source.turn_count == 4
