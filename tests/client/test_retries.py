"""Retries against a real loopback server that answers from a script: what is retried, how
long the SDK waits (recorded through an injected sleep, not timed), and what is raised."""

from __future__ import annotations

import asyncio
import json
import socket
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import pytest

from contextd.client import (
    APIConnectionError,
    AsyncClient,
    Client,
    NotFoundError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    Space,
    WaitTimeout,
)
from contextd.client.errors import parse_retry_after
from tests.support.sdk import ScriptedServer

SPACE = {"id": "sp_1", "name": "s", "description": None, "created_at": "2026-01-01T00:00:00Z",
         "updated_at": "2026-01-01T00:00:00Z", "added_by_a_newer_server": {"x": 1}}  # fmt: skip
SOURCE = {"id": "src_1", "spaceId": "sp_1", "type": "CONTENT", "status": "PENDING"}


def error(status: int, rid: str = "req_abc123") -> dict[str, object]:
    return {"error": "Err", "message": f"failed with {status}", "code": status, "requestId": rid}


def sdk(server: ScriptedServer, delays: list[float], **kwargs: Any) -> Client:
    return Client(server.url, "key", sleep=delays.append, **kwargs)


def test_429_is_retried_after_the_retry_after_seconds(scripted: ScriptedServer) -> None:
    scripted.reply((429, {"Retry-After": "3"}, error(429)), (200, {}, SPACE))
    delays: list[float] = []
    with sdk(scripted, delays) as c:
        space = c.spaces.get("sp_1")
    assert isinstance(space, Space) and space.id == "sp_1"
    assert delays == [3.0]
    assert len(scripted.requests) == 2
    # Unknown fields are kept, not refused.
    assert space.model_extra == {"added_by_a_newer_server": {"x": 1}}
    assert scripted.requests[0][2]["Authorization"] == "Bearer key"


def test_retry_after_as_an_http_date(scripted: ScriptedServer) -> None:
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
    scripted.reply((429, {"Retry-After": when}, error(429)), (200, {}, SPACE))
    delays: list[float] = []
    with sdk(scripted, delays) as c:
        c.spaces.get("sp_1")
    assert len(delays) == 1 and 27 <= delays[0] <= 30


def test_a_rate_limited_post_is_retried_too(scripted: ScriptedServer) -> None:
    """A 429 means the server refused before acting, so even a create is safe to resend."""
    scripted.reply((429, {"Retry-After": "1"}, error(429)), (201, {}, SOURCE))
    delays: list[float] = []
    with sdk(scripted, delays) as c:
        source = c.sources.create_content("sp_1", "User: hi")
    assert source.id == "src_1" and delays == [1.0]
    assert [r[0] for r in scripted.requests] == ["POST", "POST"]


def test_5xx_on_a_get_backs_off_exponentially_with_jitter(scripted: ScriptedServer) -> None:
    scripted.reply((503, {}, error(503)), (502, {}, b"bad gateway"), (200, {}, SPACE))
    delays: list[float] = []
    policy = RetryPolicy(max_retries=3, backoff_base=0.5)
    with sdk(scripted, delays, retry=policy) as c:
        assert c.spaces.get("sp_1").name == "s"
    assert len(delays) == 2
    assert 0.25 <= delays[0] <= 0.5 and 0.5 <= delays[1] <= 1.0


def test_5xx_on_a_create_is_not_retried(scripted: ScriptedServer) -> None:
    """The create may have happened before the failure: resending could make a duplicate."""
    scripted.reply((500, {"X-Request-Id": "req_fromheader1"}, b"<html>oops</html>"))
    delays: list[float] = []
    with sdk(scripted, delays) as c, pytest.raises(ServerError) as raised:
        c.sources.create_content("sp_1", "User: hi")
    assert len(scripted.requests) == 1 and delays == []
    assert raised.value.status_code == 500
    assert raised.value.request_id == "req_fromheader1"  # no JSON body: the header's id


def test_5xx_on_search_is_retried_because_it_is_a_read(scripted: ScriptedServer) -> None:
    ok = {"query": "q", "mode": "hybrid", "results": [], "took_ms": 1.0}
    scripted.reply((503, {"Retry-After": "0"}, error(503)), (200, {}, ok))
    delays: list[float] = []
    with sdk(scripted, delays) as c:
        assert c.search("sp_1", "q").results == []
    assert delays == [0.0]


def test_retries_run_out_into_a_typed_rate_limit_error(scripted: ScriptedServer) -> None:
    scripted.reply((429, {"Retry-After": "2"}, error(429, "req_limited42")))
    delays: list[float] = []
    with sdk(scripted, delays, max_retries=2) as c, pytest.raises(RateLimitError) as raised:
        c.spaces.list().page(1)
    assert delays == [2.0, 2.0] and len(scripted.requests) == 3
    err = raised.value
    assert (err.status_code, err.code, err.retry_after) == (429, 429, 2.0)
    assert err.request_id == "req_limited42"
    assert "req_limited42" in str(err)


