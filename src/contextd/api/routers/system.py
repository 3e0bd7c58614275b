from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from contextd.api.deps import RuntimeDep

router = APIRouter(tags=["System"])


HEALTH = {
    "type": "object",
    "required": ["status", "dependencies"],
    "properties": {
        "status": {"type": "string", "enum": ["ok", "degraded"]},
        "dependencies": {"type": "object", "additionalProperties": {"type": "object"}},
    },
}


@router.get(
    "/health",
    responses={
        200: {
            "description": "Everything is up",
            "content": {"application/json": {"schema": HEALTH}},
        },
        503: {
            "description": "A dependency is down",
            "content": {"application/json": {"schema": HEALTH}},
        },
    },
)
def health(runtime: RuntimeDep) -> JSONResponse:
    """Service health with its dependencies; 503 when one is down. No authentication.

    The built-in embedding model loads in the background at start-up: `embedder.model` says
    `loading` until it is ready (sources are accepted meanwhile; their jobs wait for it). The
    embedded worker starts in the background too: `worker.state` is `starting`, `running` or
    `failed`."""
    checks: dict[str, Any] = {}
    try:
        with runtime.db.engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        checks["database"] = {"status": "ok", "backend": runtime.db.engine.dialect.name}
    except Exception as exc:
        checks["database"] = {"status": "error", "error": type(exc).__name__}
    try:
        runtime.blobs.check()
        checks["storage"] = {"status": "ok"}
    except Exception as exc:
        checks["storage"] = {"status": "error", "error": type(exc).__name__}
    if runtime.embedder_state != "idle":  # the built-in model, loading in the background
        state = runtime.embedder_state
        checks["embedder"] = {"status": "error" if state == "failed" else "ok", "model": state}
    if runtime.worker_state != "idle":  # the embedded worker, started in the background
        state = runtime.worker_state
        checks["worker"] = {"status": "error" if state == "failed" else "ok", "state": state}
    ok = all(c["status"] == "ok" for c in checks.values())
    return JSONResponse(
        {"status": "ok" if ok else "degraded", "dependencies": checks},
        status_code=200 if ok else 503,
    )


@router.get(
    "/metrics",
    response_class=Response,
    responses={
        200: {
            "description": "Prometheus text exposition format",
            "content": {"text/plain": {"schema": {"type": "string"}}},
        }
    },
)
def metrics() -> Response:
    """Prometheus text exposition. No authentication."""
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
