"""Engine and session factory for SQLite (embedded default) and PostgreSQL (scale-out)."""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

from contextd.store.write_thread import WriteThread

T = TypeVar("T")


def _backend(bind: Engine | Connection | URL) -> str:
    return bind.get_backend_name() if isinstance(bind, URL) else bind.dialect.name


def is_sqlite(bind: Engine | Connection | URL) -> bool:
    """The one place that tells the two database backends apart (an engine, a connection such
    as `session.get_bind()`, or a URL before any engine exists)."""
    return _backend(bind) == "sqlite"


def is_postgres(bind: Engine | Connection | URL) -> bool:
    return _backend(bind) == "postgresql"


SQLITE_POOL = (10, 10)
"""Connections a SQLite engine keeps, and how many more it may open under load."""


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if is_sqlite(parsed):
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            pool_size=SQLITE_POOL[0],
            max_overflow=SQLITE_POOL[1],
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
        return engine
    return create_engine(url, pool_size=10, max_overflow=20, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, decide where transactions begin (see the "begin" hook).
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.close()


READ_ONLY = "contextd_read_only"


_BEGIN = {True: "BEGIN DEFERRED", False: "BEGIN IMMEDIATE"}


def _sqlite_begin(conn: Any) -> None:
    """Writers take the lock at BEGIN, so they queue instead of failing when a deferred read
    transaction tries to upgrade; readers begin deferred and run beside a writer (WAL).

    Sent on the driver's connection, not through `exec_driver_sql`: SQLAlchemy's statement
    machinery (context, cursor events, result) cost 7% of get-source's request in-process
    (bench/README.md, issue 15 part 4, seventh change) for a statement with no parameters and
    no result. A driver error is raised as SQLAlchemy would raise it (`DBAPIError.instance`)."""
    statement = _BEGIN[bool(conn.get_execution_options().get(READ_ONLY))]
    try:
        conn.connection.driver_connection.execute(statement)
    except sqlite3.Error as exc:
        raise DBAPIError.instance(statement, None, exc, sqlite3.Error) from exc


class Database:
    """Owns the engine; hands out sessions that commit on success and roll back on error."""

    def __init__(self, url: str, *, session_info: dict[str, Any] | None = None) -> None:
        """`session_info` lands in every session's `info`: how layers above hand their
        per-process choices (the job engine) to code that only sees a session."""
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False, info=session_info)
        self._read_engine = self.engine.execution_options(**{READ_ONLY: True})
        self._read_sessions = sessionmaker(
            self._read_engine, expire_on_commit=False, info=session_info
        )
        # SQLite lets one writer in at a time and makes the others sleep-and-retry; queueing
        # this process's writers on a lock wakes them in turn instead (no starved requests).
        # A plain Lock, not an RLock: FastAPI may enter a request's session in one threadpool
        # thread and leave it in another, and only a Lock may be released by another thread.
        self._write_lock = threading.Lock() if is_sqlite(self.engine) else None
        # Between processes (`contextd serve` and its worker process) the same queue is a file
        # lock: SQLite's busy handler sleeps up to 100 ms between tries, so a request waiting
        # for the worker's write would wait that much longer than the write itself; a waiter on
        # the file lock wakes as soon as it is free. Writers without it (an older or other
        # process) still meet SQLite's own lock and busy timeout: this only orders the queue.
        self._file_lock = _FileLock.beside(make_url(url)) if self._write_lock else None
        self._write_thread: WriteThread | None = None

    @contextmanager
    def _writer(self) -> Iterator[None]:
        """This process's place in SQLite's one-writer queue (nothing to wait for on
        PostgreSQL)."""
        if self._write_lock is None:
            yield
            return
        with self._write_lock, self._file_lock or nullcontext():
            yield

    @contextmanager
    def session(self) -> Iterator[Session]:
        with self._writer(), self._sessions() as session, session.begin():
            yield session

    def write(self, work: Callable[[Session], T]) -> T:
        """`work(session)` in a write transaction (committed when it returns), run on the
        process's write thread when it has one (`start_write_thread`), else here."""

        def transaction() -> T:
            with self.session() as session:
                return work(session)

        if self._write_thread is None:
            return transaction()
        return self._write_thread.run(transaction)

    def start_write_thread(self) -> int | None:
        """Run `write`'s transactions on one thread of their own from now on (SQLite only: the
        one writer lock is what they must not hold while preempted; see `store.write_thread`).
        Returns the thread's OS id, None when there is no such thread."""
        if self._write_lock is None:
            return None
        if self._write_thread is None:
            self._write_thread = WriteThread()
        return self._write_thread.native_id

    @contextmanager
    def write_connection(self) -> Iterator[Connection]:
        """A write transaction without an ORM session, for the most frequent write
        (create-source): a session's set-up and tear-down cost more than its two INSERTs."""
        with self._writer(), self.engine.connect() as connection, connection.begin():
            yield connection

    @contextmanager
    def read_session(self) -> Iterator[Session]:
        """For requests that only read: on SQLite they do not wait for writers."""
        with self._read_sessions() as session, session.begin():
            yield session

    def read_in_place(self) -> bool:
        """Whether a point read may run where it is called, on the event loop (`api.deps.in_read`):
        on SQLite (WAL: a reader never waits for a writer, and there is no network), when a
        pooled connection is free now (an idle one, or room to open one), so taking it never
        waits for another thread to give one back."""
        pool = self.engine.pool
        return (
            self._write_lock is not None
            and isinstance(pool, QueuePool)
            and pool.checkedout() < sum(SQLITE_POOL)
        )

    @contextmanager
    def read_connection(self) -> Iterator[Connection]:
        """A read-only transaction without an ORM session, for the hottest reads: a session's
        set-up and tear-down cost more than a primary-key read (bench/api.py)."""
        with self._read_engine.connect() as connection, connection.begin():
            yield connection

    def dispose(self) -> None:
        if self._write_thread is not None:
            self._write_thread.close()
        self.engine.dispose()
        if self._file_lock is not None:
            self._file_lock.close()


class _FileLock:
    """An exclusive `flock` on `<database>-writer.lock`, taken by a process's one writer at a
    time (its thread lock is held around it, so one descriptor per process is enough)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._fd: int | None = None

    @classmethod
    def beside(cls, url: URL) -> _FileLock | None:
        if not url.database or url.database == ":memory:":
            return None
        return cls(Path(f"{url.database}-writer.lock"))

    def __enter__(self) -> None:
        if self._fd is None:
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        fcntl.flock(self._fd, fcntl.LOCK_EX)

    def __exit__(self, *_: object) -> None:
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
