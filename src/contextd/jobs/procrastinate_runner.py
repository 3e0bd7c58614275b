"""The runner of scale-out jobs on procrastinate (`CONTEXTD_JOB_ENGINE=procrastinate`).

Apart from the enqueue side (`jobs/procrastinate_engine.py`) so that deferring a job needs
nothing but the store. Like the database `Worker`, the runner is handed the process's
composition root and the handlers, and settles each attempt with `jobs.base.run_attempt`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any, Generic

import procrastinate
from procrastinate.jobs import Job as ProcrastinateJob
from procrastinate.jobs import Status
from sqlalchemy import text
from sqlalchemy.orm import Session

from contextd.jobs.base import (
    ClaimedJob,
    ExhaustedHandler,
    Handler,
    HostT,
    JobContext,
    run_attempt,
)
from contextd.jobs.lanes import plan_lanes
from contextd.jobs.procrastinate_engine import TASK, ProcrastinateEngine
from contextd.store.tables import utcnow

log = logging.getLogger("contextd.procrastinate")


def _still_doing(session: Session, job_id: int | None, attempts: int) -> bool:
    """The fence under procrastinate: a retry of a stalled job bumps its `attempts`, so a run
    that was given up on no longer matches, even though the job is `doing` again."""
    held = session.execute(
        text(
            "SELECT id FROM procrastinate_jobs WHERE id = :id AND status = 'doing'"
            " AND attempts = :attempts FOR UPDATE"
        ),
        {"id": job_id, "attempts": attempts},
    ).first()
    return held is not None


class ProcrastinateRunner(Generic[HostT]):
    """A procrastinate worker (an asyncio loop in a thread; handlers run in its thread pool)
    plus the reaper of jobs left behind by dead workers."""

    def __init__(
        self,
        runtime: HostT,
        engine: ProcrastinateEngine,
        handlers: dict[str, Handler[HostT]],
        *,
        on_exhausted: ExhaustedHandler | None = None,
        concurrency: int | None = None,
        queues: list[str] | None = None,
    ) -> None:
        self.runtime = runtime
        self.engine = engine
        self.handlers = handlers
        self.on_exhausted = on_exhausted
        self.concurrency = concurrency or runtime.settings.worker_concurrency
        self.queues = queues
        self.lanes = plan_lanes(runtime.settings, self.concurrency, queues)
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._ready = threading.Event()
        engine.app.task(name=TASK, pass_context=True)(self._run_job)

    @property
    def lease(self) -> float:
        return self.runtime.settings.job_lease_seconds

    def start(self) -> None:
        self._thread = threading.Thread(
            target=lambda: asyncio.run(self._main()), name="contextd-procrastinate", daemon=True
        )
        self._thread.start()
        self._ready.wait(30)

    def notify(self) -> None:
        """Nothing to do: procrastinate wakes its workers itself (LISTEN/NOTIFY on defer)."""

    def stop(self, timeout: float = 10.0) -> None:
        if self._loop is not None and self._stopping is not None:
            self._loop.call_soon_threadsafe(self._stopping.set)
        if self._thread is not None:
            self._thread.join(timeout)

    async def _main(self) -> None:
        self._loop = asyncio.get_running_loop()
        # Handlers are synchronous: procrastinate runs them in the loop's default executor, which
        # must have a thread for every lane's job, or a postback would wait for a thread.
        threads = sum(lane.concurrency for lane in self.lanes)
        self._loop.set_default_executor(
            ThreadPoolExecutor(max_workers=threads + 2, thread_name_prefix="contextd-job")
        )
        self._stopping = asyncio.Event()
        app = self.engine.app
        async with app.open_async():
            # One procrastinate worker per lane, each on its own queues (the job kinds).
            workers = [
                asyncio.create_task(
                    app.run_worker_async(
                        name=f"{self.worker_id}:{lane.name}",
                        queues=lane.queues(self.handlers),
                        concurrency=lane.concurrency,
                        install_signal_handlers=False,
                        update_heartbeat_interval=max(self.lease / 4, 0.5),
                        stalled_worker_timeout=self.lease,
                        fetch_job_polling_interval=max(self.runtime.settings.job_poll_seconds, 1.0),
                        shutdown_graceful_timeout=10.0,
                    )
                )
                for lane in self.lanes
            ]
            reaper = asyncio.create_task(self._reap_forever())
            self._ready.set()
            await self._stopping.wait()
            reaper.cancel()
            for worker in workers:
                worker.cancel()
            await asyncio.gather(*workers, reaper, return_exceptions=True)

    def _run_job(
        self,
        context: procrastinate.JobContext,
        *,
        kind: str,
        source_id: str | None,
        payload: dict[str, Any],
        attempt: int,
        max_attempts: int,
    ) -> None:
        pj = context.job
        assert pj.id is not None
        # A stalled job retried by the reaper comes back with procrastinate's `attempts` + 1.
        job = ClaimedJob(pj.id, kind, source_id, payload, attempt + pj.attempts, max_attempts)
        log.info("worker %s runs job %s (%s) attempt %s", self.worker_id, pj.id, kind, job.attempts)
        outcome = run_attempt(
            self.handlers,
            job,
            lambda: JobContext(
                self.runtime,
                job,
                self.worker_id,
                threading.Event(),
                still_owner=lambda session: _still_doing(session, pj.id, pj.attempts),
            ),
        )
        with self.runtime.db.session() as session:
            if outcome.retry_in is not None:
                self.engine.enqueue(
                    session,
                    kind,
                    source_id=source_id,
                    payload=payload,
                    max_attempts=max_attempts,
                    run_after=utcnow() + timedelta(seconds=outcome.retry_in),
                    attempt=job.attempts + 1 if outcome.counts_as_attempt else job.attempts,
                )
            elif outcome.exhausted and self.on_exhausted:
                self.on_exhausted(session, job, outcome.error or "")
        if outcome.exhausted:
            # Leaves the job `failed` in procrastinate's table, for operators to see.
            raise RuntimeError(outcome.error)

    async def _reap_forever(self) -> None:
        last_purge = 0.0
        while True:
            await asyncio.sleep(max(self.lease / 2, 0.5))
            try:
                now = time.monotonic()
                if now - last_purge > 300:
                    # Succeeded jobs stay a day for inspection (as in the database runner);
                    # failed ones stay until an operator removes them.
                    last_purge = now
                    await self.engine.app.job_manager.delete_old_jobs(nb_hours=24)
                stalled = await self.engine.app.job_manager.get_stalled_jobs(
                    seconds_since_heartbeat=self.lease
                )
                for pj in stalled:
                    await asyncio.to_thread(self.recover, pj)
            except Exception:
                log.exception("reaping stalled jobs failed")

    def recover(self, pj: ProcrastinateJob) -> None:
        """A job whose worker died: run it again, or fail it (and its source) if that was its
        last attempt. The row lock makes one reaper win when several find the same job."""
        args: dict[str, Any] = dict(pj.task_kwargs)
        job = ClaimedJob(
            pj.id or 0,
            str(args.get("kind")),
            args.get("source_id"),
            dict(args.get("payload") or {}),
            int(args.get("attempt", 1)) + pj.attempts,
            int(args.get("max_attempts", 1)),
        )
        with self.runtime.db.session() as session:
            locked = session.execute(
                text(
                    "SELECT id FROM procrastinate_jobs WHERE id = :id AND status = 'doing' "
                    "FOR UPDATE SKIP LOCKED"
                ),
                {"id": job.id},
            ).first()
            if locked is None:
                return
            if job.attempts < job.max_attempts:
                log.warning("job %s (%s): its worker died; running it again", job.id, job.kind)
                self.engine.run_sql(
                    session,
                    "retry_job",
                    job_id=job.id,
                    retry_at=utcnow(),
                    new_priority=None,
                    new_queue_name=None,
                    new_lock=None,
                )
                return
            error = f"its worker died on attempt {job.attempts} of {job.max_attempts}"
            self.engine.run_sql(
                session, "finish_job", job_id=job.id, status=Status.FAILED.value, delete_job=False
            )
            if self.on_exhausted:
                self.on_exhausted(session, job, error)
