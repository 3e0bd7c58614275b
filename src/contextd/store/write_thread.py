"""One thread that runs a process's write transactions for the threads that hand them over.

Why: on SQLite a write transaction holds the one writer lock that every other writer waits for,
the API's create-source in the server process included. The embedded worker process runs
niced (`worker_nice`), so the OS scheduler preempts it while it holds that lock, and the
requests queued behind it wait for CPU time the worker was not given: 2.3 ms of a 6.5 ms hold
on the run queue (bench/README.md, issue 15 part 4, twelfth change). Without privilege a nice
value only goes up, so the transactions move instead: the worker process starts this thread
before it lowers its priority and leaves the thread where it was, and its jobs hand their
writes to it (`Database.write`); their CPU-heavy stages stay niced.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from queue import SimpleQueue
from typing import Any, TypeVar

T = TypeVar("T")

_Task = tuple[Callable[[], Any], "Future[Any]"]


class WriteThread:
    """Runs the callables handed to `run` one at a time, in the order handed, on its own
    thread; the caller waits for the result or the exception, as if it had run them."""

    def __init__(self, name: str = "contextd-writer") -> None:
        self._tasks: SimpleQueue[_Task | None] = SimpleQueue()
        self._closing = threading.Lock()  # no task is handed over after the stop
        self._closed = False
        self._thread = threading.Thread(target=self._loop, name=name, daemon=True)
        self._thread.start()

    @property
    def native_id(self) -> int | None:
        """The OS thread id (for the priority of the other threads to leave this one's)."""
        return self._thread.native_id

    def run(self, work: Callable[[], T]) -> T:
        """`work()`, run on this thread; in the caller's thread when called from this one (a
        write inside a write) or after `close` (a job outliving the worker's stop still writes,
        at its own priority)."""
        if threading.current_thread() is self._thread:
            return work()
        future: Future[T] = Future()
        with self._closing:
            if self._closed:
                return work()
            self._tasks.put((work, future))
        return future.result()

    def close(self, timeout: float = 10.0) -> None:
        """Stop after the writes already handed over."""
        with self._closing:
            if not self._closed:
                self._closed = True
                self._tasks.put(None)
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    def _loop(self) -> None:
        while (task := self._tasks.get()) is not None:
            work, future = task
            if not future.set_running_or_notify_cancel():
                continue
            try:
                result = work()
            except BaseException as exc:  # the caller's to handle, as if it had run there
                future.set_exception(exc)
            else:
                future.set_result(result)
