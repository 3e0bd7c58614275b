"""Durable jobs in the application database.

A job is inserted in the same transaction that changes the source's status, so a committed
status change always has its job and a rolled-back one never does. Workers claim a job with a
lease; a worker that dies stops renewing it, and the job becomes claimable again when it lapses.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any, Protocol, cast

from sqlalchemy import (
    ColumnElement,
    Connection,
    Table,
    and_,
    bindparam,
    delete,
    insert,
    or_,
    select,
    true,
    update,
)
from sqlalchemy.orm import Session

from contextd.domain.enums import JobStatus
from contextd.jobs.base import ClaimedJob
from contextd.store.tables import Job, utcnow

PROCESS_SOURCE = "process_source"
DELIVER_POSTBACK = "deliver_postback"
PURGE_BLOBS = "purge_blobs"
EMBED_CHUNKS = "embed_chunks"

# Which job runs first when several are due (higher first, as in procrastinate): a postback is
# a user waiting on a result that is already there; processing makes the next result; embedding
# only adds vector search to chunks lexical search already finds.
PRIORITY = {DELIVER_POSTBACK: 20, PROCESS_SOURCE: 10, PURGE_BLOBS: 5, EMBED_CHUNKS: 0}


def priority_of(kind: str) -> int:
    return PRIORITY.get(kind, 0)


def as_claimed(job: Job) -> ClaimedJob:
    return ClaimedJob(job.id, job.kind, job.source_id, job.payload, job.attempts, job.max_attempts)


ENGINE_KEY = "contextd.jobs.engine"


class JobEngine(Protocol):
    """Somewhere other than the `jobs` table that jobs can go (procrastinate, in scale-out).

    An engine must write inside `session`'s transaction: that is what makes a status change and
    its job commit or roll back together, whichever engine runs the job."""

    def enqueue(
        self,
        bind: Session | Connection,
        kind: str,
        *,
        source_id: str | None,
        payload: dict[str, Any],
        max_attempts: int,
        run_after: datetime | None,
    ) -> None: ...

    def has_due(self, session: Session, kind: str, source_id: str) -> bool:
        """A job of `kind` for `source_id` is queued, due and not started."""


def enqueue(
    session: Session,
    kind: str,
    *,
    source_id: str | None = None,
    payload: dict[str, Any] | None = None,
    max_attempts: int = 3,
    run_after: datetime | None = None,
    once: bool = False,
) -> None:
    """Queue a job in the caller's transaction, with the engine installed on the session's
    database (`Database(session_info={ENGINE_KEY: engine})`), else in the `jobs` table.

    `once`: not when a job of this kind for this source is already due and not started (it will
    see what this one would: an embedding job reads the chunks when it starts). A race between
    two enqueues only costs a job that finds nothing left to do."""
    engine: JobEngine | None = session.info.get(ENGINE_KEY)
    if once and source_id is not None:
        has_due = engine.has_due if engine is not None else _has_due
        if has_due(session, kind, source_id):
            return
    enqueue_on(
        session.connection(),
        engine,
        kind,
        source_id=source_id,
        payload=payload,
        max_attempts=max_attempts,
        run_after=run_after,
    )


def enqueue_on(
    connection: Connection,
    engine: JobEngine | None,
    kind: str,
    *,
    source_id: str | None = None,
    payload: dict[str, Any] | None = None,
    max_attempts: int = 3,
    run_after: datetime | None = None,
) -> None:
    """`enqueue` on a connection's transaction, for writers without an ORM session; `engine`
    as the runtime has it (None: the `jobs` table). The job's row is one INSERT statement rather
    than an ORM object and a flush of its own: nothing reads the job back in the transaction
    that queues it, and create-source pays this on every request. The columns left out (times,
    attempts) take the table's defaults."""
    if engine is not None:
        engine.enqueue(
            connection,
            kind,
            source_id=source_id,
            payload=payload or {},
            max_attempts=max_attempts,
            run_after=run_after,
        )
        return
    connection.execute(
        _INSERT_JOB,
        {
            "kind": kind,
            "source_id": source_id,
            "payload": payload or {},
            "max_attempts": max_attempts,
            "run_after": run_after or utcnow(),
            "status": JobStatus.QUEUED,
            "priority": priority_of(kind),
        },
    )


