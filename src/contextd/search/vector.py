"""Vector search behind one interface: `VectorIndex.search` gives (chunk id, cosine similarity)
best first, with the same filters as lexical search. Two backends, chosen by
`CONTEXTD_VECTOR_BACKEND` (`search/backends.py:open_vector_index`):

- numpy (`search/numpy_index.py`, the default on SQLite and on PostgreSQL without pgvector):
  exact cosine similarity over a space's chunk embeddings, in memory.
- pgvector (`search/pgvector_index.py`, the default on PostgreSQL with the `vector` extension):
  an HNSW index in the database, so API processes hold no vectors.

This module knows no backend (as httpx's `_transports/base.py` knows no transport): each backend
imports it, and only the factory imports the backends.
"""

from __future__ import annotations

from abc import ABC, abstractmethod

import numpy as np
import numpy.typing as npt
from sqlalchemy.orm import Session

from contextd.search.filters import SearchFilters


class VectorIndex(ABC):
    """Vector search over the chunks embedded by one model (`model`, `dim` dimensions)."""

    backend: str

    def __init__(self, model: str, dim: int) -> None:
        self.model = model
        self.dim = dim

    @abstractmethod
    def search(
        self,
        session: Session,
        space_id: str,
        query_vector: npt.NDArray[np.float32],
        filters: SearchFilters,
        limit: int,
    ) -> list[tuple[int, float]]:
        """Up to `limit` (chunk id, cosine similarity) of the space matching `filters`, best
        first; only chunks whose vector is from this index's model."""


class VectorBackendError(RuntimeError):
    """The configured vector backend cannot run on this database."""
