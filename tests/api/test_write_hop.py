"""`in_write`'s hop on the app's own executor keeps what anyio's `run_sync` gave: the caller's
context variables, exceptions as raised, a cancelled request that waits for its transaction to
end before the cancellation goes on, and threads that go with the app."""

from __future__ import annotations

import asyncio
import contextvars
import threading
from types import SimpleNamespace

import pytest

from contextd.api.deps import _hop, close_write_threads

CALLER: contextvars.ContextVar[str] = contextvars.ContextVar("caller", default="none")


def test_runs_in_a_write_thread_with_the_callers_context() -> None:
    state = SimpleNamespace(write_threads=None)

    async def main() -> tuple[str, str]:
        CALLER.set("alice")
        return await _hop(state, lambda: (CALLER.get(), threading.current_thread().name))

    seen, thread = asyncio.run(main())
    assert seen == "alice" and thread.startswith("contextd-write")
    pool = state.write_threads
    close_write_threads(state)
    assert state.write_threads is None and pool is not None and pool._shutdown


def test_exceptions_reach_the_caller() -> None:
    state = SimpleNamespace(write_threads=None)

    def refuse() -> None:
        raise LookupError("space")

    with pytest.raises(LookupError, match="space"):
        asyncio.run(_hop(state, refuse))
    close_write_threads(state)


def test_a_cancelled_request_waits_for_its_write_to_end() -> None:
    state = SimpleNamespace(write_threads=None)
    started, release, finished = threading.Event(), threading.Event(), threading.Event()

    def write() -> str:
        started.set()
        release.wait(30)
        finished.set()
        return "committed"

    async def main() -> bool:
        task = asyncio.ensure_future(_hop(state, write))
        await asyncio.to_thread(started.wait, 30)
        task.cancel()
        for _ in range(20):  # the task cannot end while the write runs
            await asyncio.sleep(0)
        assert not task.done()
        release.set()
        with pytest.raises(asyncio.CancelledError):
            await task
        return finished.is_set()

    assert asyncio.run(main())  # the write had ended when the cancellation went on
    close_write_threads(state)
