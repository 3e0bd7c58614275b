"""Per-user request limits in fixed 60 s windows.

A `redis://` storage URL shares the windows between API processes (the `limits` library). The
default `memory://` serves one process, and is counted here with a dict and a lock instead of
`limits`' memory storage: that one starts a new timer thread on nearly every hit (to expire old
windows), which cost more than the rest of a cached authentication (bench/api.py). The window
rule is the same: a window starts at a key's first hit and lasts 60 s.
"""

from __future__ import annotations

import math
import threading
import time

from limits import RateLimitItemPerMinute, storage, strategies

WINDOW_SECONDS = 60.0


class _MemoryWindows:
    """Fixed windows per identity in this process. Expired windows are dropped on a sweep at
    most once a window, so the dict holds only identities seen in the last two minutes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[str, tuple[float, int]] = {}  # identity -> (reset time, hits)
        self._next_sweep = time.time() + WINDOW_SECONDS

    def hit(self, identity: str, limit: int) -> tuple[bool, int, float]:
        """Count one hit: (allowed, remaining, reset time as a Unix timestamp)."""
        now = time.time()
        with self._lock:
            if now >= self._next_sweep:
                self._windows = {k: w for k, w in self._windows.items() if w[0] > now}
                self._next_sweep = now + WINDOW_SECONDS
            reset, hits = self._windows.get(identity, (0.0, 0))
            if reset <= now:
                reset, hits = now + WINDOW_SECONDS, 0
            hits += 1  # refused hits count too, as in `limits`
            self._windows[identity] = (reset, hits)
        return hits <= limit, max(0, limit - hits), reset


class RateLimiter:
    def __init__(self, storage_url: str, default_per_minute: int) -> None:
        self.default_per_minute = default_per_minute
        self._memory: _MemoryWindows | None = None
        self._limiter: strategies.FixedWindowRateLimiter | None = None
        if storage_url.startswith("memory://"):
            self._memory = _MemoryWindows()
        else:
            self._limiter = strategies.FixedWindowRateLimiter(
                storage.storage_from_string(storage_url)
            )

    @property
    def in_process(self) -> bool:
        """True when `hit` never blocks on I/O, so the event loop may call it directly."""
        return self._memory is not None

    def hit(self, identity: str, per_minute: int | None = None) -> tuple[dict[str, str], int]:
        """Count one request: the X-RateLimit-* headers, and the seconds to wait when over."""
        limit = per_minute or self.default_per_minute
        if self._memory is not None:
            allowed, remaining, reset_time = self._memory.hit(identity, limit)
        else:
            assert self._limiter is not None
            item = RateLimitItemPerMinute(limit)
            allowed = self._limiter.hit(item, identity)
            stats = self._limiter.get_window_stats(item, identity)
            remaining, reset_time = stats.remaining, stats.reset_time
        headers = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(max(0, remaining)),
            "X-RateLimit-Reset": str(math.ceil(reset_time)),
        }
        retry_after = 0 if allowed else max(1, math.ceil(reset_time - time.time()))
        return headers, retry_after
