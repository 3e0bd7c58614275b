"""The engines' own top-10 queries, the yardstick for `bench/search.py`'s query latency.

Issue 15's target: hybrid search p99 <= 2x the sum of the bare lexical and the bare vector
top-10 over the same data, measured in the same run. "Bare" is the engine alone, on a query
whose text or vector is already there:

- lexical, SQLite: `SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH :q ORDER BY rank
  LIMIT 10` (FTS5's BM25 over every match; the same any-term MATCH expression contextd sends);
- lexical, PostgreSQL: `... WHERE tsv @@ :q ORDER BY ts_rank(tsv, :q) DESC LIMIT 10` (the
  documented way; it ranks every matching row);
- vector, numpy: the matrix product over the space's cached matrix and the top 10
  (`argpartition`), the query vector given;
- vector, pgvector: `ORDER BY embedding_vec::vector(dim) <=> :q LIMIT 10` through the HNSW
  index at pgvector's default `hnsw.ef_search` (40).

Not in the bare figures, and in contextd's: the query's embedding (vector, hybrid), the
filters, a pool of 50 per side instead of 10, fusion, and reading the returned chunks and
their sources.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import text
from sqlalchemy.orm import Session

from contextd.search.numpy_index import NumpyVectorIndex
from contextd.search.query import fts5_match, tsquery
from contextd.search.vector import VectorIndex
from contextd.store import vectors as pg_vectors
from contextd.store.db import is_sqlite


def bare_lexical(session: Session, query: str) -> list[int]:
    if is_sqlite(session.get_bind()):
        match = fts5_match(query)
        sql = "SELECT rowid FROM chunks_fts WHERE chunks_fts MATCH :q ORDER BY rank LIMIT 10"
        return [int(i) for (i,) in session.execute(text(sql), {"q": match})]
    sql = (
        "SELECT id FROM chunks, to_tsquery('english', :q) AS q WHERE tsv @@ q "
        "ORDER BY ts_rank(tsv, q) DESC LIMIT 10"
    )
    return [int(i) for (i,) in session.execute(text(sql), {"q": tsquery(query)})]


def bare_vector(
    session: Session, index: VectorIndex, space_id: str, vector: npt.NDArray[np.float32]
) -> list[int]:
    if isinstance(index, NumpyVectorIndex):
        space: Any = index._spaces[space_id]  # loaded by a warm-up query
        scores = space.matrix @ vector
        best = np.argpartition(-scores, 9)[:10]
        return [int(space.ids[i]) for i in best[np.argsort(-scores[best])]]
    column = f"{pg_vectors.COLUMN}::vector({index.dim})"
    sql = (
        f"SELECT id FROM chunks WHERE {pg_vectors.index_predicate(index.model, index.dim)} "
        f"ORDER BY {column} <=> CAST(:v AS vector({index.dim})) LIMIT 10"
    )
    literal = pg_vectors.vector_literal(vector)
    return [int(i) for (i,) in session.execute(text(sql), {"v": literal})]
