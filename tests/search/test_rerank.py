"""The optional rerank step: a real local server speaking the `/rerank` protocol, and the API."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from contextd.api.app import create_app
from contextd.runtime import Runtime
from contextd.search.rerank import HttpReranker, RerankError
from contextd.testing import ThreadedServer
from tests.search.fake_rerank import FakeRerankServer, rerank_server
from tests.support.search import index, search
from tests.support.service import Client, Service
from tests.support.settings import make_settings

QUERY = "webhook retries queue thumbnails"


@pytest.fixture(scope="module")
def reranking(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[FakeRerankServer, Client]]:
    """A service configured with the fake endpoint, and a client of it."""
    tmp: Path = tmp_path_factory.mktemp("rerank")
    with rerank_server() as fake:
        settings = make_settings(
            tmp / "data",
            f"sqlite:///{tmp / 'rerank.db'}",
            rerank_url=fake.url,
            rerank_model="bge-reranker-test",
            rerank_api_key="rk-test",
            rerank_timeout_seconds=1.0,
        )
        runtime = Runtime.build(settings)
        try:
            with (
                ThreadedServer(create_app(runtime)) as server,
                Service(runtime, server.url).client() as client,
            ):
                yield fake, client
        finally:
            runtime.close()


@pytest.fixture
def fake(reranking: tuple[FakeRerankServer, Client]) -> FakeRerankServer:
    server = reranking[0]
    server.status, server.delay, server.raw = 200, 0.0, None
    server.requests.clear()
    return server


@pytest.fixture(scope="module")
def space_id(reranking: tuple[FakeRerankServer, Client]) -> str:
    space, _ = index(reranking[1])
    return str(space["id"])


def ids(found: dict[str, Any]) -> list[int]:
    return [r["chunkId"] for r in found["results"]]


def test_http_reranker_speaks_the_rerank_protocol(fake: FakeRerankServer) -> None:
    reranker = HttpReranker(fake.url, "bge-reranker-test", api_key="rk-test", timeout=5)
    try:
        scores = reranker.rerank("which one?", ["first", "second", "third", "fourth"])
    finally:
        reranker.close()
    assert scores == [0.25, 0.5, 0.75, 1.0]  # by index, though the answer came best first
    [(headers, body)] = fake.requests
    assert headers["authorization"] == "Bearer rk-test"
    assert body == {
        "model": "bge-reranker-test",
        "query": "which one?",
        "documents": ["first", "second", "third", "fourth"],
        "top_n": 4,
        "return_documents": False,
    }


@pytest.mark.parametrize(
    "script",
    [
        {"status": 500},
        {"status": 401},
        {"delay": 2.0},
        {"raw": b"<html>not json</html>"},
        {"raw": b'{"results": [{"index": 0, "relevance_score": 0.9}]}'},  # others not scored
        {"raw": b'{"results": [{"index": 7, "relevance_score": 0.9}]}'},
        {"raw": b'{"results": [{"index": 0, "relevance_score": "high"}]}'},
    ],
)
def test_http_reranker_raises_on_any_unusable_answer(
    fake: FakeRerankServer, script: dict[str, Any]
) -> None:
    for name, value in script.items():
        setattr(fake, name, value)
    reranker = HttpReranker(fake.url, "m", timeout=0.5)
    try:
        with pytest.raises(RerankError):
            reranker.rerank("q", ["a", "b"])
    finally:
        reranker.close()


def test_results_are_reranked_by_the_configured_endpoint(
    reranking: tuple[FakeRerankServer, Client], fake: FakeRerankServer, space_id: str
) -> None:
    client = reranking[1]
    fused = search(client, space_id, QUERY, mode="lexical", top_k=100, rerank=False)
    assert not fused["reranked"] and fused["rerank_error"] is None
    assert not fake.requests  # rerank false: the endpoint is not called
    candidates = ids(fused)
    assert len(candidates) >= 3

    found = search(client, space_id, QUERY, mode="lexical", top_k=2)  # on by default
    assert found["reranked"] and found["rerank_model"] == "bge-reranker-test"
    assert found["rerank_error"] is None
    # The fake prefers later documents: the reranker saw every candidate, before the cut.
    assert ids(found) == candidates[::-1][:2]
    for result in found["results"]:
        assert result["scores"]["rerank"] == result["score"]
        assert result["scores"]["lexical"] is not None
    [(headers, body)] = fake.requests
    assert headers["authorization"] == "Bearer rk-test"
    assert body["model"] == "bge-reranker-test" and body["query"] == QUERY
    assert body["top_n"] == len(candidates) == len(body["documents"])
    # Each candidate's title (a heading path, an artifact's name), then its text.
    assert body["documents"] == [
        f"{r['title']}\n{r['text']}" if r["title"] else r["text"] for r in fused["results"]
    ]


def test_hybrid_results_are_reranked_too(
    reranking: tuple[FakeRerankServer, Client], fake: FakeRerankServer, space_id: str
) -> None:
    found = search(reranking[1], space_id, "payment events overwhelm the server", rerank=True)
    assert found["mode"] == "hybrid" and found["reranked"]
    scores = [r["scores"]["rerank"] for r in found["results"]]
    assert scores == sorted(scores, reverse=True) and None not in scores
    assert len(fake.requests) == 1


@pytest.mark.parametrize(
    ("script", "reason"),
    [
        ({"status": 503}, "HTTP 503"),
        ({"delay": 2.0}, "unreachable: ReadTimeout"),
        ({"raw": b"{}"}, "unreadable"),
    ],
)
def test_a_failing_endpoint_leaves_the_fused_order_and_says_so(
    reranking: tuple[FakeRerankServer, Client],
    fake: FakeRerankServer,
    space_id: str,
    script: dict[str, Any],
    reason: str,
) -> None:
    client = reranking[1]
    fused = search(client, space_id, QUERY, mode="lexical", top_k=3, rerank=False)
    for name, value in script.items():
        setattr(fake, name, value)
    found = search(client, space_id, QUERY, mode="lexical", top_k=3)
    assert found["reranked"] is False and found["rerank_model"] is None
    assert reason in found["rerank_error"]
    assert ids(found) == ids(fused)
    assert [r["score"] for r in found["results"]] == [r["score"] for r in fused["results"]]
    assert all(r["scores"]["rerank"] is None for r in found["results"])


def test_without_a_reranker_asking_for_one_says_it_is_not_configured(client: Client) -> None:
    space, _ = index(client)
    plain = search(client, space["id"], QUERY, mode="lexical")
    assert plain["reranked"] is False and plain["rerank_error"] is None
    asked = search(client, space["id"], QUERY, mode="lexical", rerank=True)
    assert asked["reranked"] is False and "no reranker is configured" in asked["rerank_error"]
    assert ids(asked) == ids(plain)
    assert all(r["scores"]["rerank"] is None for r in asked["results"])
