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
from collections.abc import Sequence
from typing import Any

from contextd.pipeline._once import Once

log = logging.getLogger(__name__)

_TOP = 5


def available() -> bool:
    """True when a magika model could be loaded (loading it on first use)."""
    return _scorer.get() is not None


def top_labels(text: str) -> dict[str, float]:
    """magika's most probable labels for `text`, with probabilities (empty if unavailable)."""
    return top_labels_many([text])[0]


def top_labels_many(texts: Sequence[str]) -> list[dict[str, float]]:
    """`top_labels` of each text, from one run of the model over all of them.

    One ONNX call per block cost ~0.5 ms of CPU of its own besides the model's arithmetic
    (session set-up, Python), and blocks come by the dozen from one document: a batch pays it
    once (evals/RESULTS.md, seventh pass)."""
    scorer = _scorer.get()
    if scorer is None or not texts:
        return [{} for _ in texts]
    try:
        result: list[dict[str, float]] = scorer.many(
            [text.encode("utf-8", errors="replace") for text in texts]
        )
    except Exception:  # a broken model must not fail extraction
        log.exception("magika failed; continuing without it")
        _scorer.replace(None)
        return [{} for _ in texts]
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

    return _PublicModel(instance)


_scorer: Once[Any] = Once(_load)


class _PublicModel:
    """magika's public API: its best label only, one call per text."""

    def __init__(self, instance: Any) -> None:
        self._instance = instance

    def many(self, contents: Sequence[bytes]) -> list[dict[str, float]]:
        out = []
        for content in contents:
            prediction = self._instance.identify_bytes(content).prediction
            out.append({str(prediction.dl.label): float(prediction.score)})
        return out


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

    def _features(self, content: bytes) -> list[int] | None:
        """magika's input for `content` (None when it is too short for the model)."""
        head = content[: self._block].lstrip()[: self._beg]
        tail = content[-self._block :].rstrip()[-self._end :] if self._end else b""
        if len(head) < self._min_size:
            return None
        return [
            *head,
            *([self._pad] * (self._beg - len(head))),
            *([self._pad] * (self._end - len(tail))),
            *tail,
        ]

    def many(self, contents: Sequence[bytes]) -> list[dict[str, float]]:
        """The top labels of each content, the model run once on all of them."""
        features = [self._features(content) for content in contents]
        rows = [row for row in features if row is not None]
        if not rows:
            return [{} for _ in contents]
        batch = self._numpy.array(rows, dtype=self._numpy.int32)
        matrix = self._session.run(["target_label"], {"bytes": batch})[0]
        out: list[dict[str, float]] = []
        taken = 0
        for row in features:
            if row is None:
                out.append({})
                continue
            probabilities = matrix[taken]
            taken += 1
            best = self._numpy.argsort(-probabilities, kind="stable")[:_TOP]
            out.append({self._labels[int(i)]: float(probabilities[i]) for i in best})
        return out
