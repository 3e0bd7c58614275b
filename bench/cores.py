"""What two processes on this machine's two cores give, doing the worker's heaviest work: the
limit that `workers.py`'s 2-worker speed-up is up against.

Usage: `.venv/bin/python bench/cores.py [--rounds 3] [--texts 64] [--json]`

Why this design:

- **The same work as a worker, without contextd around it**: all-MiniLM-L6-v2 through ONNX
  Runtime with one intra-op thread (`OMP_NUM_THREADS=1`, as `contextd worker` sets), float32
  (the search vectors) and int8 (the snapshot's checks), on the batch's kind of text
  (`_batch.conversation`, cut into ~40-word pieces). A pure-Python loop beside it is the
  control: it touches almost no memory, so it shows the cores alone.
- **One process, then two at once**, in fresh interpreters that load the model first and are
  then released together; each times its own loop (wall and its own CPU). Rounds alternate 1
  and 2, so a change in the machine's load hits both alike.
- **The ratio that matters**: CPU seconds per unit of work with two at once over one alone. At
  1.00 the cores scale perfectly and two workers could reach 2x; above it, each core does less
  while the other works (shared caches, memory bandwidth, or a host that backs the two virtual
  cores with one physical core's two threads), and 2 / ratio is the most two workers can give.
  Wall time is printed too, but other work on the machine skews it; the CPU figure much less.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from _batch import conversation

from contextd.pipeline.embed_onnx import ensure_models

CHILD = r"""
import json, os, sys, time
given = json.loads(sys.stdin.readline())
work = given["work"]
if work == "python":
    def run():
        total = 0
        for i in range(given["loops"]):
            total += i * i % 7
else:
    from pathlib import Path
    from contextd.pipeline.embed_onnx import OnnxMiniLM
    model = OnnxMiniLM(Path(given["models"]), work)
    texts = given["texts"]
    model.embed(texts[:4])
    def run():
        model.embed(texts)
print("ready", flush=True)
sys.stdin.readline()  # released together with the other process
wall, cpu = time.perf_counter(), time.process_time()
run()
print(json.dumps({"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu}))
"""

WORKS = ("python", "float32", "int8")


def pieces(count: int, words: int = 40) -> list[str]:
    tokens = conversation(7, count * words).split()
    return [" ".join(tokens[i * words : (i + 1) * words]) for i in range(count)]


def at_once(n: int, given: dict[str, Any]) -> list[dict[str, float]]:
    """`n` fresh processes doing the same work, released at the same moment."""
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for _ in range(n)
    ]
    try:
        for proc in procs:
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write(json.dumps(given) + "\n")
            proc.stdin.flush()
        for proc in procs:
            assert proc.stdout is not None
            if proc.stdout.readline().strip() != "ready":
                raise RuntimeError("a child failed to start")
        for proc in procs:
            assert proc.stdin is not None
            proc.stdin.write("go\n")
            proc.stdin.flush()
        return [json.loads(proc.communicate(timeout=600)[0].splitlines()[-1]) for proc in procs]
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--texts", type=int, default=64, help="~40-word texts per model run")
    parser.add_argument("--loops", type=int, default=20_000_000, help="pure-Python loop length")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="contextd-models-") as tmp:
        ensure_models(Path(tmp))
        base = {"models": tmp, "texts": pieces(args.texts), "loops": args.loops}
        cpu: dict[tuple[str, int], list[float]] = {}
        wall: dict[tuple[str, int], list[float]] = {}
        for _ in range(args.rounds):
            for work in WORKS:
                for n in (1, 2):
                    runs = at_once(n, {**base, "work": work})
                    cpu.setdefault((work, n), []).extend(r["cpu"] for r in runs)
                    wall.setdefault((work, n), []).append(max(r["wall"] for r in runs))
    rows = []
    for work in WORKS:
        one, two = (statistics.median(cpu[(work, n)]) for n in (1, 2))
        wall1, wall2 = (statistics.median(wall[(work, n)]) for n in (1, 2))
        rows.append(
            {
                "work": work,
                "cpu_one_s": round(one, 3),
                "cpu_two_s": round(two, 3),
                "cpu_ratio": round(two / one, 3),
                "speedup_bound": round(2 * one / two, 2),
                "wall_speedup": round(2 * wall1 / wall2, 2),
            }
        )
    loads = (load_before, os.getloadavg()[0])
    if args.json:
        print(json.dumps({"load_average": loads, "rows": rows}, indent=2))
        return
    print(
        f"{args.rounds} rounds, medians; load average {loads[0]:.1f} -> {loads[1]:.1f} on "
        f"{os.cpu_count()} cores"
    )
    print("work     CPU s alone  CPU s two at once  ratio  2-process bound  wall speed-up")
    for r in rows:
        print(
            f"{r['work']:8} {r['cpu_one_s']:>11.3f}  {r['cpu_two_s']:>17.3f}  "
            f"{r['cpu_ratio']:>5.2f}  {r['speedup_bound']:>14.2f}x  {r['wall_speedup']:>12.2f}x"
        )


if __name__ == "__main__":
    main()
