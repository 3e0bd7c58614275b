"""The ASGI application: routers, error mapping, middleware, and the embedded worker."""

from __future__ import annotations

import logging
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import partial

from fastapi import FastAPI

from contextd import __version__
from contextd.api import errors, hot, openapi
from contextd.api.middleware import RequestContextMiddleware
from contextd.api.ratelimit import RateLimiter
from contextd.api.routers import (
    artifacts,
    keys,
    postbacks,
    search,
    sources,
    spaces,
    system,
    uploads,
)
from contextd.runtime import Runtime
from contextd.web import dashboard

log = logging.getLogger(__name__)

DESCRIPTION = """
contextd is a self-hosted context server compatible with the Ctxfy API.

Every `/v1` route needs `Authorization: Bearer <api_key>` (the key is checked, and the request
counted by the rate limiter, before the body is read). Errors have the body
`{error, message, code, requestId}` (validation errors add `details: [{field, message}]`), every
response carries `X-Request-Id`, and every `/v1` response the `X-RateLimit-*` headers.

Input rules, the same for every field: booleans are JSON `true`/`false` only (in a query:
`true`/`false`); integers are JSON numbers without a fraction (`23` or `23.0`, never `23.5` or
`"23"`); text must not contain NUL characters or lone surrogates.

**Extensions** beyond the documented Ctxfy API are tagged "(extension)" or say so in their
description: artifacts, snapshots, turns, content, postback secrets and deliveries, collection
update/delete, the `force` flag of refresh, and search (`POST /v1/spaces/{spaceId}/search`).
"""


def _start_worker(app: FastAPI, runtime: Runtime) -> None:
    """Build and start the embedded worker: a child process (`CONTEXTD_WORKER_PROCESS`, which
    says `running` on /health once its runner has started), or threads in this process. A
    failure is logged and shown by /health (503, `worker.status` error), while the API keeps
    serving and jobs wait for a worker."""
    try:
        if runtime.settings.worker_process:
            from contextd.tasks.worker_process import WorkerProcess

            app.state.worker = WorkerProcess(runtime)
            app.state.worker.start()
            return
        from contextd.tasks.handlers import build_worker

        worker = build_worker(runtime)
        worker.start()
    except Exception:
        runtime.worker_state = "failed"
        log.exception("the embedded worker could not start; jobs wait for a worker")
        return
    app.state.worker = worker
    runtime.worker_state = "running"


def create_app(runtime: Runtime, *, embedded_worker: bool | None = None) -> FastAPI:
    settings = runtime.settings
    run_worker = settings.embedded_worker if embedded_worker is None else embedded_worker

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Load the embedding model in the background now, not on the first search or job (a
        # child worker process loads the snapshot's model itself: here only search's).
        warm = partial(runtime.warm_embedders, checks=not (run_worker and settings.worker_process))
        threading.Thread(target=warm, name="warm-embedder", daemon=True).start()
        # The embedded worker starts in the background too: importing the job handlers (the
        # whole pipeline) would otherwise delay the first request (bench/cold_start.py); jobs
        # queued meanwhile wait in the queue as they would for a busy worker.
        starter = threading.Thread(target=_start_worker, args=(app, runtime), name="start-worker")
        if run_worker:
            runtime.worker_state = "starting"
            starter.start()
        try:
            yield
        finally:
            if run_worker:
                starter.join()
            if app.state.worker is not None:
                app.state.worker.stop()

    app = FastAPI(
        title="contextd",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        generate_unique_id_function=openapi.operation_id,
    )
    app.state.runtime = runtime
    app.state.worker = None
    app.state.rate_limiter = RateLimiter(
        settings.rate_limit_storage_url, settings.rate_limit_per_minute
    )
    errors.install(app)
    for module in ROUTERS:
        app.include_router(module.router)
    dashboard.mount(app, _upload_origins(runtime))  # the web dashboard at /
    openapi.install(app, routes=list(app.router.routes))  # documented in this order
    _hot_first(app)
    get_source = hot.mirror_of(sources.router.routes, sources.get_source)
    app.router.routes.insert(0, hot.FastRead(get_source, sources.get_source_fast))
    create_source = hot.mirror_of(sources.router.routes, sources.create_source)
    app.router.routes.insert(1, hot.FastCreate(create_source, sources.create_source_fast))
    app.add_middleware(
        RequestContextMiddleware,
        app_state=app.state,
        max_body=settings.max_request_bytes,
        max_upload=settings.max_upload_bytes,
    )
    return app


ROUTERS = (system, keys, spaces, sources, uploads, artifacts, search, postbacks)
"""In the order of the OpenAPI document and the API reference."""
HOT = sources.router
"""Matched first: get-source and create-source are the most frequent requests, and FastAPI
tries a request's path against every route of every router included before the one that
has it (about an eighth of get-source's CPU with `sources` fourth, behind 18 routes). No route
of another router matches a path of this one (tests/api/test_routing_order.py), so moving it
changes which route answers nothing, only how soon it is found."""


def _hot_first(app: FastAPI) -> None:
    """Move the routes of `HOT` to the front of the app's route list (matching only: the
    OpenAPI document keeps the declared order, `openapi.install(routes=...)`)."""
    routes = app.router.routes
    hot = [r for r in routes if getattr(r, "original_router", None) is HOT]
    app.router.routes = hot + [r for r in routes if r not in hot]


def _upload_origins(runtime: Runtime) -> list[str]:
    """Where the dashboard's browser sends upload bytes: the presigned URLs' origin (the object
    store's, found by presigning a probe key, which needs no network) and the public URL's."""
    probe = runtime.blobs.presign_put("uploads/probe", "text/plain", 1, 60)
    urls = [runtime.settings.base_url, probe] if probe else [runtime.settings.base_url]
    return [origin for url in urls if (origin := dashboard.origin_of(url))]
