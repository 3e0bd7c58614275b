"""CPU per threadpool hop: `anyio.to_thread.run_sync` (what FastAPI and contextd's `in_read` /
`in_write` use) against asyncio's own `run_in_executor`, 8 lanes of 2,500 hops of a no-op.

Usage: `.venv/bin/python bench/hop_cost.py`. Why: the hop was ~10% of get-source's request
in a py-spy profile (sniffio, `current_task`, the capacity limiter); this says how much of it
a cheaper hop could save (bench/README.md, issue 15 part 4, seventh change).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor

import anyio.to_thread

LANES, HOPS = 8, 2500


def noop() -> int:
    return 1


async def cpu_ms_per_hop(hop: Callable[[], Awaitable[int]]) -> float:
    async def lane() -> None:
        for _ in range(HOPS):
            await hop()

    started = time.process_time()
    await asyncio.gather(*(lane() for _ in range(LANES)))
    return (time.process_time() - started) / (LANES * HOPS) * 1e3


async def main() -> None:
    loop = asyncio.get_running_loop()
    with ThreadPoolExecutor(40) as pool:  # anyio's default limit is 40 threads too
        hops: dict[str, Callable[[], Awaitable[int]]] = {
            "anyio.to_thread.run_sync": lambda: anyio.to_thread.run_sync(noop),
            "loop.run_in_executor": lambda: loop.run_in_executor(pool, noop),
        }
        for _ in range(2):
            for name, hop in hops.items():
                print(f"{name:26} {await cpu_ms_per_hop(hop):.3f} CPU ms per hop")


if __name__ == "__main__":
    asyncio.run(main())
