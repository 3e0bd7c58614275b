"""What both runtimes of the built-in model share (`embed` on torch, `embed_onnx` on ONNX
Runtime): its name, which tags stored vectors, its size, and the vectors' type."""

from __future__ import annotations

import os

import numpy as np
import numpy.typing as npt

from contextd.config import BUILTIN_EMBEDDING_DIM

Vectors = npt.NDArray[np.float32]
MODEL_NAME = "all-MiniLM-L6-v2"
MODEL_DIM = BUILTIN_EMBEDDING_DIM


def quiet_offline() -> None:
    """Before loading the packaged model with Hugging Face libraries: never reach for the hub,
    no progress bars or notices on the console."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
