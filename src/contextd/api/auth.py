"""Authentication and rate limiting of `/v1`, done once per request before anything reads the
body.

It runs in the ASGI middleware rather than as a FastAPI dependency because FastAPI parses and
validates the body before it resolves dependencies: a client without a valid key would learn
from a 400/413/415 what the body should look like, and would not be counted by the limiter.
The dependencies (`deps.current_user`) then take the user id from the request state.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from contextd.api.ratelimit import RateLimiter
from contextd.domain.errors import DomainError, RateLimited, Unauthorized
from contextd.runtime import Runtime
from contextd.services import keys

API_PREFIX = "/v1"


def is_api_path(path: str) -> bool:
    """The routes that need a key: everything under `/v1`, known route or not."""
    return path == API_PREFIX or path.startswith(API_PREFIX + "/")


@dataclass
class AuthOutcome:
    """Who is calling (None when refused), the X-RateLimit-* headers, and the error if any."""

    user_id: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    error: DomainError | None = None


def _bearer_token(authorization: str) -> str | None:
    scheme, _, token = authorization.partition(" ")
    if scheme != "Bearer" or not token or " " in token:
        return None
    return token


def authenticate_cached(limiter: RateLimiter, authorization: str) -> AuthOutcome | None:
    """The outcome without a query or a thread when the key was verified seconds ago and the
    limiter counts in memory (safe to call on the event loop); None: call `authenticate`."""
    token = _bearer_token(authorization)
    if token is None or not limiter.in_process:
        return None
    cached = keys.cached_key(token)
    if cached is None:
        return None
    return _counted(limiter, cached.user_id, cached.rate_limit_per_minute)


def _counted(limiter: RateLimiter, user_id: str, per_minute: int | None) -> AuthOutcome:
    headers, retry_after = limiter.hit(f"user:{user_id}", per_minute)
    if retry_after:
        return AuthOutcome(None, headers, RateLimited(retry_after))
    return AuthOutcome(user_id, headers)


def authenticate(
    runtime: Runtime, limiter: RateLimiter, authorization: str, client_ip: str
) -> AuthOutcome:
    """Look the key up (one query), then count the request against the user's limit, or against
    the client address when there is no valid key (so guessing keys is limited too)."""
    token = _bearer_token(authorization)
    failure: Unauthorized = Unauthorized()
    if token is not None:
        try:
            with runtime.db.read_session() as session:
                user, _key = keys.authenticate(session, token)
                user_id, per_minute = user.id, user.rate_limit_per_minute
        except Unauthorized as exc:
            failure = exc
        else:
            return _counted(limiter, user_id, per_minute)
    headers, retry_after = limiter.hit(f"ip:{client_ip}")
    error: DomainError = RateLimited(retry_after) if retry_after else failure
    return AuthOutcome(None, headers, error)
