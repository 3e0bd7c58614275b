"""get-source's read runs where it is called on SQLite (the event loop: a WAL read never waits
for a writer, and a point read costs less than a thread hop), and in a threadpool thread on
PostgreSQL (a network round trip must not hold the loop). The answer is the same either way
(tests/api/test_source_answers.py, tests/api/test_hot_route.py)."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from contextd.services import sources
from contextd.store.db import SQLITE_POOL
from tests.support.service import Client, Service


def in_pool_threads(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """From now on, for each read of a source: whether it ran in a threadpool thread."""
    threads: list[bool] = []
    read_source = sources.read_source

    def recorded(*args: Any, **kwargs: Any) -> Any:
        threads.append(threading.current_thread().name.startswith("AnyIO worker thread"))
        return read_source(*args, **kwargs)

    monkeypatch.setattr(sources, "read_source", recorded)
    return threads


def test_get_source_reads_on_the_loop_on_sqlite_and_in_a_thread_elsewhere(
    client: Client, service: Service, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    made = client.source(client.space()["id"], {"type": "CONTENT", "initial_data": {"data": "hi"}})
    threads = in_pool_threads(monkeypatch)
    answer = client.get(f"/v1/sources/{made['id']}")
    assert answer.status_code == 200 and answer.json()["id"] == made["id"]
    missing = client.get("/v1/sources/src_missing")
    assert missing.status_code == 404
    assert threads == ([False, False] if backend == "sqlite" else [True, True])
    assert service.runtime.db.read_in_place() is (backend == "sqlite")


def test_with_every_connection_taken_the_read_hops_to_a_thread(
    client: Client, service: Service, backend: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The loop must never wait for a thread to give a connection back: with the pool
    exhausted, the read goes to a thread, as on PostgreSQL, and is answered once one is free."""
    if backend != "sqlite":
        pytest.skip("reads run in place on SQLite only")
    made = client.source(client.space()["id"], {"type": "CONTENT", "initial_data": {"data": "hi"}})
    threads = in_pool_threads(monkeypatch)
    held = [service.runtime.db.engine.connect() for _ in range(sum(SQLITE_POOL))]
    try:
        assert not service.runtime.db.read_in_place()
        with ThreadPoolExecutor(1) as pool:
            pending = pool.submit(client.get, f"/v1/sources/{made['id']}")
            time.sleep(0.2)  # the read waits in its thread for a connection
            held.pop().close()
            answer = pending.result(timeout=30)
    finally:
        for connection in held:
            connection.close()
    assert answer.status_code == 200 and answer.json()["id"] == made["id"]
    assert threads == [True]
