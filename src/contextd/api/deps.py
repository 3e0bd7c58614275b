"""FastAPI dependencies: the runtime, a transactional session, and the authenticated user.

FastAPI runs every plain `def` dependency in its threadpool, one hop each, and a hop costs
more than these functions do, most of all when the embedded worker holds the GIL and each hop
waits for it (bench/api.py). So the ones that do no I/O are `async def`, and the caller's user
is attached by the session dependency in the thread that opens the session.

A plain `def` route with `SessionDep` still takes four hops (the session's entry, the route,
the validation of its answer, the session's exit); the most frequent routes are `async def`
and do all their database work in one hop with `in_transaction`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, TypeVar

import anyio.to_thread
from fastapi import Depends, Query, Request
from pydantic import BeforeValidator
from pydantic_core import PydanticCustomError
from sqlalchemy import Connection
from sqlalchemy.orm import Session, make_transient_to_detached

from contextd.domain.errors import Unauthorized
from contextd.runtime import Runtime
from contextd.services.sources import SourceContext
from contextd.store.tables import User

T = TypeVar("T")
P = TypeVar("P")


def _runtime(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime


async def get_runtime(request: Request) -> Runtime:
    return _runtime(request)


def _attach_caller(session: Session, user_id: str) -> User:
    """The caller as a `User` of this session without a query: only its id is known (the
    middleware verified the key, from the database or from its cache of keys verified seconds
    ago), and every other column is loaded from the database the first time it is read. Most
    routes need only the id; those that read more (the webhook secret, say) see the row as it is
    now, never a cached copy."""
    user = User(id=user_id)
    make_transient_to_detached(user)  # persistent once added, its other columns unloaded
    session.add(user)
    return user


@contextmanager
def _transaction(request: Request) -> Iterator[Session]:
    """One transaction per request, committed before the response is sent. Reads (GET, HEAD)
    get a read-only transaction, so they never queue behind writers. The authenticated caller
    (see `current_user`) is attached here, in the same thread."""
    db = _runtime(request).db
    opener = db.read_session if request.method in ("GET", "HEAD") else db.session
    with opener() as session:
        user_id = getattr(request.state, "user_id", None)
        request.state.user = _attach_caller(session, user_id) if user_id else None
        yield session
    _committed(request)


def _committed(request: Request) -> None:
    """What a route asked to run once its transaction has committed (`request.state`)."""
    after_commit = getattr(request.state, "after_commit", None)
    if after_commit is not None:
        after_commit(request)


def get_session(request: Request) -> Iterator[Session]:
    with _transaction(request) as session:
        yield session


def _caller(request: Request) -> User:
    user: User | None = getattr(request.state, "user", None)
    if user is None:
        raise Unauthorized()
    return user


async def in_transaction(request: Request, work: Callable[[Session, User], T]) -> T:
    """`work(session, caller)` in the request's transaction, all in one threadpool hop (see the
    module's docstring); its exceptions reach the error handlers as a route's would."""

    def run() -> T:
        with _transaction(request) as session:
            return work(session, _caller(request))

    return await anyio.to_thread.run_sync(run)


def _caller_id(request: Request) -> str:
    user_id: str | None = getattr(request.state, "user_id", None)
    if user_id is None:
        raise Unauthorized()
    return user_id


async def in_read(request: Request, work: Callable[[Connection, str], T]) -> T:
    """`work(connection, caller's id)` in a read-only transaction without an ORM session, for
    the hottest point reads (see `Database.read_connection`): on the event loop on SQLite while
    a pooled connection is free (`Database.read_in_place`), else in one threadpool hop.

    Why on the loop: a SQLite read in WAL mode never waits for a writer, and a point read costs
    less than the hop that would carry it to a thread and back (two GIL hand-overs, each
    waiting for the loop while it serves other requests; bench/README.md, issue 15 part 4,
    thirteenth change). On PostgreSQL a read is a network round trip: it keeps its hop."""

    def run() -> T:
        user_id = _caller_id(request)
        with _runtime(request).db.read_connection() as connection:
            return work(connection, user_id)

    if _runtime(request).db.read_in_place():
        return run()
    return await anyio.to_thread.run_sync(run)


async def in_write(
    request: Request, prepare: Callable[[str], P], write: Callable[[Connection, P], T]
) -> T:
    """`prepare(caller's id)`, then `write(connection, prepared)` in a write transaction without
    an ORM session (see `Database.write_connection`), committed before the answer is sent; in
    one threadpool hop, for the most frequent write (create-source). `prepare` runs before the
    transaction: on SQLite, outside the one writer's lock."""

    def run() -> T:
        prepared = prepare(_caller_id(request))
        with _runtime(request).db.write_connection() as connection:
            answer = write(connection, prepared)
        _committed(request)
        return answer

    return await anyio.to_thread.run_sync(run)


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]
SessionDep = Annotated[Session, Depends(get_session, scope="function")]


async def current_user(request: Request, session: SessionDep) -> User:
    """The caller, authenticated (and counted by the rate limiter) by the middleware before the
    body was read; see `api.auth`. Attached to the request's session by `get_session`."""
    return _caller(request)


UserDep = Annotated[User, Depends(current_user)]


def source_context_of(runtime: Runtime) -> SourceContext:
    return SourceContext(
        blobs=runtime.blobs,
        policy=runtime.net_policy,
        postback_policy=runtime.postback_policy,
        max_attempts=runtime.settings.job_max_attempts,
        jobs=runtime.job_engine,
    )


async def source_context(runtime: RuntimeDep) -> SourceContext:
    return source_context_of(runtime)


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
