"""Real processes on a shared PostgreSQL database, for the end-to-end tests: `contextd serve`
with the suite's settings, `contextd worker` pools, direct reads of the database, and pages
whose answers a test releases when it chooses.

The processes are `contextd.testing` launchers; what is added here is the suite's own
configuration (the one loopback network the service may fetch from, a fast job poll).
"""

from __future__ import annotations

import os
import re
import threading
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text

from contextd.store.db import Database
from contextd.testing import ChildProcess, ServerProcess, contextd_argv, drain_jobs
from tests.support.service import FINAL, Client
from tests.support.settings import ALLOWED_TEST_NET, BACKENDS, PG_ADMIN_URL

GATE_SECONDS = 90  # the longest a held-up page waits for its test to release it
READY = re.compile(r"contextd worker (\S+) running")


def server_process(data_dir: Path, **env: Any) -> ServerProcess:
    """`contextd serve` configured like the suite's in-thread servers; `env` adds to it."""
    return ServerProcess(
        data_dir,
        {
            **os.environ,
            "CONTEXTD_ALLOWED_NETWORKS": f'["{ALLOWED_TEST_NET}"]',
            "CONTEXTD_JOB_POLL_SECONDS": "0.1",
            "CONTEXTD_RATE_LIMIT_PER_MINUTE": "100000",
            **{k: str(v) for k, v in env.items()},
        },
    )


# --- workers ------------------------------------------------------------------------------------


class WorkerProcess(ChildProcess):
    """`python -m contextd worker` as a real process; `worker_id` is read from its banner."""

    def __init__(self, env: dict[str, str], log: Path, concurrency: int = 1) -> None:
        argv = contextd_argv("worker", "--concurrency", str(concurrency))
        super().__init__(argv, {**env, "PYTHONUNBUFFERED": "1"}, log)
        self.worker_id = ""

    def wait_ready(self, timeout: float = 60) -> None:
        self.worker_id = self.wait_for_log(READY, timeout).group(1)

    def stop(self, grace: float = 3) -> None:
        """SIGTERM, then SIGKILL after `grace` (a thread loading the model does not stop early;
        leases make an abandoned job safe either way)."""
        super().stop(grace)


class WorkerPool:
    def __init__(self, env: dict[str, str], log_dir: Path, **extra_env: str) -> None:
        # The API migrated the database already. One torch thread per process: three workers
        # with torch's default (one thread per core) oversubscribe this machine's cores and
        # spin-wait, which costs ~2.5x the CPU per embedding (see bench/workers.py).
        defaults = {"CONTEXTD_AUTO_MIGRATE": "false", "OMP_NUM_THREADS": "1"}
        self.env = {**env, **defaults, **extra_env}
        self.log_dir = log_dir
        self.workers: list[WorkerProcess] = []

    def start(self, n: int) -> WorkerPool:
        tag = uuid.uuid4().hex[:6]
        started = [
            WorkerProcess(self.env, self.log_dir / f"worker-{tag}-{i}.log").start()
            for i in range(n)
        ]
        self.workers += started
        for worker in started:
            worker.wait_ready()
        return self

    @property
    def ids(self) -> set[str]:
        return {w.worker_id for w in self.workers}

    def by_id(self, worker_id: str) -> WorkerProcess:
        return next(w for w in self.workers if w.worker_id == worker_id)

    def stop(self, grace: float = 3) -> None:
        """SIGTERM all, then SIGKILL whatever still runs after `grace` seconds in all."""
        for worker in self.workers:
            worker.terminate()
        deadline = time.monotonic() + grace
        for worker in self.workers:
            worker.stop(max(0.0, deadline - time.monotonic()))


# --- database -----------------------------------------------------------------------------------


