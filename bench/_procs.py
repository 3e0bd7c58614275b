"""What the benchmarks read of running processes (Linux `/proc`), and the feeder that keeps a
server's worker busy: shared by bench/api.py and bench/workers.py.

CPU and memory are read from `/proc` rather than asked of the processes, so a measurement never
adds work to the process it measures. `contextd serve` may run its worker in a child process
(`CONTEXTD_WORKER_PROCESS`): `children` finds it, so its CPU and memory are reported beside the
server's, never hidden in them nor dropped.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command name (None when it is gone)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def proc_cpu(pid: int) -> float:
    """utime + stime of a process (all its threads), in seconds (0 when it is gone)."""
    fields = _stat(pid)
    return (int(fields[11]) + int(fields[12])) / CLK_TCK if fields else 0.0


def machine_busy() -> float:
    """CPU seconds the whole machine spent busy (all cores), from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values[:8]
    return (user + nice + system + irq + softirq + steal) / CLK_TCK


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    """Resident memory of a process, in MB (0 when it is gone); `field="VmHWM"` gives its peak."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1]) / 1024
    return 0.0


def children(pid: int) -> list[int]:
    """The live child processes of `pid` (a `contextd serve`'s worker process, say)."""
    found = []
    for entry in Path("/proc").iterdir():
        fields = _stat(int(entry.name)) if entry.name.isdigit() else None
        if fields and int(fields[1]) == pid and fields[0] != "Z":
            found.append(int(entry.name))
    return found


def tree_cpu(pid: int) -> float:
    """CPU seconds of a process and its live children (a `contextd serve` and its worker)."""
    return proc_cpu(pid) + sum(proc_cpu(child) for child in children(pid))


def tree_peak_rss_mb(pid: int) -> float:
    """Peak resident memory of a process plus each live child's peak: what the two can hold at
    once at most."""
    return sum(rss_mb(p, "VmHWM") for p in [pid, *children(pid)])


class ChildCpu:
    """CPU seconds of a process's children over a window, children that came and went
    included (a restarted worker): each child's CPU is counted from when it was first seen."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self._start: dict[int, float] = {}
        self._last: dict[int, float] = {}
        self.sample()

    def sample(self) -> None:
        for child in children(self.pid):
            cpu = proc_cpu(child)
            self._start.setdefault(child, cpu)
            self._last[child] = cpu

    @property
    def seen(self) -> bool:
        return bool(self._start)

    def seconds(self) -> float:
        self.sample()
        return sum(self._last[c] - self._start[c] for c in self._start)


class BusyWorker:
    """Keeps a server's worker busy while the phases run: a thread that posts a CONTENT source
    (`text(n)` for the n-th) whenever fewer than `backlog` processing jobs are queued, and samples
    whether a job is running (the server's `jobs` table, read-only; SQLite's WAL lets it read
    beside the server) and the RSS of the server and of its children (its worker process).
    `busy_share()` is the share of samples since `mark()` in which a job was running."""

    def __init__(
        self,
        base_url: str,
        key: str,
        space_id: str,
        database: Path,
        pid: int,
        body: dict[str, Any],
        text: Callable[[int], str],
    ) -> None:
        self.base_url, self.key, self.space_id, self.pid = base_url, key, space_id, pid
        self.database, self.body, self.text = database, body, text
        self.backlog = 0
        self.posted = 0
        self.peak_rss_mb = 0.0  # the server process
        self.peak_children_rss_mb = 0.0  # its children together
        self._samples: list[bool] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="busy-worker", daemon=True)

    def start(self, backlog: int) -> BusyWorker:
        self.backlog = backlog
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(30)

    def mark(self) -> int:
        return len(self._samples)

    def busy_share(self, since: int) -> float | None:
        window = self._samples[since:]
        return sum(window) / len(window) if window else None

    def sample_rss(self) -> None:
        self.peak_rss_mb = max(self.peak_rss_mb, rss_mb(self.pid))
        kids = sum(rss_mb(child) for child in children(self.pid))
        self.peak_children_rss_mb = max(self.peak_children_rss_mb, kids)

    def _counts(self, db: sqlite3.Connection) -> tuple[int, int]:
        queued, running = db.execute(
            "SELECT sum(status = 'queued' AND kind = 'process_source'),"
            " sum(status = 'running') FROM jobs"
        ).fetchone()
        return int(queued or 0), int(running or 0)

    def _run(self) -> None:
        headers = {"Authorization": f"Bearer {self.key}"}
        uri = f"file:{self.database}?mode=ro"
        with (
            httpx.Client(base_url=self.base_url, headers=headers, timeout=30) as http,
            contextlib.closing(sqlite3.connect(uri, uri=True, timeout=30)) as db,
        ):
            while not self._stop.wait(0.1):
                queued, running = self._counts(db)
                self._samples.append(running > 0)
                self.sample_rss()
                if queued < self.backlog:
                    body = {**self.body, "initial_data": {"data": self.text(self.posted)}}
                    http.post(f"/v1/spaces/{self.space_id}/sources", json=body)
                    self.posted += 1
