"""HTTP benchmark of contextd's create-source and get-source, relative to a bare FastAPI app.

Usage: `.venv/bin/python bench/api.py [--requests 2000] [--concurrency 8] [--rounds 2] [--json]`

Why this design:

- **Same-run baseline.** Absolute requests/s depend on the machine, its load and the Python
  build, so they cannot be compared between machines or days. Every run therefore also measures
  a bare FastAPI endpoint (`bench/bare_app.py`) served by uvicorn with the same options, the same
  client and the same concurrency, and reports contextd as a ratio to it: the ratio is what
  contextd's own work (middleware, auth, rate limit, SQLite, the embedded worker) costs on top of
  the framework floor, and is comparable across runs.
- **Separate processes, started as a user would.** contextd runs as `python -m contextd serve`
  (embedded default: SQLite and local files in a fresh temporary data dir, embedded worker on),
  its key comes from `python -m contextd keys create`, and the bare app runs under
  `python -m uvicorn`. The load generator is this process (asyncio + one `httpx.AsyncClient`
  with bounded concurrency), so client CPU is never spent inside a server's process. On a small
  machine client and servers still share the cores; the output says so, and reports the CPU
  time each side spends per request so a client-bound run is visible.
- **The embedded worker busy.** contextd's worker runs in a child process of `contextd serve`
  (the default, `CONTEXTD_WORKER_PROCESS`) or in the server process, and its jobs compete with
  the requests for the cores (and, in-process, for the GIL). Every phase (the bare one too, so
  both see the same machine) runs while a feeder in this process (`bench/_procs.py`) keeps at
  least `--backlog` `process_source` jobs queued (CONTENT sources of `--busy-words` words,
  posted through the API) and samples the server's `jobs` table every 0.1 s: the output prints
  the share of samples in which a job was running. `--idle-worker` measures without the feeder.
- **CPU per request** of the server process (`srv cpu`) and of its children (`wkr cpu`, the
  worker process; n/a when the worker runs in the server process, whose `srv cpu` then counts
  the jobs too), from `/proc`.
- **Memory.** RSS of `contextd serve` and of its worker process once the first source is
  processed (models loaded, idle), and the peak of each while the phases run (sampled from
  `/proc`).
- **Rounds.** The phases run `--rounds` times in turn (bare, get-source, create-source, ...);
  each contextd phase is divided by the bare phase of its own round, and the median ratio
  over the rounds is the figure.
- **Bounded.** A fixed number of requests per phase after an uncounted warm-up, a hard time cap
  per phase, loopback addresses only, temporary directories only, and both servers are stopped
  in `finally` (also on Ctrl-C and SIGTERM).

Any non-2xx answer or transport error counts as an error; the exit status is 1 when a phase had
errors or hit its time cap.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
from _batch import conversation  # bench/_batch.py: the same generated conversations
from _procs import BusyWorker, ChildCpu, children, rss_mb  # bench/_procs.py: /proc, feeder

from contextd.pipeline.embed_onnx import ensure_models
from contextd.testing import ChildProcess, ServerProcess, free_port

HOST = "127.0.0.1"
BENCH_DIR = Path(__file__).resolve().parent
REQUEST_TIMEOUT = 30.0
SOURCE_BODY: dict[str, Any] = {
    "type": "CONTENT",
    "instructions": {},
    "initial_data": {
        "data": "User: How do I start?\n\nAssistant: Run `make run`:\n\n```bash\nmake run\n```"
    },
}

Send = Callable[[httpx.AsyncClient], Awaitable[httpx.Response]]


@dataclass
class PhaseResult:
    """One measured phase: throughput, latency percentiles, errors and CPU per request."""

    name: str
    planned: int
    completed: int
    errors: int
    statuses: dict[str, int]
    seconds: float
    rps: float
    p50_ms: float
    p99_ms: float
    server_cpu_ms_per_req: float | None
    client_cpu_ms_per_req: float
    # CPU of the server's child processes (its worker process), per request; None: no child
    worker_cpu_ms_per_req: float | None = None
    round: int = 1
    worker_busy: float | None = None  # share of samples with a job running (None: not sampled)
    warmup_errors: int = 0
    timed_out: bool = False
    error_samples: list[str] = field(default_factory=list)


# --- processes ------------------------------------------------------------------------------


def base_env() -> dict[str, str]:
    """The caller's environment without CONTEXTD_* (so the embedded default is measured)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTEXTD_")}
    env["PYTHONDONTWRITEBYTECODE"] = "1"  # write nothing into the repository
    return env