def test_a_retry_after_beyond_the_limit_is_not_waited_out(scripted: ScriptedServer) -> None:
    scripted.reply((429, {"Retry-After": "3600"}, error(429)))
    delays: list[float] = []
    with sdk(scripted, delays) as c, pytest.raises(RateLimitError) as raised:
        c.spaces.get("sp_1")
    assert delays == [] and raised.value.retry_after == 3600.0


def test_client_errors_are_not_retried_and_carry_the_body(scripted: ScriptedServer) -> None:
    scripted.reply((404, {"X-Request-Id": "req_other"}, error(404, "req_body1234")))
    delays: list[float] = []
    with sdk(scripted, delays) as c, pytest.raises(NotFoundError) as raised:
        c.sources.get("nope")
    assert delays == [] and len(scripted.requests) == 1
    assert raised.value.request_id == "req_body1234"  # the body's id wins
    assert raised.value.message == "failed with 404"


def test_connection_refused_is_retried_then_raised() -> None:
    with socket.socket() as sock:  # a port that nothing listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    delays: list[float] = []
    with (
        Client(f"http://127.0.0.1:{port}", "k", sleep=delays.append, max_retries=2) as c,
        pytest.raises(APIConnectionError),
    ):
        c.sources.create_content("sp_1", "User: hi")  # never sent, so safe even for a POST
    assert len(delays) == 2


def test_async_client_retries_the_same_way(scripted: ScriptedServer) -> None:
    delays: list[float] = []

    async def record(seconds: float) -> None:
        delays.append(seconds)

    async def run() -> None:
        async with AsyncClient(scripted.url, "key", sleep=record) as c:
            scripted.reply((429, {"Retry-After": "5"}, error(429)), (200, {}, SPACE))
            assert (await c.spaces.get("sp_1")).id == "sp_1"
            scripted.reply((503, {}, error(503)))
            with pytest.raises(ServerError) as raised:
                await c.sources.create_content("sp_1", "User: hi")
            assert raised.value.request_id == "req_abc123"
            assert len(scripted.requests) == 1

    asyncio.run(run())
    assert delays == [5.0]


def test_parse_retry_after() -> None:
    now = datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_retry_after("120") == 120.0
    assert parse_retry_after("Thu, 01 Jan 2026 12:00:10 GMT", now=now) == 10.0
    assert parse_retry_after("Thu, 01 Jan 2026 11:00:00 GMT", now=now) == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None


def test_wait_until_done_gives_up_with_the_last_state_seen(scripted: ScriptedServer) -> None:
    scripted.reply((200, {}, SOURCE))
    with Client(scripted.url, "key") as c, pytest.raises(WaitTimeout) as raised:
        c.sources.wait_until_done("src_1", timeout=0.2, poll_interval=0.05)
    assert raised.value.source.status == "PENDING" and "src_1" in str(raised.value)
    assert isinstance(raised.value, TimeoutError)
    assert 2 <= len(scripted.requests) <= 6


def test_a_final_status_ends_the_wait(scripted: ScriptedServer) -> None:
    failed = {**SOURCE, "status": "FAILED", "message": "could not fetch"}
    scripted.reply(
        (200, {}, SOURCE), (200, {}, {**SOURCE, "status": "PROCESSING"}), (200, {}, failed)
    )
    delays: list[float] = []
    with sdk(scripted, delays) as c:
        done = c.sources.wait_until_done("src_1", poll_interval=0.25)
    assert (done.status, done.message) == ("FAILED", "could not fetch")
    assert delays == [0.25, 0.25]


def test_unknown_enum_values_from_a_newer_server_are_kept(scripted: ScriptedServer) -> None:
    scripted.reply((200, {}, {**SOURCE, "status": "ARCHIVED", "type": "AUDIO"}))
    with Client(scripted.url, "key") as c:
        source = c.sources.get("src_1")
    assert (source.status, source.type) == ("ARCHIVED", "AUDIO")
    assert not source.status.is_final


def test_the_upload_put_goes_to_the_presigned_url_without_the_api_key(
    scripted: ScriptedServer, tmp_path: Path
) -> None:
    path = tmp_path / "a.txt"
    path.write_bytes(b"hello")
    presigned = {"uploadUrl": f"{scripted.url}/bucket/k?X-Sig=abc", "fileKey": "k", "publicUrl": ""}
    scripted.reply((200, {}, presigned), (200, {}, b""))
    with Client(scripted.url, "key") as c:
        upload = c.uploads.upload(path)
    assert upload.file_key == "k"
    (_, _, first, sent), (method, url, headers, body) = scripted.requests
    assert json.loads(sent) == {"filename": "a.txt", "contentType": "text/plain", "size": 5}
    assert first["Authorization"] == "Bearer key"
    assert (method, url, body) == ("PUT", "/bucket/k?X-Sig=abc", b"hello")
    assert "Authorization" not in headers and headers["Content-Type"] == "text/plain"
    assert headers["Content-Length"] == "5"
