"""Lexical search with the database's own full-text index: FTS5 (BM25) on SQLite, a weighted
tsvector on PostgreSQL ranked the BM25 way.

PostgreSQL's own rankings (`ts_rank`, `ts_rank_cd`) know nothing of how rare a term is, so a
query of any terms ("what pets does Melanie have") ranks chunks that repeat a common word (a
name said in every turn) above the one chunk that mentions the rare word ("pets"). Each term's
`ts_rank` (which saturates with the term's frequency and, with normalization 1, divides by the
log of the chunk's length) is therefore weighted by the term's BM25 inverse document frequency
in the space, counted over the chunks that match the query at all.

`to_tsquery` is only STABLE, so PostgreSQL would run it (dictionary lookups included) again for
every row it checks; the query's terms are parsed once, in the statement that counts them, and
then sent as tsquery constants.

At a million chunks a query's common terms match hundreds of thousands of rows, and ranking
all of them is what made PostgreSQL's lexical side slow. Counting and ranking are therefore
bounded (`DF_CAP`, `COMMON_CANDIDATES`, `SPACE_CAP`): below the caps (every space of up to
a few thousand matches per term) the ranking is exactly the exhaustive one; above them, see
`_postgres_search`. bench/search.py measures how much of the exhaustive top 10 is kept.
"""

from __future__ import annotations

import math
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    cast,
    column,
    func,
    literal,
    literal_column,
    select,
    table,
    text,
    true,
    union,
)
from sqlalchemy.dialects.postgresql import TSQUERY
from sqlalchemy.orm import Session

from contextd.search.filters import SearchFilters
from contextd.search.query import fts5_match, terms
from contextd.store.db import is_sqlite
from contextd.store.tables import Chunk, Source

TS_RANK_NORMALIZATION = 1  # divide by 1 + log(length): long chunks do not win on length alone
# SQLite: FTS5's best `limit` x this rows are filtered first (see lexical_search).
FTS_PREFETCH = 8
# PostgreSQL: a term's matches are counted (and all ranked) up to this many; past it the term
# is "common" and only a bounded sample of its matches is ranked (see _postgres_search).
DF_CAP = 5000
# How many rows matching all common terms (and as many matching the least common one) are ranked.
COMMON_CANDIDATES = 2000
# The space's chunks are counted up to this many; past it the table's size stands for it.
SPACE_CAP = 20000


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
        # FTS5's own top-N first, then the join and filters on those rows only; when the
        # filters leave fewer than `limit` of them, the same over every match.
        for prefetch in (limit * FTS_PREFETCH, None):
            best = (
                select(fts.c.rowid.label("id"), rank)
                .where(fts_name.op("MATCH")(match))
                .order_by(rank)
                .limit(prefetch)
                .subquery()
            )
            stmt = (
                select(Chunk.id, best.c.rank)
                .join(best, best.c.id == Chunk.id)
                .join(Source, Source.id == Chunk.source_id)
                .where(*conditions)
                .order_by(best.c.rank)
                .limit(limit)
            )
            rows = [(int(i), -float(r)) for i, r in session.execute(stmt)]
            if len(rows) >= limit:
                break
        return rows
    return _postgres_search(session, space_id, query, conditions, limit)


def _postgres_search(
    session: Session, space_id: str, query: str, conditions: list[Any], limit: int
) -> list[tuple[int, float]]:
    found = terms(query)
    if not found:
        return []
    tsv: ColumnElement[Any] = literal_column("chunks.tsv")
    stats = _term_stats(session, space_id, tsv, found)
    if stats is None:
        return []
    lexemes, chunks, frequencies = stats
    rare = [q for q, frequency in zip(lexemes, frequencies, strict=True) if frequency < DF_CAP]
    common = sorted(
        (q for q, frequency in zip(lexemes, frequencies, strict=True) if frequency >= DF_CAP),
        key=lambda q: frequencies[lexemes.index(q)],
    )

    def matching(query_text: str, cap: int | None = None) -> Select[Any]:
        stmt = (
            select(Chunk.id)
            .join(Source, Source.id == Chunk.source_id)
            .where(tsv.op("@@")(_constant(query_text)), *conditions)
        )
        return stmt if cap is None else stmt.limit(cap)

    # The rows to rank: every match of a rare term (fewer than DF_CAP each), and of the common
    # terms at most COMMON_CANDIDATES rows matching all of them plus as many matching the
    # least common one: a chunk matching only common terms cannot outrank these by much.
    branches: list[Select[Any]] = []
    if rare:
        branches.append(matching(" | ".join(f"({q})" for q in rare)))
    if common:
        branches.append(
            matching(" & ".join(f"({q})" for q in common), COMMON_CANDIDATES).subquery().select()
        )
        if len(common) > 1:
            branches.append(matching(common[0], COMMON_CANDIDATES).subquery().select())
    candidates = (branches[0] if len(branches) == 1 else union(*branches)).subquery()
    score_expression: ColumnElement[Any] | None = None
    for q, frequency in zip(lexemes, frequencies, strict=True):
        if not frequency:
            continue
        idf = math.log(1.0 + (chunks - frequency + 0.5) / (frequency + 0.5))
        part = literal(max(idf, 0.0)) * func.ts_rank(tsv, _constant(q), TS_RANK_NORMALIZATION)
        score_expression = part if score_expression is None else score_expression + part
    assert score_expression is not None
    score = score_expression.label("score")
    stmt = (
        select(Chunk.id, score)
        .join(candidates, candidates.c.id == Chunk.id)
        .order_by(score.desc(), Chunk.id)
        .limit(limit)
    )
    return [(int(i), float(s)) for i, s in session.execute(stmt)]


