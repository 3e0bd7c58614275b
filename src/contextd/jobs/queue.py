"""Durable jobs in the application database.

A job is inserted in the same transaction that changes the source's status, so a committed
status change always has its job and a rolled-back one never does. Workers claim a job with a
lease; a worker that dies stops renewing it, and the job becomes claimable again when it lapses.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import and_, delete, or_, select, update
from sqlalchemy.orm import Session

from contextd.domain.enums import JobStatus
from contextd.jobs.base import ClaimedJob
from contextd.store.tables import Job, utcnow

PROCESS_SOURCE = "process_source"
DELIVER_POSTBACK = "deliver_postback"
PURGE_BLOBS = "purge_blobs"
EMBED_CHUNKS = "embed_chunks"


def as_claimed(job: Job) -> ClaimedJob:
    return ClaimedJob(job.id, job.kind, job.source_id, job.payload, job.attempts, job.max_attempts)


ENGINE_KEY = "contextd.jobs.engine"


class JobEngine(Protocol):
    """Somewhere other than the `jobs` table that jobs can go (procrastinate, in scale-out).

    An engine must write inside `session`'s transaction: that is what makes a status change and
    its job commit or roll back together, whichever engine runs the job."""

    def enqueue(
        self,
        session: Session,
        kind: str,
        *,
        source_id: str | None,
        payload: dict[str, Any],
        max_attempts: int,
        run_after: datetime | None,
    ) -> None: ...


def enqueue(
    session: Session,
    kind: str,
    *,
    source_id: str | None = None,
    payload: dict[str, Any] | None = None,
    max_attempts: int = 3,
    run_after: datetime | None = None,
) -> None:
    """Queue a job in the caller's transaction, with the engine installed on the session's
    database (`Database(session_info={ENGINE_KEY: engine})`), else in the `jobs` table."""
    engine: JobEngine | None = session.info.get(ENGINE_KEY)
    if engine is not None:
        engine.enqueue(
            session,
            kind,
            source_id=source_id,
            payload=payload or {},
            max_attempts=max_attempts,
            run_after=run_after,
        )
        return
    insert_job(
        session,
        kind,
        source_id=source_id,
        payload=payload,
        max_attempts=max_attempts,
        run_after=run_after,
    )


def insert_job(
    session: Session,
    kind: str,
    *,
    source_id: str | None = None,
    payload: dict[str, Any] | None = None,
    max_attempts: int = 3,
    run_after: datetime | None = None,
) -> Job:
    job = Job(
        kind=kind,
        source_id=source_id,
        payload=payload or {},
        max_attempts=max_attempts,
        run_after=run_after or utcnow(),
        status=JobStatus.QUEUED,
    )
    session.add(job)
    session.flush()
    return job


def _claimable(now: datetime) -> Any:
    return or_(
        and_(Job.status == JobStatus.QUEUED, Job.run_after <= now),
        and_(
            Job.status == JobStatus.RUNNING,
            Job.lease_expires_at < now,
            Job.attempts < Job.max_attempts,
        ),
    )


def claim(session: Session, worker_id: str, lease_seconds: float) -> ClaimedJob | None:
    """Take the oldest due job (or one whose lease lapsed) and lease it to `worker_id`."""
    now = utcnow()
    candidate = (
        select(Job.id)
        .where(_claimable(now))
        .order_by(Job.run_after, Job.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    job_id = session.execute(candidate).scalar_one_or_none()
    if job_id is None:
        return None
    # Conditional update: on SQLite (no SKIP LOCKED) a racing worker finds zero rows here.
    result = session.execute(
        update(Job)
        .where(Job.id == job_id, _claimable(now))
        .values(
            status=JobStatus.RUNNING,
            locked_by=worker_id,
            lease_expires_at=now + timedelta(seconds=lease_seconds),
            attempts=Job.attempts + 1,
            updated_at=now,
        )
        .returning(Job.id, Job.kind, Job.source_id, Job.payload, Job.attempts, Job.max_attempts)
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


def still_owned(session: Session, job: ClaimedJob, worker_id: str) -> bool:
    """This run (worker and attempt) still holds the job; the row stays locked until commit, so
    a takeover waits for the caller's write instead of interleaving with it."""
    held = session.execute(
        select(Job.id)
        .where(
            Job.id == job.id,
            Job.locked_by == worker_id,
            Job.status == JobStatus.RUNNING,
            Job.attempts == job.attempts,
        )
        .with_for_update()
    ).first()
    return held is not None


def finish(session: Session, job_id: int, worker_id: str, *, error: str | None = None) -> None:
    session.execute(
        update(Job)
        .where(Job.id == job_id, Job.locked_by == worker_id)
        .values(
            status=JobStatus.FAILED if error else JobStatus.SUCCEEDED,
            last_error=error,
            lease_expires_at=None,
        )
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


def exhausted_lapsed(session: Session) -> list[Job]:
    """Jobs whose lease lapsed after their last allowed attempt: they must fail visibly."""
    now = utcnow()
    return list(
        session.scalars(
            select(Job)
            .where(
                Job.status == JobStatus.RUNNING,
                Job.lease_expires_at < now,
                Job.attempts >= Job.max_attempts,
            )
            .with_for_update(skip_locked=True)
        )
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
