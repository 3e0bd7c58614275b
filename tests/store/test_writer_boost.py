"""`Database.boost_writers`: a niced process's thread runs at the given priority while it holds
SQLite's writer lock, and goes back after; where raising a priority is refused, writes go on at
the lowered one.

The priority test runs in a child interpreter: the suite's own threads must keep their nice
values (a lowered one cannot be raised back without privilege)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from contextd.store import db as store_db
from contextd.store.db import Database

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="a nice value per thread: Linux")

CHILD = """
import json, os, sys, threading
from sqlalchemy import text
from contextd.store.db import Database

def nice():
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())

start = nice()
database = Database("sqlite:///" + sys.argv[1])
os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), start + 10)
database.boost_writers(start)
seen = {"start": start, "lowered": nice()}
with database.session() as session:
    session.execute(text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
    seen["writing"] = nice()
with database.read_session() as session:
    session.execute(text("SELECT 1"))
    seen["reading"] = nice()
seen["after"] = nice()
database.dispose()
print(json.dumps(seen))
"""


def _may_raise_priority() -> bool:
    import resource

    return os.geteuid() == 0 or resource.getrlimit(resource.RLIMIT_NICE)[0] > 20 - os.nice(0)


@pytest.mark.skipif(not _may_raise_priority(), reason="raising a priority needs a privilege")
def test_a_niced_writer_runs_at_the_boosted_priority_only_while_it_writes(tmp_path: Path) -> None:
    src = Path(store_db.__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(src)}
    out = subprocess.run(
        [sys.executable, "-c", CHILD, str(tmp_path / "boost.db")],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    seen = json.loads(out.stdout)
    lowered = min(seen["start"] + 10, 19)
    assert seen == {
        "start": seen["start"],
        "lowered": lowered,
        "writing": seen["start"],
        "reading": lowered,
        "after": lowered,
    }


def test_a_refused_boost_is_tried_once_and_writes_go_on(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[int, int, int]] = []

    def refuse(which: int, who: int, value: int) -> None:
        calls.append((which, who, value))
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "getpriority", lambda which, who: 10)
    monkeypatch.setattr(os, "setpriority", refuse)
    database = Database(f"sqlite:///{tmp_path / 'refused.db'}")
    try:
        database.boost_writers(0)
        for n in range(3):
            with database.session() as session:
                session.execute(text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
                session.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
        with database.read_session() as session:
            assert session.execute(text("SELECT count(*) FROM t")).scalar() == 3
    finally:
        database.dispose()
    assert len(calls) == 1  # refused once, then not asked again
