"""Users and API keys. Raw keys are shown once and stored only as a SHA-256 hash.

A key carries 256 bits of randomness, so a fast hash is safe here (no password stretching is
needed) and keeps authentication a single indexed lookup.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
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


def authenticate(session: Session, raw: str) -> tuple[User, ApiKey]:
    row = session.execute(
        select(User, ApiKey)
        .join(ApiKey, ApiKey.user_id == User.id)
        .where(ApiKey.key_hash == hash_key(raw))
    ).first()
    if row is None:
        raise Unauthorized()
    user, key = row
    if key.revoked_at is not None:
        raise Unauthorized()
    if key.expiration_date is not None and key.expiration_date <= utcnow():
        raise Unauthorized("API key has expired")
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
    return key