def contextd_server(tmp: Path, models: Path) -> ServerProcess:
    """`contextd serve`: a fresh data dir, a rate limit the run cannot reach, and the model
    files exported beforehand (so no phase overlaps the one-time export)."""
    env = {
        **base_env(),
        "CONTEXTD_RATE_LIMIT_PER_MINUTE": "100000000",
        "CONTEXTD_MODEL_DIR": str(models),
    }
    return ServerProcess(
        tmp / "contextd-data", env, host=HOST, log=tmp / "contextd.log", cwd=tmp, own_session=True
    )


class BareServer(ChildProcess):
    """`bench/bare_app.py` under uvicorn, with the same options as contextd's server."""

    def __init__(self, tmp: Path) -> None:
        port = free_port(HOST)
        self.url = f"http://{HOST}:{port}"
        argv = [sys.executable, "-m", "uvicorn", "--app-dir", str(BENCH_DIR), "bare_app:app"]
        argv += ["--host", HOST, "--port", str(port), "--log-level", "warning", "--no-access-log"]
        super().__init__(argv, base_env(), tmp / "bare.log", cwd=tmp, own_session=True)

    def start(self) -> BareServer:
        super().start()
        self.wait_healthy(f"{self.url}/ping")
        return self


def create_key(contextd: ServerProcess) -> str:
    """`contextd keys create --name bench`; the raw key is the last line printed."""
    return contextd.cli("keys", "create", "--name", "bench").strip().splitlines()[-1]


# --- contextd fixtures ----------------------------------------------------------------------


def create_space(client: httpx.Client) -> str:
    response = client.post("/v1/spaces", json={"name": "bench"})
    response.raise_for_status()
    space_id: str = response.json()["id"]
    return space_id


def create_settled_source(client: httpx.Client, space_id: str, timeout: float) -> tuple[str, str]:
    """One source to read, waited on until final so its processing does not overlap the reads."""
    response = client.post(f"/v1/spaces/{space_id}/sources", json=SOURCE_BODY)
    response.raise_for_status()
    source_id: str = response.json()["id"]
    deadline = time.monotonic() + timeout
    status = "PENDING"
    while time.monotonic() < deadline:
        status = client.get(f"/v1/sources/{source_id}").raise_for_status().json()["status"]
        if status in {"COMPLETED", "FAILED", "CANCELED"}:
            break
        time.sleep(0.2)
    return source_id, status


