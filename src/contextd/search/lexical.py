"""Lexical search with the database's own full-text index: FTS5 (BM25) on SQLite, a weighted
tsvector with `ts_rank_cd` on PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, column, func, literal_column, select, table
from sqlalchemy.orm import Session

from contextd.search.filters import SearchFilters
from contextd.search.query import fts5_match, tsquery
from contextd.store.tables import Chunk, Source


def lexical_search(
    session: Session, space_id: str, query: str, filters: SearchFilters, limit: int
) -> list[tuple[int, float]]:
    """(chunk id, score) best first; higher scores are better on both backends."""
    conditions = [
        Chunk.space_id == space_id,
        *filters.source_conditions(),
        *filters.chunk_conditions(),
    ]
    if session.get_bind().dialect.name == "sqlite":
        match = fts5_match(query)
        if match is None:
            return []
        fts = table("chunks_fts", column("rowid"))
        fts_name: ColumnElement[Any] = literal_column("chunks_fts")
        rank = func.bm25(fts_name, 1.0, 0.5).label("rank")  # text, title weights
        stmt = (
            select(Chunk.id, rank)
            .select_from(fts)
            .join(Chunk, Chunk.id == fts.c.rowid)
            .join(Source, Source.id == Chunk.source_id)
            .where(fts_name.op("MATCH")(match), *conditions)
            .order_by(rank)
            .limit(limit)
        )
        return [(int(i), -float(r)) for i, r in session.execute(stmt)]
    expression = tsquery(query)
    if expression is None:
        return []
    q = func.to_tsquery("english", expression)
    tsv: ColumnElement[Any] = literal_column("chunks.tsv")
    score = func.ts_rank_cd(tsv, q).label("score")
    stmt = (
        select(Chunk.id, score)
        .join(Source, Source.id == Chunk.source_id)
        .where(tsv.op("@@")(q), *conditions)
        .order_by(score.desc(), Chunk.id)
        .limit(limit)
    )
    return [(int(i), float(s)) for i, s in session.execute(stmt)]
