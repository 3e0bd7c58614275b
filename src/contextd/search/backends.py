"""Where the vector backend is chosen: the one module that imports both backends."""

from __future__ import annotations

import logging

from sqlalchemy import Engine

from contextd.search.numpy_index import NumpyVectorIndex
from contextd.search.vector import VectorBackendError, VectorIndex
from contextd.store.db import is_postgres

log = logging.getLogger(__name__)


def open_vector_index(engine: Engine, model: str, dim: int, backend: str) -> VectorIndex:
    """The index for `CONTEXTD_VECTOR_BACKEND`: `numpy`, `pgvector` (raises
    `VectorBackendError` when the database cannot have it), or `auto` (pgvector when it can,
    numpy otherwise). Choosing pgvector prepares its schema (see store/vectors.py)."""
    if backend == "numpy":
        return NumpyVectorIndex(model, dim)
    if backend not in ("auto", "pgvector"):
        raise VectorBackendError(f"unknown vector backend {backend!r}: auto, numpy or pgvector")
    if backend == "auto" and not is_postgres(engine):
        return NumpyVectorIndex(model, dim)  # pgvector's modules stay unimported (start-up time)
    from contextd.search.pgvector_index import PgVectorIndex

    index, reason = PgVectorIndex.open(engine, model, dim)
    if index is not None:
        return index
    if backend == "pgvector":
        raise VectorBackendError(
            f"CONTEXTD_VECTOR_BACKEND=pgvector, but {reason}. Install pgvector on the server "
            "(and run CREATE EXTENSION vector as a superuser if contextd's role may not), or set "
            "CONTEXTD_VECTOR_BACKEND=auto or numpy."
        )
    if is_postgres(engine):
        log.info("vector search: in-memory numpy scan (%s)", reason)
    return NumpyVectorIndex(model, dim)
