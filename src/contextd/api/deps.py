"""FastAPI dependencies: the runtime, a transactional session, and the authenticated user.

FastAPI runs every plain `def` dependency in its threadpool, one hop each, and a hop costs
more than these functions do, most of all when the embedded worker holds the GIL and each hop
waits for it (bench/api.py). So the ones that do no I/O are `async def`, and the caller's user
is loaded by the session dependency in the thread that opens the session.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Query, Request
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError
from sqlalchemy.orm import Session

from contextd.domain.errors import Unauthorized
from contextd.runtime import Runtime
from contextd.services.sources import SourceContext
from contextd.store.tables import User


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_runtime(request: Request) -> Runtime:
    return _runtime(request)


def get_session(request: Request) -> Iterator[Session]:
    """One transaction per request, committed before the response is sent. Reads (GET, HEAD)
    get a read-only transaction, so they never queue behind writers. The authenticated caller
    (see `current_user`) is loaded here, in the same thread."""
    db = _runtime(request).db
    opener = db.read_session if request.method in ("GET", "HEAD") else db.session
    with opener() as session:
        user_id = getattr(request.state, "user_id", None)
        request.state.user = session.get(User, user_id) if user_id else None
        yield session
    after_commit = getattr(request.state, "after_commit", None)
    if after_commit is not None:
        after_commit(request)


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def current_user(request: Request, session: SessionDep) -> User:
    """The caller, authenticated (and counted by the rate limiter) by the middleware before the
    body was read; see `api.auth`. Loaded by primary key in `get_session`, into this session."""
    user: User | None = getattr(request.state, "user", None)
    if user is None:
        raise Unauthorized()
    return user


UserDep = Annotated[User, Depends(current_user)]


async def source_context(runtime: RuntimeDep) -> SourceContext:
    return SourceContext(
        blobs=runtime.blobs,
        policy=runtime.net_policy,
        postback_policy=runtime.postback_policy,
        max_attempts=runtime.settings.job_max_attempts,
    )


SourceCtxDep = Annotated[SourceContext, Depends(source_context)]


def _query_bool(value: object) -> object:
    """Booleans in a query are `true` or `false`, as in JSON bodies: not `1`, `yes` or `on`."""
    if isinstance(value, str):
        if value not in ("true", "false"):
            raise PydanticCustomError("bool_parsing", "must be true or false")
        return value == "true"
    return value


QueryBool = Annotated[bool, BeforeValidator(_query_bool)]


class Paging:
    def __init__(
        self,
        page: Annotated[int, Query(ge=1, le=100_000)] = 1,
        per_page: Annotated[int, Query(ge=1, le=100)] = 25,
    ) -> None:
        self.page = page
        self.per_page = per_page


PagingDep = Annotated[Paging, Depends()]
