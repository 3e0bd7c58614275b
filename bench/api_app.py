"""CPU per request of contextd's ASGI app itself, in-process, relative to the bare app.

Usage: `PYTHONPATH=src .venv/bin/python bench/api_app.py [--requests 1500] [--rounds 2]`

Why, beside `bench/api.py`: on a shared 2-core machine the HTTP benchmark's throughput ratios
swing with whatever else runs (its bare phase alone moved 3x between runs), while the CPU time
the app spends per request barely does. This script calls the ASGI apps directly (no server, no
sockets, no client in another process) from one event loop with `--concurrency` requests in
flight, and reads this process's CPU time (all threads: the event loop and the threadpool that
runs the routes' database work) per request. Same app as `contextd serve` (SQLite in a
temporary data dir, the in-memory rate limiter, the model warmed before measuring), but no
embedded worker: created sources stay queued, so only the request path is counted. Run it with
`PYTHONPATH=<other>/src` to measure another checkout against the same bare app.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import bare_app  # bench/bare_app.py

from contextd.api.app import create_app
from contextd.config import Settings
from contextd.runtime import Runtime
from contextd.services import keys, spaces
from contextd.store.tables import Source

BODY = json.dumps(
    {
        "type": "CONTENT",
        "instructions": {},
        "initial_data": {"data": "User: How do I start?\n\nAssistant: Run `make run`."},
    }
).encode()


async def call(app: Any, method: str, path: str, body: bytes, key: str) -> None:
    """One request through the app, as a server would make it; fails on a non-2xx answer."""
    headers = [(b"host", b"bench"), (b"authorization", f"Bearer {key}".encode())]
    if body:
        headers += [(b"content-type", b"application/json")]
        headers += [(b"content-length", str(len(body)).encode())]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
        "state": {},
    }
    pending = [{"type": "http.request", "body": body, "more_body": False}]
    statuses: list[int] = []

    async def receive() -> dict[str, Any]:
        if pending:
            return pending.pop()
        await asyncio.Event().wait()  # no disconnect: wait until cancelled
        raise AssertionError("unreachable")

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    await app(scope, receive, send)
    if not statuses or statuses[0] >= 300:
        raise RuntimeError(f"{method} {path}: {statuses}")


async def cpu_per_request(
    app: Any, method: str, path: str, body: bytes, key: str, n: int, concurrency: int
) -> float:
    """Milliseconds of this process's CPU per request, after an uncounted warm-up."""
    for _ in range(50):
        await call(app, method, path, body, key)
    remaining = iter(range(n))

    async def lane() -> None:
        for _ in remaining:
            await call(app, method, path, body, key)

    started = time.process_time()
    await asyncio.gather(*(lane() for _ in range(concurrency)))
    return (time.process_time() - started) * 1000 / n


def seeded(runtime: Runtime) -> tuple[str, str, str]:
    """A key, a space and one source to read: (raw key, space id, source id)."""
    with runtime.db.session() as session:
        user = keys.ensure_user(session, "bench")
        raw = keys.create_key(session, user, "bench", None).raw
        space = spaces.create_space(session, user, "bench", None)
        source = Source(
            user_id=user.id,
            space_id=space.id,
            type="CONTENT",
            status="COMPLETED",
            initial_data={"bytes": 40},
            instructions={},
        )
        session.add(source)
        session.flush()
        return raw, space.id, source.id


async def measure(args: argparse.Namespace, runtime: Runtime) -> dict[str, list[float]]:
    app = create_app(runtime, embedded_worker=False)
    key, space_id, source_id = seeded(runtime)
    phases = {
        "bare GET": (bare_app.app, "GET", "/ping", b""),
        "get-source": (app, "GET", f"/v1/sources/{source_id}", b""),
        "create-source": (app, "POST", f"/v1/spaces/{space_id}/sources", BODY),
    }
    results: dict[str, list[float]] = {name: [] for name in phases}
    async with app.router.lifespan_context(app):
        while runtime.embedder_state not in ("ready", "failed"):  # its load is not a request's
            await asyncio.sleep(0.1)
        for _ in range(args.rounds):
            for name, (target, method, path, body) in phases.items():
                ms = await cpu_per_request(
                    target, method, path, body, key, args.requests, args.concurrency
                )
                results[name].append(ms)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--requests", type=int, default=1500, help="measured requests per phase")
    parser.add_argument("--concurrency", type=int, default=8, help="requests in flight")
    parser.add_argument("--rounds", type=int, default=2, help="bare/get/create rounds in turn")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="contextd-bench-") as tmp:
        settings = Settings(data_dir=Path(tmp), rate_limit_per_minute=100_000_000)
        runtime = Runtime.build(settings)
        try:
            results = asyncio.run(measure(args, runtime))
        finally:
            runtime.db.dispose()
    bare = statistics.median(results["bare GET"])
    print(
        f"in-process ASGI, {args.requests} requests per phase, concurrency {args.concurrency},"
        f" {args.rounds} round(s); CPU ms per request (all threads), median over rounds"
    )
    for name, values in results.items():
        ms = statistics.median(values)
        spread = ", ".join(f"{v:.3f}" for v in values)
        print(f"{name:<14} {ms:7.3f} ms/req  ({ms / bare:5.2f}x bare)  rounds: {spread}")


if __name__ == "__main__":
    main()
