"""Sources processed per minute with 1, 2, 4 ... standalone worker processes on PostgreSQL.

Usage: `.venv/bin/python bench/workers.py [--sources 60] [--workers 1,2,4] [--words 3000]`

Setup per worker count N, as the scaled-out mode runs in production: a fresh PostgreSQL database,
one API process (`python -m contextd serve --no-worker`), N `python -m contextd worker`
processes, and one data directory shared by all of them (the local blob store on a shared
directory stands in for shared storage). Everything is started as a user would, on loopback.

What is measured, per N:

- **Warm-up first, not timed.** Each worker process loads the embedding model on first use
  (seconds of CPU, once per process). N warm-up sources are processed and the queue drained
  before the clock starts, so the figures are steady-state throughput; the one-time model cost
  is measured separately (`--no-probe` skips that).
- **Timed batch.** `--sources` CONTENT sources (conversations of about `--words` words with code
  blocks, all different, built here from a fixed seed) are created from 4 client threads; the
  wall time runs from the first create request to the last source's `processed_at` (read from
  the database). sources/min = sources / wall time. With `--drain`, also the time until the queue
  is empty: every source also queues embedding jobs for search, which run after (the queue is
  FIFO) and are not part of "COMPLETED".
- **Where the time goes, measured rather than guessed:** CPU seconds of the workers, the API
  process and the PostgreSQL backends of the benchmark database (`/proc/<pid>/stat`), CPU used
  by *other* processes on the machine meanwhile (`/proc/stat` minus ours: the machine may be
  shared), the mean processing time of one source (`processed_at - started_at`), transactions
  committed and backends seen waiting on a lock in `pg_stat_activity` (sampled every 0.2 s).

Bounded: `--timeout` per run, loopback and temporary directories only; every process is stopped
and the database dropped in `finally` (also on Ctrl-C and SIGTERM). Exit status 1 when a run
timed out or a source did not complete.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import asdict, dataclass, field
from datetime import UTC
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
from _batch import bench_key, conversation, create_all  # bench/_batch.py: the batch, shared
from _procs import machine_busy, proc_cpu  # bench/_procs.py: /proc readings, shared
from sqlalchemy import Engine, create_engine, text

from contextd.testing import ChildProcess, ServerProcess, contextd_argv

HOST = "127.0.0.1"
PG_ADMIN_URL = os.environ.get(
    "CONTEXTD_BENCH_PG_URL",
    os.environ.get("CONTEXTD_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"),
)
READY = re.compile(r"contextd worker (\S+) running")

# --- measuring ------------------------------------------------------------------------------------


@dataclass
class Run:
    workers: int
    sources: int
    completed: int = 0
    failed: int = 0
    timed_out: bool = False
    wall_s: float = 0.0
    window_s: float = 0.0  # the CPU-measuring window: first create until all seen final
    per_minute: float = 0.0
    speedup: float | None = None
    drained_s: float | None = None
    source_mean_s: float = 0.0  # processed_at - started_at, mean over the batch
    worker_cpu_s: list[float] = field(default_factory=list)
    api_cpu_s: float = 0.0
    pg_cpu_s: float = 0.0
    others_cpu_s: float = 0.0  # every other process on the machine (this script excluded)
    machine_cpu_s: float = 0.0  # the whole machine, all cores
    xacts: int = 0
    lock_waits_mean: float = 0.0  # backends waiting on a lock, mean over samples
    lock_waits_max: int = 0
    warmup_claimed_by: int = 0  # distinct workers that processed a warm-up source
    load_before: float = 0.0

    @property
    def worker_cpu(self) -> float:
        return sum(self.worker_cpu_s)


class Sampler(threading.Thread):
    """Samples pg_stat_activity of the benchmark database: lock waits and backend pids."""

    def __init__(self, engine: Engine, database: str) -> None:
        super().__init__(daemon=True)
        self.engine, self.database = engine, database
        self.stop_event = threading.Event()
        self.waits: list[int] = []
        self.pids: dict[int, float] = {}  # backend pid -> its CPU when first seen

    def backends(self) -> list[tuple[int, str | None]]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT pid, wait_event_type FROM pg_stat_activity"
                    " WHERE datname = :db AND pid <> pg_backend_pid()"
                ),
                {"db": self.database},
            )
            return [(int(r[0]), r[1]) for r in rows]

    def sample(self) -> None:
        rows = self.backends()
        for pid, _ in rows:
            self.pids.setdefault(pid, proc_cpu(pid))
        self.waits.append(sum(1 for _, wait in rows if wait == "Lock"))

    def run(self) -> None:
        while not self.stop_event.wait(0.2):
            with contextlib.suppress(Exception):
                self.sample()

    def cpu(self) -> float:
        return sum(max(0.0, proc_cpu(pid) - start) for pid, start in self.pids.items())


# --- one run --------------------------------------------------------------------------------------


class Cluster:
    """A fresh database, the API process and N workers; `close()` undoes all of it."""

    def __init__(self, workers: int, omp_threads: str | None, tmp: Path, engine: str) -> None:
        self.n = workers
        self.engine_name = engine
        self.tmp = tmp
        self.db_name = f"contextd_bench_{uuid.uuid4().hex[:10]}"
        self.admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        self.url = PG_ADMIN_URL.rsplit("/", 1)[0] + f"/{self.db_name}"
        self.engine: Engine | None = None
        env = {
            **os.environ,
            "CONTEXTD_DATA_DIR": str(tmp / "shared"),
            "CONTEXTD_DATABASE_URL": self.url,
            "CONTEXTD_RATE_LIMIT_PER_MINUTE": "1000000",
            "CONTEXTD_SECRET_KEY": "bench",
            "CONTEXTD_JOB_ENGINE": engine,
            "PYTHONUNBUFFERED": "1",
        }
        if omp_threads:
            env["OMP_NUM_THREADS"] = omp_threads
        self.env = env
        self.api: ServerProcess | None = None
        self.workers: list[ChildProcess] = []
        self.created_db = False

    @property
    def url_base(self) -> str:
        assert self.api is not None
        return self.api.url

    def start(self) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.db_name}"'))
        self.created_db = True
        self.engine = create_engine(self.url, pool_size=2)
        self.api = ServerProcess(self.tmp / "shared", self.env, host=HOST, log=self.tmp / "api.log")
        self.api.start("--no-worker")
        worker_env = {**self.env, "CONTEXTD_AUTO_MIGRATE": "false"}  # the API migrated
        self.workers = [
            ChildProcess(contextd_argv("worker"), worker_env, self.tmp / f"worker-{i}.log").start()
            for i in range(self.n)
        ]
        for worker in self.workers:
            worker.wait_for_log(READY)

    def key(self) -> str:
        return bench_key(self.url)

    def rows(self, sql: str, **params: Any) -> list[dict[str, Any]]:
        assert self.engine is not None
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(text(sql), params)]

    def busy_jobs(self) -> int:
        if self.engine_name == "procrastinate":
            sql = "SELECT count(*) AS n FROM procrastinate_jobs WHERE status IN ('todo', 'doing')"
        else:
            sql = "SELECT count(*) AS n FROM jobs WHERE status IN ('queued', 'running')"
        [row] = self.rows(sql)
        return int(row["n"])

    def warm_workers(self, ids: list[str]) -> int:
        """How many distinct workers processed the warm-up sources (from their logs under
        procrastinate, whose tables do not name our workers)."""
        if self.engine_name == "procrastinate":
            logs = "".join(w.log.read_text(errors="replace") for w in self.workers)
            return len(set(re.findall(r"worker (\S+) runs job \d+ \(process_source\)", logs)))
        rows = self.rows(
            "SELECT DISTINCT locked_by FROM jobs WHERE kind = 'process_source'"
            " AND source_id = ANY(:ids)",
            ids=ids,
        )
        return len(rows)

    def close(self) -> None:
        processes: list[ChildProcess] = [*self.workers, *([self.api] if self.api else [])]
        for process in processes:
            process.terminate()
        deadline = time.monotonic() + 10
        for process in processes:
            process.stop(deadline - time.monotonic())
        if self.engine is not None:
            self.engine.dispose()
        if self.created_db:
            with self.admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{self.db_name}" WITH (FORCE)'))
        self.admin.dispose()


def count_final(cluster: Cluster, ids: list[str]) -> tuple[int, int]:
    rows = cluster.rows(
        "SELECT status, count(*) AS n FROM sources WHERE id = ANY(:ids) GROUP BY status", ids=ids
    )
    counts = {r["status"]: int(r["n"]) for r in rows}
    return counts.get("COMPLETED", 0), counts.get("FAILED", 0) + counts.get("CANCELED", 0)


def run_once(n: int, args: argparse.Namespace, tmp: Path) -> Run:
    result = Run(workers=n, sources=args.sources, load_before=os.getloadavg()[0])
    cluster = Cluster(n, args.omp_threads, tmp, args.engine)
    try:
        cluster.start()
        client_args: dict[str, Any] = {
            "base_url": cluster.url_base,
            "headers": {"Authorization": f"Bearer {cluster.key()}"},
            "timeout": 60,
        }
        with httpx.Client(**client_args) as client:
            space = str(client.post("/v1/spaces", json={"name": "bench"}).json()["id"])

        # Warm-up: one source per worker, then drain (embedding jobs included).
        warm = create_all(
            client_args, space, [conversation(10_000 + i, args.words) for i in range(n)]
        )
        deadline = time.monotonic() + args.timeout
        while cluster.busy_jobs():
            if time.monotonic() > deadline:
                raise RuntimeError("warm-up did not finish")
            time.sleep(0.2)
        result.warmup_claimed_by = cluster.warm_workers(warm)

        bodies = [conversation(i, args.words) for i in range(args.sources)]
        sampler = Sampler(cluster.admin, cluster.db_name)
        sampler.sample()
        pids = [w.pid for w in cluster.workers]
        assert cluster.api is not None
        cpu0 = {pid: proc_cpu(pid) for pid in [*pids, cluster.api.pid]}
        [xact0] = cluster.rows(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = :db", db=cluster.db_name
        )
        busy0, own0 = machine_busy(), time.process_time()
        sampler.start()

        t0_wall = time.time()
        t0 = time.monotonic()
        ids = create_all(client_args, space, bodies)
        deadline = t0 + args.timeout
        while True:
            completed, failed = count_final(cluster, ids)
            if completed + failed == len(ids):
                break
            if time.monotonic() > deadline:
                result.timed_out = True
                break
            time.sleep(0.2)
        elapsed = result.window_s = time.monotonic() - t0
        busy1, own1 = machine_busy(), time.process_time()
        sampler.stop_event.set()
        sampler.join()
        result.completed, result.failed = completed, failed

        [times] = cluster.rows(
            "SELECT max(processed_at) AS last,"
            " avg(extract(epoch FROM processed_at - started_at)) AS mean"
            " FROM sources WHERE id = ANY(:ids) AND status = 'COMPLETED'",
            ids=ids,
        )
        last = times["last"]
        if last is not None and last.tzinfo is None:
            last = last.replace(tzinfo=UTC)
        result.wall_s = (last.timestamp() - t0_wall) if last and not result.timed_out else elapsed
        result.source_mean_s = float(times["mean"] or 0.0)
        result.per_minute = result.completed / result.wall_s * 60 if result.wall_s else 0.0
        result.worker_cpu_s = [proc_cpu(pid) - cpu0[pid] for pid in pids]
        result.api_cpu_s = proc_cpu(cluster.api.pid) - cpu0[cluster.api.pid]
        result.pg_cpu_s = sampler.cpu()
        result.machine_cpu_s = busy1 - busy0
        ours = result.worker_cpu + result.api_cpu_s + result.pg_cpu_s + (own1 - own0)
        result.others_cpu_s = max(0.0, result.machine_cpu_s - ours)
        [xact1] = cluster.rows(
            "SELECT xact_commit FROM pg_stat_database WHERE datname = :db", db=cluster.db_name
        )
        result.xacts = int(xact1["xact_commit"]) - int(xact0["xact_commit"])
        waits = sampler.waits or [0]
        result.lock_waits_mean = statistics.fmean(waits)
        result.lock_waits_max = max(waits)

        if args.drain and not result.timed_out:
            while cluster.busy_jobs() and time.monotonic() < deadline:
                time.sleep(0.5)
            result.drained_s = time.monotonic() - t0 if not cluster.busy_jobs() else None
        return result
    finally:
        cluster.close()


PROBE = r"""
import json, sys, time
given = json.load(sys.stdin)
from contextd.pipeline.embed import default_embedder
embedder = default_embedder()
embedder.embed(["warm up"])
out = {"load_cpu": time.process_time(), "load_wall": time.time() - given["start"]}
from contextd.pipeline.artifacts import extract_artifacts
from contextd.pipeline.chunk import chunk_artifacts, chunk_snapshot, chunk_source
from contextd.pipeline.ingest import ingest
from contextd.pipeline.snapshot import build_snapshot
from contextd.pipeline.types import Fetched
stages = {"ingest+artifacts": 0.0, "snapshot": 0.0, "snapshot, lexical only": 0.0,
          "embed chunks": 0.0}
