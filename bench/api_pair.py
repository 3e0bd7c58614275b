"""CPU per request of two checkouts' ASGI apps, measured in turn, batch by batch.

Usage: `.venv/bin/python bench/api_pair.py --src src --baseline-src <main>/src [--batches 16]
[--requests 300]`

Why, beside `bench/api_app.py`: on the shared 2-core machine the CPU time per request of one
run moves by a third from one minute to the next (other jobs' cache and core contention), more
than a change under test. Here both checkouts are loaded in two long-lived processes
(`--serve`, each with its own `PYTHONPATH`) that take turns: every batch of `--requests`
requests of a phase runs in one, then in the other (the order swapped every batch), so both
see the same machine; the figure is the median per process, and how many paired batches the
first checkout used less CPU in. Threadpool hops run inline on the event loop's thread (one
thread: the CPU of the work itself, not of the hand-overs, which `api_app.py` counts); with
`--threads` they are real hops in both processes, hand-overs counted. Same
app and data as `api_app.py`: SQLite in a temporary data dir, no worker.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _pair import ask, checkout_processes, checkouts, pair_parser

PHASES = ("bare GET", "get-source", "create-source")
THREADS_ENV = "API_PAIR_THREADS"  # set by `--threads` for the checkouts' processes


async def _inline(func: Any, *args: Any, **_: Any) -> Any:
    return func(*args)


async def _serve(runtime: Any) -> None:
    import anyio.to_thread

    if not os.environ.get(THREADS_ENV):  # one thread: see the docstring
        anyio.to_thread.run_sync = _inline  # type: ignore[assignment]
    import api_app  # bench/api_app.py
    import bare_app

    from contextd.api.app import create_app

    app = create_app(runtime, embedded_worker=False)
    key, space_id, source_id = api_app.seeded(runtime)
    phases = {
        "bare GET": (bare_app.app, "GET", "/ping", b""),
        "get-source": (app, "GET", f"/v1/sources/{source_id}", b""),
        "create-source": (app, "POST", f"/v1/spaces/{space_id}/sources", api_app.BODY),
    }
    async with app.router.lifespan_context(app):
        while runtime.embedder_state not in ("ready", "failed"):
            await asyncio.sleep(0.1)
        for target, method, path, body in phases.values():  # warm-up, not counted
            for _ in range(100):
                await api_app.call(target, method, path, body, key)
        print("ready", flush=True)
        loop = asyncio.get_running_loop()
        while line := (await loop.run_in_executor(None, sys.stdin.readline)).strip():
            name, n = line.rsplit(" ", 1)
            target, method, path, body = phases[name]
            started = time.process_time()
            for _ in range(int(n)):
                await api_app.call(target, method, path, body, key)
            print((time.process_time() - started) * 1000 / int(n), flush=True)


def serve() -> None:
    """One checkout's side: answer `<phase> <n>` lines with CPU ms per request."""
    from contextd.config import Settings
    from contextd.runtime import Runtime

    with tempfile.TemporaryDirectory(prefix="contextd-bench-") as tmp:
        runtime = Runtime.build(Settings(data_dir=Path(tmp), rate_limit_per_minute=100_000_000))
        try:
            asyncio.run(_serve(runtime))
        finally:
            runtime.db.dispose()


def main() -> None:
    parser = pair_parser(__doc__)
    parser.add_argument("--batches", type=int, default=16, help="batches per phase and process")
    parser.add_argument("--requests", type=int, default=300, help="requests per batch")
    parser.add_argument(
        "--threads", action="store_true", help="real threadpool hops (default: run them inline)"
    )
    args = parser.parse_args()
    if args.threads:
        os.environ[THREADS_ENV] = "1"  # inherited by the checkouts' processes
    sources = checkouts(parser, args, serve)
    if sources is None:
        return
    with checkout_processes(__file__, sources) as processes:
        results: dict[tuple[str, str], list[float]] = {
            (name, phase): [] for name in sources for phase in PHASES
        }
        load = os.getloadavg()[0]
        for batch in range(args.batches):
            order = list(sources) if batch % 2 == 0 else list(reversed(sources))
            for phase in PHASES:
                for name in order:
                    ms = float(ask(processes[name], f"{phase} {args.requests}"))
                    results[(name, phase)].append(ms)

    print(
        f"in-process ASGI, threadpool hops {'in threads' if args.threads else 'inline'};"
        f" {args.batches} batches of {args.requests}"
        f" requests per phase, in turn; load average {load:.1f} -> {os.getloadavg()[0]:.1f}"
    )
    print(f"CPU ms per request, median over batches: this {args.src}, baseline {args.baseline_src}")
    for phase in PHASES:
        this, base = results[("this", phase)], results[("baseline", phase)]
        lower = sum(a < b for a, b in zip(this, base, strict=True))
        mine, theirs = statistics.median(this), statistics.median(base)
        print(
            f"{phase:<14} this {mine:7.3f}  baseline {theirs:7.3f}  ({mine / theirs:4.2f}x)"
            f"  this lower in {lower}/{len(this)} paired batches"
        )


if __name__ == "__main__":
    main()