def _constant(text: str) -> ColumnElement[Any]:
    """A tsquery constant (to_tsquery is only STABLE: PostgreSQL would parse it per row)."""
    return cast(literal(text), TSQUERY)


def _term_stats(
    session: Session, space_id: str, tsv: ColumnElement[Any], found: list[str]
) -> tuple[list[str], int, list[int]] | None:
    """(each term's tsquery, chunks in the space, each term's document frequency there) for
    BM25's IDF, in one statement. Terms are parsed once (to_tsquery is only STABLE, so
    PostgreSQL would parse it per row) and PostgreSQL's stopwords dropped. Each count stops at
    a cap so that no statement reads every matching row: past `SPACE_CAP` the space's size is
    the table's (planner statistics), past `DF_CAP` a term's frequency is ANALYZE's estimate
    (`pg_stats.most_common_elems`) when it has one. None when no chunk matches any term."""

    def capped(condition: Any, cap: int) -> Any:
        inner = select(literal(1)).where(Chunk.space_id == space_id, condition).limit(cap)
        return select(func.count()).select_from(inner.subquery()).scalar_subquery()

    parsed = [func.to_tsquery("english", term).cast(TSQUERY) for term in found]
    row = session.execute(
        select(
            capped(true(), SPACE_CAP),
            *(cast(q, String) for q in parsed),
            *(capped(tsv.op("@@")(q), DF_CAP) for q in parsed),
        )
    ).one()
    chunks = int(row[0])
    pairs = [
        (str(q), int(f))
        for q, f in zip(row[1 : 1 + len(found)], row[1 + len(found) :], strict=True)
    ]
    pairs = [(q, f) for q, f in pairs if q]  # PostgreSQL's stopwords parse to ''
    lexemes, frequencies = [q for q, _ in pairs], [f for _, f in pairs]
    if not any(frequencies):
        return None
    if chunks < SPACE_CAP and max(frequencies) < DF_CAP:
        return lexemes, chunks, frequencies
    total, estimates = _table_stats(
        session, [q for q, f in zip(lexemes, frequencies, strict=True) if f >= DF_CAP]
    )
    if chunks >= SPACE_CAP:
        chunks = max(chunks, total)
    frequencies = [
        max(f, min(chunks, round(estimates.get(q, 0.0) * total))) if f >= DF_CAP else f
        for q, f in zip(lexemes, frequencies, strict=True)
    ]
    return lexemes, chunks, frequencies


def _table_stats(session: Session, lexemes: list[str]) -> tuple[int, dict[str, float]]:
    """(rows in `chunks` per the planner, the share of rows holding each lexeme per ANALYZE's
    most common elements of `chunks.tsv`; a lexeme missing from them is left out)."""
    total = session.scalar(
        text("SELECT greatest(reltuples, 0)::bigint FROM pg_class WHERE oid = 'chunks'::regclass")
    )
    names = {q.strip("'"): q for q in lexemes}
    rows = session.execute(
        text(
            "SELECT e, f FROM pg_stats, unnest(most_common_elems::text::text[], "
            "most_common_elem_freqs) AS u(e, f) "
            "WHERE tablename = 'chunks' AND attname = 'tsv' AND e = ANY(:names)"
        ),
        {"names": list(names)},
    ).all()
    return int(total or 0), {names[e]: float(f) for e, f in rows}
