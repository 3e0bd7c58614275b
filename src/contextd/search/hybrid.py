"""Hybrid search: lexical and vector rankings fused by a convex combination of their scores.

Each side's scores are min-max normalized over its own candidates (so BM25, `ts_rank` and
cosine similarity need no calibration against each other), and a chunk's fused score is
`LEXICAL_WEIGHT * lexical + (1 - LEXICAL_WEIGHT) * vector`, 0 for a side that did not return
it. Unlike reciprocal rank fusion (RRF), this keeps how far apart the scores are: a vector hit
that is barely in the candidate pool cannot push out a strong lexical match, which RRF's
rank-only scores did (on LoCoMo conversations RRF ranked below lexical search alone; see
evals/locomo_search.py). An empty side (a query of stopwords only, chunks not embedded yet)
leaves the other side's order unchanged.

Optional rerank step: with a `Reranker` (search/rerank.py), the best `RERANK_CANDIDATES`
chunks of the chosen mode are sent to it and ordered by its scores before the cut to `top_k`.
When it fails, the results keep the fused order and the outcome says why.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from contextd.domain.enums import SearchMode as Mode
from contextd.pipeline.embed import Embedder
from contextd.search.filters import SearchFilters
from contextd.search.lexical import lexical_search
from contextd.search.rerank import Reranker, RerankError
from contextd.search.vector import VectorIndex
from contextd.store.tables import Chunk, Source

# Weight of the lexical side; lexical search is the stronger of the two with the default
# embedding model (all-MiniLM-L6-v2) on conversations. Chosen on LoCoMo's dev conversations.
LEXICAL_WEIGHT = 0.7
# How many of the best fused chunks a reranker sees (more when top_k asks for more).
RERANK_CANDIDATES = 50

log = logging.getLogger(__name__)
# Threads that embed queries beside the lexical query (embedders serialize their own runs).
_EMBEDDING = ThreadPoolExecutor(max_workers=4, thread_name_prefix="query-embedding")


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    source: Source
    score: float
    lexical: float | None
    vector: float | None
    rerank: float | None = None


@dataclass(frozen=True)
class SearchOutcome:
    hits: list[Hit]
    reranker: str | None = None  # the reranker whose order `hits` are in
    rerank_error: str | None = None  # why a rerank that was asked for did not happen


def _normalized(ranking: list[tuple[int, float]]) -> dict[int, float]:
    """Scores mapped onto [0, 1] by min-max over the ranking (all 1.0 when they are equal)."""
    if not ranking:
        return {}
    low = min(score for _, score in ranking)
    span = max(score for _, score in ranking) - low
    return {i: (score - low) / span if span > 0 else 1.0 for i, score in ranking}


def fuse(
    lexical: list[tuple[int, float]],
    vector: list[tuple[int, float]],
    lexical_weight: float = LEXICAL_WEIGHT,
) -> list[tuple[int, float]]:
    """(chunk id, fused score) best first; ties go to the lower id."""
    lex, vec = _normalized(lexical), _normalized(vector)
    scores = {
        i: lexical_weight * lex.get(i, 0.0) + (1.0 - lexical_weight) * vec.get(i, 0.0)
        for i in lex.keys() | vec.keys()
    }
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def run_search(
    session: Session,
    space_id: str,
    query: str,
    *,
    mode: Mode,
    top_k: int,
    filters: SearchFilters,
    embedder: Embedder,
    vectors: VectorIndex,
    reranker: Reranker | None = None,
    rerank_candidates: int = RERANK_CANDIDATES,
) -> SearchOutcome:
    """The best `top_k` chunks; with a `reranker`, in its order over the best candidates."""
    pool = max(top_k * 4, 50, rerank_candidates if reranker else 0)
    # The query's embedding (the model, or an HTTP call) runs while the database ranks the
    # lexical side: hybrid costs the longer of the two, not their sum.
    embedding = _EMBEDDING.submit(embedder.embed, [query]) if mode != Mode.LEXICAL else None
    lexical = lexical_search(session, space_id, query, filters, pool) if mode != Mode.VECTOR else []
    vector: list[tuple[int, float]] = []
    if embedding is not None:
        query_vector = embedding.result()[0]
        vector = vectors.search(session, space_id, query_vector, filters, pool)
    if mode == Mode.LEXICAL:
        ranked = lexical
    elif mode == Mode.VECTOR:
        ranked = vector
    else:
        ranked = fuse(lexical, vector)
    ranked = ranked[: max(top_k, rerank_candidates) if reranker else top_k]
    if not ranked:
        return SearchOutcome([])
    rows = {
        chunk.id: (chunk, source)
        for chunk, source in session.execute(
            select(Chunk, Source)
            .join(Source, Source.id == Chunk.source_id)
            .where(Chunk.id.in_([chunk_id for chunk_id, _ in ranked]))
        )
    }
    ranked = [(chunk_id, score) for chunk_id, score in ranked if chunk_id in rows]
    lexical_scores, vector_scores = dict(lexical), dict(vector)

    def hit(chunk_id: int, score: float, rerank: float | None = None) -> Hit:
        chunk, source = rows[chunk_id]
        return Hit(
            chunk=chunk,
            source=source,
            score=score,
            lexical=lexical_scores.get(chunk_id),
            vector=vector_scores.get(chunk_id),
            rerank=rerank,
        )

    if reranker is None or not ranked:
        return SearchOutcome([hit(chunk_id, score) for chunk_id, score in ranked[:top_k]])
    documents = [_document(rows[chunk_id][0]) for chunk_id, _ in ranked]
    try:
        scores = reranker.rerank(query, documents)
        if len(scores) != len(documents):
            raise RerankError(f"{len(scores)} scores for {len(documents)} documents")
    except Exception as exc:  # a reranker never fails the search: fused order, and why
        error = str(exc) if isinstance(exc, RerankError) else f"reranker failed: {exc!r}"
        log.warning("rerank with %s failed, results stay in fused order: %s", reranker.name, error)
        fused = [hit(chunk_id, score) for chunk_id, score in ranked[:top_k]]
        return SearchOutcome(fused, rerank_error=error)
    # Ties keep the fused order.
    order = sorted(range(len(ranked)), key=lambda i: (-scores[i], i))[:top_k]
    hits = [hit(ranked[i][0], scores[i], scores[i]) for i in order]
    return SearchOutcome(hits, reranker=reranker.name)


def _document(chunk: Chunk) -> str:
    """What a reranker reads of a chunk: its title (a heading path, an artifact's name), then
    its text."""
    return f"{chunk.title}\n{chunk.text}" if chunk.title else chunk.text
