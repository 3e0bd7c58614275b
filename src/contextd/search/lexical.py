"""Lexical search with the database's own full-text index: FTS5 (BM25) on SQLite, a weighted
tsvector on PostgreSQL ranked the BM25 way.

PostgreSQL's own rankings (`ts_rank`, `ts_rank_cd`) know nothing of how rare a term is, so a
query of any terms ("what pets does Melanie have") ranks chunks that repeat a common word (a
name said in every turn) above the one chunk that mentions the rare word ("pets"). Each term's
`ts_rank` (which saturates with the term's frequency and, with normalization 1, divides by the
log of the chunk's length) is therefore weighted by the term's BM25 inverse document frequency
in the space, counted over the chunks that match the query at all.

`to_tsquery` is only STABLE, so PostgreSQL would run it (dictionary lookups included) again for
every row it checks; the query's terms are parsed once in a first statement and then sent as
tsquery constants.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import ColumnElement, cast, column, func, literal, literal_column, select, table
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session

from contextd.search.filters import SearchFilters
from contextd.search.query import fts5_match, terms, tsquery
from contextd.store.db import is_sqlite
from contextd.store.tables import Chunk, Source

TS_RANK_NORMALIZATION = 1  # divide by 1 + log(length): long chunks do not win on length alone


def lexical_search(
    session: Session, space_id: str, query: str, filters: SearchFilters, limit: int
) -> list[tuple[int, float]]:
    """(chunk id, score) best first; higher scores are better on both backends."""
    conditions = [
        Chunk.space_id == space_id,
        *filters.source_conditions(),
        *filters.chunk_conditions(),
    ]
    if is_sqlite(session.get_bind()):
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
    return _postgres_search(session, space_id, query, conditions, limit)


def _postgres_search(
    session: Session, space_id: str, query: str, conditions: list[Any], limit: int
) -> list[tuple[int, float]]:
    expression = tsquery(query)
    if expression is None:
        return []
    found = terms(query)
    # Parse once: the "any term" query and each term's ('' for a PostgreSQL stopword).
    parsed = session.execute(
        select(
            func.to_tsquery("english", expression).cast(TSQUERY).label("any"),
            *(func.to_tsquery("english", term) for term in found),
        )
    ).one()
    normalized = [str(q) for q in parsed]
    if not normalized[0]:
        return []

    def constant(text: str) -> ColumnElement[Any]:
        return cast(literal(text), TSQUERY)

    tsv: ColumnElement[Any] = literal_column("chunks.tsv")
    matches = tsv.op("@@")(constant(normalized[0]))
    per_term = [constant(q) for q in normalized[1:] if q]
    if not per_term:
        return []
    # Document frequencies in the space, over the chunks matching any term.
    total = select(func.count(Chunk.id)).where(Chunk.space_id == space_id).scalar_subquery()
    stats = session.execute(
        select(total, *(func.count(Chunk.id).filter(tsv.op("@@")(q)) for q in per_term)).where(
            Chunk.space_id == space_id, matches
        )
    ).one()
    chunks = int(stats[0] or 0)
    score_expression: ColumnElement[Any] | None = None
    for q, frequency in zip(per_term, stats[1:], strict=True):
        if not frequency:
            continue
        idf = math.log(1.0 + (chunks - frequency + 0.5) / (frequency + 0.5))
        part = literal(idf) * func.ts_rank(tsv, q, TS_RANK_NORMALIZATION)
        score_expression = part if score_expression is None else score_expression + part
    if score_expression is None:
        return []
    score = score_expression.label("score")
    stmt = (
        select(Chunk.id, score)
        .join(Source, Source.id == Chunk.source_id)
        .where(matches, *conditions)
        .order_by(score.desc(), Chunk.id)
        .limit(limit)
    )
    return [(int(i), float(s)) for i, s in session.execute(stmt)]