texts = given["texts"]
for text in texts:
    t0 = time.process_time()
    done = ingest(Fetched(content=text.encode(), content_type="text/plain", filename=None))
    drafts = extract_artifacts(done.document, done.turns)
    t1 = time.process_time()
    snapshot = build_snapshot(done.turns, done.document, drafts)
    t2 = time.process_time()
    build_snapshot(done.turns, done.document, drafts, max_embedded=0)
    t3 = time.process_time()
    chunks = [*chunk_source(done.turns, done.document), *chunk_artifacts(drafts),
              *chunk_snapshot(snapshot.markdown)]
    embedder.embed([(f"{c.title}\n{c.text}" if c.title else c.text)[:2000] for c in chunks])
    t4 = time.process_time()
    for name, spent in zip(stages, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
        stages[name] += spent / len(texts)
out["stages"] = stages
print(json.dumps(out))
"""


@dataclass
class Probe:
    load_wall_s: float  # a fresh process: imports, model load, first embedding
    load_cpu_s: float
    stages_cpu_s: dict[str, float]  # CPU per source and stage, in one process, model loaded


def probe(omp_threads: str | None, words: int) -> Probe:
    """Measured in a fresh process (like a worker): what loading the embedding model costs once,
    then the CPU of each pipeline stage per source, on 3 sources of the batch's kind (the embed
    stage does what the embedding jobs do with the source's chunks)."""
    env = {**os.environ, "OMP_NUM_THREADS": omp_threads or "1"}  # as `contextd worker` does
    given = {"start": time.time(), "texts": [conversation(20_000 + i, words) for i in range(3)]}
    proc = subprocess.Popen(
        [sys.executable, "-c", PROBE],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        output, errors = proc.communicate(json.dumps(given), timeout=600)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if proc.returncode != 0 or not output.strip():
        raise RuntimeError(f"the probe failed: {errors[-2000:]}")
    result = json.loads(output.strip().splitlines()[-1])
    return Probe(
        load_wall_s=float(result["load_wall"]),
        load_cpu_s=float(result["load_cpu"]),
        stages_cpu_s={k: float(v) for k, v in result["stages"].items()},
    )


# --- report ---------------------------------------------------------------------------------------


def table(runs: list[Run]) -> str:
    header = (
        "workers  done   wall s  src/min  speed-up  s/src  wrk cpu s  cpu/src  api cpu  pg cpu"
        "  others cpu  ours busy  xact/src  lock waits"
    )
    lines = [header, "-" * len(header)]
    for r in runs:
        ours = (r.worker_cpu + r.api_cpu_s + r.pg_cpu_s) / r.window_s if r.window_s else 0.0
        done = f"{r.completed}/{r.sources}" + ("!" if r.timed_out or r.failed else "")
        speed = f"{r.speedup:.2f}x" if r.speedup is not None else "-"
        per_src = r.worker_cpu / r.completed if r.completed else 0.0
        xact = r.xacts / r.completed if r.completed else 0.0
        lines.append(
            f"{r.workers:>7}  {done:>5}  {r.wall_s:>6.1f}  {r.per_minute:>7.1f}  {speed:>8}"
            f"  {r.source_mean_s:>5.2f}  {r.worker_cpu:>9.1f}  {per_src:>7.2f}  {r.api_cpu_s:>7.1f}"
            f"  {r.pg_cpu_s:>6.1f}  {r.others_cpu_s:>10.1f}  {ours:>8.2f}c  {xact:>8.1f}"
            f"  {r.lock_waits_mean:>5.2f}/{r.lock_waits_max}"
        )
    return "\n".join(lines)


def notes(runs: list[Run], cores: int, measured: Probe | None) -> list[str]:
    out: list[str] = []
    done = [r for r in runs if r.completed]
    if not done:
        return ["no run completed a source"]
    base = done[0]
    best = max(done, key=lambda r: r.per_minute)
    out.append(
        f"Best: {best.per_minute:.1f} sources/min with {best.workers} worker process(es); "
        f"{cores} CPU(s) usable on this machine."
    )
    base_cpu = base.worker_cpu / base.completed
    for r in done[1:]:
        cpu = r.worker_cpu / r.completed
        out.append(
            f"{r.workers} workers: worker CPU per source {cpu:.2f}s vs {base_cpu:.2f}s with "
            f"{base.workers} ({cpu / base_cpu:.2f}x); one source took {r.source_mean_s:.2f}s of "
            f"wall time vs {base.source_mean_s:.2f}s (time-sharing the same cores)."
        )
    for r in done:
        machine = r.machine_cpu_s / r.window_s
        ours = (r.worker_cpu + r.api_cpu_s + r.pg_cpu_s) / r.window_s
        others = r.others_cpu_s / r.window_s
        if machine > 0.85 * cores:
            out.append(
                f"{r.workers} worker(s): the machine's {cores} cores were saturated ({machine:.2f} "
                f"busy: {ours:.2f} by contextd and PostgreSQL, {others:.2f} by other processes), "
                "so CPU was the limit of this run; a worker process uses about one core at most "
                f"(one Python thread plus torch), so beyond {cores} workers more processes only "
                "split the same cores."
            )
        if r.warmup_claimed_by < r.workers:
            out.append(
                f"{r.workers} worker(s): the warm-up reached only {r.warmup_claimed_by} of them; "
                "the others loaded the model inside the timed window."
            )
    if measured:
        stages = measured.stages_cpu_s
        inside = stages["ingest+artifacts"] + stages["snapshot"]
        embedding = stages["snapshot"] - stages["snapshot, lexical only"]
        parts = ", ".join(f"{name} {cpu:.2f}s" for name, cpu in stages.items())
        out.append(
            f"CPU per source by stage (one process, model loaded): {parts}. Inside 'COMPLETED' "
            f"(ingest, artifacts, snapshot: {inside:.2f}s), embedding the snapshot's candidate "
            f"sentences is {embedding / inside:.0%}; the embedding jobs for search "
            f"({stages['embed chunks']:.2f}s more) run after, behind in the FIFO queue "
            "(--drain times them). The embedding model is the CPU cost; the rest is noise."
        )
        out.append(
            f"Model loading: a fresh process needs {measured.load_wall_s:.1f}s wall / "
            f"{measured.load_cpu_s:.1f}s CPU to import the embedding stack and load the model, "
            "once per worker process (kept out of the timings by the warm-up; a cold worker pays "
            "it on its first source)."
        )
    pg = max(r.pg_cpu_s / r.window_s for r in done)
    waits = max(r.lock_waits_mean for r in done)
    out.append(
        f"Database: the PostgreSQL backends used {pg:.2f} cores at most; backends waiting on a "
        f"lock: {waits:.2f} on average at most (claims use SKIP LOCKED). "
        + ("Not a limit at this scale." if pg < 0.25 and waits < 0.5 else "Worth a look.")
    )
    per_source = ", ".join(f"{r.workers}: {r.xacts / r.completed:.0f}" for r in done)
    out.append(
        "Committed transactions per source (workers x poll rate adds idle claim/reap "
        f"transactions): {per_source}."
    )
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sources", type=int, default=60, help="sources in the timed batch")
    parser.add_argument("--workers", default="1,2,4", help="worker process counts to run")
    parser.add_argument("--words", type=int, default=3000, help="words per source")
    parser.add_argument("--timeout", type=float, default=600, help="cap per run, seconds")
    parser.add_argument(
        "--omp-threads",
        default=None,
        help="set OMP_NUM_THREADS for the workers (default: unset, and `contextd worker` then "
        "gives torch one thread)",
    )
    parser.add_argument(
        "--engine",
        choices=["database", "procrastinate"],
        default="procrastinate",
        help="CONTEXTD_JOB_ENGINE of the API and the workers",
    )
    parser.add_argument("--drain", action="store_true", help="also time the embedding jobs")
    parser.add_argument(
        "--no-probe", action="store_true", help="skip the model-load and per-stage CPU probe"
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON too")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",") if n.strip()]

    def on_term(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    cores = len(os.sched_getaffinity(0))
    sample = conversation(0, args.words)
    print(
        f"contextd workers benchmark: {args.sources} CONTENT sources of ~{len(sample.split())} "
        f"words ({sample.count('```') // 2} code blocks) per run, worker counts {counts}; "
        f"cpu_count={os.cpu_count()} usable={cores}; "
        f"OMP_NUM_THREADS={args.omp_threads or 'unset'}; job engine {args.engine}; "
        f"PostgreSQL at {PG_ADMIN_URL}",
        flush=True,
    )
    runs: list[Run] = []
    measured: Probe | None = None
    status = 0
    tmp = Path(tempfile.mkdtemp(prefix="contextd-bench-workers-"))
    try:
        if not args.no_probe:
            print("... probing model load and per-stage CPU in a fresh process", flush=True)
            measured = probe(args.omp_threads, args.words)
        for n in counts:
            print(f"... {n} worker(s)", flush=True)
            run_dir = tmp / f"w{n}"
            run_dir.mkdir()
            run = run_once(n, args, run_dir)
            runs.append(run)
            if run.timed_out or run.failed:
                status = 1
        base = next((r for r in runs if r.per_minute), None)
        for r in runs:
            r.speedup = r.per_minute / base.per_minute if base else None
    except KeyboardInterrupt:
        print("interrupted; cleaned up", file=sys.stderr)
        return 130
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print()
    print(table(runs))
    print()
    print(
        "Columns: wall s = first create to last processed_at; s/src = mean processing time of one "
        "source; wrk cpu s = CPU of all workers in the timed window; cpu/src = that per source; "
        "api/pg cpu = the API process and the PostgreSQL backends of the database; others cpu = "
        "CPU used by every other process on the machine meanwhile; ours busy = cores our "
        "processes kept busy on average; xact/src = committed transactions per source; "
        "lock waits = backends waiting on a lock (mean/max of 0.2 s samples); ! = incomplete."
    )
    if args.drain:
        drained = ", ".join(
            f"{r.workers}: {r.drained_s:.1f}s" if r.drained_s else f"{r.workers}: -" for r in runs
        )
        print(f"Queue empty (embedding jobs included) after: {drained}")
    print()
    print("Notes (from the measurements above):")
    for note in notes(runs, cores, measured):
        print(f"- {note}")
    if args.json:
        probed = asdict(measured) if measured else None
        print(json.dumps({"runs": [asdict(r) for r in runs], "probe": probed}, indent=2))
    return status


if __name__ == "__main__":
    sys.exit(main())
