"""A worker that starts takes back at once the jobs of a dead worker of its host.

A job's lease names its worker, `host:pid:random`. When that process is gone (killed, crashed,
restarted), its jobs are not running, and waiting for their leases to lapse (a minute by
default) would leave their sources PROCESSING for nothing. The leases here are an hour long,
so a source that completes shows its job was taken back without waiting for the lease.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, update

from contextd.domain.enums import JobStatus, SourceStatus
from contextd.jobs import queue
from contextd.jobs.worker import Worker, owner_is_dead
from contextd.runtime import Runtime
from contextd.store.tables import Job, Source
from contextd.tasks import process_source
from contextd.tasks.handlers import HANDLERS
from tests.support.settings import make_settings, own_database
from tests.support.sources import new_source

HOUR = 3600.0
HOST = socket.gethostname()


@pytest.fixture
def runtime(backend: str, tmp_path: Path) -> Iterator[Runtime]:
    """A database of the test's own, where no other worker runs."""
    with own_database(backend, tmp_path, "dead_owner") as url:
        rt = Runtime.build(make_settings(tmp_path, url, job_lease_seconds=HOUR))
        yield rt
        rt.close()


@pytest.fixture(scope="module")
def dead_pid() -> int:
    """A process that has exited and been reaped: its pid names no process."""
    proc = subprocess.Popen([sys.executable, "-c", ""])
    proc.wait()
    return proc.pid


@pytest.fixture
def live_pid() -> Iterator[int]:
    """Another process of this host, alive for the whole test."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"])
    yield proc.pid
    proc.kill()
    proc.wait()


def claimed_by(runtime: Runtime, owner: str, *, max_attempts: int | None = None) -> str:
    """A new source whose job `owner` has claimed (lease: an hour), as a crash leaves it."""
    source_id = new_source(runtime, turns=4)
    with runtime.db.session() as session:
        if max_attempts is not None:
            session.execute(
                update(Job).where(Job.source_id == source_id).values(max_attempts=max_attempts)
            )
        job = queue.claim(session, owner, HOUR)
        assert job is not None and job.source_id == source_id
    return source_id


def job_of(runtime: Runtime, source_id: str) -> Job:
    with runtime.db.session() as session:
        job = session.scalars(
            select(Job).where(Job.source_id == source_id, Job.kind == queue.PROCESS_SOURCE)
        ).one()
        session.expunge(job)
        return job


def wait_final(runtime: Runtime, source_id: str, timeout: float = 120) -> Source:
    deadline = time.monotonic() + timeout
    while True:
        with runtime.db.session() as session:
            source = session.get(Source, source_id)
            assert source is not None
            if source.status in (SourceStatus.COMPLETED, SourceStatus.FAILED):
                session.expunge(source)
                return source
        assert time.monotonic() < deadline, f"source {source_id} still {source.status}"
        time.sleep(0.05)


def start_worker(runtime: Runtime) -> Worker[Runtime]:
    worker = Worker(runtime, HANDLERS, on_exhausted=process_source.fail_exhausted, concurrency=1)
    worker.start()
    return worker


def test_a_dead_workers_job_is_taken_back_at_once(runtime: Runtime, dead_pid: int) -> None:
    dead = f"{HOST}:{dead_pid}:x"
    source_id = claimed_by(runtime, dead)
    worker = start_worker(runtime)
    try:
        source = wait_final(runtime, source_id)
    finally:
        worker.stop()
    assert source.status == SourceStatus.COMPLETED, source.message
    job = job_of(runtime, source_id)
    assert (job.status, job.attempts, job.locked_by) == (JobStatus.SUCCEEDED, 2, worker.worker_id)


def test_a_dead_workers_last_attempt_fails_the_source_visibly(
    runtime: Runtime, dead_pid: int
) -> None:
    source_id = claimed_by(runtime, f"{HOST}:{dead_pid}:x", max_attempts=1)
    worker = start_worker(runtime)
    try:
        source = wait_final(runtime, source_id)
    finally:
        worker.stop()
    assert source.status == SourceStatus.FAILED
    assert "did not finish" in (source.message or ""), source.message
    job = job_of(runtime, source_id)
    assert (job.status, job.attempts) == (JobStatus.FAILED, 1)  # the retry limit held


def test_live_or_foreign_workers_keep_their_jobs(
    runtime: Runtime, dead_pid: int, live_pid: int
) -> None:
    """Only the dead worker's job is taken back: a live process of this host, another live
    worker of this very process, and any worker of another host (whose pids mean nothing
    here) keep theirs until their leases lapse."""
    kept = {
        owner: claimed_by(runtime, owner)
        for owner in (
            f"{HOST}:{live_pid}:x",
            f"{HOST}:{os.getpid()}:another-worker",
            f"elsewhere.example:{dead_pid}:x",
            "not a worker id",
        )
    }
    before = {owner: job_of(runtime, source_id) for owner, source_id in kept.items()}
    taken = claimed_by(runtime, f"{HOST}:{dead_pid}:x")
    worker = start_worker(runtime)
    try:
        assert wait_final(runtime, taken).status == SourceStatus.COMPLETED
    finally:
        worker.stop()
    for owner, source_id in kept.items():
        job = job_of(runtime, source_id)
        assert (job.status, job.locked_by, job.attempts) == (JobStatus.RUNNING, owner, 1)
        assert job.lease_expires_at == before[owner].lease_expires_at


def test_a_worker_this_process_stopped_counts_as_dead(runtime: Runtime) -> None:
    stopped = start_worker(runtime)
    stopped.stop()
    running = Worker(runtime, HANDLERS, concurrency=1)  # alive, never started: holds its job
    assert owner_is_dead(stopped.worker_id) and not owner_is_dead(running.worker_id)
    leftover = claimed_by(runtime, stopped.worker_id)
    held = claimed_by(runtime, running.worker_id)
    worker = start_worker(runtime)
    try:
        assert wait_final(runtime, leftover).status == SourceStatus.COMPLETED
    finally:
        worker.stop()
    assert job_of(runtime, held).locked_by == running.worker_id


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux's /proc")
def test_an_exited_worker_not_yet_reaped_counts_as_dead() -> None:
    """A worker child whose server was killed exits at once, but init may reap it a second
    later: until then `kill(pid, 0)` still finds it. A zombie runs nothing; its job is free."""
    proc = subprocess.Popen([sys.executable, "-c", ""])
    try:
        deadline = time.monotonic() + 30
        while not _state_is_zombie(proc.pid):  # exited; not waited for, so not reaped
            assert time.monotonic() < deadline, "the child never exited"
            time.sleep(0.01)
        assert owner_is_dead(f"{HOST}:{proc.pid}:x")
    finally:
        proc.wait()


def _state_is_zombie(pid: int) -> bool:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
