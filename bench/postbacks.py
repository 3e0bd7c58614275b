"""How soon a postback leaves, and how soon vectors follow, while a batch is being processed.

Usage: `.venv/bin/python bench/postbacks.py [--engine database,procrastinate] [--batches 10,50]
[--words 800] [--baseline-src ../main/src]`

Setup per engine, as a user runs it: one real `contextd serve` (its embedded worker runs the
jobs) on SQLite (`database`) or on a fresh PostgreSQL database with procrastinate
(`procrastinate`), and a plain-HTTP receiver on loopback for the postbacks. A batch of CONTENT
sources (conversations from `bench/_batch.py`, about `--words` words each, every source asking
for a postback) is created at once from 4 client threads, so processing keeps running while
the first sources complete and their postbacks and embedding jobs are queued.

What is measured, per source (p50 / p99 / max over the batch):

- **postback**: from the final status (`processed_at`, written in the transaction that sets
  it) to the POST reaching the receiver. Loopback, so arrival is departure.
- **vectors**: from the final status to the moment every chunk of the source has a vector
  (vector search sees all of it), sampled every 50 ms from the database, read-only.

Not timed: one warm-up source per server (the embedding model loads on first use). With
`--baseline-src DIR`, the same batches run first with the package in DIR (e.g. the main
checkout's `src`, before this change) and the ratios baseline/this are printed: same machine,
same run. The machine may be shared: the load average is printed beside every figure.

Bounded: `--timeout` per batch; loopback and temporary directories only; the server is stopped
and the database dropped in `finally`. Exit status 1 when a batch did not finish.
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import trustme
from _batch import bench_key, conversation, create_all
from sqlalchemy import Engine, create_engine, exists, select

from contextd.domain.enums import SourceStatus
from contextd.store.tables import Chunk, Source
from contextd.testing import ServerProcess, scratch_database

HOST = "127.0.0.1"
PG_ADMIN_URL = os.environ.get(
    "CONTEXTD_BENCH_PG_URL",
    os.environ.get("CONTEXTD_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
)
SAMPLE_SECONDS = 0.05


class Receiver:
    """Records when each source's postback arrives (the first one: retries are not timed).
    HTTPS, as postbacks must be, with a private CA the server is told to trust."""

    def __init__(self, ca_file: Path) -> None:
        self.arrived: dict[str, float] = {}
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                now = time.time()
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))))
                receiver.arrived.setdefault(str(body["sourceId"]), now)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer((HOST, 0), Handler)
        self.httpd.daemon_threads = True
        ca = trustme.CA()
        ca.cert_pem.write_to_path(str(ca_file))
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ca.issue_cert(HOST).configure_cert(context)
        self.httpd.socket = context.wrap_socket(self.httpd.socket, server_side=True)
        self.url = f"https://{HOST}:{self.httpd.server_address[1]}/hook"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def epoch(moment: datetime) -> float:
    """Our timestamps are naive UTC."""
    return moment.replace(tzinfo=UTC).timestamp() if moment.tzinfo is None else moment.timestamp()


class VectorWatch:
    """Samples, read-only, which completed sources of a space have every chunk embedded."""

    def __init__(self, engine: Engine, space: str) -> None:
        self.engine = engine
        self.space = space
        self.fresh: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        chunk_of = Chunk.source_id == Source.id
        query = select(Source.id).where(
            Source.space_id == self.space,
            Source.status == SourceStatus.COMPLETED,
            exists().where(chunk_of),
            ~exists().where(chunk_of, Chunk.embedding.is_(None)),
        )
        while not self._stop.wait(SAMPLE_SECONDS):
            with self.engine.connect() as conn:
                ids = conn.execute(query).scalars().all()
            now = time.time()
            for source_id in ids:
                self.fresh.setdefault(source_id, now)

    def close(self) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class Batch:
    variant: str
    engine: str
    sources: int
    load: float
    wall: float = 0.0
    postback: list[float] = field(default_factory=list)
    vectors: list[float] = field(default_factory=list)
    finished: bool = False


def quantile(values: list[float], q: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


class Stack:
    """One `contextd serve` with its database, a receiver and an API key."""

    def __init__(self, engine: str, tmp: Path, src: str | None) -> None:
        self.engine_name = engine
        self.tmp = tmp
        self.src = src

    @contextmanager
    def running(self) -> Iterator[Stack]:
        database = (
            nullcontext(f"sqlite:///{self.tmp / 'contextd.db'}")
            if self.engine_name == "database"
            else scratch_database(PG_ADMIN_URL, "contextd_bench_postbacks")
        )
        with database as url:
            env = {
                **os.environ,
                "CONTEXTD_DATABASE_URL": url,
                "CONTEXTD_JOB_ENGINE": self.engine_name,
                "CONTEXTD_ALLOW_PRIVATE_URLS": "true",
                "CONTEXTD_RATE_LIMIT_PER_MINUTE": "1000000",
                "CONTEXTD_SECRET_KEY": "bench",
                "PYTHONUNBUFFERED": "1",
            }
            if self.src:
                env["PYTHONPATH"] = self.src
            self.receiver = Receiver(self.tmp / "ca.pem")
            env["CONTEXTD_CA_BUNDLE"] = str(self.tmp / "ca.pem")
            server = ServerProcess(self.tmp / "data", env, host=HOST, log=self.tmp / "serve.log")
            self.db = create_engine(url)
            try:
                server.start()
                self.server = server
                self.client_args: dict[str, Any] = {
                    "base_url": server.url,
                    "headers": {"Authorization": f"Bearer {self.key(url)}"},
                    "timeout": 60,
                }
                yield self
            finally:
                server.stop()
                self.receiver.close()
                self.db.dispose()

    def key(self, url: str) -> str:
        return bench_key(url)

    def batch(self, n: int, words: int, seed: int, timeout: float, variant: str) -> Batch:
        result = Batch(variant, self.engine_name, n, os.getloadavg()[0])
        with httpx.Client(**self.client_args) as client:
            space = str(client.post("/v1/spaces", json={"name": f"b{seed}"}).json()["id"])
        watch = VectorWatch(self.db, space)
        try:
            bodies = [conversation(seed + i, words) for i in range(n)]
            instructions = {"postback_url": self.receiver.url}
            started = time.time()
            ids = create_all(self.client_args, space, bodies, instructions)
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if all(i in self.receiver.arrived and i in watch.fresh for i in ids):
                    result.finished = True
                    break
                time.sleep(0.2)
            result.wall = time.time() - started
        finally:
            watch.close()
        with self.db.connect() as conn:
            done = dict(
                conn.execute(select(Source.id, Source.processed_at).where(Source.id.in_(ids))).all()
            )
        for source_id in ids:
            finished_at = done.get(source_id)
            if finished_at is None:
                continue
            if source_id in self.receiver.arrived:
                result.postback.append(self.receiver.arrived[source_id] - epoch(finished_at))
            if source_id in watch.fresh:
                result.vectors.append(watch.fresh[source_id] - epoch(finished_at))
        return result


def report(batch: Batch) -> str:
    def figures(values: list[float]) -> str:
        return (
            f"p50 {quantile(values, 50):6.2f} s  p99 {quantile(values, 99):6.2f} s  "
            f"max {max(values, default=float('nan')):6.2f} s  (n={len(values)})"
        )

    state = "" if batch.finished else "  NOT FINISHED"
    return (
        f"{batch.variant:8} {batch.engine:13} batch {batch.sources:3}  wall {batch.wall:6.1f} s"
        f"  load {batch.load:5.2f}{state}\n"
        f"    postback after final status: {figures(batch.postback)}\n"
        f"    vectors after COMPLETED:     {figures(batch.vectors)}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", default="database,procrastinate")
    parser.add_argument("--batches", default="10,50")
    parser.add_argument("--words", type=int, default=800)
    parser.add_argument("--timeout", type=float, default=900.0)
    parser.add_argument("--baseline-src", default=None, help="run the baseline from this src dir")
    args = parser.parse_args()
    variants: list[tuple[str, str | None]] = []
    if args.baseline_src:
        variants.append(("baseline", str(Path(args.baseline_src).resolve())))
    variants.append(("this", None))
    batches = [int(b) for b in args.batches.split(",")]
    results: list[Batch] = []
    for engine in args.engine.split(","):
        for variant, src in variants:
            with (
                tempfile.TemporaryDirectory(prefix="contextd-postbacks-") as tmp,
                Stack(engine, Path(tmp), src).running() as stack,
            ):
                warm = stack.batch(1, args.words, 1, args.timeout, variant)
                if not warm.finished:
                    print(f"{variant} {engine}: warm-up did not finish", flush=True)
                    return 1
                for n in batches:
                    result = stack.batch(n, args.words, 1000 * n, args.timeout, variant)
                    results.append(result)
                    print(report(result), flush=True)
    if args.baseline_src:
        print("\nratios baseline / this (higher: this is faster)")
        for this in (r for r in results if r.variant == "this"):
            base = next(
                r
                for r in results
                if r.variant == "baseline" and (r.engine, r.sources) == (this.engine, this.sources)
            )
            for what in ("postback", "vectors"):
                b, t = getattr(base, what), getattr(this, what)
                print(
                    f"  {this.engine:13} batch {this.sources:3} {what:8}"
                    f"  p50 x{quantile(b, 50) / max(quantile(t, 50), 1e-3):6.1f}"
                    f"  p99 x{quantile(b, 99) / max(quantile(t, 99), 1e-3):6.1f}"
                )
    return 0 if all(r.finished for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
