"""Scale-out jobs on procrastinate (PostgreSQL only): `CONTEXTD_JOB_ENGINE=procrastinate`.

Why procrastinate: it defers a job by calling its SQL function on *our* connection, so the job
is part of the transaction that changes the source's status (no lost job, none for a state that
rolled back), and it needs nothing beyond the PostgreSQL we already run. Workers on any number
of machines take jobs with `FOR UPDATE SKIP LOCKED`, are woken by LISTEN/NOTIFY, and send
heartbeats.

How contextd maps onto it:
- one task, `contextd.run_job`, whose arguments are our job (kind, source, payload, attempt);
  the queue is the job kind, so operators can dedicate workers (`contextd worker --queue ...`);
- jobs of one source share the lock `source:<id>`: procrastinate runs them one at a time;
- retries, deferrals and the final failure are decided by `jobs.base.settle`, as for the
  database runner; a retry is a new job deferred in the transaction that records the outcome;
- a job whose worker stopped sending heartbeats (it died) is retried by the reaper of any live
  runner, or fails its source when it was the last attempt.

This module is the enqueue side (what `Runtime` and every `enqueue` need: the store only); the
runner that executes jobs is `jobs/procrastinate_runner.py`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import procrastinate
from procrastinate import sql as procrastinate_sql
from procrastinate.schema import SchemaManager
from sqlalchemy import Connection, inspect, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from contextd.jobs import queue
from contextd.store.db import is_postgres, make_engine

TASK = "contextd.run_job"


def conninfo(database_url: str) -> str:
    """libpq's form of our SQLAlchemy URL (`postgresql+psycopg://` -> `postgresql://`)."""
    url = make_url(database_url)
    if not is_postgres(url):
        raise ValueError("the procrastinate job engine needs a PostgreSQL CONTEXTD_DATABASE_URL")
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def ensure_schema(database_url: str) -> bool:
    """Install procrastinate's tables and functions once; True when they were installed.

    Its schema is its own (not in our Alembic history); after upgrading procrastinate, apply
    its migration files as its documentation says."""
    engine = make_engine(database_url)
    try:
        if inspect(engine).has_table("procrastinate_jobs"):
            return False
        schema = SchemaManager.get_schema()
        with engine.begin() as connection:
            # Straight to psycopg, without parameters: the schema's text has literal '%'.
            connection.connection.driver_connection.execute(schema)  # type: ignore[union-attr]
        return True
    finally:
        engine.dispose()


def _raw(bind: Session | Connection) -> Any:
    """The psycopg connection under the session or connection, inside its open transaction."""
    connection = bind.connection() if isinstance(bind, Session) else bind
    return connection.connection.driver_connection


class ProcrastinateEngine:
    """Defers our jobs into procrastinate's tables within the caller's transaction."""

    def __init__(self, database_url: str, *, pool_size: int = 4) -> None:
        info = conninfo(database_url)
        # Two apps on purpose: workers need the async, pooled connector; deferring runs on the
        # caller's own connection, which only the sync connector accepts (the async one, once
        # its pool is open, would try to drive our sync connection asynchronously).
        self.app = procrastinate.App(
            connector=procrastinate.PsycopgConnector(conninfo=info, min_size=1, max_size=pool_size)
        )
        self._in_transaction = procrastinate.App(
            connector=procrastinate.SyncPsycopgConnector(conninfo=info)
        )

    def enqueue(
        self,
        bind: Session | Connection,
        kind: str,
        *,
        source_id: str | None,
        payload: dict[str, Any],
        max_attempts: int,
        run_after: datetime | None,
        attempt: int = 1,
    ) -> None:
        self._in_transaction.configure_task(
            TASK,
            queue=kind,
            lock=f"source:{source_id}" if kind == queue.PROCESS_SOURCE and source_id else None,
            priority=queue.priority_of(kind),
            schedule_at=run_after,
            connection=_raw(bind),
        ).defer(
            kind=kind,
            source_id=source_id,
            payload=payload,
            attempt=attempt,
            max_attempts=max_attempts,
        )

    def has_due(self, session: Session, kind: str, source_id: str) -> bool:
        """A `todo` job of `kind` (its queue) for `source_id`, due now (not a retry's backoff)."""
        due = session.execute(
            text(
                "SELECT 1 FROM procrastinate_jobs WHERE queue_name = :kind AND status = 'todo'"
                " AND args->>'source_id' = :source_id"
                " AND (scheduled_at IS NULL OR scheduled_at <= now()) LIMIT 1"
            ),
            {"kind": kind, "source_id": source_id},
        )
        return due.first() is not None

    def run_sql(self, session: Session, name: str, **arguments: Any) -> list[dict[str, Any]]:
        """One of procrastinate's own queries, on our connection and in our transaction."""
        connector = self._in_transaction.connector
        rows: list[dict[str, Any]] = connector.execute_query_all_with_connection(
            _raw(session), query=procrastinate_sql.queries[name], **arguments
        )
        return rows
