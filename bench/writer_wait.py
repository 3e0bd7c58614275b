"""Where create-source waits, from `bench/probe/sitecustomize.py`'s records of one
`bench/api.py` run: SQLite's writer queue per create-source phase (the requests' waits, the
worker process's transactions, and how much of the requests' wait fell while the worker held
the lock), and, when traced, each request's time in the server, step by step.

Usage:
    BENCH_WRITER_PROBE=/tmp/probe BENCH_WRITER_TRACE=1 PYTHONPATH=bench/probe:src:bench \\
        python bench/api.py --requests 3000 --warmup 200 --rounds 2
    python bench/writer_wait.py /tmp/probe

Why (issue 15 part 4, ninth change): create-source's latency at concurrency 8 was about twice
bare's, with its server CPU far from a core; the question was whether the rest is CPU or
waiting for the one writer's lock that the worker process takes too. The create-source phases
are found as the seconds in which the server wrote at least 40 times (the feeder's own posts
are a few a second).
"""

from __future__ import annotations

import bisect
import statistics
import sys
from collections import Counter
from pathlib import Path

# end (epoch s), thread wait, file wait, held, cpu, run queue (0 in older probe files)
Txn = tuple[float, float, float, float, float, float]


def _load(folder: Path) -> tuple[list[Txn], list[Txn]]:
    """The server's transactions and its worker children's."""
    by_pid: dict[int, tuple[int, list[Txn]]] = {}
    for path in folder.glob("*-*.tsv"):
        pid, parent = path.stem.split("-")
        if parent == "req":
            continue
        rows = [line.split("\t") for line in path.read_text().splitlines()]
        txns = [
            (
                float(r[0]),
                float(r[2]),
                float(r[3]),
                float(r[4]),
                float(r[5]),
                float(r[6]) if len(r) > 6 else 0.0,
            )
            for r in rows
        ]
        by_pid[int(pid)] = (int(parent), txns)
    server = next(pid for pid, (parent, _) in by_pid.items() if parent not in by_pid)
    worker = [t for pid, (_, txns) in by_pid.items() if pid != server for t in txns]
    return sorted(by_pid[server][1]), sorted(worker)


def _phases(server: list[Txn]) -> list[tuple[int, int]]:
    per_second = Counter(int(t[0]) for t in server)
    phases: list[list[int]] = []
    for second in sorted(s for s, n in per_second.items() if n >= 40):
        if phases and second - phases[-1][1] <= 2:
            phases[-1][1] = second
        else:
            phases.append([second, second])
    return [(a, b + 1) for a, b in phases]


def _q(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def _line(name: str, values: list[float]) -> str:
    mean = statistics.mean(values)
    return (
        f"  {name:34} mean {mean:6.2f}  p50 {_q(values, 0.5):6.2f}  p90 {_q(values, 0.9):6.2f}"
        f"  p99 {_q(values, 0.99):6.2f}  max {max(values):7.2f} ms"
    )


def _overlap(held: list[tuple[float, float]], starts: list[float], a: float, b: float) -> float:
    """Seconds of [a, b] during which the worker held the lock."""
    i, total = max(0, bisect.bisect(starts, a) - 1), 0.0
    while i < len(held) and held[i][0] < b:
        total += max(0.0, min(b, held[i][1]) - max(a, held[i][0]))
        i += 1
    return total


def queue_report(folder: Path) -> None:
    server, worker = _load(folder)
    held = [(end - h / 1e3, end) for end, _, _, h, *_ in worker]
    starts = [h[0] for h in held]
    for a, b in _phases(server):
        s = [t for t in server if a <= t[0] < b]
        w = [t for t in worker if a <= t[0] < b]
        waited = by_worker = 0.0
        for end, thread_wait, file_wait, h, *_ in s:
            got = end - h / 1e3
            since = got - (thread_wait + file_wait) / 1e3
            waited += got - since
            by_worker += _overlap(held, starts, since, got)
        print(f"create-source phase of {b - a} s: {len(s)} server, {len(w)} worker transactions")
        print(_line("server: wait, thread lock", [t[1] for t in s]))
        print(_line("server: wait, file lock (worker)", [t[2] for t in s]))
        print(_line("server: held", [t[3] for t in s]))
        print(_line("server: held, CPU", [t[4] for t in s]))
        if w:
            print(_line("worker: held", [t[3] for t in w]))
            print(_line("worker: held, CPU", [t[4] for t in w]))
            print(_line("worker: held, on the run queue", [t[5] for t in w]))
        share = sum(t[3] for t in w) / 1e3 / (b - a)
        print(
            f"  the worker held the lock {share:.0%} of the phase; a create waited"
            f" {waited / len(s) * 1e3:.2f} ms on average, {by_worker / len(s) * 1e3:.2f} ms of it"
            f" ({by_worker / max(waited, 1e-9):.0%}) while the worker held the lock"
        )


STEPS = (
    ("body read and validated", 0, 1),
    ("hop to the thread", 1, 2),
    ("prepare_source", 2, 3),
    ("writer queue (both locks)", 3, 4),
    ("transaction, lock held", 4, 5),
    ("after commit, hop back", 5, 6),
    ("answer dumped and sent", 6, 7),
    ("in the server, in all", 0, 7),
)


def request_report(folder: Path) -> None:
    rows = sorted(
        [float(x) for x in line.split("\t")]
        for path in folder.glob("*-req.tsv")
        for line in path.read_text().splitlines()
    )
    if not rows:
        return
    starts = [r[0] for r in rows]
    busy = [
        r
        for r in rows
        if bisect.bisect(starts, r[0] + 0.5) - bisect.bisect(starts, r[0] - 0.5) >= 40
    ]
    print(f"create-source requests in the phases: {len(busy)}, time in the server per step")
    for name, a, b in STEPS:
        print(_line(name, [(r[b] - r[a]) * 1e3 for r in busy]))


if __name__ == "__main__":
    folder = Path(sys.argv[1])
    queue_report(folder)
    request_report(folder)
