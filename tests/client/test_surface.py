"""The SDK's shape: every server endpoint has a sync and an async method, both clients offer
the same methods, and the SDK imports nothing of the server."""

from __future__ import annotations

import inspect
import subprocess
import sys

import httpx

from contextd.client import AsyncClient, Client
from contextd.client._routes import METHODS, ROUTES
from tests.support.service import Service

NAMESPACES = ["keys", "spaces", "collections", "sources", "uploads", "artifacts", "postbacks"]


def api_operations(spec: dict[str, object]) -> set[tuple[str, str]]:
    """The API's operations; the routes of the web UI are not the SDK's business."""
    paths = spec["paths"]
    assert isinstance(paths, dict)
    return {
        (method.upper(), path)
        for path, operations in paths.items()
        for method in operations
        if path.startswith(("/v1/", "/uploads/")) or path in ("/health", "/metrics")
    }


def test_every_endpoint_has_a_sync_and_an_async_method(service: Service) -> None:
    spec = httpx.get(f"{service.url}/openapi.json").json()
    operations = api_operations(spec)
    assert len(operations) >= 40

    missing = sorted(op for op in operations if op not in METHODS)
    assert not missing, f"endpoints without an SDK method: {missing}"
    for op in operations:
        owners = METHODS[op]
        assert any(not o.startswith("Async") for o in owners), f"no sync method for {op}"
        assert any(o.startswith("Async") for o in owners), f"no async method for {op}"
    stale = sorted(set(ROUTES) - operations)
    assert not stale, f"SDK routes the server does not have: {stale}"


def public_methods(obj: object) -> dict[str, inspect.Signature]:
    return {
        name: inspect.signature(getattr(obj, name))
        for name in dir(obj)
        if not name.startswith("_") and callable(getattr(obj, name))
    }


def test_sync_and_async_clients_have_the_same_surface() -> None:
    sync, async_ = Client("http://127.0.0.1:9"), AsyncClient("http://127.0.0.1:9")
    try:
        assert public_methods(sync).keys() == public_methods(async_).keys()
        for namespace in NAMESPACES:
            left = public_methods(getattr(sync, namespace))
            right = public_methods(getattr(async_, namespace))
            assert left.keys() == right.keys(), namespace
            for name, signature in left.items():
                params = list(signature.parameters)
                assert params == list(right[name].parameters), f"{namespace}.{name}"
    finally:
        sync.close()


def test_the_sdk_imports_nothing_of_the_server() -> None:
    code = "import sys, contextd.client\nprint('\\n'.join(sorted(m for m in sys.modules)))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.split()
    ours = [m for m in loaded if m.startswith("contextd")]
    assert all(m == "contextd" or m.startswith("contextd.client") for m in ours), ours
    heavy = {"fastapi", "sqlalchemy", "starlette", "uvicorn", "torch", "numpy", "alembic"}
    assert not heavy & {m.split(".")[0] for m in loaded}
