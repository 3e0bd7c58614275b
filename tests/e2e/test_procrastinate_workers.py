"""The scale-out job engine: procrastinate, with real `contextd worker` processes.

The API (`contextd serve --no-worker`) and the workers run with `CONTEXTD_JOB_ENGINE=procrastinate`
on a fresh PostgreSQL database. What the tests look at besides the API is procrastinate's own
`procrastinate_jobs` table, because "deferred in the same transaction" and "processed exactly
once" are claims about jobs, not only about final statuses.

The API-level behaviour under this engine (processing, lifecycle actions, postbacks) is covered
by the modules marked `all_engines`, which run a third time with it; the race and stale-revision
guarantees live in the handlers, shared by both engines (tests/e2e/test_workers.py).
"""

from __future__ import annotations

import re
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from contextd.jobs import queue
from contextd.jobs.base import ClaimedJob, RetryLater
from contextd.jobs.procrastinate_runner import ProcrastinateRunner
from contextd.runtime import Runtime
from contextd.services import keys
from contextd.store.db import Database
from contextd.tasks.context import TaskContext
from contextd.testing import ServerProcess, scratch_database
from tests.support.cluster import (
    Db,
    ScriptedPages,
    WorkerPool,
    page,
    pg_unavailable,
    server_process,
    wait_all,
    wait_until,
)
from tests.support.factories import transcript
from tests.support.pages import PageServer
from tests.support.service import Client
from tests.support.settings import PG_ADMIN_URL, make_settings

pytestmark = [pytest.mark.slow, pytest.mark.timeout(240)]


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    reason = pg_unavailable()
    if reason:
        pytest.skip(reason)
    with scratch_database(PG_ADMIN_URL, "contextd_procrastinate") as url:
        yield url


class Jobs(Db):
    procrastinate = True  # drain procrastinate's queue (embedding jobs follow every source)

    def of(self, source_id: str, kind: str = queue.PROCESS_SOURCE) -> list[dict[str, Any]]:
        return self.rows(
            "SELECT id, status, attempts, lock, queue_name, args FROM procrastinate_jobs"
            " WHERE args->>'source_id' = :sid AND queue_name = :kind ORDER BY id",
            sid=source_id,
            kind=kind,
        )


