"""A deterministic stand-in for the embedding model, for tests and benchmarks.

It loads instantly and never touches the network. Two ways to make vectors, one class:

- by default, a bag of words hashed into a small signed vector: sentences sharing words are
  close, others are not, which is all the snapshot's selection logic needs;
- `like=vectors` (real vectors of a sample): each text gets the next sample row plus Gaussian
  noise, renormalized, so a benchmark indexes many chunks whose vectors are distributed like
  the model's without paying for the model on each of them.

`calls` records how many texts each call embedded and `seconds` the time spent making vectors
(a benchmark subtracts it to measure the pipeline alone).
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from contextd.pipeline.embed import Vectors

_WORD_RE = re.compile(r"[a-z0-9]+")


class FakeEmbedder:
    def __init__(
        self,
        name: str = "hashing-test-embedder",
        dim: int = 256,
        *,
        like: npt.NDArray[np.float32] | None = None,
        noise: float = 0.05,
        seed: int = 7,
    ) -> None:
        self.name = name
        self.dim = dim if like is None else int(like.shape[1])
        self.calls: list[int] = []
        self.seconds = 0.0
        self._like = like
        self._noise = noise
        self._next = 0
        self._rng = np.random.default_rng(seed)

    def embed(self, texts: Sequence[str]) -> Vectors:
        started = time.perf_counter()
        self.calls.append(len(texts))
        vectors = self._hashed(texts) if self._like is None else self._sampled(len(texts))
        self.seconds += time.perf_counter() - started
        return vectors

    def _hashed(self, texts: Sequence[str]) -> Vectors:
        vectors = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD_RE.findall(text.lower()):
                digest = int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest())
                vectors[row, digest % self.dim] += 1.0 if digest >> 63 else -1.0
            norm = float(np.linalg.norm(vectors[row]))
            if norm:
                vectors[row] /= norm
            else:
                vectors[row, 0] = 1.0
        return vectors

    def _sampled(self, count: int) -> Vectors:
        assert self._like is not None
        rows = np.arange(self._next, self._next + count) % len(self._like)
        self._next += count
        vectors = self._like[rows] + self._rng.normal(0.0, self._noise, (count, self.dim))
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors.astype(np.float32)
