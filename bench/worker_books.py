"""What the worker costs per small source, two checkouts in turn: write transactions, time
holding SQLite's writer lock, and CPU.

Usage: `.venv/bin/python bench/worker_books.py --src src --baseline-src <main>/src
[--batches 10] [--sources 20]`

Why, beside `bench/api.py`: on SQLite every write transaction of the embedded worker takes the
one writer lock that create-source needs too, and the worker runs niced, so what its bookkeeping
holds is what a request may wait behind (issue 15 part 4). The HTTP benchmark's ratios swing
with whatever else runs on the machine; these figures are counts and per-source times of the
worker's own work, measured in two long-lived processes (one per checkout, `--serve`) that take
turns batch by batch (order swapped each batch). Each batch creates `--sources` sources through
the ASGI app's create-source route (the body `api.py` posts, a two-turn conversation), then
drains them with the checkout's own runner (`tasks.handlers.build_worker`, in this process's
main thread, so its CPU time is the worker's): processing, inline embedding, any embedding job.
Only the drain is counted. SQLite in a temporary data dir, the model warmed first. The lock's
CPU is also split by the transaction holding it: the claim (with PROCESSING), the results (with
COMPLETED), the inline vectors (with the job's end), and any other.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from _pair import ask, checkout_processes, checkouts, pair_parser

FIGURES = (
    "write txns",
    "lock held ms",
    "lock held cpu ms",
    "worker cpu ms",
    "  claim cpu ms",
    "  results cpu ms",
    "  vectors cpu ms",
    "  other cpu ms",
)
# Which write transaction holds the lock, told by the function that opened it: the claim (and
# the source's PROCESSING), the final switch to the results (and COMPLETED), the inline vectors
# (and the job's end). The names are the same in every checkout since the sixth change.
KINDS = {"run_once": "claim", "_switch": "results", "embed_pending": "vectors"}


def _kind() -> str:
    frame = sys._getframe(2)
    while frame is not None:
        kind = KINDS.get(frame.f_code.co_name)
        if kind is not None:
            return kind
        frame = frame.f_back  # type: ignore[assignment]
    return "other"


def serve() -> None:
    """One checkout's side: answer `<n>` lines with the figures per source of a batch of n."""
    import api_app  # bench/api_app.py
    from sqlalchemy import event

    from contextd.api.app import create_app
    from contextd.config import Settings
    from contextd.runtime import Runtime
    from contextd.store import db as store_db
    from contextd.store.db import READ_ONLY
    from contextd.tasks.handlers import build_worker

    counting = False
    writes = 0
    held: list[tuple[float, float, str]] = []
    original = store_db.Database._writer

    @contextmanager
    def timed(self: Any) -> Iterator[None]:
        kind = _kind() if counting else "other"
        with original(self):
            wall, cpu = time.perf_counter(), time.thread_time()
            try:
                yield
            finally:
                if counting:
                    held.append((time.perf_counter() - wall, time.thread_time() - cpu, kind))

    store_db.Database._writer = timed  # type: ignore[method-assign]

    def began(connection: Any) -> None:
        nonlocal writes
        if counting and not connection.get_execution_options().get(READ_ONLY):
            writes += 1

    with tempfile.TemporaryDirectory(prefix="contextd-bench-") as tmp:
        runtime = Runtime.build(Settings(data_dir=Path(tmp), rate_limit_per_minute=100_000_000))
        try:
            runtime.warm_embedders()
            event.listen(runtime.db.engine, "begin", began)
            app = create_app(runtime, embedded_worker=False)
            key, space_id, _ = api_app.seeded(runtime)
            worker: Any = build_worker(runtime, 1)
            path = f"/v1/spaces/{space_id}/sources"

            async def create(n: int) -> None:
                async with app.router.lifespan_context(app):
                    for _ in range(n):
                        await api_app.call(app, "POST", path, api_app.BODY, key)

            def drain() -> None:
                while worker.run_once():
                    pass

            asyncio.run(create(5))  # warm-up: not counted
            drain()
            print("ready", flush=True)
            while line := sys.stdin.readline().strip():
                n = int(line)
                asyncio.run(create(n))
                counting, writes, held = True, 0, []
                started = time.process_time()
                drain()
                cpu = time.process_time() - started
                counting = False
                wall_held = sum(h[0] for h in held) * 1000
                cpu_held = sum(h[1] for h in held) * 1000
                by_kind = [
                    sum(h[1] for h in held if h[2] == kind) * 1000 / n
                    for kind in ("claim", "results", "vectors", "other")
                ]
                figures = [writes / n, wall_held / n, cpu_held / n, cpu * 1000 / n, *by_kind]
                print(" ".join(str(f) for f in figures), flush=True)
        finally:
            runtime.close()


def main() -> None:
    parser = pair_parser(__doc__)
    parser.add_argument("--batches", type=int, default=10, help="batches per process")
    parser.add_argument("--sources", type=int, default=20, help="sources created per batch")
    args = parser.parse_args()
    sources = checkouts(parser, args, serve)
    if sources is None:
        return
    results: dict[str, list[list[float]]] = {name: [] for name in sources}
    with checkout_processes(__file__, sources) as processes:
        load = os.getloadavg()[0]
        for batch in range(args.batches):
            order = list(sources) if batch % 2 == 0 else list(reversed(sources))
            for name in order:
                results[name].append(
                    [float(x) for x in ask(processes[name], str(args.sources)).split()]
                )

    print(
        f"{args.batches} batches of {args.sources} small sources per checkout, in turn;"
        f" load average {load:.1f} -> {os.getloadavg()[0]:.1f}"
    )
    print(f"per source, median over batches: this {args.src}, baseline {args.baseline_src}")
    for i, figure in enumerate(FIGURES):
        this = [r[i] for r in results["this"]]
        base = [r[i] for r in results["baseline"]]
        lower = sum(a < b for a, b in zip(this, base, strict=True))
        mine, theirs = statistics.median(this), statistics.median(base)
        ratio = f"{mine / theirs:4.2f}x" if theirs else "  n/a"
        print(
            f"{figure:<17} this {mine:8.2f}  baseline {theirs:8.2f}  ({ratio})"
            f"  this lower in {lower}/{len(this)} paired batches"
        )


if __name__ == "__main__":
    main()
