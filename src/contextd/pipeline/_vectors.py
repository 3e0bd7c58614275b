"""What both runtimes of the built-in model share (`embed` on torch, `embed_onnx` on ONNX
Runtime): its name, which tags stored vectors, its size, and the vectors' type."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from contextd.config import BUILTIN_EMBEDDING_DIM

Vectors = npt.NDArray[np.float32]
MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_DIM = BUILTIN_EMBEDDING_DIM
