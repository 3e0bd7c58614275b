"""The database-backed job runner: threads that claim leased jobs and run their handlers.

It serves the embedded default (inside `contextd serve`) and standalone `contextd worker`
processes alike. Leases make it crash-safe: a job whose worker died is claimed again once its
lease lapses, and a job that lapsed on its last attempt fails its source visibly.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Generic

from sqlalchemy import event
from sqlalchemy.orm import Session

from contextd.domain.enums import JobStatus
from contextd.jobs import queue
from contextd.jobs.base import (
    ClaimedJob,
    ClaimHook,
    ExhaustedHandler,
    Handler,
    HostT,
    JobContext,
    Prepared,
    run_attempt,
)
from contextd.jobs.lanes import Lane, plan_lanes

log = logging.getLogger("contextd.worker")

# Worker ids of this process whose threads have all exited: their leftover jobs are not running.
_STOPPED: set[str] = set()


def _pid_alive(pid: int) -> bool:
    """Whether a process with this id is running on this host; when unsure, True (the lease
    still applies). Windows is always unsure: there `os.kill(pid, 0)` would send CTRL_C_EVENT.

    A process that has exited but not yet been reaped (a zombie) still answers `kill(pid, 0)`:
    a worker child whose server was killed exits at once, but its new parent (init) may reap
    it a second later, after a restarted server's worker has already looked (and left the dead
    worker's job to its ten-minute lease). On Linux its state in /proc says it is not running."""
    if os.name == "nt":
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, as another user's
        return True
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # no /proc (macOS), or it was reaped meanwhile: kill(pid, 0) decided
        return False
    return stat.rsplit(")", 1)[-1].split()[:1] in (["Z"], ["X"])  # after "pid (comm)"


def owner_is_dead(owner: str) -> bool:
    """Whether the worker `owner` (`host:pid:random`) is certainly not running: a worker of this
    host whose process is gone, or a worker of this process that has stopped. Another host's
    workers, and other live workers of this process (tests run several), are never judged."""
    parts = owner.rsplit(":", 2)
    if len(parts) != 3 or parts[0] != socket.gethostname() or not parts[1].isdigit():
        return False
    if owner in _STOPPED:
        return True
    pid = int(parts[1])
    return pid != os.getpid() and not _pid_alive(pid)