# --- load -----------------------------------------------------------------------------------


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an ascending list (0.0 when empty)."""
    if not sorted_values:
        return 0.0
    rank = max(1, round(fraction * len(sorted_values) + 0.5))
    return sorted_values[min(rank, len(sorted_values)) - 1]


@dataclass
class Tally:
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[str] = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)

    def record(self, started: float, outcome: httpx.Response | Exception) -> None:
        self.latencies.append(time.perf_counter() - started)
        if isinstance(outcome, Exception):
            key, sample = type(outcome).__name__, repr(outcome)
        else:
            key, sample = str(outcome.status_code), outcome.text[:200]
        self.statuses[key] += 1
        if not key.startswith("2") and len(self.error_samples) < 3:
            self.error_samples.append(f"{key}: {sample}")

    @property
    def errors(self) -> int:
        return sum(n for key, n in self.statuses.items() if not key.startswith("2"))


async def drive(
    client: httpx.AsyncClient, send: Send, total: int, concurrency: int, deadline: float
) -> Tally:
    """Send `total` requests with at most `concurrency` in flight; stop early at `deadline`."""
    tally = Tally()
    remaining = iter(range(total))

    async def lane() -> None:
        for _ in remaining:
            if time.monotonic() >= deadline:
                return
            started = time.perf_counter()
            try:
                tally.record(started, await send(client))
            except httpx.HTTPError as exc:
                tally.record(started, exc)

    await asyncio.gather(*(lane() for _ in range(concurrency)))
    return tally


async def run_phase(
    name: str,
    client: httpx.AsyncClient,
    send: Send,
    server: ChildProcess,
    args: argparse.Namespace,
    busy: BusyWorker | None,
) -> PhaseResult:
    """Warm up (not timed; its errors are reported), then measure `args.requests` requests."""
    warmup = await drive(
        client, send, args.warmup, args.concurrency, time.monotonic() + args.max_seconds
    )
    mark = busy.mark() if busy else 0
    kids = ChildCpu(server.pid)
    cpu_before, client_before = server.cpu_seconds(), time.process_time()
    started = time.perf_counter()
    tally = await drive(
        client, send, args.requests, args.concurrency, time.monotonic() + args.max_seconds
    )
    seconds = time.perf_counter() - started
    cpu_after, client_cpu = server.cpu_seconds(), time.process_time() - client_before
    result = summarize(name, args.requests, tally, seconds, cpu_before, cpu_after, client_cpu)
    result.warmup_errors = warmup.errors
    if kids.seen and result.completed:
        result.worker_cpu_ms_per_req = kids.seconds() * 1000 / result.completed
    result.worker_busy = busy.busy_share(mark) if busy else None
    return result


def summarize(
    name: str,
    planned: int,
    tally: Tally,
    seconds: float,
    cpu_before: float | None,
    cpu_after: float | None,
    client_cpu: float,
) -> PhaseResult:
    done = len(tally.latencies)
    lat = sorted(tally.latencies)
    server_cpu = None
    if cpu_before is not None and cpu_after is not None and done:
        server_cpu = (cpu_after - cpu_before) * 1000 / done
    return PhaseResult(
        name=name,
        planned=planned,
        completed=done,
        errors=tally.errors,
        statuses=dict(tally.statuses),
        seconds=seconds,
        rps=done / seconds if seconds > 0 else 0.0,
        p50_ms=percentile(lat, 0.50) * 1000,
        p99_ms=percentile(lat, 0.99) * 1000,
        server_cpu_ms_per_req=server_cpu,
        client_cpu_ms_per_req=client_cpu * 1000 / done if done else 0.0,
        timed_out=done < planned,
        error_samples=tally.error_samples,
    )


def async_client(base_url: str, concurrency: int, key: str | None = None) -> httpx.AsyncClient:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    return httpx.AsyncClient(
        base_url=base_url, headers=headers, limits=limits, timeout=REQUEST_TIMEOUT
    )


def phases(space_id: str, source_id: str) -> dict[str, Send]:
    """The contextd requests measured, in order: create-source last, so the jobs it queues
    cannot slow the reads."""
    return {
        "get-source": lambda c: c.get(f"/v1/sources/{source_id}"),
        "create-source": lambda c: c.post(f"/v1/spaces/{space_id}/sources", json=SOURCE_BODY),
    }


async def measure(
    args: argparse.Namespace,
    bare: BareServer,
    contextd: ServerProcess,
    key: str,
    space_id: str,
    source_id: str,
    busy: BusyWorker | None,
) -> list[PhaseResult]:
    """Per round, the bare baseline, then each contextd phase, with the same client settings
    (the server CPU of the bare phase is the bare server's alone)."""
    results: list[PhaseResult] = []
    for round_ in range(1, args.rounds + 1):
        async with async_client(bare.url, args.concurrency) as client:
            ping: Send = lambda c: c.get("/ping")  # noqa: E731
            results.append(await run_phase("bare GET", client, ping, bare, args, busy))
        async with async_client(contextd.url, args.concurrency, key) as client:
            for name, send in phases(space_id, source_id).items():
                results.append(await run_phase(name, client, send, contextd, args, busy))
        for r in results[-3:]:
            r.round = round_
    return results


# --- report ---------------------------------------------------------------------------------


def _ratio(value: float | None, base: float | None) -> float | None:
    return value / base if value is not None and base else None


def ratios(results: list[PhaseResult]) -> dict[str, dict[str, float | None]]:
    """Per contextd phase, the median over rounds of: rps / bare rps, p50 / bare p50,
    p99 / bare p99, server CPU per request / bare's, each against the bare phase of the same
    round."""
    bare = {r.round: r for r in results if r.name == "bare GET"}
    per_phase: dict[str, list[dict[str, float | None]]] = {}
    for r in results:
        if r.name == "bare GET":
            continue
        b = bare[r.round]
        per_phase.setdefault(r.name, []).append(
            {
                "rps_ratio": _ratio(r.rps, b.rps),
                "p50_ratio": _ratio(r.p50_ms, b.p50_ms),
                "p99_ratio": _ratio(r.p99_ms, b.p99_ms),
                "server_cpu_ratio": _ratio(r.server_cpu_ms_per_req, b.server_cpu_ms_per_req),
            }
        )
    return {name: _medians(rows) for name, rows in per_phase.items()}


def _medians(rows: list[dict[str, float | None]]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for key in rows[0]:
        values = [v for row in rows if (v := row[key]) is not None]
        out[key] = statistics.median(values) if values else None
    return out


def _fmt(value: float | None, spec: str = ".2f") -> str:
    return "n/a" if value is None else format(value, spec)


@dataclass
class RunInfo:
    """What the run saw besides the phases: the seed source, memory, the feeder, the load."""

    seed_status: str
    rss_idle_mb: float
    rss_idle_worker_mb: float  # the server's children (its worker process), together
    rss_peak_mb: float = 0.0
    rss_peak_worker_mb: float = 0.0
    busy_sources_posted: int = 0
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)
    load_after: tuple[float, float, float] = (0.0, 0.0, 0.0)


def format_table(results: list[PhaseResult], args: argparse.Namespace, info: RunInfo) -> str:
    worker = (
        "embedded worker idle (--idle-worker)"
        if args.idle_worker
        else f"embedded worker kept busy: >= {args.backlog} process_source jobs queued"
        f" ({args.busy_words}-word CONTENT sources; {info.busy_sources_posted} posted)"
    )
    lines = [
        f"contextd API benchmark: {args.requests} requests per phase after {args.warmup} warm-up,"
        f" concurrency {args.concurrency}, {args.rounds} round(s), HTTP/1.1 keep-alive over"
        " loopback",
        f"client (this process) and servers share the machine: {os.cpu_count()} CPU(s);"
        " figures are relative, compare the ratios",
        f"contextd: embedded default (SQLite, local files); {worker};"
        f" the source read was {info.seed_status}",
        f"load average before {_loads(info.load_before)}, after {_loads(info.load_after)}",
        "",
        f"{'round':<6}{'phase':<14}{'req/s':>9}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}"
        f"{'srv cpu ms/req':>16}{'wkr cpu ms/req':>16}{'cli cpu ms/req':>16}{'worker busy':>13}",
    ]
    for r in results:
        note = f"  TIMED OUT ({r.completed} of {r.planned})" if r.timed_out else ""
        note += f"  {r.warmup_errors} warm-up errors" if r.warmup_errors else ""
        busy = "n/a" if r.worker_busy is None else f"{r.worker_busy:.0%}"
        lines.append(
            f"{r.round:<6}{r.name:<14}{r.rps:>9.0f}{r.p50_ms:>9.2f}{r.p99_ms:>9.2f}{r.errors:>8}"
            f"{_fmt(r.server_cpu_ms_per_req):>16}{_fmt(r.worker_cpu_ms_per_req):>16}"
            f"{r.client_cpu_ms_per_req:>16.2f}{busy:>13}"
            f"{note}"
        )
    lines.append("")
    lines.append("median over rounds, each against the bare phase of its round:")
    for name, ratio in ratios(results).items():
        lines.append(
            f"{name:<14} rps / bare rps = {_fmt(ratio['rps_ratio'])}"
            f"   p50 / bare p50 = {_fmt(ratio['p50_ratio'])}"
            f"   p99 / bare p99 = {_fmt(ratio['p99_ratio'])}"
            f"   srv cpu / bare srv cpu = {_fmt(ratio['server_cpu_ratio'])}"
        )
    lines.append(
        f"contextd serve RSS: idle (model loaded, first source done) {info.rss_idle_mb:.0f} MB"
        f" + worker process {info.rss_idle_worker_mb:.0f} MB,"
        f" peak under load {info.rss_peak_mb:.0f} MB + worker process"
        f" {info.rss_peak_worker_mb:.0f} MB (peaks sampled apart)"
    )
    for r in results:
        for sample in r.error_samples:
            lines.append(f"error in {r.name}: {sample}")
    return "\n".join(lines)


def _loads(values: tuple[float, float, float]) -> str:
    return " ".join(f"{v:.2f}" for v in values)


def report(results: list[PhaseResult], args: argparse.Namespace, info: RunInfo) -> None:
    if args.json:
        payload = {
            "requests": args.requests,
            "warmup": args.warmup,
            "concurrency": args.concurrency,
            "rounds": args.rounds,
            "worker": "idle" if args.idle_worker else f"busy (backlog {args.backlog})",
            "cpu_count": os.cpu_count(),
            **asdict(info),
            "phases": [asdict(r) for r in results],
            "ratios": ratios(results),
        }
        print(json.dumps(payload, indent=2))
    else:
        print(format_table(results, args, info))


# --- main -----------------------------------------------------------------------------------


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=2000, help="measured requests per phase")
    parser.add_argument("--warmup", type=int, default=200, help="uncounted requests per phase")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    parser.add_argument("--rounds", type=int, default=2, help="bare/get/create rounds in turn")
    parser.add_argument("--max-seconds", type=float, default=120.0, help="time cap per phase")
    parser.add_argument(
        "--backlog", type=int, default=2, help="process_source jobs kept queued (busy worker)"
    )
    parser.add_argument("--busy-words", type=int, default=2000, help="words per feeder source")
    parser.add_argument(
        "--idle-worker", action="store_true", help="no feeder: the worker idles between jobs"
    )
    parser.add_argument("--json", action="store_true", help="print machine-readable results")
    args = parser.parse_args(argv)
    if (
        min(args.requests, args.concurrency, args.rounds, args.backlog, args.busy_words) < 1
        or args.warmup < 0
        or args.max_seconds <= 0
    ):
        parser.error(
            "--requests, --concurrency, --rounds, --backlog and --busy-words must be >= 1,"
            " --warmup >= 0, --max-seconds > 0"
        )
    return args


