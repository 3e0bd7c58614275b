from __future__ import annotations

import time

from fastapi import APIRouter

from contextd.api import views
from contextd.api.deps import RuntimeDep, SessionDep, UserDep
from contextd.api.schemas import SearchRequest, SearchResponse
from contextd.search.filters import SearchFilters
from contextd.search.hybrid import run_search
from contextd.services import spaces

router = APIRouter(tags=["Search (extension)"])


@router.post("/v1/spaces/{spaceId}/search", response_model=SearchResponse)
def search_space(
    spaceId: str, body: SearchRequest, session: SessionDep, user: UserDep, runtime: RuntimeDep
) -> SearchResponse:
    """Extension: hybrid search over the space's turns, sections, artifacts and snapshots.

    `hybrid` (default) fuses full-text search (FTS5 BM25 on SQLite; on PostgreSQL ts_rank per
    query term weighted by the term's BM25 IDF) and embedding cosine similarity: each side's
    scores are min-max normalized over its candidates and combined as 0.7 x lexical + 0.3 x
    vector. `lexical` and `vector` use one side. With a reranker configured
    (`CONTEXTD_RERANK_URL`, a `/rerank` endpoint), the best 50 candidates are reordered by it
    unless `rerank` is false; when it fails the results keep the fused order and
    `rerank_error` says why. New content is searchable lexically as soon as its turns are
    indexed, and by vector once its embeddings are computed."""
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
    reranker = runtime.reranker if body.rerank is not False else None
    outcome = run_search(
        session,
        space.id,
        body.query,
        mode=body.mode,
        top_k=body.top_k,
        filters=filters,
        embedder=runtime.embedder,
        vectors=runtime.vector_index,
        reranker=reranker,
    )
    rerank_error = outcome.rerank_error
    if body.rerank and runtime.reranker is None:
        rerank_error = "no reranker is configured (CONTEXTD_RERANK_URL, CONTEXTD_RERANK_MODEL)"
    results = [views.search_result(h, body.query) for h in outcome.hits]
    took = round((time.perf_counter() - started) * 1000, 2)
    return SearchResponse(
        query=body.query,
        mode=body.mode,
        results=results,
        took_ms=took,
        reranked=outcome.reranker is not None,
        rerank_model=outcome.reranker,
        rerank_error=rerank_error,
    )
