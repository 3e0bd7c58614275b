"""A deterministic stand-in for the embedding model, for tests of the snapshot's logic.

Bag of words hashed into a small signed vector: sentences sharing words are close, others are
not, which is all the selection logic needs; it loads instantly and never touches the network.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from contextd.pipeline.embed import Vectors

_WORD_RE = re.compile(r"[a-z0-9]+")


class HashingEmbedder:
    name = "hashing-test-embedder"
    dim = 256

    def __init__(self) -> None:
        self.calls: list[int] = []  # how many texts each call embedded

    def embed(self, texts: Sequence[str]) -> Vectors:
        self.calls.append(len(texts))
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
