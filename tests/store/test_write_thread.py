"""`Database.write` and its write thread (`store.write_thread`): the embedded worker process
hands its write transactions to a thread left at the server's priority, so a niced job is not
preempted while it holds SQLite's writer lock. What the callers rely on: the work runs there,
in a transaction that commits when it returns and rolls back when it raises, its result or
exception comes back as if it had run in the caller, and nothing deadlocks or is lost around
the thread's stop."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session

from contextd.store.db import Database
from contextd.store.write_thread import WriteThread


class Refused(Exception):
    pass


def _database(tmp_path: Path) -> Database:
    db = Database(f"sqlite:///{tmp_path / 'w.db'}")
    with db.write_connection() as connection:
        connection.execute(text("CREATE TABLE t (a INTEGER)"))
    return db


def _count(db: Database) -> int:
    with db.read_connection() as connection:
        return int(connection.execute(text("SELECT count(*) FROM t")).scalar_one())


def test_work_runs_on_the_thread_and_hands_back_result_and_exception() -> None:
    writer = WriteThread(name="test-writer")
    try:
        assert writer.run(lambda: threading.current_thread().name) == "test-writer"
        assert writer.native_id not in (None, threading.get_native_id())

        def refuse() -> None:
            raise Refused("no")

        with pytest.raises(Refused, match="no"):
            writer.run(refuse)
        # A write inside a write runs in place: handing it over would wait for itself.
        nested = writer.run(lambda: writer.run(lambda: threading.current_thread().name))
        assert nested == "test-writer"
    finally:
        writer.close()


def test_after_close_work_runs_in_the_caller() -> None:
    writer = WriteThread()
    writer.close()
    assert writer.run(lambda: threading.current_thread().name) == threading.current_thread().name


def test_many_callers_each_get_their_own_answer() -> None:
    writer = WriteThread()
    answers: dict[int, int] = {}

    def caller(n: int) -> None:
        answers[n] = writer.run(lambda: n * n)

    threads = [threading.Thread(target=caller, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    writer.close()
    assert answers == {n: n * n for n in range(20)}


def test_database_write_commits_or_rolls_back_on_the_write_thread(tmp_path: Path) -> None:
    db = _database(tmp_path)
    try:
        writer_id = db.start_write_thread()
        assert writer_id is not None and writer_id != threading.get_native_id()

        def insert(session: Session) -> int | None:
            session.execute(text("INSERT INTO t VALUES (1)"))
            return threading.get_native_id()

        assert db.write(insert) == writer_id
        assert _count(db) == 1

        def insert_then_fail(session: Session) -> None:
            insert(session)
            raise Refused("rolled back")

        with pytest.raises(Refused):
            db.write(insert_then_fail)
        assert _count(db) == 1  # the failed work's row was rolled back
        assert db.start_write_thread() == writer_id  # one thread, however often asked
    finally:
        db.dispose()


def test_without_a_write_thread_the_work_runs_in_the_caller(tmp_path: Path) -> None:
    db = _database(tmp_path)
    try:
        assert db.write(lambda _session: threading.get_native_id()) == threading.get_native_id()
    finally:
        db.dispose()
