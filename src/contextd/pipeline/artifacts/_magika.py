"""magika's content-type model as a language scorer for snippets, loaded once, offline.

magika (Apache-2.0) ships its ONNX model inside the wheel, so nothing is downloaded. Its public
API returns only the best label, and only when it is confident, which for a three-line snippet
is usually "txt". Snippets need the whole probability vector, to be weighed against syntax
cues, so this module runs the same model on the same input features as magika itself (the
first and last 1,024 bytes after stripping whitespace, padded with token 256) and returns the
top labels with their probabilities. When the packaged model cannot be read that way (another
magika version), the public `identify_bytes` answer is used instead, as one label.

Everything fails closed: without magika, `available()` is False and callers use cues alone.
"""

from __future__ import annotations

import importlib
import json
import logging
from pathlib import Path
from typing import Any

from contextd.pipeline._once import Once

log = logging.getLogger(__name__)

_TOP = 5


def available() -> bool:
    """True when a magika model could be loaded (loading it on first use)."""
    return _scorer.get() is not None


def top_labels(text: str) -> dict[str, float]:
    """magika's most probable labels for `text`, with probabilities (empty if unavailable)."""
    scorer = _scorer.get()
    if scorer is None:
        return {}
    try:
        result: dict[str, float] = scorer(text.encode("utf-8", errors="replace"))
    except Exception:  # a broken model must not fail extraction
        log.exception("magika failed; continuing without it")
        _scorer.replace(None)
        return {}
    return result


def _load() -> Any:
    try:
        magika = importlib.import_module("magika")
    except ImportError:
        return None
    try:
        return _RawModel(Path(str(magika.__file__)).parent)
    except Exception:
        log.info("magika's model could not be read directly; using its public API")
    try:
        instance = magika.Magika(prediction_mode=magika.PredictionMode.BEST_GUESS)
    except Exception:
        log.exception("magika could not be loaded")
        return None

    def public(content: bytes) -> dict[str, float]:
        prediction = instance.identify_bytes(content).prediction
        return {str(prediction.dl.label): float(prediction.score)}

    return public


_scorer: Once[Any] = Once(_load)


class _RawModel:
    """The packaged ONNX model with magika's feature extraction (v2: begin and end bytes)."""

    def __init__(self, package_dir: Path) -> None:
        model_dirs = sorted((package_dir / "models").glob("standard_v*"))
        if not model_dirs:
            raise FileNotFoundError("no magika model")
        model_dir = model_dirs[-1]
        config = json.loads((model_dir / "config.min.json").read_text())
        if config.get("mid_size") or config.get("use_inputs_at_offsets"):
            raise ValueError("unsupported magika feature layout")
        self._beg = int(config["beg_size"])
        self._end = int(config["end_size"])
        self._block = int(config["block_size"])
        self._pad = int(config["padding_token"])
        self._min_size = int(config["min_file_size_for_dl"])
        self._labels = [str(label) for label in config["target_labels_space"]]
        onnxruntime = importlib.import_module("onnxruntime")
        self._numpy = importlib.import_module("numpy")
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self._session = onnxruntime.InferenceSession(
            str(model_dir / "model.onnx"), options, providers=["CPUExecutionProvider"]
        )

    def __call__(self, content: bytes) -> dict[str, float]:
        head = content[: self._block].lstrip()[: self._beg]
        tail = content[-self._block :].rstrip()[-self._end :] if self._end else b""
        if len(head) < self._min_size:
            return {}
        features = [
            *head,
            *([self._pad] * (self._beg - len(head))),
            *([self._pad] * (self._end - len(tail))),
            *tail,
        ]
        batch = self._numpy.array([features], dtype=self._numpy.int32)
        probabilities = self._session.run(["target_label"], {"bytes": batch})[0][0]
        best = sorted(range(len(probabilities)), key=lambda i: -probabilities[i])[:_TOP]
        return {self._labels[i]: float(probabilities[i]) for i in best}
