"""The optional LLM snapshot engine, configured by the operator, through the real job runner."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.routing import Route

from contextd.api.app import create_app
from contextd.runtime import Runtime
from contextd.testing import ThreadedServer
from tests.support.factories import transcript
from tests.support.fake_openai import FakeModelServer, Reply
from tests.support.service import Service
from tests.support.settings import make_settings

ANSWER = """## Goal
- Build the service with a durable job queue [t1]

## Decisions
- PostgreSQL with SQLAlchemy 2 for persistence [t1, t3]

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


@pytest.fixture
def llm_service(model: FakeModelServer, tmp_path: Path) -> Iterator[Service]:
    """Its own database: the session's service runs a worker without the LLM configured."""
    settings = make_settings(
        tmp_path,
        f"sqlite:///{tmp_path / 'llm.db'}",
        snapshot_engine="llm",
        llm_url=model.url,
        llm_model="local-model",
        llm_api_key="sk-local",
        llm_timeout_seconds=2.0,
        embedded_worker=True,
    )
    runtime = Runtime.build(settings)
    with ThreadedServer(create_app(runtime)) as server:
        yield Service(runtime, server.url)
    runtime.close()


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
        assert "durable job queue [t1]" in snapshot["content"]
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