def pg_unavailable() -> str | None:
    """Why the PostgreSQL tests cannot run here, or None."""
    if "postgresql" not in BACKENDS:
        return "PostgreSQL excluded by CONTEXTD_TEST_BACKENDS"
    engine = create_engine(PG_ADMIN_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect():
            return None
    except Exception as exc:
        return f"PostgreSQL unreachable at {PG_ADMIN_URL}: {type(exc).__name__}: {exc}"
    finally:
        engine.dispose()


class Db:
    """Direct reads of the shared database, for what the API does not show (jobs, blob keys)."""

    procrastinate = False  # whose tables hold the jobs

    def __init__(self, url: str) -> None:
        self.database = Database(url)
        self.engine = self.database.engine

    def rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(text(sql), params)]

    def process_jobs(self, source_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        jobs: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for row in self.rows(
            "SELECT id, source_id, status, attempts, locked_by, payload, last_error FROM jobs"
            " WHERE kind = 'process_source' AND source_id = ANY(:ids) ORDER BY id",
            ids=source_ids,
        ):
            jobs[row["source_id"]].append(row)
        return jobs

    def source(self, source_id: str) -> dict[str, Any]:
        return self.rows("SELECT * FROM sources WHERE id = :id", id=source_id)[0]

    def drain(self, timeout: float = 120) -> None:
        """Until no job of any kind is queued or running (embedding jobs included: the queue is
        FIFO, so a test's jobs would otherwise wait behind the previous test's)."""
        drain_jobs(self.database, procrastinate=self.procrastinate, timeout=timeout)

    def dispose(self) -> None:
        self.database.dispose()


class ScriptedPages:
    """Pages on 127.0.0.2 whose answer is chosen when the request *arrives*: each hit takes the
    next `(gate, body)` of its path's script (the last one repeats) and, when `gate` is an event,
    answers only once the test sets it. So a held-up first fetch returns the old page even when
    the page has changed by the time it answers, and no timing is guessed."""

    def __init__(self) -> None:
        self.scripts: dict[str, list[tuple[threading.Event | None, bytes]]] = {}
        self.hits: Counter[str] = Counter()
        self.answered: dict[str, list[bytes]] = defaultdict(list)
        lock = threading.Lock()
        pages = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with lock:
                    script = pages.scripts.get(self.path, [(None, b"")])
                    gate, body = script[min(pages.hits[self.path], len(script) - 1)]
                    pages.hits[self.path] += 1
                if gate is not None:
                    gate.wait(GATE_SECONDS)
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
                pages.answered[self.path].append(body)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.2", 0), Handler)
        self.httpd.daemon_threads = True
        self.httpd.block_on_close = False
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def script(self, path: str, *responses: tuple[threading.Event | None, str]) -> str:
        self.scripts[path] = [(gate, body.encode()) for gate, body in responses]
        return f"http://127.0.0.2:{self.httpd.server_address[1]}{path}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


# --- waiting on other processes -----------------------------------------------------------------


def page(marker: str, words: int = 60) -> str:
    text = " ".join(f"{marker} sentence {i} explains the worker pool." for i in range(words // 6))
    return (
        f"<html><head><title>{marker}</title></head><body><article><h1>{marker}</h1>"
        f"<p>{text}</p><pre><code class='language-python'>print('{marker}')\n</code></pre>"
        "</article></body></html>"
    )


def wait_until(check: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def wait_all(client: Client, ids: list[str], timeout: float) -> dict[str, dict[str, Any]]:
    deadline = time.monotonic() + timeout
    done: dict[str, dict[str, Any]] = {}
    while len(done) < len(ids):
        for source_id in ids:
            if source_id not in done:
                body = client.get(f"/v1/sources/{source_id}").json()
                if body["status"] in FINAL:
                    done[source_id] = body
        if len(done) < len(ids):
            if time.monotonic() > deadline:
                left = {i: client.get(f"/v1/sources/{i}").json()["status"] for i in ids}
                raise AssertionError(f"not final after {timeout}s: {left}")
            time.sleep(0.1)
    return done