def sigterm_as_ctrl_c() -> None:
    """Ctrl-C and SIGTERM both end the run cleanly: asyncio cancels the load, then `finally`
    stops the servers. (SIGINT is re-enabled: shells start background jobs with it ignored.)"""

    def handler(signum: int, frame: FrameType | None) -> None:
        signal.raise_signal(signal.SIGINT)

    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, handler)


@contextlib.contextmanager
def servers(tmp: Path, models: Path) -> Iterator[tuple[BareServer, ServerProcess]]:
    """Both servers running; always stopped on the way out."""
    bare, contextd = BareServer(tmp), contextd_server(tmp, models)
    try:
        bare.start()
        contextd.start()
        yield bare, contextd
    finally:
        contextd.stop()
        bare.stop()


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    sigterm_as_ctrl_c()
    with tempfile.TemporaryDirectory(prefix="contextd-bench-") as tmp:
        models = Path(tmp) / "models"
        ensure_models(models)  # exported here, once, before any server starts
        with servers(Path(tmp), models) as (bare, contextd):
            key = create_key(contextd)
            headers = {"Authorization": f"Bearer {key}"}
            with httpx.Client(base_url=contextd.url, headers=headers, timeout=30) as client:
                space_id = create_space(client)
                source_id, seed_status = create_settled_source(client, space_id, args.max_seconds)
            info = RunInfo(
                seed_status,
                rss_mb(contextd.pid),
                sum(rss_mb(child) for child in children(contextd.pid)),
                load_before=os.getloadavg(),
            )
            # With --idle-worker the feeder keeps no backlog: it only samples (memory, jobs).
            busy = BusyWorker(
                contextd.url,
                key,
                space_id,
                contextd.data_dir / "contextd.db",
                contextd.pid,
                SOURCE_BODY,
                lambda n: conversation(10_000 + n, args.busy_words),
            ).start(0 if args.idle_worker else args.backlog)
            try:
                results = asyncio.run(measure(args, bare, contextd, key, space_id, source_id, busy))
            finally:
                busy.stop()
            info.rss_peak_mb, info.rss_peak_worker_mb = busy.peak_rss_mb, busy.peak_children_rss_mb
            info.busy_sources_posted = busy.posted
            info.load_after = os.getloadavg()
    report(results, args, info)
    return 1 if any(r.errors or r.warmup_errors or r.timed_out for r in results) else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted; servers stopped", file=sys.stderr)
        sys.exit(130)
