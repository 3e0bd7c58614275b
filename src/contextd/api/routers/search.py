from __future__ import annotations

import time
from typing import Any

from fastapi import APIRouter

from contextd.api.deps import RuntimeDep, SessionDep, UserDep
from contextd.api.schemas import SearchRequest, SearchResponse
from contextd.search.filters import SearchFilters
from contextd.search.query import highlights
from contextd.search.service import search
from contextd.services import spaces

router = APIRouter(tags=["Search (extension)"])


@router.post("/v1/spaces/{spaceId}/search", response_model=SearchResponse)
def search_space(
    spaceId: str, body: SearchRequest, session: SessionDep, user: UserDep, runtime: RuntimeDep
) -> dict[str, Any]:
    """Extension: hybrid search over the space's turns, sections, artifacts and snapshots.

    `hybrid` (default) fuses full-text (BM25 / ts_rank_cd) and embedding similarity by reciprocal
    rank fusion; `lexical` and `vector` use one side. New content is searchable lexically as soon
    as its turns are indexed, and by vector once its embeddings are computed."""
    started = time.perf_counter()
    space = spaces.get_space(session, user, spaceId)
    f = body.filters
    filters = SearchFilters(
        source_ids=tuple(f.sourceIds),
        collection_id=f.collectionId,
        source_types=tuple(f.sourceTypes),
        kinds=tuple(f.kinds),
        artifact_types=tuple(f.artifactTypes),
        languages=tuple(f.languages),
        after=f.after,
        before=f.before,
        pinned=f.pinned,
        include_deleted=f.include_deleted,
    )
    hits = search(
        session,
        space.id,
        body.query,
        mode=body.mode,
        top_k=body.top_k,
        filters=filters,
        embedder=runtime.embedder,
        vectors=runtime.vector_index,
    )
    results = [
        {
            "chunkId": h.chunk.id,
            "kind": h.chunk.kind,
            "score": h.score,
            "scores": {"lexical": h.lexical, "vector": h.vector},
            "text": h.chunk.text,
            "title": h.chunk.title,
            "highlights": highlights(h.chunk.text, body.query),
            "sourceId": h.source.id,
            "sourceName": h.source.name or h.source.title,
            "sourceType": h.source.type,
            "turnStart": h.chunk.turn_start,
            "turnEnd": h.chunk.turn_end,
            "speaker": h.chunk.speaker,
            "timestamp": h.chunk.timestamp,
            "artifactId": h.chunk.artifact_id,
            "artifactType": h.chunk.artifact_type,
            "language": h.chunk.language,
        }
        for h in hits
    ]
    took = round((time.perf_counter() - started) * 1000, 2)
    return {"query": body.query, "mode": body.mode, "results": results, "took_ms": took}
