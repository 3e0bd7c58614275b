"""Search in a space (extension): the request with its filters, and the scored results."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from contextd.api.schemas.base import JsonBool, JsonInt, Strict, UtcDatetime
from contextd.domain.enums import ArtifactType, ChunkKind, SearchMode, SourceType


class SearchFiltersIn(Strict):
    sourceIds: list[str] = Field(default_factory=list, max_length=100)
    collectionId: str | None = Field(default=None, max_length=36)
    sourceTypes: list[SourceType] = Field(default_factory=list)
    kinds: list[ChunkKind] = Field(
        default_factory=list, description="turn, section, artifact or snapshot"
    )
    artifactTypes: list[ArtifactType] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list, max_length=20)
    after: UtcDatetime | None = Field(
        default=None, description="turn time (or indexing time) from, with a timezone"
    )
    before: UtcDatetime | None = Field(default=None, description="until, with a timezone")
    pinned: JsonBool | None = None
    include_deleted: JsonBool = False


class SearchRequest(Strict):
    query: str = Field(min_length=1, max_length=2000)
    mode: SearchMode = SearchMode.HYBRID
    top_k: JsonInt = Field(default=10, ge=1, le=100)
    filters: SearchFiltersIn = Field(default_factory=SearchFiltersIn)
    rerank: JsonBool | None = Field(
        default=None,
        description="Extension: order the best 50 candidates by the configured reranker "
        "(CONTEXTD_RERANK_URL) before cutting to top_k. Default (null): rerank when a reranker "
        "is configured; true without one answers unreranked, with `rerank_error` saying so.",
    )


class SearchScores(BaseModel):
    lexical: float | None = Field(
        description="the chunk's full-text score, higher is better: FTS5 BM25 (SQLite) or the "
        "sum of ts_rank per query term weighted by its BM25 IDF (PostgreSQL); null when the "
        "lexical side did not return the chunk"
    )
    vector: float | None = Field(
        description="cosine similarity to the query; null when the vector side did not return it"
    )
    rerank: float | None = Field(
        default=None, description="the reranker's relevance score, when results were reranked"
    )


class SearchResult(BaseModel):
    chunkId: int
    kind: ChunkKind
    score: float = Field(
        description="what results are ordered by: the rerank score when reranked, else the "
        "hybrid score (0.7 x lexical + 0.3 x vector, each min-max normalized over its "
        "candidates), or the lexical or vector score in those modes"
    )
    scores: SearchScores
    text: str
    title: str | None
    highlights: list[str] = Field(description="snippets with query terms in <mark>...</mark>")
    sourceId: str
    sourceName: str | None
    sourceType: SourceType
    turnStart: int | None
    turnEnd: int | None
    speaker: str | None
    timestamp: datetime | None
    artifactId: str | None
    artifactType: ArtifactType | None
    language: str | None


class SearchResponse(BaseModel):
    query: str
    mode: SearchMode
    results: list[SearchResult]
    took_ms: float
    reranked: bool = Field(
        default=False, description="Extension: results are in the reranker's order"
    )
    rerank_model: str | None = Field(default=None, description="the reranker that ordered them")
    rerank_error: str | None = Field(
        default=None,
        description="why a rerank that was asked for (or is on by default) did not happen; the "
        "results are then in fused order",
    )