_INSERT_JOB = insert(cast(Table, Job.__table__))
"""Built once, on the table rather than the mapped class: the ORM's INSERT path and building
the statement cost more than running it (bench/api.py)."""


def _claimable(now: Any) -> Any:
    return or_(
        and_(Job.status == JobStatus.QUEUED, Job.run_after <= now),
        and_(
            Job.status == JobStatus.RUNNING,
            Job.lease_expires_at < now,
            Job.attempts < Job.max_attempts,
        ),
    )


def _has_due(session: Session, kind: str, source_id: str) -> bool:
    due = select(Job.id).where(
        Job.kind == kind,
        Job.source_id == source_id,
        Job.status == JobStatus.QUEUED,
        Job.run_after <= utcnow(),
    )
    return session.execute(due.limit(1)).first() is not None


def _of_kinds(kinds: Collection[str] | None, exclude: Collection[str]) -> ColumnElement[bool]:
    """The jobs one lane of a worker takes: of `kinds` (None: any) and not of `exclude`."""
    condition: ColumnElement[bool] = Job.kind.in_(kinds) if kinds is not None else true()
    return and_(condition, Job.kind.not_in(exclude)) if exclude else condition


_NOW = bindparam("now", type_=Job.run_after.type)


@functools.cache
def _claim_statements(kinds: frozenset[str] | None, exclude: frozenset[str]) -> tuple[Any, ...]:
    """A lane's three statements, built once: building a statement (its comparisons, their
    coercions) cost more CPU than running it, and the claim runs under SQLite's writer lock
    that create-source waits for (issue 15 part 4). Lanes are few, so the cache stays small."""
    lane = _of_kinds(kinds, exclude)
    exists = select(Job.id).where(_claimable(_NOW), lane).limit(1)
    candidate = (
        select(Job.id)
        .where(_claimable(_NOW), lane)
        .order_by(Job.priority.desc(), Job.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    # Conditional update: on SQLite (no SKIP LOCKED) a racing worker finds zero rows here.
    take = (
        update(Job)
        .where(Job.id == bindparam("job_id"), _claimable(_NOW))
        .values(
            status=JobStatus.RUNNING,
            locked_by=bindparam("owner"),
            lease_expires_at=bindparam("lease_until"),
            attempts=Job.attempts + 1,
            updated_at=_NOW,
        )
        .returning(Job.id, Job.kind, Job.source_id, Job.payload, Job.attempts, Job.max_attempts)
    )
    return exists, candidate, take


def _lane_key(
    kinds: Collection[str] | None, exclude: Collection[str]
) -> tuple[frozenset[str] | None, frozenset[str]]:
    return (frozenset(kinds) if kinds is not None else None), frozenset(exclude)


def claimable_exists(
    session: Session, kinds: Collection[str] | None = None, exclude: Collection[str] = ()
) -> bool:
    """Whether `claim` would find a job: asked in a read-only session, so that idle workers
    polling on SQLite never take the write lock (which would make a busy job's writes wait)."""
    exists, _, _ = _claim_statements(*_lane_key(kinds, exclude))
    return session.connection().execute(exists, {"now": utcnow()}).first() is not None


def claim(
    session: Session,
    worker_id: str,
    lease_seconds: float,
    *,
    kinds: Collection[str] | None = None,
    exclude: Collection[str] = (),
) -> ClaimedJob | None:
    """Take the due job of highest priority (oldest first among equals), or one whose lease
    lapsed, of the given kinds, and lease it to `worker_id`."""
    _, candidate, take = _claim_statements(*_lane_key(kinds, exclude))
    now = utcnow()
    # On the session's connection: plain Core, no ORM execution under the writer lock.
    connection = session.connection()
    job_id = connection.execute(candidate, {"now": now}).scalar_one_or_none()
    if job_id is None:
        return None
    result = connection.execute(
        take,
        {
            "job_id": job_id,
            "now": now,
            "owner": worker_id,
            "lease_until": now + timedelta(seconds=lease_seconds),
        },
    ).one_or_none()
    if result is None:
        return None
    return ClaimedJob(*result)


def renew(session: Session, job_id: int, worker_id: str, lease_seconds: float) -> bool:
    """Extend the lease; False means the job is no longer ours (it lapsed and was re-claimed)."""
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, Job.locked_by == worker_id, Job.status == JobStatus.RUNNING)
        .values(lease_expires_at=utcnow() + timedelta(seconds=lease_seconds))
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


_STILL_OWNED = (
    select(Job.id)
    .where(
        Job.id == bindparam("job_id"),
        Job.locked_by == bindparam("owner"),
        Job.status == JobStatus.RUNNING,
        Job.attempts == bindparam("attempts"),
    )
    .with_for_update()
)
_FINISH = (
    update(Job)
    .where(Job.id == bindparam("job_id"), Job.locked_by == bindparam("owner"))
    .values(status=bindparam("outcome"), last_error=bindparam("error"), lease_expires_at=None)
)
"""Built once, as `_claim_statements`: every job runs them, the worker's lock held."""


def still_owned(session: Session, job: ClaimedJob, worker_id: str) -> bool:
    """This run (worker and attempt) still holds the job; the row stays locked until commit, so
    a takeover waits for the caller's write instead of interleaving with it."""
    held = session.connection().execute(
        _STILL_OWNED, {"job_id": job.id, "owner": worker_id, "attempts": job.attempts}
    )
    return held.first() is not None


def finish(session: Session, job_id: int, worker_id: str, *, error: str | None = None) -> None:
    outcome = JobStatus.FAILED if error else JobStatus.SUCCEEDED
    session.connection().execute(
        _FINISH, {"job_id": job_id, "owner": worker_id, "outcome": outcome, "error": error}
    )


def retry_later(session: Session, job_id: int, worker_id: str, delay: float, error: str) -> None:
    session.execute(
        update(Job)
        .where(Job.id == job_id, Job.locked_by == worker_id)
        .values(
            status=JobStatus.QUEUED,
            run_after=utcnow() + timedelta(seconds=delay),
            last_error=error,
            lease_expires_at=None,
            locked_by=None,
        )
    )


def _exhausted(now: datetime) -> ColumnElement[bool]:
    return and_(
        Job.status == JobStatus.RUNNING,
        Job.lease_expires_at < now,
        Job.attempts >= Job.max_attempts,
    )


def any_exhausted_lapsed(session: Session) -> bool:
    """Read-only probe for `exhausted_lapsed`, for the same reason as `claimable_exists`."""
    return session.execute(select(Job.id).where(_exhausted(utcnow())).limit(1)).first() is not None


def exhausted_lapsed(session: Session) -> list[Job]:
    """Jobs whose lease lapsed after their last allowed attempt: they must fail visibly."""
    return list(
        session.scalars(select(Job).where(_exhausted(utcnow())).with_for_update(skip_locked=True))
    )


def release_dead_owners(session: Session, is_dead: Callable[[str], bool]) -> list[int]:
    """End now the leases of running jobs whose owner is known to be dead (`is_dead(locked_by)`),
    rather than when they lapse: the jobs then take the lease-lapse path at once (claimed again
    with the attempt counted, or failed visibly after their last attempt). Running jobs are few
    (at most every worker's concurrency), so they are judged in Python."""
    now = utcnow()
    held = session.execute(
        select(Job.id, Job.locked_by).where(
            Job.status == JobStatus.RUNNING, Job.lease_expires_at >= now, Job.locked_by.is_not(None)
        )
    ).all()
    released = []
    for job_id, owner in held:
        if owner is None or not is_dead(owner):
            continue
        result = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == JobStatus.RUNNING, Job.locked_by == owner)
            .values(lease_expires_at=now - timedelta(seconds=1))
        )
        if result.rowcount:  # type: ignore[attr-defined]
            released.append(job_id)
    return released


def forget_attempt(session: Session, job_id: int) -> None:
    """A deferral is not a failure: give the attempt back."""
    session.execute(update(Job).where(Job.id == job_id).values(attempts=Job.attempts - 1))


def purge_finished(session: Session, older_than: timedelta) -> int:
    """Forget succeeded jobs after a while; failed ones stay for inspection."""
    result = session.execute(
        delete(Job).where(Job.status == JobStatus.SUCCEEDED, Job.updated_at < utcnow() - older_than)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
