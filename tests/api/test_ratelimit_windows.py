"""The in-process rate-limit windows (`memory://`): the same rule as `limits`' fixed window,
without its timer thread per hit."""

from __future__ import annotations

import time

import pytest

from contextd.api.ratelimit import RateLimiter


def test_counts_down_then_refuses_and_refused_hits_count(monkeypatch: pytest.MonkeyPatch) -> None:
    now = 1_000_000.0
    monkeypatch.setattr(time, "time", lambda: now)
    limiter = RateLimiter("memory://", 3)
    assert limiter.in_process
    seen = [limiter.hit("user:a") for _ in range(4)]
    assert [h["X-RateLimit-Remaining"] for h, _ in seen] == ["2", "1", "0", "0"]
    assert [retry for _, retry in seen] == [0, 0, 0, 60]
    assert {h["X-RateLimit-Reset"] for h, _ in seen} == {str(int(now + 60))}
    assert {h["X-RateLimit-Limit"] for h, _ in seen} == {"3"}
    # Another identity has its own window; a per-user limit overrides the default.
    assert limiter.hit("user:b", 10)[0]["X-RateLimit-Remaining"] == "9"


def test_a_new_window_starts_after_the_reset(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1_000_000.0]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    limiter = RateLimiter("memory://", 1)
    assert limiter.hit("ip:1")[1] == 0
    clock[0] += 30
    assert limiter.hit("ip:1")[1] == 30  # over, until the window that began 30 s ago ends
    clock[0] += 30
    headers, retry = limiter.hit("ip:1")
    assert retry == 0 and headers["X-RateLimit-Remaining"] == "0"
    assert headers["X-RateLimit-Reset"] == str(int(clock[0] + 60))


def test_expired_windows_are_swept(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1_000_000.0]
    monkeypatch.setattr(time, "time", lambda: clock[0])
    limiter = RateLimiter("memory://", 5)
    for n in range(100):
        limiter.hit(f"ip:{n}")
    clock[0] += 61
    limiter.hit("ip:new")
    assert limiter._memory is not None and set(limiter._memory._windows) == {"ip:new"}


def test_real_clock_reset_is_within_a_minute() -> None:
    headers, retry = RateLimiter("memory://", 5).hit("user:x")
    assert retry == 0
    assert time.time() <= int(headers["X-RateLimit-Reset"]) <= time.time() + 61