@pytest.fixture(scope="module")
def api(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    server = server_process(
        tmp_path_factory.mktemp("shared"),
        CONTEXTD_DATABASE_URL=database_url,
        CONTEXTD_JOB_ENGINE="procrastinate",
    )
    jobs = Jobs(database_url)
    try:
        server.start("--no-worker")  # migrates, and installs procrastinate's schema
        database = Database(database_url)
        try:
            with database.session() as session:
                user = keys.ensure_user(session, "scale", "scale@example.test")
                key = keys.create_key(session, user, "scale", None).raw
        finally:
            database.dispose()
        yield server, key, jobs
    finally:
        server.stop()
        jobs.engine.dispose()


def pool(server: ServerProcess, **env: str) -> WorkerPool:
    return WorkerPool(server.env, server.data_dir, CONTEXTD_JOB_ENGINE="procrastinate", **env)


def test_a_source_is_deferred_with_its_own_lock_in_the_request_transaction(api: Any) -> None:
    server, key, jobs = api
    with Client(server.url, key, "") as client:
        space = client.space("deferred")
        source = client.source(space["id"], {"type": "CONTENT", "initial_data": {"data": "hi"}})
    [job] = jobs.of(source["id"])
    assert job["status"] == "todo"  # no worker runs in this test
    assert job["lock"] == f"source:{source['id']}"
    assert job["args"]["payload"]["revision"] == source["revision"]
    assert (job["args"]["kind"], job["args"]["attempt"]) == (queue.PROCESS_SOURCE, 1)


def test_a_rolled_back_status_change_leaves_no_job(
    database_url: str, api: Any, tmp_path: Path
) -> None:
    _server, _key, jobs = api
    runtime = Runtime.build(
        make_settings(tmp_path, database_url, job_engine="procrastinate", auto_migrate=False)
    )
    marker = f"rolled-back-{uuid.uuid4().hex[:8]}"
    try:
        with pytest.raises(RuntimeError), runtime.db.session() as session:
            queue.enqueue(session, queue.PURGE_BLOBS, source_id=marker)
            raise RuntimeError("the request failed after deferring")
        assert jobs.of(marker, queue.PURGE_BLOBS) == []
        with runtime.db.session() as session:
            queue.enqueue(session, queue.PURGE_BLOBS, source_id=marker)
        assert [j["status"] for j in jobs.of(marker, queue.PURGE_BLOBS)] == ["todo"]
    finally:
        runtime.close()


def test_sources_are_processed_exactly_once_by_several_workers(api: Any) -> None:
    server, key, jobs = api
    workers = pool(server, CONTEXTD_JOB_LEASE_SECONDS="15").start(3)
    try:
        with Client(server.url, key, "") as client:
            space = client.space("many")
            ids = [
                client.source(
                    space["id"],
                    {
                        "type": "CONTENT",
                        "initial_data": {"data": f"Topic {i}.\n\n" + transcript(6)},
                    },
                )["id"]
                for i in range(9)
            ]
            done = wait_all(client, ids, timeout=150)
        assert {body["status"] for body in done.values()} == {"COMPLETED"}
        # A job ends just after COMPLETED, once it has embedded its chunks (embed_inline); the
        # next test's job must not queue behind these sources' embeddings either.
        jobs.drain()
        logs = "".join(w.tail(10**7) for w in workers.workers)
        for source_id in ids:
            [job] = jobs.of(source_id)
            # One job, run once (procrastinate counts a run when it finishes), by one process.
            assert (job["status"], job["attempts"]) == ("succeeded", 1), job
            runners = re.findall(rf"worker (\S+) runs job {job['id']} \(process_source\)", logs)
            assert len(runners) == 1 and runners[0] in workers.ids, runners
    finally:
        workers.stop()


def test_a_killed_worker_s_job_is_run_again_by_another(api: Any, pages: PageServer) -> None:
    """SIGKILL the worker fetching a slow page; its heartbeats stop, a live worker's reaper
    finds the stalled job (2 s lease) and retries it, and the source completes."""
    server, key, jobs = api
    workers = pool(server, CONTEXTD_JOB_LEASE_SECONDS="2").start(2)
    try:
        path = f"/procrastinate-kill-{uuid.uuid4().hex[:8]}"
        url = pages.add(path, page("Phoenix"), delay=60)
        with Client(server.url, key, "") as client:
            space = client.space("kill")
            source = client.source(space["id"], {"type": "URI", "initial_data": {"url": url}})
            pages.wait_for_hit(path)
            [job] = jobs.of(source["id"])
            ran = f"runs job {job['id']} (process_source)"
            [victim] = [w for w in workers.workers if ran in w.tail(10**6)]
            victim.kill()
            pages.delays[path] = 0
            done = client.wait(source["id"], timeout=90)
            assert done["status"] == "COMPLETED", done["message"]
            assert "Phoenix sentence" in client.get(f"/v1/sources/{source['id']}/content").text
        jobs.drain()  # the job ends just after COMPLETED, once its chunks are embedded
        [job] = jobs.of(source["id"])
        assert (job["status"], job["attempts"]) == ("succeeded", 2)  # the killed run, the retry
        [survivor] = [w for w in workers.workers if w is not victim]
        assert f"runs job {job['id']} (process_source) attempt 2" in survivor.tail(10**6)
        assert pages.hits.count(path) == 2
    finally:
        workers.stop(grace=1)


def test_two_revisions_of_a_source_never_run_at_once_and_the_stale_one_writes_nothing(
    api: Any,
) -> None:
    """Revision 1's fetch is held up (its page will answer with the OLD text). The source is
    canceled and refreshed: revision 2's job waits, `todo`, behind the source's lock while a
    second worker sits idle. Released, revision 1 ends without writing; revision 2 then runs
    and the source holds only the NEW page."""
    server, key, jobs = api
    scripted = ScriptedPages()
    gate = threading.Event()
    workers = pool(server, CONTEXTD_JOB_LEASE_SECONDS="15").start(2)
    try:
        path = f"/two-revisions-{uuid.uuid4().hex[:8]}"
        url = scripted.script(path, (gate, page("OLDPAGE")), (None, page("NEWPAGE")))
        with Client(server.url, key, "") as client:
            space = client.space("revisions")
            sid = client.source(space["id"], {"type": "URI", "initial_data": {"url": url}})["id"]
            wait_until(lambda: scripted.hits[path] == 1, 90, "the first fetch")
            assert client.post(f"/v1/sources/{sid}/cancel").status_code == 200
            refreshed = client.post(f"/v1/sources/{sid}/refresh")
            assert refreshed.status_code == 202, refreshed.text

            time.sleep(2)  # time enough for the idle worker to take revision 2, were it allowed
            first, second = jobs.of(sid)
            assert (first["status"], second["status"]) == ("doing", "todo")
            assert first["lock"] == second["lock"] == f"source:{sid}"
            assert scripted.hits[path] == 1  # nobody fetched for revision 2 meanwhile

            gate.set()
            done = client.wait(sid, timeout=90, statuses={"COMPLETED", "FAILED"})
            assert (done["status"], done["revision"]) == ("COMPLETED", 2), done["message"]
            content = client.get(f"/v1/sources/{sid}/content").text
            assert "NEWPAGE" in content and "OLDPAGE" not in content
            assert "OLDPAGE" not in client.get(f"/v1/sources/{sid}/turns").text
        jobs.drain()  # the job ends just after COMPLETED, once its chunks are embedded
        assert [j["status"] for j in jobs.of(sid)] == ["succeeded", "succeeded"]
        assert scripted.answered[path] == [page("OLDPAGE").encode(), page("NEWPAGE").encode()]
        logs = "".join(w.tail(10**7) for w in workers.workers)
        assert f"source {sid} revision 1 superseded" in logs
        jobs.drain()
    finally:
        gate.set()
        workers.stop()
        scripted.close()


# --- the runner in-process, with handlers of the test's own -------------------------------------


def test_retries_deferrals_and_the_final_failure_follow_the_shared_rules(
    database_url: str, api: Any, tmp_path: Path
) -> None:
    """A deferral (RetryLater) is not an attempt; an error retries until max_attempts; the
    last failure calls the exhausted hook (which fails a source) and leaves the job `failed`."""
    _server, _key, jobs = api
    seen: list[ClaimedJob] = []
    exhausted: list[tuple[ClaimedJob, str]] = []
    finished = threading.Event()

    def flaky(ctx: TaskContext) -> None:
        seen.append(ctx.job)
        if len(seen) == 1:
            raise RetryLater(0.1, "not yet")
        raise ValueError(f"broken on attempt {ctx.job.attempts}")

    def on_exhausted(_session: Any, job: ClaimedJob, error: str) -> None:
        exhausted.append((job, error))
        finished.set()

    settings = make_settings(tmp_path, database_url, job_engine="procrastinate", auto_migrate=False)
    runtime = Runtime.build(settings)
    assert runtime.job_engine is not None
    runner = ProcrastinateRunner(
        runtime,
        runtime.job_engine,
        {"test_flaky": flaky},
        on_exhausted=on_exhausted,
        queues=["test_flaky"],
    )
    runner.start()
    marker = f"flaky-{uuid.uuid4().hex[:8]}"
    try:
        with runtime.db.session() as session:
            queue.enqueue(session, "test_flaky", source_id=marker, max_attempts=2)
        assert finished.wait(60), f"not exhausted; seen {seen}"
    finally:
        runner.stop()
        runtime.close()
    assert [job.attempts for job in seen] == [1, 1, 2]
    [(job, error)] = exhausted
    assert (job.attempts, error) == (2, "ValueError: broken on attempt 2")
    wait_until(
        lambda: [j["status"] for j in jobs.of(marker, "test_flaky")][-1:] == ["failed"],
        10,
        "the last job to be marked failed",
    )
    statuses = [j["status"] for j in jobs.of(marker, "test_flaky")]
    assert statuses == ["succeeded", "succeeded", "failed"]  # each retry is a new job
