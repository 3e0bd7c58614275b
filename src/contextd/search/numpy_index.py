"""Vector search by an exact in-memory scan with numpy (`CONTEXTD_VECTOR_BACKEND=numpy`, and
`auto` on SQLite or on PostgreSQL without pgvector).

Embeddings live in the database beside their chunks (one transaction, both backends). Each
process keeps a space's matrix in memory and reloads it only when the space's embedded chunks
change (their count or newest id), so a query is one matrix product: about 10 ms for 100,000
chunks of 384 dimensions. Counting a space's embedded chunks reads every row (about 0.1-0.3 s
at 100,000 chunks), so it is checked at most every `STAMP_TTL` seconds, in a background thread
(the query that finds the check due is answered from the cached matrix): new vectors become
searchable that much later (plus the reread), and a chunk deleted meanwhile is dropped when
results are read.
Chunk kinds are kept beside the matrix, so the common `kinds` filter needs no query.
sqlite-vec was measured against this scan and not adopted (bench/vectors.py; docs/how-it-works.md,
"Vector backends").
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from contextd.search.filters import SearchFilters
from contextd.search.vector import VectorIndex
from contextd.store.tables import Chunk, Source

STAMP_TTL = 2.0  # seconds between checks that a cached space matrix is still current
# One thread checks and rereads cached matrices in the background.
_REFRESH = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vector-refresh")
log = logging.getLogger(__name__)


@dataclass
class _SpaceMatrix:
    stamp: tuple[int, int]
    ids: npt.NDArray[np.int64]
    sources: npt.NDArray[np.int32]  # index into source_ids
    source_ids: list[str]
    kinds: npt.NDArray[np.int8]  # index into kind_names
    kind_names: list[str]
    matrix: npt.NDArray[np.float32]
    checked: float = 0.0  # time.monotonic() of the last stamp check


class NumpyVectorIndex(VectorIndex):
    """Per-process cache of each space's embeddings for one model."""

    backend = "numpy"

    def __init__(self, model: str, dim: int) -> None:
        super().__init__(model, dim)
        self._spaces: dict[str, _SpaceMatrix] = {}
        self._lock = threading.Lock()

    def _stamp(self, session: Session, space_id: str) -> tuple[int, int]:
        count, newest = session.execute(
            select(func.count(Chunk.id), func.max(Chunk.id)).where(
                Chunk.space_id == space_id,
                Chunk.embedding_model == self.model,
                Chunk.embedding.is_not(None),
            )
        ).one()
        return int(count or 0), int(newest or 0)

    def _load(self, session: Session, space_id: str) -> _SpaceMatrix:
        with self._lock:
            cached = self._spaces.get(space_id)
        now = time.monotonic()
        if cached is None:  # the first query of a space reads its matrix itself
            return self._read(session, space_id, self._stamp(session, space_id), now)
        if now - cached.checked >= STAMP_TTL:
            # The stamp reads every row of the space: checked (and the matrix reread when it
            # changed) off the request path; this query uses the matrix as it is.
            cached.checked = now
            engine = session.get_bind()
            _REFRESH.submit(self._refresh, engine, space_id, cached)
        return cached

    def _refresh(self, engine: Any, space_id: str, cached: _SpaceMatrix) -> None:
        try:
            with Session(engine) as session:
                stamp = self._stamp(session, space_id)
                if stamp != cached.stamp:
                    self._read(session, space_id, stamp, time.monotonic())
        except Exception:  # the next check tries again; queries keep the cached matrix
            log.exception("refreshing the vectors of space %s failed", space_id)

    def _read(
        self, session: Session, space_id: str, stamp: tuple[int, int], now: float
    ) -> _SpaceMatrix:
        rows = session.execute(
            select(Chunk.id, Chunk.source_id, Chunk.kind, Chunk.embedding)
            .where(
                Chunk.space_id == space_id,
                Chunk.embedding_model == self.model,
                Chunk.embedding.is_not(None),
            )
            .order_by(Chunk.id)
        ).all()
        source_ids = sorted({r[1] for r in rows})
        position = {s: i for i, s in enumerate(source_ids)}
        kind_names = sorted({r[2] for r in rows})
        kind_code = {k: i for i, k in enumerate(kind_names)}
        matrix = np.frombuffer(b"".join(r[3] or b"" for r in rows), dtype=np.float32)
        loaded = _SpaceMatrix(
            stamp=stamp,
            ids=np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)),
            sources=np.fromiter((position[r[1]] for r in rows), dtype=np.int32, count=len(rows)),
            source_ids=source_ids,
            kinds=np.fromiter((kind_code[r[2]] for r in rows), dtype=np.int8, count=len(rows)),
            kind_names=kind_names,
            matrix=matrix.reshape(len(rows), self.dim)
            if rows
            else np.zeros((0, self.dim), np.float32),
            checked=now,
        )
        with self._lock:
            self._spaces[space_id] = loaded
        return loaded

    def search(
        self,
        session: Session,
        space_id: str,
        query_vector: npt.NDArray[np.float32],
        filters: SearchFilters,
        limit: int,
    ) -> list[tuple[int, float]]:
        space = self._load(session, space_id)
        if not len(space.ids):
            return []
        allowed_sources = set(
            session.scalars(
                select(Source.id).where(Source.space_id == space_id, *filters.source_conditions())
            )
        )
        mask = np.isin(
            space.sources, [i for i, s in enumerate(space.source_ids) if s in allowed_sources]
        )
        if filters.kinds:
            wanted = [i for i, k in enumerate(space.kind_names) if k in filters.kinds]
            mask &= np.isin(space.kinds, wanted)
        others = replace(filters, kinds=())
        if others.has_chunk_conditions:
            allowed = np.fromiter(
                session.scalars(
                    select(Chunk.id).where(Chunk.space_id == space_id, *others.chunk_conditions())
                ),
                dtype=np.int64,
            )
            mask &= np.isin(space.ids, allowed)
        count = int(np.count_nonzero(mask))
        if not count:
            return []
        # One product over the whole matrix, then the mask: cheaper than copying the rows.
        scores = space.matrix @ query_vector
        scores = np.where(mask, scores, -np.inf)
        take = min(limit, count)
        best = np.argpartition(-scores, take - 1)[:take]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(int(space.ids[i]), float(scores[i])) for i in best]
