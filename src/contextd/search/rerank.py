"""The optional rerank step: a second opinion on the best fused candidates.

A `Reranker` scores (query, document) pairs; search sends it the text of the top `candidates`
fused chunks and orders them by its scores before cutting to `top_k`. The one implementation is
`HttpReranker`: any server speaking the de-facto rerank protocol that Cohere, Jina, vLLM,
Infinity and LocalAI share (`POST {url}/rerank` with `{model, query, documents, top_n}`,
answering `{results: [{index, relevance_score}, ...]}`), e.g. a cross-encoder such as
bge-reranker served locally. `CONTEXTD_RERANK_URL` is the API root (`http://host:port/v1`).

A reranker that fails (unreachable, an error status, an unreadable answer, a timeout) raises
`RerankError`; search then answers in the fused order and says so in the response.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:  # imported where used: a server start need not pay for httpx
    import httpx

MAX_DOCUMENT_CHARS = 4000  # rerankers read a few hundred tokens; no need to send more


class RerankError(Exception):
    """The reranker gave no usable answer."""


class Reranker(Protocol):
    name: str

    def rerank(self, query: str, documents: Sequence[str]) -> list[float]:
        """One relevance score per document, in the documents' order (higher is better)."""
        ...


class HttpReranker:
    """A `/rerank` endpoint (Cohere / Jina / vLLM / Infinity wire format)."""

    def __init__(
        self,
        base_url: str,
        model: str,
        api_key: str | None = None,
        timeout: float = 10.0,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.name = model
        self._model = model
        self._url = base_url.rstrip("/") + "/rerank"
        import httpx

        headers = {"Authorization": f"Bearer {api_key}"} if api_key else {}
        self._client = httpx.Client(
            headers=headers, timeout=timeout, transport=transport, follow_redirects=False
        )

    def rerank(self, query: str, documents: Sequence[str]) -> list[float]:
        if not documents:
            return []
        body = {
            "model": self._model,
            "query": query,
            "documents": [d[:MAX_DOCUMENT_CHARS] for d in documents],
            "top_n": len(documents),
            "return_documents": False,
        }
        import httpx

        try:
            response = self._client.post(self._url, json=body)
        except httpx.HTTPError as exc:
            raise RerankError(f"rerank endpoint unreachable: {type(exc).__name__}") from exc
        if response.status_code != 200:
            raise RerankError(f"rerank endpoint answered HTTP {response.status_code}")
        try:
            return _scores(response.json(), len(documents))
        except (ValueError, TypeError, KeyError) as exc:
            raise RerankError(f"unreadable rerank answer: {exc}") from exc

    def close(self) -> None:
        self._client.close()


def _scores(payload: Any, count: int) -> list[float]:
    """Scores by document index from `{results: [{index, relevance_score}, ...]}` (in any
    order); every document must have one, since `top_n` asked for all of them."""
    results = payload.get("results") if isinstance(payload, dict) else None
    if not isinstance(results, list):
        raise ValueError("no results list")
    scores: list[float | None] = [None] * count
    for item in results:
        index = item["index"]
        value = item.get("relevance_score", item.get("score"))
        if not isinstance(index, int) or not 0 <= index < count:
            raise ValueError(f"bad index {index!r}")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ValueError(f"bad score {value!r}")
        if not math.isfinite(value):
            raise ValueError(f"bad score {value!r}")
        scores[index] = float(value)
    missing = sum(score is None for score in scores)
    if missing:
        raise ValueError(f"{missing} of {count} documents not scored")
    return [score for score in scores if score is not None]
