"""Several real `contextd worker` processes on one PostgreSQL database: concurrency safety.

One API process (`contextd serve --no-worker`) and three `contextd worker` processes share a
fresh PostgreSQL database and one data directory (the local blob store on a shared directory
stands in for shared storage). The tests look at the outcome through the API *and* at the
`jobs` table directly, because "processed exactly once" is a claim about job runs, not only
about the final status.

The module needs PostgreSQL (`SELECT ... FOR UPDATE SKIP LOCKED`); it is skipped with the
reason when the server at `CONTEXTD_TEST_PG_URL` does not answer or the backend is excluded by
`CONTEXTD_TEST_BACKENDS`.

Cost: every worker process loads the embedding model once (its first embedding job; ~8 s of
CPU), and the queue is FIFO, so tests that need idle workers first wait for the queue to drain.
The kill test comes first and brings its own three workers (2 s lease), killed before they get
far with the model; the other tests share three workers (15 s lease). The race test's random
plan is reproducible with `CONTEXTD_RACE_SEED` (the seed is in its failure message).
"""

from __future__ import annotations

import os
import random
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pytest

from contextd.domain.enums import SourceStatus
from contextd.jobs.base import ClaimedJob, JobContext
from contextd.jobs.queue import PROCESS_SOURCE
from contextd.runtime import Runtime
from contextd.services import keys
from contextd.store.db import Database
from contextd.store.tables import Source
from contextd.tasks import process_source, source_results
from contextd.testing import ServerProcess, drain_jobs, scratch_database
from tests.support.cluster import (
    GATE_SECONDS,
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

WORKERS = 3


@dataclass
class Api:
    server: ServerProcess
    key: str
    db: Db

    def client(self) -> Client:
        return Client(self.server.url, self.key, "")


@pytest.fixture(scope="module")
def database_url() -> Iterator[str]:
    reason = pg_unavailable()
    if reason:
        pytest.skip(reason)
    with scratch_database(PG_ADMIN_URL, "contextd_workers") as url:
        yield url


@pytest.fixture(scope="module")
def api(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    server = server_process(tmp_path_factory.mktemp("shared"), CONTEXTD_DATABASE_URL=database_url)
    db = Db(database_url)
    try:
        server.start("--no-worker")  # it migrates the database; the workers need not
        database = Database(database_url)
        try:
            with database.session() as session:
                user = keys.ensure_user(session, "workers", "workers@example.test")
                key = keys.create_key(session, user, "workers", None).raw
        finally:
            database.dispose()
        yield Api(server, key, db)
    finally:
        server.stop()
        db.engine.dispose()


@pytest.fixture(scope="module")
def workers(api: Api) -> Iterator[WorkerPool]:
    """Three workers shared by the module's tests (each loads the embedding model once)."""
    pool = WorkerPool(
        api.server.env,
        api.server.data_dir,
        CONTEXTD_JOB_LEASE_SECONDS="15",
        CONTEXTD_FETCH_TIMEOUT_SECONDS=str(GATE_SECONDS + 30),  # a held-up page is not an error
    )
    try:
        yield pool.start(WORKERS)
    finally:
        pool.stop()


@pytest.fixture(scope="module")
def scripted() -> Iterator[ScriptedPages]:
    server = ScriptedPages()
    yield server
    server.close()


# --- helpers ------------------------------------------------------------------------------------


def blob_exists(api: Api, key: str) -> bool:
    return (api.server.data_dir / "blobs" / key).is_file()


# --- tests --------------------------------------------------------------------------------------


def test_a_worker_killed_mid_job_is_replaced_by_another_after_the_lease_lapses(
    api: Api, pages: PageServer
) -> None:
    """SIGKILL the worker that is fetching a slow page: one of the other two takes the job over
    once the 2 s lease lapses, and the source completes (attempt 2, by another worker)."""
    api.db.drain()
    pool = WorkerPool(api.server.env, api.server.data_dir, CONTEXTD_JOB_LEASE_SECONDS="2")
    try:
        pool.start(WORKERS)
        path = f"/kill-{uuid.uuid4().hex[:8]}"
        url = pages.add(path, page("Survivor"), delay=60)  # hangs until the worker is gone
        with api.client() as client:
            space = client.space("kill")
            source = client.source(space["id"], {"type": "URI", "initial_data": {"url": url}})
            pages.wait_for_hit(path)
            [job] = api.db.process_jobs([source["id"]])[source["id"]]
            victim = pool.by_id(job["locked_by"])
            victim.kill()
            killed_at = time.monotonic()
            pages.delays[path] = 0
            done = client.wait(source["id"], timeout=60)
            took = time.monotonic() - killed_at
            assert done["status"] == "COMPLETED", done["message"]
            assert done["revision"] == 1
            assert "Survivor sentence" in client.get(f"/v1/sources/{source['id']}/content").text

        # The job ends after COMPLETED, once it has embedded the source's chunks (embed_inline).
        drain_jobs(
            api.db.database,
            procrastinate=api.db.procrastinate,
            source_id=source["id"],
            kinds=[PROCESS_SOURCE],
        )
        [job] = api.db.process_jobs([source["id"]])[source["id"]]
        assert job["status"] == "succeeded"
        assert job["attempts"] == 2, job  # the killed attempt, then the takeover
        assert job["locked_by"] in pool.ids - {victim.worker_id}
        assert pages.hits.count(path) == 2
        assert victim.proc is not None and victim.proc.returncode == -9
        assert took > 0.5, f"taken over {took:.2f}s after the kill, before the lease lapsed?"
    finally:
        # Their leftover (embedding) jobs are lease-safe: the module's workers take them over.
        pool.stop(grace=1)


def test_a_stale_job_never_overwrites_a_newer_revision(
    api: Api, workers: WorkerPool, scripted: ScriptedPages
) -> None:
    """Revision 1's fetch is held up (and will return the OLD page). Meanwhile the source is
    canceled and refreshed, and revision 2 (the NEW page) completes on another worker. Then
    revision 1's fetch is released: its job must end without writing anything. (No timing is
    guessed: the old page answers when the test says so, however long the queue takes.)"""
    path = f"/stale-{uuid.uuid4().hex[:8]}"
    gate = threading.Event()
    url = scripted.script(path, (gate, page("OLDPAGE")), (None, page("NEWPAGE")))
    try:
        with api.client() as client:
            space = client.space("stale")
            sid = client.source(space["id"], {"type": "URI", "initial_data": {"url": url}})["id"]
            wait_until(lambda: scripted.hits[path] == 1, 60, "the first fetch")
            [first] = api.db.process_jobs([sid])[sid]
            assert first["status"] == "running"

            canceled = client.post(f"/v1/sources/{sid}/cancel")
            assert canceled.status_code == 200, canceled.text
            refreshed = client.post(f"/v1/sources/{sid}/refresh")
            assert refreshed.status_code == 202, refreshed.text
            assert refreshed.json()["revision"] == 2

            done = client.wait(sid, timeout=GATE_SECONDS - 10, statuses={"COMPLETED", "FAILED"})
            assert done["status"] == "COMPLETED", done["message"]
            row_then = api.db.source(sid)
            old, new = api.db.process_jobs([sid])[sid]
            assert (old["payload"]["revision"], new["payload"]["revision"]) == (1, 2)
            # The overlap is real: revision 2 ran on another worker and finished while
            # revision 1's job was still running (its page had not answered yet).
            assert old["status"] == "running", old
            assert new["locked_by"] != old["locked_by"]
            assert scripted.answered[path] == [page("NEWPAGE").encode()]

            gate.set()  # revision 1's fetch now returns the OLD page
            wait_until(
                lambda: api.db.process_jobs([sid])[sid][0]["status"] != "running",
                30,
                "the stale job to end",
            )
            old = api.db.process_jobs([sid])[sid][0]
            assert (old["status"], old["attempts"]) == ("succeeded", 1), old  # ended, quietly
            assert scripted.answered[path][-1] == page("OLDPAGE").encode()

            after = client.get(f"/v1/sources/{sid}").json()
            assert (after["status"], after["revision"]) == ("COMPLETED", 2)
            content = client.get(f"/v1/sources/{sid}/content").text
            assert "NEWPAGE" in content and "OLDPAGE" not in content
            assert "OLDPAGE" not in client.get(f"/v1/sources/{sid}/turns").text
    finally:
        gate.set()

    row = api.db.source(sid)
    assert row == row_then  # not a column of the source changed when the stale job ended
    # Blob keys name the revision (then the job run): only revision 2's are stored, nothing of 1.
    assert ".r2." in row["document_key"] and ".r2." in row["raw_key"]
    stored = {p.name for p in (api.server.data_dir / "blobs" / "sources" / sid).iterdir()}
    assert stored == {Path(row["document_key"]).name, Path(row["raw_key"]).name}
    stale_chunks = api.db.rows(
        "SELECT count(*) AS n FROM chunks WHERE source_id = :id"
        " AND (text LIKE '%OLDPAGE%' OR source_revision <> 2)",
        id=sid,
    )
    assert stale_chunks[0]["n"] == 0
    owner = workers.by_id(old["locked_by"])
    assert f"source {sid} revision 1 superseded" in owner.log.read_text()


@dataclass
class Accepted:
    action: str  # create, cancel, refresh, reprocess
    revision: int  # the source's revision in the response
    at: float


def test_racing_cancel_refresh_and_reprocess_end_in_one_consistent_state(
    api: Api, workers: WorkerPool, pages: PageServer
) -> None:
    """Client threads fire cancel, refresh and reprocess at the same instant (a barrier) at
    sources in every state, running jobs included. The API must serialize them per source:

    - every answer is 200 (cancel), 202 (refresh/reprocess) or 409 (the losers), never 5xx;
    - `revision` == 1 + the number of accepted refresh/reprocess requests, and the revisions
      those responses report are exactly 2..revision, each once (no lost or doubled bump);
    - the `jobs` table has exactly one process_source job per revision 1..revision, all ended;
    - the final status follows the last accepted action: CANCELED if and only if a cancel was
      accepted at the final revision, and then the final revision's job wrote nothing;
      otherwise the final revision's job ran to completion (COMPLETED, or FAILED for the page
      that answers 404) and its results are the current ones;
    - after the workers drain, nothing is CREATED, PENDING or PROCESSING.
    """
    api.db.drain()
    seed = int(os.environ.get("CONTEXTD_RACE_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    tag = uuid.uuid4().hex[:8]
    ledger: dict[str, list[Accepted]] = defaultdict(list)
    expect_failed: set[str] = set()
    with api.client() as client:
        space_id = client.space("race")["id"]

        def make(body: dict[str, Any]) -> str:
            created = client.source(space_id, body)
            ledger[created["id"]].append(Accepted("create", created["revision"], 0))
            return str(created["id"])

        def content(n: int) -> str:
            return make({"type": "CONTENT", "initial_data": {"data": transcript(4 + n)}})

        def uri(name: str, delay: float, status: int = 200) -> str:
            url = pages.add(f"/race-{tag}/{name}", page(name), status=status, delay=delay)
            return make({"type": "URI", "initial_data": {"url": url}})

        canceled = uri("canceled", 1.0)
        response = client.post(f"/v1/sources/{canceled}/cancel")
        assert response.status_code == 200, response.text
        ledger[canceled].append(Accepted("cancel", response.json()["revision"], 0))
        settled = [content(1), content(2), uri("fast1", 0), uri("fast2", 0)]
        failing = uri("missing", 0, status=404)
        expect_failed.add(failing)
        wait_all(client, [*settled, failing], timeout=90)
        # Created last: pending or running when the race starts; the slow ones keep running
        # through several rounds (each refresh fetches their slow page again).
        busy = [uri("slow1", 1.5), uri("slow2", 0.8), content(3), content(4)]
    ids = [*settled, failing, canceled, *busy]

    threads, rounds = 4, 30
    barrier = threading.Barrier(threads)
    plan = [
        (rng.choice(ids), [rng.choice(("cancel", "refresh", "reprocess")) for _ in range(threads)])
        for _ in range(rounds)
    ]
    pauses = [rng.uniform(0, 0.25) for _ in range(rounds)]
    answers: Counter[tuple[str, int]] = Counter()
    errors: list[str] = []
    lock = threading.Lock()

    def fire(n: int) -> None:
        with api.client() as c:
            for (source_id, actions), pause in zip(plan, pauses, strict=True):
                barrier.wait(30)
                action = actions[n]
                response = c.post(f"/v1/sources/{source_id}/{action}")
                with lock:
                    answers[(action, response.status_code)] += 1
                    ok = 200 if action == "cancel" else 202
                    if response.status_code == ok:
                        body = response.json()
                        ledger[source_id].append(Accepted(action, body["revision"], time.time()))
                    elif response.status_code != 409 or response.json().get("code") != 409:
                        errors.append(
                            f"{action} {source_id}: {response.status_code} {response.text}"
                        )
                if n == 0:
                    time.sleep(pause)

    with ThreadPoolExecutor(threads) as pool:
        for future in [pool.submit(fire, n) for n in range(threads)]:
            future.result()
    context = f"seed={seed} answers={dict(answers)}"
    assert not errors, f"{context}: {errors}"
    assert any(code == 409 for _, code in answers), context
    assert sum(n for (_, code), n in answers.items() if code != 409) > 0, context

    with api.client() as client:
        final = wait_all(client, ids, timeout=120)
    # Every job ended: nothing left to pick up or running for these sources.
    wait_until(
        lambda: all(
            j["status"] in ("succeeded", "failed")
            for runs in api.db.process_jobs(ids).values()
            for j in runs
        ),
        60,
        "the process_source jobs to end",
    )
    jobs = api.db.process_jobs(ids)

    problems: list[str] = []
    for source_id in ids:
        accepted = ledger[source_id]
        starts = [a for a in accepted if a.action in ("create", "refresh", "reprocess")]
        revision = final[source_id]["revision"]
        status = final[source_id]["status"]
        row = api.db.source(source_id)
        where = f"{source_id} ({row['type']}, {[a.action for a in accepted]})"
        if revision != len(starts):
            problems.append(f"{where}: revision {revision} after {len(starts)} accepted starts")
        if sorted(a.revision for a in starts) != list(range(1, len(starts) + 1)):
            problems.append(f"{where}: accepted starts reported {[a.revision for a in starts]}")
        job_revisions = sorted(j["payload"]["revision"] for j in jobs[source_id])
        if job_revisions != list(range(1, revision + 1)):
            problems.append(f"{where}: process_source jobs for revisions {job_revisions}")
        if bad := [j for j in jobs[source_id] if j["status"] != "succeeded"]:
            problems.append(f"{where}: jobs did not succeed: {bad}")
        canceled_last = any(a.action == "cancel" and a.revision == revision for a in accepted)
        wrote_last = f".r{revision}." in (row["document_key"] or "")
        if canceled_last:
            if status != "CANCELED":
                problems.append(f"{where}: canceled at revision {revision} but {status}")
            if wrote_last:
                problems.append(f"{where}: canceled, yet revision {revision}'s job wrote")
        else:
            expected = "FAILED" if source_id in expect_failed else "COMPLETED"
            if status != expected:
                problems.append(f"{where}: {status} at revision {revision}, expected {expected}")
            elif status == "COMPLETED" and not (
                wrote_last or "unchanged" in (row["message"] or "")
            ):
                problems.append(f"{where}: COMPLETED but document {row['document_key']}")
        for key in ("document_key", "raw_key"):
            if row[key] and not blob_exists(api, row[key]):
                problems.append(f"{where}: its current {key} {row[key]} is not in storage")
    assert not problems, f"{context}\n" + "\n".join(problems)
    # And the race did hit running jobs: some were overtaken mid-flight (cancel, then maybe a
    # new revision) and stopped at their next check.
    logs = "".join(w.log.read_text(errors="replace") for w in workers.workers)
    overtaken = sum(logs.count(f"job for source {i} revision") for i in ids)
    if overtaken == 0:
        # Every consistency check above held, but the race hit no job mid-flight this time, so
        # the point of the test (actions overtaking running jobs) went unexercised: say so
        # rather than pass. It happens on some runs (timing); rerun with CONTEXTD_RACE_SEED.
        pytest.skip(f"{context}: no running job was overtaken; the race missed its point")


def test_each_source_is_processed_exactly_once_across_workers(
    api: Api, workers: WorkerPool, pages: PageServer
) -> None:
    """30 sources (CONTENT and slow-ish URI pages) created concurrently: every one completes
    from exactly one job run (one job per revision, succeeded on its first attempt, each page
    fetched once), and the runs are spread over several workers."""
    api.db.drain()
    tag = uuid.uuid4().hex[:8]
    bodies: list[dict[str, Any]] = []
    markers: list[str] = []
    for i in range(30):
        marker = f"Marker{tag}n{i}"
        markers.append(marker)
        if i % 2:
            url = pages.add(f"/once-{tag}/{i}", page(marker), delay=0.1 + 0.02 * (i % 10))
            bodies.append({"type": "URI", "initial_data": {"url": url}})
        else:
            data = f"User: {marker}, what now?\n\nAssistant: {marker} is next.\n\n{transcript(6)}"
            bodies.append({"type": "CONTENT", "initial_data": {"data": data}})

    with api.client() as client:
        space_id = client.space("once")["id"]

    def create(body: dict[str, Any]) -> str:
        with api.client() as c:
            return str(c.source(space_id, body)["id"])

    with ThreadPoolExecutor(6) as pool:
        ids = list(pool.map(create, bodies))

    with api.client() as client:
        final = wait_all(client, ids, timeout=120)
        for source_id, marker in zip(ids, markers, strict=True):
            assert final[source_id]["status"] == "COMPLETED", final[source_id]
            assert final[source_id]["revision"] == 1
            assert marker in client.get(f"/v1/sources/{source_id}/content").text

    api.db.drain()  # a job ends just after COMPLETED, once it has embedded its chunks
    jobs = api.db.process_jobs(ids)
    for source_id in ids:
        runs = jobs[source_id]
        assert len(runs) == 1, runs
        [job] = runs
        assert job["payload"]["revision"] == 1
        assert (job["status"], job["attempts"]) == ("succeeded", 1), job
        assert job["locked_by"] in workers.ids
    for i in range(1, 30, 2):
        assert pages.hits.count(f"/once-{tag}/{i}") == 1
    spread = Counter(jobs[s][0]["locked_by"] for s in ids)
    assert len(spread) > 1, f"all jobs ran on one worker: {spread}"


def test_two_runs_of_one_revision_never_delete_each_others_results(
    api: Api, workers: WorkerPool, database_url: str
) -> None:
    """A job taken over after its lease lapsed while its first worker still runs (a long pause,
    a lost connection) runs twice for one revision. The run that commits second finds the
    source no longer PROCESSING and deletes the blobs it wrote: they must be its own, never the
    winner's current document. The interleaving is forced in-process (run B does its work, run A
    completes, then B commits), on a revision that has no queued job, so no worker interferes."""
    with api.client() as client:
        space = client.space("twice")
        body = {"type": "CONTENT", "initial_data": {"data": transcript(4)}}
        sid = client.source(space["id"], body)["id"]
        assert client.wait(sid, timeout=120)["status"] == "COMPLETED"

    runtime = Runtime.build(make_settings(api.server.data_dir, database_url, auto_migrate=False))
    try:
        with runtime.db.session() as session:  # revision 2, as reprocess makes it, minus the job
            source = session.get(Source, sid, with_for_update=True)
            assert source is not None
            source.revision += 1
            source.status = SourceStatus.PENDING
            revision = source.revision
        payload = {"mode": "reprocess", "revision": revision}
        job = ClaimedJob(10**12, PROCESS_SOURCE, sid, payload, attempts=1, max_attempts=3)
        first = JobContext(runtime, job, "worker-a", threading.Event())
        taken_over = JobContext(runtime, replace(job, attempts=2), "worker-b", threading.Event())

        plan = process_source._begin(taken_over)
        assert plan is not None
        outcome = process_source._execute(taken_over, plan)
        process_source.run(first)  # completes revision 2
        source_results.commit(taken_over, plan, outcome)  # finds it done: cleans up its own
    finally:
        runtime.close()

    with api.client() as client:
        after = client.get(f"/v1/sources/{sid}").json()
        assert (after["status"], after["revision"]) == ("COMPLETED", revision)
        content = client.get(f"/v1/sources/{sid}/content")
        assert content.status_code == 200, content.text
        assert "Turn 0" in content.text
    row = api.db.source(sid)
    assert blob_exists(api, row["document_key"])
