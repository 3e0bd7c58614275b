"""What every job runner shares: the handler contract and the retry decision.

Two runners exist (the database-backed `Worker`, and procrastinate in scale-out); handlers are
written once against `JobContext`, and both runners settle a finished attempt with `settle`, so
a job retries, defers or fails the same way whichever runner took it.

The queue knows no handler and no application: a runner is handed its handlers (the registry in
`contextd.tasks`) and the process's composition root (`Runtime`), which it passes through to
them as `JobContext.runtime`; of that root it uses only the database and the settings (`Host`).
This keeps `jobs/` below everything that queues work (services, search), as procrastinate's
`App(connector=...)` is handed its connector rather than importing one.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.orm import Session

from contextd.config import Settings
from contextd.store.db import Database

log = logging.getLogger("contextd.jobs")


class Host(Protocol):
    """What a runner needs of the process it runs in: `contextd.runtime.Runtime` is one."""

    @property
    def settings(self) -> Settings: ...

    @property
    def db(self) -> Database: ...


HostT = TypeVar("HostT", bound=Host)


@dataclass(frozen=True)
class ClaimedJob:
    """A job as its handler sees it, whichever runner claimed it."""

    id: int
    kind: str
    source_id: str | None
    payload: dict[str, Any]
    attempts: int
    max_attempts: int


class RetryLater(Exception):
    """The job cannot run yet (e.g. a composition waits for its members); try again soon."""

    def __init__(self, delay: float, reason: str, *, counts_as_attempt: bool = False) -> None:
        super().__init__(reason)
        self.delay = delay
        self.counts_as_attempt = counts_as_attempt


def _always_owner(_session: Session) -> bool:
    return True


def _not_here(_session: Session) -> None:
    """A runner whose job cannot end in the handler's transaction (procrastinate finishes its
    jobs on its own connection): the runner ends the job after the handler returns."""


@dataclass(frozen=True)
class Prepared:
    """What a kind's claim hook returned, in the transaction that claimed the job (`value` may
    be None: the hook ran and found nothing to do, which differs from no hook having run)."""

    value: Any


@dataclass
class JobContext(Generic[HostT]):
    runtime: HostT  # the composition root the runner was given, passed through to handlers
    job: ClaimedJob
    worker_id: str
    lost: threading.Event  # set when the job is no longer ours: stop, someone else owns it
    # The fence: asked inside a transaction that is about to write, it locks the job's row and
    # says whether this run still owns the job. A run whose lease lapsed (or whose worker was
    # declared dead) while it still ran must not write beside the run that took over.
    still_owner: Callable[[Session], bool] = _always_owner
    # Set when the runner ran the kind's `ClaimHook` in the claim's own transaction (the
    # database `Worker`): the handler starts from it instead of a transaction of its own.
    prepared: Prepared | None = None
    # Called by a handler inside its last write transaction, after `still_owner` said yes: the
    # job ends (succeeded) in that transaction, so the runner needs no transaction of its own to
    # end it. A no-op where the runner cannot do that; the runner then ends the job as before.
    finish_in: Callable[[Session], None] = _not_here


Handler = Callable[[JobContext[HostT]], None]
# Run inside the transaction that claims a job of its kind (database `Worker` only): the handler's
# first write (a source's PROCESSING) then commits with the claim, one writer-lock turn instead of
# two. Its result reaches the handler as `JobContext.prepared`. A hook that raises is rolled back
# to a savepoint and the claim still commits: the handler then does that step itself.
ClaimHook = Callable[[Session, ClaimedJob], Any]
# Called in the transaction that gives a job up for good, with the error that ended it.
ExhaustedHandler = Callable[[Session, ClaimedJob, str], None]


class Runner(Protocol):
    """Runs queued jobs in the background of a process (`contextd serve` or `contextd worker`)."""

    worker_id: str

    def start(self) -> None: ...

    def notify(self) -> None:
        """Work was just queued in this process: start looking now."""

    def stop(self, timeout: float = 10.0) -> None: ...


@dataclass(frozen=True)
class Settlement:
    """What becomes of a job after one run of its handler."""

    retry_in: float | None = None  # None: the job is over
    counts_as_attempt: bool = True
    error: str | None = None
    exhausted: bool = False  # it failed on its last attempt: its handler's source must fail


def run_attempt(
    handlers: dict[str, Handler[HostT]], job: ClaimedJob, context: Callable[[], JobContext[HostT]]
) -> Settlement:
    """Run the job's handler once and settle the outcome; a failure is logged with its
    traceback (the settlement keeps only its one-line summary)."""
    failure: Exception | None = None
    try:
        handler = handlers.get(job.kind)
        if handler is None:
            raise RuntimeError(f"no handler for job kind {job.kind!r}")
        handler(context())
    except Exception as exc:
        failure = exc
    outcome = settle(job, failure)
    if outcome.error and outcome.counts_as_attempt:
        log.error(
            "job %s (%s) attempt %s failed: %s",
            job.id,
            job.kind,
            job.attempts,
            outcome.error,
            exc_info=failure,
        )
    return outcome


def settle(job: ClaimedJob, exc: BaseException | None) -> Settlement:
    """Decide retry, deferral or the end, from the outcome of one attempt."""
    if exc is None:
        return Settlement()
    if isinstance(exc, RetryLater):
        return Settlement(
            retry_in=exc.delay, counts_as_attempt=exc.counts_as_attempt, error=str(exc)
        )
    error = "".join(traceback.format_exception_only(exc)).strip()
    if job.attempts < job.max_attempts:
        return Settlement(retry_in=2.0**job.attempts, error=error)
    return Settlement(error=error, exhausted=True)
