"""A probe of SQLite's writer queue in `contextd serve` and its worker child, for
`bench/writer_wait.py` (issue 15 part 4, ninth change). Python imports this file at start-up
when its directory is on PYTHONPATH; it does nothing unless `BENCH_WRITER_PROBE` names a
directory and the process is `contextd serve` (the worker child is forked from it, so it is
probed too). `bench/api.py` passes PYTHONPATH and these variables on to the servers it starts.

Per write transaction (`Database._writer`), one line in `<dir>/<pid>-<ppid>.tsv`: the time it
ended, the thread, the wait for the process's thread lock, the wait for the file lock shared
with the other process, the time held (wall), the time held (the thread's CPU), all in ms.

With `BENCH_WRITER_TRACE` set too, one line per create-source request answered by
`api.hot.FastCreate` in `<dir>/<pid>-req.tsv`: perf_counter times of the handler's start, the
route's function called (body read and validated), `prepare_source` started (in the thread),
the writer queue entered, the lock got, the lock released, the route's function returned
(back on the event loop), and the answer sent.

Usage: `BENCH_WRITER_PROBE=<dir> [BENCH_WRITER_TRACE=1] PYTHONPATH=bench/probe:src:bench
python bench/api.py ...`, then `python bench/writer_wait.py <dir>`.
"""

from __future__ import annotations

import os
import sys
from typing import Any

_OUT = os.environ.get("BENCH_WRITER_PROBE")


def _install(out: str) -> None:
    import contextvars
    import threading
    import time
    from collections.abc import Iterator
    from contextlib import contextmanager, nullcontext

    from contextd.store import db

    files: dict[str, Any] = {}

    def emit(name: str, line: str) -> None:
        f = files.get(name)
        if f is None:
            f = files[name] = open(f"{out}/{name}.tsv", "a", buffering=1)  # noqa: SIM115
        f.write(line)

    record: contextvars.ContextVar[dict[str, float] | None] = contextvars.ContextVar(
        "bench_writer_record", default=None
    )

    def mark(key: str) -> None:
        rec = record.get()
        if rec is not None:
            rec[key] = time.perf_counter()

    def run_queue() -> int:
        """ns this thread has waited on the OS run queue (Linux schedstat; 0 elsewhere): tells
        a holder preempted by the scheduler from one waiting for the GIL or I/O."""
        try:
            with open("/proc/thread-self/schedstat") as f:
                return int(f.read().split()[1])
        except OSError:
            return 0

    @contextmanager
    def writer(self: Any) -> Iterator[None]:
        if self._write_lock is None:
            yield
            return
        mark("w0")
        t0 = time.perf_counter()
        with self._write_lock:
            t1 = time.perf_counter()
            with self._file_lock or nullcontext():
                t2, c2, q2 = time.perf_counter(), time.thread_time(), run_queue()
                mark("w1")
                try:
                    yield
                finally:
                    t3, c3, q3 = time.perf_counter(), time.thread_time(), run_queue()
                    mark("w2")
        waits = f"{(t1 - t0) * 1e3:.3f}\t{(t2 - t1) * 1e3:.3f}"
        held = f"{(t3 - t2) * 1e3:.3f}\t{(c3 - c2) * 1e3:.3f}\t{(q3 - q2) / 1e6:.3f}"
        name = threading.current_thread().name
        emit(f"{os.getpid()}-{os.getppid()}", f"{time.time():.4f}\t{name}\t{waits}\t{held}\n")

    db.Database._writer = writer  # type: ignore[method-assign]
    if not os.environ.get("BENCH_WRITER_TRACE"):
        return

    from contextd.api import hot
    from contextd.services import sources

    keys = ("h0", "c0", "t0", "w0", "w1", "w2", "c1", "h1")
    handle, init, prepare = hot.FastCreate.handle, hot.FastCreate.__init__, sources.prepare_source

    async def traced_handle(self: Any, scope: Any, receive: Any, send: Any) -> None:
        rec = {"h0": time.perf_counter()}
        token = record.set(rec)
        try:
            await handle(self, scope, receive, send)
        finally:
            rec["h1"] = time.perf_counter()
            record.reset(token)
            if all(k in rec for k in keys):
                emit(f"{os.getpid()}-req", "\t".join(f"{rec[k]:.6f}" for k in keys) + "\n")

    def traced_init(self: Any, mirror: Any, create: Any) -> None:
        async def timed(request: Any, params: Any, body: Any) -> Any:
            mark("c0")
            try:
                return await create(request, params, body)
            finally:
                mark("c1")

        init(self, mirror, timed)

    def traced_prepare(*args: Any, **kwargs: Any) -> Any:
        mark("t0")
        return prepare(*args, **kwargs)

    hot.FastCreate.handle = traced_handle  # type: ignore[method-assign]
    hot.FastCreate.__init__ = traced_init  # type: ignore[method-assign]
    sources.prepare_source = traced_prepare


if _OUT and "contextd" in sys.orig_argv and "serve" in sys.orig_argv:
    _install(_OUT)
