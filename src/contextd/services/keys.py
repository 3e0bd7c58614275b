"""Users and API keys. Raw keys are shown once and stored only as a SHA-256 hash.

A key carries 256 bits of randomness, so a fast hash is safe here (no password stretching is
needed) and keeps authentication a single indexed lookup.

Keys verified against the database are remembered for a few seconds (`VERIFIED`), by hash only,
so an agent calling in a loop does not pay a query and a thread hop per request
(bench/api.py). A revoke forgets its key in this process at once (again after its commit); in
another API process sharing the database it takes effect within `VERIFIED_TTL_SECONDS`.
Expiration dates are checked on every hit, cached or not.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import event, select
from sqlalchemy.orm import Session

from contextd.domain.errors import NotFound, Unauthorized, ValidationFailed
from contextd.services.paging import paginate
from contextd.store.tables import ApiKey, User, utcnow

KEY_PREFIX = "ctx_"


def hash_key(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_webhook_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()


@dataclass(frozen=True)
class CreatedKey:
    key: ApiKey
    raw: str


def ensure_user(session: Session, name: str, email: str | None = None) -> User:
    if email:
        existing = session.scalars(select(User).where(User.email == email)).first()
        if existing:
            return existing
    user = User(name=name, email=email, webhook_secret=new_webhook_secret())
    session.add(user)
    session.flush()
    return user


def create_key(
    session: Session, user: User, name: str | None, expiration_date: datetime | None
) -> CreatedKey:
    if expiration_date is not None and expiration_date <= utcnow():
        raise ValidationFailed("expiration_date must be in the future")
    raw = KEY_PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(
        user_id=user.id,
        name=name,
        key_prefix=raw[:12],
        key_hash=hash_key(raw),
        expiration_date=expiration_date,
    )
    session.add(key)
    session.flush()
    return CreatedKey(key=key, raw=raw)


VERIFIED_TTL_SECONDS = 5.0
VERIFIED_MAX_KEYS = 4096


@dataclass(frozen=True)
class VerifiedKey:
    """What a request needs from a key that the database accepted moments ago."""

    user_id: str
    rate_limit_per_minute: int | None
    expiration_date: datetime | None
    verified_until: float  # time.monotonic()


class VerifiedKeys:
    """Key hashes the database accepted in the last `ttl` seconds (never raw keys, never
    refusals: an unknown key always costs a query, and is rate limited by address)."""

    def __init__(self, ttl: float = VERIFIED_TTL_SECONDS, max_keys: int = VERIFIED_MAX_KEYS):
        self.ttl = ttl
        self.max_keys = max_keys
        self._lock = threading.Lock()
        self._keys: dict[str, VerifiedKey] = {}

    def get(self, key_hash: str) -> VerifiedKey | None:
        """The cached key, or None when unknown, stale or past its expiration date (the
        database is then asked, and says why)."""
        entry = self._keys.get(key_hash)
        if entry is None or entry.verified_until <= time.monotonic():
            return None
        if entry.expiration_date is not None and entry.expiration_date <= utcnow():
            return None
        return entry

    def remember(self, key_hash: str, user: User, key: ApiKey) -> None:
        entry = VerifiedKey(
            user.id, user.rate_limit_per_minute, key.expiration_date, time.monotonic() + self.ttl
        )
        with self._lock:
            if len(self._keys) >= self.max_keys:
                self._keys.clear()  # a burst of distinct keys: start over rather than grow
            self._keys[key_hash] = entry

    def forget(self, key_hash: str) -> None:
        with self._lock:
            self._keys.pop(key_hash, None)


VERIFIED = VerifiedKeys()


def _check_expiry(expiration_date: datetime | None) -> None:
    if expiration_date is not None and expiration_date <= utcnow():
        raise Unauthorized("API key has expired")


def cached_key(raw: str) -> VerifiedKey | None:
    """The key as `authenticate` verified it within the last few seconds, without a query
    (None: ask the database)."""
    return VERIFIED.get(hash_key(raw))


def authenticate(session: Session, raw: str) -> tuple[User, ApiKey]:
    key_hash = hash_key(raw)
    row = session.execute(
        select(User, ApiKey)
        .join(ApiKey, ApiKey.user_id == User.id)
        .where(ApiKey.key_hash == key_hash)
    ).first()
    if row is None:
        raise Unauthorized()
    user, key = row
    if key.revoked_at is not None:
        raise Unauthorized()
    _check_expiry(key.expiration_date)
    VERIFIED.remember(key_hash, user, key)
    return user, key


def list_keys(session: Session, user: User, page: int, per_page: int) -> tuple[list[ApiKey], int]:
    query = select(ApiKey).where(ApiKey.user_id == user.id).order_by(ApiKey.created_at, ApiKey.id)
    return paginate(session, query, page, per_page)


def revoke_key(session: Session, user: User, key_id: str) -> ApiKey:
    key = session.get(ApiKey, key_id)
    if key is None or key.user_id != user.id:
        raise NotFound("api key", key_id)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
    # Forgotten now, and again once the revoke is committed: a request that read the key
    # before the commit may have cached it meanwhile.
    VERIFIED.forget(key.key_hash)
    event.listen(session, "after_commit", lambda _s: VERIFIED.forget(key.key_hash), once=True)
    return key
