"""A local HTTP server speaking the rerank protocol of Cohere, Jina, vLLM and Infinity.

`POST /v1/rerank` takes `{model, query, documents, top_n}` and answers
`{id, results: [{index, relevance_score}, ...], meta}`, best first, as those servers do. Its
scores are scripted: by default a document scores higher the later it came (so a reranked order
is the fused order reversed, easy to tell apart), and `fail` makes it answer an error status, a
slow reply or an unreadable body instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from contextd.testing import ThreadedServer


@dataclass
class FakeRerankServer:
    url: str = ""  # the API root, as CONTEXTD_RERANK_URL takes it
    requests: list[tuple[dict[str, str], dict[str, Any]]] = field(default_factory=list)
    status: int = 200
    delay: float = 0.0
    raw: bytes | None = None  # sent as is instead of results

    async def rerank(self, request: Request) -> Response:
        body = await request.json()
        self.requests.append((dict(request.headers), body))
        if self.delay:
            await asyncio.sleep(self.delay)
        if self.raw is not None:
            return Response(self.raw, status_code=self.status, media_type="application/json")
        if self.status != 200:
            return JSONResponse({"detail": "scripted failure"}, status_code=self.status)
        documents = body["documents"]
        scored = [
            {"index": i, "relevance_score": (i + 1) / len(documents)} for i in range(len(documents))
        ]
        scored.sort(key=lambda r: -r["relevance_score"])
        top_n = body.get("top_n") or len(documents)
        return JSONResponse(
            {
                "id": f"rerank-{len(self.requests)}",
                "results": scored[:top_n],
                "meta": {"billed_units": {"search_units": 1}},
            }
        )


@contextmanager
def rerank_server() -> Iterator[FakeRerankServer]:
    fake = FakeRerankServer()
    app = Starlette(routes=[Route("/v1/rerank", fake.rerank, methods=["POST"])])
    with ThreadedServer(app, timeout_graceful_shutdown=1) as server:
        fake.url = server.url + "/v1"
        yield fake
