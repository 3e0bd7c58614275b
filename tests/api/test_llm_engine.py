"""The optional LLM snapshot engine, configured by the operator, through the real job runner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from contextd.api.app import create_app
from contextd.pipeline.tokens import count_tokens
from contextd.runtime import Runtime
from contextd.testing import ThreadedServer
from tests.support.factories import transcript
from tests.support.fake_openai import (
    FakeModelServer,
    Reply,
    note_taker,
    request_kind,
    seen_turns,
)
from tests.support.service import Service
from tests.support.settings import make_settings

ANSWER = """## Goal
- Build a lease-based job queue, so that crashed jobs are retried [t3]

## Decisions
- PostgreSQL with SQLAlchemy 2 for persistence [t1]

## Next steps
- Add rate limiting at 100 requests per minute [t7]
"""


@pytest.fixture
def model() -> Iterator[FakeModelServer]:
    fake = FakeModelServer()
    app = Starlette(routes=[Route("/v1/chat/completions", fake.chat_completions, methods=["POST"])])
    with ThreadedServer(app, timeout_graceful_shutdown=1) as server:
        fake.url = server.url + "/v1"
        yield fake


def serve_llm(model: FakeModelServer, tmp_path: Path, **overrides: Any) -> Iterator[Service]:
    """Its own database: the session's service runs a worker without the LLM configured."""
    settings = make_settings(
        tmp_path,
        f"sqlite:///{tmp_path / 'llm.db'}",
        snapshot_engine="llm",
        llm_url=model.url,
        llm_model="local-model",
        llm_timeout_seconds=2.0,
        embedded_worker=True,
        **overrides,
    )
    runtime = Runtime.build(settings)
    with ThreadedServer(create_app(runtime)) as server:
        yield Service(runtime, server.url)
    runtime.close()


@pytest.fixture
def llm_service(model: FakeModelServer, tmp_path: Path) -> Iterator[Service]:
    yield from serve_llm(model, tmp_path, llm_api_key="sk-local")


@pytest.fixture
def small_window_service(model: FakeModelServer, tmp_path: Path) -> Iterator[Service]:
    """A local model without a key, run with a 2,048-token window."""
    yield from serve_llm(model, tmp_path, llm_context_tokens=2048)


def test_the_llm_engine_writes_the_snapshot(llm_service: Service, model: FakeModelServer) -> None:
    model.answer(ANSWER)
    with llm_service.client() as client:
        space = client.space()
        source = client.source(
            space["id"], {"type": "CONTENT", "initial_data": {"data": transcript(40)}}
        )
        done = client.wait(source["id"])
        assert done["snapshot"]["engine"] == "llm:local-model"
        snapshot = client.get(f"/v1/sources/{source['id']}/snapshot").json()
        assert "crashed jobs are retried [t3]" in snapshot["content"]
        assert snapshot["turn_indexes"][:3] == [1, 3, 7]
    [request] = model.requests
    assert request.body["model"] == "local-model"
    assert request.headers["authorization"] == "Bearer sk-local"


def test_a_failing_llm_falls_back_to_the_builtin_engine_and_says_so(
    llm_service: Service, model: FakeModelServer
) -> None:
    model.answer(Reply(status=500))
    with llm_service.client() as client:
        space = client.space()
        source = client.source(
            space["id"], {"type": "CONTENT", "initial_data": {"data": transcript(40)}}
        )
        done = client.wait(source["id"])
        assert done["status"] == "COMPLETED"
        assert done["snapshot"]["engine"].startswith("builtin")
        assert "LLM engine failed (HTTP 500" in done["snapshot"]["note"]


def test_a_source_can_ask_for_the_builtin_engine(
    llm_service: Service, model: FakeModelServer
) -> None:
    with llm_service.client() as client:
        space = client.space()
        source = client.source(
            space["id"],
            {"type": "CONTENT", "initial_data": {"data": transcript(20)},
             "instructions": {"snapshot_engine": "builtin"}},
        )  # fmt: skip
        done = client.wait(source["id"])
        assert done["snapshot"]["engine"] == "builtin"
    assert model.requests == []


def test_a_long_conversation_is_mapped_and_fast_forwarded_by_the_llm(
    small_window_service: Service, model: FakeModelServer
) -> None:
    model.responder = note_taker()
    with small_window_service.client() as client:
        space = client.space()
        source = client.source(
            space["id"], {"type": "CONTENT", "initial_data": {"data": transcript(120)}}
        )
        done = client.wait(source["id"])
        assert done["snapshot"]["engine"] == "llm:local-model"
        assert done["snapshot"]["note"].startswith("map-reduce: ")
        kinds = [request_kind(r.body) for r in model.requests]
        assert kinds.count("map") >= 2 and kinds[-1] == "final"
        first = len(model.requests)

        more = "\n\n".join(
            f"User: Turn {i}. Should the export job write Parquet files of {i} MB?\n\n"
            f"Assistant: Turn {i + 1}. Yes: Parquet files of {i} MB, written nightly."
            for i in range(120, 200, 2)
        )
        merged = client.fast_forward(source["id"], more)
        assert merged["snapshot"]["engine"] == "llm:local-model"
        assert merged["snapshot"]["note"].startswith("fast-forward: ")
    later = model.requests[first:]
    mapped = {n for r in later if request_kind(r.body) == "map" for n in seen_turns(r.body)}
    assert mapped == set(range(120, 200))  # only the appended turns are read
    for recorded in model.requests:
        assert "authorization" not in recorded.headers
        messages = recorded.body["messages"]
        prompt = sum(count_tokens(m["content"]) for m in messages)
        assert prompt + recorded.body["max_tokens"] <= 2048
