"""A worker killed mid-job: after a restart the source still completes (or fails visibly).

The lease is ten minutes, far longer than the tests wait: the restarted server's worker sees
that the job's owner (a process of this host) is gone and takes the job back at once.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from contextd.testing import ServerProcess
from tests.support.cluster import server_process
from tests.support.pages import PageServer
from tests.support.service import Client

pytestmark = pytest.mark.slow

LEASE = "600"

PAGE = (
    "<html><body><article><h1>Crash</h1>"
    "<p>Recovered after a crash, with all its words.</p></article></body></html>"
)


@pytest.fixture
def data_dir(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "data"


def _wait_status(client: Client, source_id: str, status: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while client.get(f"/v1/sources/{source_id}").json()["status"] != status:
        if time.monotonic() > deadline:
            raise AssertionError(f"source never reached {status}")
        time.sleep(0.05)


def _start_and_kill_mid_job(
    data_dir: Path, pages: PageServer, path: str, **env: object
) -> tuple[ServerProcess, str, str]:
    server = server_process(data_dir, CONTEXTD_JOB_LEASE_SECONDS=LEASE, **env).start()
    key = server.cli("keys", "create", "--name", "crash").strip().splitlines()[-1]
    url = pages.add(path, PAGE, delay=30)  # the fetch hangs: the job is mid-flight
    with Client(server.url, key, "") as client:
        space = client.space()
        source = client.source(space["id"], {"type": "URI", "initial_data": {"url": url}})
        _wait_status(client, source["id"], "PROCESSING")
        pages.wait_for_hit(path)  # the fetch is in flight
    server.kill()
    pages.delays[path] = 0
    return server, key, source["id"]


def test_a_killed_worker_job_is_picked_up_again_after_restart(
    data_dir: Path, pages: PageServer
) -> None:
    _server, key, source_id = _start_and_kill_mid_job(data_dir, pages, "/crash-1")
    restarted = server_process(data_dir, CONTEXTD_JOB_LEASE_SECONDS=LEASE).start()
    try:
        with Client(restarted.url, key, "") as client:
            done = client.wait(source_id, timeout=60)
            assert done["status"] == "COMPLETED", done["message"]
            assert "Recovered after a crash" in client.get(f"/v1/sources/{source_id}/content").text
        assert pages.hits.count("/crash-1") >= 2  # fetched again by the new worker
    finally:
        restarted.stop()


def test_a_job_that_dies_on_its_last_attempt_fails_the_source_visibly(
    data_dir: Path, pages: PageServer
) -> None:
    _server, key, source_id = _start_and_kill_mid_job(
        data_dir, pages, "/crash-2", CONTEXTD_JOB_MAX_ATTEMPTS="1"
    )
    restarted = server_process(
        data_dir, CONTEXTD_JOB_LEASE_SECONDS=LEASE, CONTEXTD_JOB_MAX_ATTEMPTS="1"
    ).start()
    try:
        with Client(restarted.url, key, "") as client:
            done = client.wait(source_id, timeout=60)
            assert done["status"] == "FAILED"
            assert "did not finish" in done["message"]
    finally:
        restarted.stop()
