"""Vector search with pgvector: an HNSW index (cosine) in PostgreSQL, nothing in memory.

The scale-out backend: every API process queries the database instead of holding each space's
matrix. The schema (the untyped `chunks.embedding_vec` column, one partial HNSW index per model
on `embedding_vec::vector(dim)`) is described in store/vectors.py; `PgVectorIndex.open`
prepares it at start-up. A query is one SQL statement with the same filters as the numpy scan
(space, sources, collection, kinds, artifact types, languages, time range, pinned, deleted),
joined to `sources`, ordered by cosine distance through the index.

HNSW is approximate and, before pgvector 0.8, filters rows only after the index has produced
its `hnsw.ef_search` nearest candidates, so a selective filter (a small space in a big table,
a rare language) can leave fewer than `limit` rows. `ef_search` starts at `EF_SEARCH_FACTOR`
x `limit` (pgvector >= 0.8 scans on by itself: `hnsw.iterative_scan`); a short answer is asked
again at `ef_search` 1000, then recomputed exactly: the same query ordered by an expression the
index cannot serve, which PostgreSQL evaluates over the filtered rows only. When the planner
expects few rows (a small space) it skips the index and scans them exactly from the start.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import numpy.typing as npt
from pgvector.sqlalchemy import VECTOR
from sqlalchemy import (
    ColumnElement,
    Engine,
    Float,
    LargeBinary,
    String,
    bindparam,
    cast,
    column,
    literal,
    literal_column,
    select,
    table,
    text,
    update,
)
from sqlalchemy.orm import Session

from contextd.search.filters import SearchFilters
from contextd.search.vector import VectorIndex
from contextd.store import vectors
from contextd.store.db import is_postgres
from contextd.store.tables import Chunk, Source

MAX_EF_SEARCH = 1000  # pgvector's upper bound
# hnsw.ef_search = this x limit (at least 40): the candidate list the index keeps; recall
# against speed, measured by bench/vectors.py.
EF_SEARCH_FACTOR = 4

# The chunks table as the write path sees it when the vector column exists.
_chunks = table(
    "chunks",
    column("id"),
    column("embedding", LargeBinary),
    column("embedding_model", String),
    column(vectors.COLUMN, VECTOR()),
)
SET_EMBEDDING_AND_VECTOR = (
    update(_chunks)
    .where(_chunks.c.id == bindparam("chunk_id"))
    .values(
        embedding=bindparam("vector"),
        **{vectors.COLUMN: cast(bindparam("vec", type_=String), VECTOR())},
    )
)


def vector_param(vector: npt.NDArray[np.float32]) -> str:
    """The value of `vec` in `SET_EMBEDDING_AND_VECTOR`."""
    return vectors.vector_literal(vector)


def has_vector_column(session: Session) -> bool:
    """Whether embeddings must also be written to `embedding_vec` (PostgreSQL with pgvector).
    Checked per call, not cached: a process started before the column was added picks it up."""
    return vectors.column_present(session.connection())


class PgVectorIndex(VectorIndex):
    backend = "pgvector"

    def __init__(self, model: str, dim: int, version: tuple[int, ...] = (0,)) -> None:
        super().__init__(model, dim)
        self.iterative_scan = version >= (0, 8)
        self.ef_search_factor = EF_SEARCH_FACTOR
        self._predicate = text(vectors.index_predicate(model, dim))
        self._vector = cast(literal_column(f"chunks.{vectors.COLUMN}"), VECTOR(dim))

    @classmethod
    def open(cls, engine: Engine, model: str, dim: int) -> tuple[PgVectorIndex | None, str]:
        """(index, "") when the database has pgvector (schema and this model's HNSW index
        made if missing), else (None, why not)."""
        if not is_postgres(engine):
            return None, f"the database is {engine.dialect.name}, not PostgreSQL"
        with engine.begin() as conn:
            reason = vectors.install(conn)
            if reason is not None:
                return None, reason
            vectors.ensure_model_index(conn, model, dim)
            version = vectors.extension_version(conn)
        return cls(model, dim, version), ""

    def _query(
        self,
        space_id: str,
        query_vector: npt.NDArray[np.float32],
        filters: SearchFilters,
        limit: int,
        *,
        exact: bool,
    ) -> Any:
        distance: ColumnElement[float] = self._vector.op("<=>", return_type=Float)(
            bindparam("query", np.asarray(query_vector, dtype=np.float32), type_=VECTOR(self.dim))
        )
        # `+ 0` hides the ordering from the index: the exact scan over the filtered rows.
        order = distance + literal(0.0) if exact else distance
        return (
            select(Chunk.id, distance)
            .join(Source, Source.id == Chunk.source_id)
            .where(
                Chunk.space_id == space_id,
                self._predicate,
                *filters.source_conditions(),
                *filters.chunk_conditions(),
            )
            .order_by(order)
            .limit(limit)
        )

    def search(
        self,
        session: Session,
        space_id: str,
        query_vector: npt.NDArray[np.float32],
        filters: SearchFilters,
        limit: int,
    ) -> list[tuple[int, float]]:
        if limit <= 0:
            return []
        query = self._query(space_id, query_vector, filters, limit, exact=False)
        rows: list[Any] = []
        first = min(MAX_EF_SEARCH, max(40, self.ef_search_factor * limit))
        for ef_search in sorted({first, MAX_EF_SEARCH}):
            # One round trip for both settings (set_config(..., true) is SET LOCAL).
            session.execute(
                text(
                    "SELECT set_config('hnsw.ef_search', :ef, true)"
                    + (
                        ", set_config('hnsw.iterative_scan', 'strict_order', true)"
                        if self.iterative_scan
                        else ""
                    )
                ),
                {"ef": str(ef_search)},
            )
            rows = list(session.execute(query).all())
            if len(rows) >= limit or self.iterative_scan:
                break
        if len(rows) < limit:
            exact = self._query(space_id, query_vector, filters, limit, exact=True)
            rows = list(session.execute(exact).all())
        return [(int(chunk_id), 1.0 - float(distance)) for chunk_id, distance in rows]
