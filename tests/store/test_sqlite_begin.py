"""SQLite transactions begin on the driver's connection (`store.db._sqlite_begin`): readers
deferred, writers immediate (holding the one writer lock from BEGIN), and a BEGIN the driver
refuses raises SQLAlchemy's error, as it did through `exec_driver_sql`."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import Connection, text
from sqlalchemy.exc import OperationalError

from contextd.store.db import Database


def driver(connection: Connection) -> sqlite3.Connection:
    raw = connection.connection.driver_connection
    assert isinstance(raw, sqlite3.Connection)
    return raw


def test_writers_hold_the_lock_from_begin_and_readers_do_not(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'b.db'}")
    with db.write_connection() as connection:
        connection.execute(text("CREATE TABLE t (a INTEGER)"))
    other = sqlite3.connect(tmp_path / "b.db", timeout=0, isolation_level=None)
    with db.read_connection() as connection:
        assert driver(connection).in_transaction
        other.execute("BEGIN IMMEDIATE")  # a reader does not hold the writer lock
        other.execute("ROLLBACK")
        assert connection.execute(text("SELECT count(*) FROM t")).scalar() == 0
    with db.write_connection() as connection:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")  # the writer holds it from its BEGIN
        connection.execute(text("INSERT INTO t VALUES (1)"))
    assert other.execute("SELECT count(*) FROM t").fetchone() == (1,)
    other.close()
    db.dispose()


def test_a_refused_begin_raises_sqlalchemys_error(tmp_path: Path) -> None:
    db = Database(f"sqlite:///{tmp_path / 'b.db'}")
    with db.write_connection() as connection:
        connection.execute(text("CREATE TABLE t (a INTEGER)"))
    holder = sqlite3.connect(tmp_path / "b.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    with db.engine.connect() as connection:
        driver(connection).execute("PRAGMA busy_timeout=10")
        with pytest.raises(OperationalError, match="locked"):
            connection.begin()
    holder.execute("ROLLBACK")
    holder.close()
    db.dispose()
