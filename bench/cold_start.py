"""Cold start: how soon a spawned `contextd serve` answers `/health`, and its first source.

Usage: `.venv/bin/python bench/cold_start.py [--repeat 3] [--runtime onnx,torch] [--json]
[--baseline-src ../main/src]`

Why this design:

- **As a user starts it**: `python -m contextd serve` in a fresh data dir (so the migrations
  run), timed from spawn to the first 200 from `/health` (polled every 20 ms), the best of
  `--repeat` starts. `python -c pass` in the same run is the floor: any Python process costs it.
- **The first source**: posted as soon as `/health` answers, a 2,000-word conversation, timed
  until COMPLETED. The model loads in the background from start-up, so this shows how much of
  the load the first user still waits for. The ONNX files are exported beforehand (a restart's
  case; the very first start also exports them, a one-time few seconds, shown as `export s`).
- **Against a warm worker**: once the first source's vectors are in (they follow its
  COMPLETED in the same job, and a source posted meanwhile would wait behind them), another
  2,000-word conversation (other turns, the same size) is timed the same way. `first - warm` is
  what the user sees of the start-up: imports, the models' and tokenizers' loads.
- **Before/after in one run**: with `--baseline-src DIR`, the server runs from the package in
  DIR too (e.g. a checkout of main before a change), its starts interleaved with this one's so a
  change in the machine's load hits both; the ratios baseline/this are printed.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from paste import conversation, paste, wait_vectors
from sqlalchemy import create_engine

from contextd.pipeline.embed_onnx import ensure_models
from contextd.testing import ServerProcess


def python_floor() -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "pass"], check=True)
    return time.perf_counter() - start


def health_seconds(server: ServerProcess, timeout: float = 300) -> tuple[float, float]:
    """Wall seconds from spawn to the first 200 from /health, and the CPU seconds the server had
    used by then (the figure a busy machine inflates least)."""
    start = time.perf_counter()
    super(ServerProcess, server).start()  # spawn only: the wait below is the measurement
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        server.check_alive()
        try:
            if httpx.get(f"{server.url}/health", timeout=2).status_code == 200:
                return time.perf_counter() - start, server.cpu_seconds() or 0.0
        except httpx.HTTPError:
            pass
        time.sleep(0.02)
    raise RuntimeError(f"no health answer:\n{server.tail()}")


Start = tuple[float, float, float, float]  # /health, its server CPU, first source, warm source


def one_start(runtime: str, models: Path, texts: tuple[str, str], src: str | None = None) -> Start:
    with tempfile.TemporaryDirectory(prefix="contextd-cold-") as tmp:
        env = {
            **os.environ,
            **({"PYTHONPATH": src} if src else {}),
            "CONTEXTD_EMBEDDING_RUNTIME": runtime,
            "CONTEXTD_MODEL_DIR": str(models),
            "CONTEXTD_JOB_POLL_SECONDS": "0.02",
            "CONTEXTD_RATE_LIMIT_PER_MINUTE": "100000",  # the wait polls every 20 ms
        }
        server = ServerProcess(Path(tmp) / "data", env)
        server.data_dir.mkdir(parents=True)
        key = server.cli("keys", "create", "--name", "bench").strip().splitlines()[-1]
        # `keys create` ran the migrations; a new data dir for the timed start runs them again.
        server = ServerProcess(Path(tmp) / "data", env)
        engine = create_engine(f"sqlite:///{server.data_dir / 'contextd.db'}")
        try:
            health, cpu = health_seconds(server)
            headers = {"Authorization": f"Bearer {key}"}
            with httpx.Client(base_url=server.url, headers=headers, timeout=600) as client:
                space = client.post("/v1/spaces", json={"name": "bench"}).json()["id"]
                first, source_id = paste(client, space, texts[0])
                wait_vectors(engine, source_id)  # not timed: the warm source must not wait
                warm, _ = paste(client, space, texts[1])
        finally:
            server.stop()
            engine.dispose()
    return health, cpu, first, warm


def row(runtime: str, variant: str, starts: list[Start]) -> dict[str, Any]:
    first = min(f for _, _, f, _ in starts)
    warm = min(w for _, _, _, w in starts)
    return {
        "runtime": runtime,
        "variant": variant,
        "health_seconds": round(min(h for h, _, _, _ in starts), 2),
        "health_cpu_seconds": round(min(c for _, c, _, _ in starts), 2),
        "first_source_seconds": round(first, 2),
        # From spawn: what a user who starts the server and pastes at once waits, whichever of
        # the server's start or the worker's model load is the longer.
        "spawn_to_first_seconds": round(min(h + f for h, _, f, _ in starts), 2),
        "warm_source_seconds": round(warm, 2),
        # What the user sees of the start-up (best of each, so the machine's load hits both).
        "first_minus_warm_seconds": round(first - warm, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--runtime", default="onnx,torch")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--baseline-src", default=None, help="also run the server from this src dir"
    )
    args = parser.parse_args()
    texts = (conversation(2000), conversation(2000, offset=1000))
    variants: list[tuple[str, str | None]] = [("this", None)]
    if args.baseline_src:
        variants.insert(0, ("baseline", str(Path(args.baseline_src).resolve())))
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="contextd-models-") as tmp:
        models = Path(tmp)
        start = time.perf_counter()
        ensure_models(models)
        export = time.perf_counter() - start
        floor = min(python_floor() for _ in range(args.repeat))
        for runtime in args.runtime.split(","):
            starts: dict[str, list[Start]] = {v: [] for v, _ in variants}
            for _ in range(args.repeat):
                for variant, src in variants:
                    starts[variant].append(one_start(runtime, models, texts, src))
            rows.extend(row(runtime, v, starts[v]) for v, _ in variants)
    load = os.getloadavg()[0]
    if args.json:
        print(
            json.dumps(
                {
                    "load_average": load,
                    "python_floor_seconds": round(floor, 3),
                    "export_seconds": round(export, 1),
                    "rows": rows,
                },
                indent=2,
            )
        )
        return
    print(f"load average {load:.1f} on {os.cpu_count()} cores; best of {args.repeat}")
    print(f"export s {export:.1f} (one-time, first start only); python -c pass {floor:.3f} s")
    for r in rows:
        print(
            f"{r['runtime']:6} {r['variant']:8} /health {r['health_seconds']:.2f} s "
            f"(server CPU {r['health_cpu_seconds']:.2f} s), first 2k-word source "
            f"COMPLETED {r['first_source_seconds']:.2f} s after it, "
            f"{r['spawn_to_first_seconds']:.2f} s after spawn; warm source "
            f"{r['warm_source_seconds']:.2f} s, first - warm {r['first_minus_warm_seconds']:.2f} s"
        )
    if args.baseline_src:
        for runtime in args.runtime.split(","):
            base, this = (
                next(r for r in rows if r["runtime"] == runtime and r["variant"] == v)
                for v in ("baseline", "this")
            )
            wall = base["health_seconds"] / this["health_seconds"]
            cpu = base["health_cpu_seconds"] / max(this["health_cpu_seconds"], 1e-9)
            first = base["spawn_to_first_seconds"] / this["spawn_to_first_seconds"]
            seen = base["first_minus_warm_seconds"] - this["first_minus_warm_seconds"]
            print(
                f"{runtime:6} baseline/this: /health wall x{wall:.2f}, server CPU x{cpu:.2f}, "
                f"spawn to first source x{first:.2f}; first - warm {seen:+.2f} s less"
            )


if __name__ == "__main__":
    main()
