"""Per-user request limits with the `limits` library (fixed 60 s windows).

Memory storage serves one process; a `redis://` storage URL shares the windows between API
processes when scaled out.
"""

from __future__ import annotations

import math
import time

from limits import RateLimitItemPerMinute, storage, strategies


class RateLimiter:
    def __init__(self, storage_url: str, default_per_minute: int) -> None:
        self._limiter = strategies.FixedWindowRateLimiter(storage.storage_from_string(storage_url))
        self.default_per_minute = default_per_minute

    def hit(self, identity: str, per_minute: int | None = None) -> tuple[dict[str, str], int]:
        """Count one request: the X-RateLimit-* headers, and the seconds to wait when over."""
        item = RateLimitItemPerMinute(per_minute or self.default_per_minute)
        allowed = self._limiter.hit(item, identity)
        stats = self._limiter.get_window_stats(item, identity)
        reset = math.ceil(stats.reset_time)
        headers = {
            "X-RateLimit-Limit": str(item.amount),
            "X-RateLimit-Remaining": str(max(0, stats.remaining)),
            "X-RateLimit-Reset": str(reset),
        }
        retry_after = 0 if allowed else max(1, math.ceil(stats.reset_time - time.time()))
        return headers, retry_after
