"""Hybrid search: lexical and vector rankings fused by reciprocal rank fusion (RRF).

RRF needs no score calibration between BM25 and cosine similarity, and is robust when one
ranking is empty (a query of rare identifiers, or chunks not embedded yet).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from contextd.domain.enums import SearchMode as Mode
from contextd.pipeline.embed import Embedder
from contextd.search.filters import SearchFilters
from contextd.search.lexical import lexical_search
from contextd.search.vector import VectorIndex
from contextd.store.tables import Chunk, Source

RRF_K = 60


@dataclass(frozen=True)
class Hit:
    chunk: Chunk
    source: Source
    score: float
    lexical: float | None
    vector: float | None


def fuse(rankings: list[list[tuple[int, float]]], k: int = RRF_K) -> list[tuple[int, float]]:
    scores: dict[int, float] = {}
    for ranking in rankings:
        for rank, (chunk_id, _) in enumerate(ranking):
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (k + rank + 1)
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))


def search(
    session: Session,
    space_id: str,
    query: str,
    *,
    mode: Mode,
    top_k: int,
    filters: SearchFilters,
    embedder: Embedder,
    vectors: VectorIndex,
) -> list[Hit]:
    pool = max(top_k * 4, 50)
    lexical = lexical_search(session, space_id, query, filters, pool) if mode != Mode.VECTOR else []
    vector: list[tuple[int, float]] = []
    if mode != Mode.LEXICAL:
        query_vector = embedder.embed([query])[0]
        vector = vectors.search(session, space_id, query_vector, filters, pool)
    if mode == Mode.LEXICAL:
        ranked = lexical
    elif mode == Mode.VECTOR:
        ranked = vector
    else:
        ranked = fuse([lexical, vector])
    ranked = ranked[:top_k]
    if not ranked:
        return []
    lexical_scores, vector_scores = dict(lexical), dict(vector)
    rows = {
        chunk.id: (chunk, source)
        for chunk, source in session.execute(
            select(Chunk, Source)
            .join(Source, Source.id == Chunk.source_id)
            .where(Chunk.id.in_([chunk_id for chunk_id, _ in ranked]))
        )
    }
    return [
        Hit(
            chunk=rows[chunk_id][0],
            source=rows[chunk_id][1],
            score=score,
            lexical=lexical_scores.get(chunk_id),
            vector=vector_scores.get(chunk_id),
        )
        for chunk_id, score in ranked
        if chunk_id in rows
    ]
