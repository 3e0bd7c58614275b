"""The ONNX runtime of the built-in model against sentence-transformers on torch.

The float32 export must give torch's vectors (search quality unchanged, and vectors from either
runtime share an index); the int8 one must stay close enough for the snapshot's checks. The
files are exported once into the suite's model dir (conftest), so only the first run pays.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from contextd.pipeline import embed
from contextd.pipeline.embed import MODEL_NAME, MiniLM, Vectors
from contextd.pipeline.embed_onnx import OnnxMiniLM, ensure_models, model_files, optimized_file
from tests.support.settings import MODEL_DIR_ENV

TEXTS = [
    "hello there",
    "thanks!",
    "ok",
    "The quick brown fox jumps over the lazy dog.",
    "I think we should move the meeting to Tuesday because Alice is out.",
    "Sure, here's the updated config with the port changed to 8080.",
    "def area(r):\n    return 3.14159 * r * r",
    "Les modèles d'embedding comparent des phrases.",
    "word " * 400,  # past the 256-token limit: truncated as sentence-transformers truncates
]


@pytest.fixture(scope="module")
def model_dir() -> Path:
    return Path(os.environ[MODEL_DIR_ENV])


@pytest.fixture(scope="module")
def torch_vectors() -> Vectors:
    return MiniLM().embed(TEXTS)


def cosines(a: Vectors, b: Vectors) -> Vectors:
    return np.asarray((a * b).sum(axis=1), dtype=np.float32)


def test_float32_vectors_match_torch(model_dir: Path, torch_vectors: Vectors) -> None:
    model = OnnxMiniLM(model_dir, "float32")
    vectors = model.embed(TEXTS)
    assert vectors.shape == (len(TEXTS), 384)
    assert vectors.dtype == np.float32
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert cosines(vectors, torch_vectors).min() > 0.999
    assert model.name == MODEL_NAME == MiniLM.name  # one index for either runtime


def test_int8_vectors_are_close(model_dir: Path, torch_vectors: Vectors) -> None:
    vectors = OnnxMiniLM(model_dir, "int8").embed(TEXTS)
    close = cosines(vectors, torch_vectors)
    assert close.min() > 0.93
    assert close.mean() > 0.97
    # What the snapshot's checks compare: the cosine between two sentences moves little.
    drift = np.abs(vectors @ vectors.T - torch_vectors @ torch_vectors.T)
    assert drift.max() < 0.1


def test_order_and_batches_do_not_change_vectors(model_dir: Path) -> None:
    """Texts are sorted by length into batches; each row still belongs to its text."""
    model = OnnxMiniLM(model_dir, "float32", batch_size=2)
    together = model.embed(TEXTS)
    alone = np.vstack([model.embed([text]) for text in TEXTS])
    assert cosines(together, alone).min() > 0.9999
    assert model.embed([]).shape == (0, 384)


def test_export_is_written_once(model_dir: Path) -> None:
    files = ensure_models(model_dir)
    assert files == model_files(model_dir)
    stamps = {path: path.stat().st_mtime_ns for path in files.values()}
    ensure_models(model_dir)
    assert {path: path.stat().st_mtime_ns for path in files.values()} == stamps
    assert not list(model_dir.glob("*.partial"))


def test_process_model_follows_the_runtime_setting(
    model_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(embed, "_config", None)
    monkeypatch.setenv("CONTEXTD_EMBEDDING_RUNTIME", "onnx")
    checks, search = embed.default_embedder("checks"), embed.default_embedder("search")
    assert isinstance(checks, OnnxMiniLM) and checks.precision == "int8"
    assert isinstance(search, OnnxMiniLM) and search.precision == "float32"
    assert embed.default_embedder() is checks
    embed.configure("torch", model_dir)
    torch_model = embed.default_embedder("search")
    assert isinstance(torch_model, MiniLM)
    assert embed.default_embedder("checks") is torch_model  # one torch model for both


@pytest.fixture
def own_model_dir(model_dir: Path, tmp_path: Path) -> Path:
    """The int8 model copied (the tests touch it) and the float32 one linked, so
    `ensure_models` finds both and nothing is exported."""
    files, own = model_files(model_dir), model_files(tmp_path)
    own["int8"].write_bytes(files["int8"].read_bytes())
    own["float32"].symlink_to(files["float32"])
    return tmp_path


def _saved(model_dir: Path) -> Path:
    import onnxruntime

    return optimized_file(model_files(model_dir)["int8"], onnxruntime.__version__)


def test_the_optimized_graph_is_saved_once_then_reused(own_model_dir: Path) -> None:
    first = OnnxMiniLM(own_model_dir, "int8").embed(TEXTS)
    saved = _saved(own_model_dir)
    written = saved.stat()
    second = OnnxMiniLM(own_model_dir, "int8").embed(TEXTS)
    assert saved.stat().st_ino == written.st_ino  # read, not written again
    assert saved.stat().st_mtime_ns == written.st_mtime_ns
    assert np.array_equal(first, second)
    assert not list(own_model_dir.glob("*.partial"))


def test_a_new_export_or_another_runtime_version_builds_it_again(own_model_dir: Path) -> None:
    OnnxMiniLM(own_model_dir, "int8")
    first = _saved(own_model_dir)
    model = model_files(own_model_dir)["int8"]
    later = model.stat().st_mtime + 60
    os.utime(model, (later, later))  # a re-export
    other_version = optimized_file(model, "0.0.1")
    other_version.write_bytes(b"an older runtime's graph")
    OnnxMiniLM(own_model_dir, "int8")
    assert _saved(own_model_dir) != first
    assert _saved(own_model_dir).exists()
    assert not first.exists()  # no 90 MB left behind per export or runtime upgrade
    assert not other_version.exists()


def test_a_damaged_optimized_graph_is_built_again(own_model_dir: Path) -> None:
    reference = OnnxMiniLM(own_model_dir, "int8").embed(TEXTS)
    saved = _saved(own_model_dir)
    saved.write_bytes(b"not a model")  # newer than the model, so it looks current
    assert np.array_equal(OnnxMiniLM(own_model_dir, "int8").embed(TEXTS), reference)
    assert saved.stat().st_size > 1_000_000


def test_a_graph_that_cannot_be_saved_still_loads(own_model_dir: Path) -> None:
    reference = OnnxMiniLM(own_model_dir, "int8").embed(TEXTS)
    saved = _saved(own_model_dir)
    saved.unlink()
    saved.mkdir()  # the rename onto it fails, even for root (a read-only dir would not)
    vectors = OnnxMiniLM(own_model_dir, "int8").embed(TEXTS)
    assert np.allclose(vectors, reference, atol=1e-6)
    assert saved.is_dir()
    assert not list(own_model_dir.glob("*.partial"))
