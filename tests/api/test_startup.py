"""Start-up of a real `contextd serve` whose model has never been exported (a fresh model dir).

The built-in model is exported and loaded in a background thread, so `/health` answers at once
(saying the model is loading) and the first source, posted meanwhile, completes once the model
is ready, with a snapshot."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from contextd.pipeline.embed_onnx import model_files
from tests.support.cluster import server_process
from tests.support.factories import transcript
from tests.support.service import Client

pytestmark = pytest.mark.slow


def embedder(url: str) -> dict[str, Any]:
    body: dict[str, Any] = httpx.get(f"{url}/health").json()
    return dict(body["dependencies"]["embedder"])


def test_health_answers_while_the_model_loads_and_the_first_source_completes(
    tmp_path: Path,
) -> None:
    models = tmp_path / "models"
    server = server_process(tmp_path / "data", CONTEXTD_MODEL_DIR=str(models))
    key = server.cli("keys", "create", "--name", "me", "--email", "me@example.test")
    server.start()  # returns at the first healthy answer
    try:
        assert embedder(server.url) in (
            {"status": "ok", "model": "loading"},
            {"status": "ok", "model": "ready"},
        )

        with Client(server.url, key.strip().splitlines()[-1], "") as client:
            space = client.space("first")
            source = client.source(
                space["id"], {"type": "CONTENT", "initial_data": {"data": transcript(120)}}
            )
            done = client.wait(source["id"], timeout=300)
            assert done["status"] == "COMPLETED", done["message"]
            snapshot = client.get(f"/v1/sources/{source['id']}/snapshot").json()
            assert snapshot["tokens_after"] < snapshot["tokens_before"]

        deadline = time.monotonic() + 120  # the search model may still be loading
        while (state := embedder(server.url))["model"] == "loading":
            assert time.monotonic() < deadline, "the model never finished loading"
            time.sleep(0.2)
        assert state == {"status": "ok", "model": "ready"}
        assert all(path.exists() for path in model_files(models).values())
    finally:
        server.stop()
