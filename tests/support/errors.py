"""The documented error body, checked the same way everywhere."""

from __future__ import annotations

from typing import Any

import httpx


def assert_error(
    response: httpx.Response, status: int, *, contains: str | None = None
) -> dict[str, Any]:
    """Every error has exactly the documented shape, and the request id is echoed."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) - {"details"} == {"error", "message", "code", "requestId"}, body
    assert body["code"] == status
    assert body["requestId"].startswith("req_") or body["requestId"]
    assert response.headers["x-request-id"] == body["requestId"]
    assert isinstance(body["message"], str) and body["message"]
    if contains:
        assert contains.lower() in body["message"].lower(), body["message"]
    return dict(body)
