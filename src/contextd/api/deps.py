"""FastAPI dependencies: the runtime, a transactional session, and the authenticated user."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Query, Request
from sqlalchemy.orm import Session

from contextd.api.ratelimit import RateLimiter
from contextd.domain.errors import RateLimited, Unauthorized
from contextd.runtime import Runtime
from contextd.services import keys
from contextd.services.sources import SourceContext
from contextd.store.tables import User


def get_runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request, committed before the response is sent. Reads (GET, HEAD)
    get a read-only transaction, so they never queue behind writers."""
    db = get_runtime(request).db
    opener = db.read_session if request.method in ("GET", "HEAD") else db.session
    with opener() as session:
        yield session
    after_commit = getattr(request.state, "after_commit", None)
    if after_commit is not None:
        after_commit(request)


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def _limit(request: Request, identity: str, per_minute: int | None = None) -> None:
    limiter: RateLimiter = request.app.state.rate_limiter
    headers, retry_after = limiter.hit(identity, per_minute)
    request.state.rate_limit_headers = headers
    if retry_after:
        raise RateLimited(retry_after)


def current_user(request: Request, session: SessionDep) -> User:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme != "Bearer" or not token or " " in token:
        _limit(request, f"ip:{request.client.host if request.client else '-'}")
        raise Unauthorized()
    try:
        user, _key = keys.authenticate(session, token)
    except Unauthorized:
        _limit(request, f"ip:{request.client.host if request.client else '-'}")
        raise
    _limit(request, f"user:{user.id}", user.rate_limit_per_minute)
    request.state.user_id = user.id
    return user


UserDep = Annotated[User, Depends(current_user)]


def source_context(runtime: RuntimeDep) -> SourceContext:
    return SourceContext(
        blobs=runtime.blobs,
        policy=runtime.net_policy,
        postback_policy=runtime.postback_policy,
        max_attempts=runtime.settings.job_max_attempts,
    )


SourceCtxDep = Annotated[SourceContext, Depends(source_context)]


class Paging:
    def __init__(
        self,
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
        per_page: Annotated[int, Query(ge=1, le=100)] = 25,
    ) -> None:
        self.page = page
        self.per_page = per_page


PagingDep = Annotated[Paging, Depends()]
