"""The cache of verified key hashes: what it holds, and when it stops answering."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest

from contextd.services.keys import VerifiedKeys, hash_key
from contextd.store.tables import ApiKey, User, utcnow


def _user(per_minute: int | None = 7) -> User:
    return User(id="u1", name="u", rate_limit_per_minute=per_minute)


def test_remembers_by_hash_only_and_forgets() -> None:
    cache = VerifiedKeys(ttl=60)
    raw = "ctx_" + "a" * 40
    cache.remember(hash_key(raw), _user(), ApiKey(expiration_date=None))
    entry = cache.get(hash_key(raw))
    assert entry is not None and (entry.user_id, entry.rate_limit_per_minute) == ("u1", 7)
    assert raw not in repr(cache._keys)  # the raw key is never held
    cache.forget(hash_key(raw))
    assert cache.get(hash_key(raw)) is None


def test_stale_and_expired_entries_go_to_the_database(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    cache = VerifiedKeys(ttl=5)
    cache.remember("h1", _user(), ApiKey(expiration_date=None))
    cache.remember("h2", _user(), ApiKey(expiration_date=utcnow() - timedelta(seconds=1)))
    assert cache.get("h1") is not None
    assert cache.get("h2") is None  # past its expiration date: asked again, and refused there
    clock[0] += 5
    assert cache.get("h1") is None  # older than the TTL


def test_bounded() -> None:
    cache = VerifiedKeys(ttl=60, max_keys=3)
    for n in range(4):
        cache.remember(f"h{n}", _user(), ApiKey(expiration_date=None))
    assert len(cache._keys) <= 3 and cache.get("h3") is not None