class Worker(Generic[HostT]):
    def __init__(
        self,
        runtime: HostT,
        handlers: dict[str, Handler[HostT]],
        *,
        on_exhausted: ExhaustedHandler | None = None,
        on_claim: dict[str, ClaimHook] | None = None,
        concurrency: int | None = None,
    ) -> None:
        self.runtime = runtime
        self.handlers = handlers
        self.on_exhausted = on_exhausted
        self.on_claim = on_claim or {}
        self.concurrency = concurrency or runtime.settings.worker_concurrency
        self.lanes = plan_lanes(runtime.settings, self.concurrency)
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: list[threading.Thread] = []
        self._last_purge = 0.0

    @property
    def lease(self) -> float:
        return self.runtime.settings.job_lease_seconds

    def start(self) -> None:
        self._release_dead_owners()
        for lane in self.lanes:
            for n in range(lane.concurrency):
                thread = threading.Thread(
                    target=self._loop, args=(lane,), name=f"contextd-{lane.name}-{n}", daemon=True
                )
                thread.start()
                self._threads.append(thread)

    def notify(self) -> None:
        """Wake idle threads now instead of at the next poll (called after an enqueue)."""
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout)
        if not any(thread.is_alive() for thread in self._threads):
            _STOPPED.add(self.worker_id)

    def _release_dead_owners(self) -> None:
        """A restarted worker takes its dead predecessor's jobs back at once, instead of leaving
        their sources PROCESSING until the leases lapse (a minute by default)."""
        try:
            released = self.runtime.db.write(
                lambda session: queue.release_dead_owners(session, owner_is_dead)
            )
        except Exception:
            log.exception("could not look for jobs of dead workers (their leases still lapse)")
            return
        if released:
            log.info("jobs %s were held by workers no longer running: taken back", released)

    def _loop(self, lane: Lane) -> None:
        while not self._stop.is_set():
            try:
                ran = self.run_once(lane)
            except Exception:
                log.exception("worker loop error")
                ran = False
            if not ran:
                self._wake.wait(self.runtime.settings.job_poll_seconds)
                self._wake.clear()

    def run_once(self, lane: Lane | None = None) -> bool:
        """Claim and run one job (of `lane`'s kinds, or any); False when there was nothing to
        do. Finding nothing is read-only: idle threads never queue for SQLite's write lock."""
        self._reap_exhausted()
        kinds, exclude = (lane.kinds, lane.exclude) if lane else (None, frozenset[str]())
        with self.runtime.db.read_session() as session:
            if not queue.claimable_exists(session, kinds, exclude):
                return False

        def claim(session: Session) -> tuple[ClaimedJob | None, Prepared | None]:
            job = queue.claim(session, self.worker_id, self.lease, kinds=kinds, exclude=exclude)
            return job, (self._prepare(session, job) if job is not None else None)

        job, prepared = self.runtime.db.write(claim)
        if job is None:
            return False
        self._run(job, prepared)
        self._wake.set()  # the job may have queued others (a postback, an embedding)
        return True

    def _reap_exhausted(self) -> None:
        now = time.monotonic()
        if now - self._last_purge > 300:
            self._last_purge = now
            self.runtime.db.write(lambda session: queue.purge_finished(session, timedelta(days=1)))
        with self.runtime.db.read_session() as session:
            if not queue.any_exhausted_lapsed(session):
                return

        def fail_exhausted(session: Session) -> None:
            for row in queue.exhausted_lapsed(session):
                row.status = JobStatus.FAILED
                row.last_error = f"lease lapsed on attempt {row.attempts} of {row.max_attempts}"
                if self.on_exhausted:
                    self.on_exhausted(session, queue.as_claimed(row), row.last_error)

        self.runtime.db.write(fail_exhausted)

    def _prepare(self, session: Session, job: ClaimedJob) -> Prepared | None:
        """Run the kind's claim hook in the claim's transaction, under a savepoint: a hook that
        fails leaves the claim to commit alone, and the handler does that step itself."""
        hook = self.on_claim.get(job.kind)
        if hook is None:
            return None
        try:
            with session.begin_nested():
                return Prepared(hook(session, job))
        except Exception:
            log.exception(
                "claim hook of job %s (%s) failed; its handler starts alone", job.id, job.kind
            )
            return None

    def _run(self, job: ClaimedJob, prepared: Prepared | None = None) -> None:
        lost = threading.Event()
        done = threading.Event()
        ended = threading.Event()  # the handler ended the job in a transaction that committed

        def finish_in(session: Session) -> None:
            queue.finish(session, job.id, self.worker_id)
            event.listen(session, "after_commit", lambda _s: ended.set(), once=True)

        # The first renewal comes a third of the lease after the claim: a job that ends sooner
        # (a small source) never writes a heartbeat.
        beat = threading.Thread(target=self._heartbeat, args=(job, lost, done), daemon=True)
        beat.start()
        try:
            outcome = run_attempt(
                self.handlers,
                job,
                lambda: JobContext(
                    self.runtime,
                    job,
                    self.worker_id,
                    lost,
                    still_owner=lambda session: queue.still_owned(session, job, self.worker_id),
                    prepared=prepared,
                    finish_in=finish_in,
                ),
            )
        finally:
            done.set()
            beat.join()
        if ended.is_set():
            # Its work committed with the job's end: nothing is left to retry or to fail.
            if outcome.error:
                log.warning("job %s ended, then its handler failed: %s", job.id, outcome.error)
            return

        def settle(session: Session) -> None:
            if outcome.retry_in is not None:
                queue.retry_later(
                    session, job.id, self.worker_id, outcome.retry_in, outcome.error or ""
                )
                if not outcome.counts_as_attempt:
                    queue.forget_attempt(session, job.id)
                return
            queue.finish(session, job.id, self.worker_id, error=outcome.error)
            if outcome.exhausted and self.on_exhausted:
                self.on_exhausted(session, job, outcome.error or "")

        self.runtime.db.write(settle)

    def _heartbeat(self, job: ClaimedJob, lost: threading.Event, done: threading.Event) -> None:
        while not done.wait(self.lease / 3):
            try:
                renewed = self.runtime.db.write(
                    lambda session: queue.renew(session, job.id, self.worker_id, self.lease)
                )
                if not renewed:
                    lost.set()
                    return
            except Exception:
                log.exception("heartbeat failed for job %s", job.id)
