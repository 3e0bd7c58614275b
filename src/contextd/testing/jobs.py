"""Wait for background work by draining the job queue, never by guessing how long it takes.

A test that needs the result of a job (a source processed, a space's blobs purged, chunks
embedded) calls `drain_jobs`: it returns as soon as the queue holds no job of interest, running
or queued, and only then. On a loaded machine that takes longer, never wrongly: the one timeout
is a safety net against a bug that would otherwise hang the suite, far above any real wait.

Both job engines are read where they keep their jobs: our `jobs` table (the database engine),
or procrastinate's `procrastinate_jobs` (the procrastinate engine, whose queue name is our job
kind and whose arguments carry the source id). The runners themselves do the work: the test
waits on the queue becoming empty, so the jobs run exactly as they do in production.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from typing import Any, Protocol

from sqlalchemy import or_, select, text
from sqlalchemy.orm import Session

from contextd.domain.enums import JobStatus
from contextd.runtime import Runtime
from contextd.store.db import Database
from contextd.store.tables import Job, utcnow

SAFETY_TIMEOUT = 600.0
POLL_SECONDS = 0.02


class HasRuntime(Protocol):
    @property
    def runtime(self) -> Runtime: ...


def drain_jobs(
    target: Runtime | HasRuntime | Database,
    *,
    procrastinate: bool = False,
    source_id: str | None = None,
    kinds: Collection[str] = (),
    scheduled: bool = True,
    timeout: float = SAFETY_TIMEOUT,
) -> None:
    """Return once no job is left: none running and none queued.

    `source_id` and `kinds` narrow the jobs waited for (a session-wide server runs other tests'
    jobs too). `scheduled=False` ignores jobs queued for later (a retry's back-off, a
    postback's next attempt) and waits only for those due now.

    `target` is the runtime of a server in this process (or what holds it), or the `Database`
    of servers in other processes, with `procrastinate=True` when they use that engine."""
    if isinstance(target, Database):
        database, on_procrastinate = target, procrastinate
    else:
        runtime = target if isinstance(target, Runtime) else target.runtime
        database, on_procrastinate = runtime.db, runtime.job_engine is not None
    count = _procrastinate_left if on_procrastinate else _jobs_left
    deadline = time.monotonic() + timeout
    while True:
        with database.read_session() as session:
            left = count(session, source_id, tuple(kinds), scheduled)
        if not left:
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{left} job(s) still pending after {timeout:.0f}s: a bug?")
        time.sleep(POLL_SECONDS)


def _jobs_left(
    session: Session, source_id: str | None, kinds: tuple[str, ...], scheduled: bool
) -> int:
    queued = Job.status == JobStatus.QUEUED
    if not scheduled:
        queued = queued & (Job.run_after <= utcnow())
    query = select(Job.id).where(or_(Job.status == JobStatus.RUNNING, queued))
    if source_id is not None:
        query = query.where(Job.source_id == source_id)
    if kinds:
        query = query.where(Job.kind.in_(kinds))
    return len(session.execute(query).all())


def _procrastinate_left(
    session: Session, source_id: str | None, kinds: tuple[str, ...], scheduled: bool
) -> int:
    due = "" if scheduled else " AND (scheduled_at IS NULL OR scheduled_at <= now())"
    sql = "SELECT count(*) FROM procrastinate_jobs"
    sql += f" WHERE (status = 'doing' OR (status = 'todo'{due}))"
    params: dict[str, Any] = {}
    if source_id is not None:
        sql += " AND args ->> 'source_id' = :source_id"
        params["source_id"] = source_id
    if kinds:
        sql += " AND queue_name = ANY(:kinds)"
        params["kinds"] = list(kinds)
    return int(session.execute(text(sql), params).scalar_one())
