"""Paste to snapshot: a long conversation from POST to COMPLETED on a real `contextd serve`.

Usage: `.venv/bin/python bench/paste.py [--words 20000,100000] [--runtime onnx,torch]
[--src ../main/src,src] [--model-dir DIR] [--json]`

Why this design:

- **As a user pastes it**: `python -m contextd serve` (the embedded default: SQLite, local
  files, the embedded worker) in a fresh data dir, one `CONTENT` source per size, timed from the
  POST until the source reads COMPLETED (polled every 20 ms), so every stage counts: parsing the
  turns, artifacts, the snapshot (whose checks embed sentences) and the commit.
- **The model is warm**: each server is timed only once `/health` says its model is ready and
  after one small source whose vectors (they follow its COMPLETED) are all written, so the
  figure is the steady state; the first start's cost is
  `bench/cold_start.py`'s. The ONNX files are exported once into a temporary model dir shared by
  the runs.
- **Same-run baseline**: reading the text and counting its tokens with the same tokenizer
  (o200k, `pipeline.tokens`) in this process; `x tokenize` is the paste's time over it, the
  figure to compare between runs and machines. `--runtime onnx,torch` runs both runtimes in
  the same run, one server each.
- **Real text**: the LoCoMo development conversations (`../shared/evaldata/locomo-dev/`)
  repeated until the size is reached (each repetition's turns numbered so no turn repeats
  exactly); without them, a generated conversation. Peak RSS (VmHWM) of the server plus its
  worker process is reported; `CPU s` counts both as well.
- **Default worker settings**: creating a source wakes the embedded worker at once, so the
  job poll keeps its default; a 20 ms poll had the idle lanes' threads query the jobs table
  200 times a second beside the paste (the client's own 20 ms status poll is counted in
  `CPU s`, a few milliseconds each).
- **Baseline and change in one run**: `--src` starts one server per source dir (a baseline
  checkout's `src`, then this one's) and prints the ratio between them; `CPU s` is the server's
  and its worker process's CPU time during the paste, which a loaded machine inflates less
  than the wall time.
- **One paste at a time**: after each COMPLETED the bench waits until every chunk of the
  source has its vector (read-only from the server's SQLite file every 50 ms; `vectors` is that
  wait, the vectors' lag behind COMPLETED) before the next size, so no paste is timed behind
  the previous one's embedding.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
from _procs import tree_cpu, tree_peak_rss_mb
from sqlalchemy import Engine, create_engine, func, select

from contextd.pipeline.embed_onnx import ensure_models
from contextd.pipeline.tokens import count_tokens
from contextd.store.tables import Chunk
from contextd.testing import ServerProcess

LOCOMO = Path(__file__).resolve().parents[2] / "shared" / "evaldata" / "locomo-dev"


def locomo_turns() -> list[tuple[str, str]]:
    turns: list[tuple[str, str]] = []
    for path in sorted(LOCOMO.glob("conv-*.json")):
        raw = json.loads(path.read_text())
        data = raw.get("conversation", raw)
        for key in sorted(data, key=lambda k: (len(k), k)):
            if key.startswith("session_") and isinstance(data[key], list):
                turns += [(str(t.get("speaker", "A")), str(t.get("text", ""))) for t in data[key]]
    return turns


def generated_turns() -> Iterator[tuple[str, str]]:
    topics = ["cache", "deploy", "index", "billing", "search", "backup", "login", "queue"]
    i = 0
    while True:
        topic = topics[i % len(topics)]
        yield "User", f"How should the {topic} for report {i} behave when {i % 13} users edit it?"
        yield "Assistant", f"Keep {topic} {i} for {i % 7 + 1} hours, then rebuild it on edit."
        i += 1


def conversation(words: int, offset: int = 0) -> str:
    """A `Speaker: text` transcript of about `words` words, from the `offset`-th turn on."""
    base = locomo_turns()
    if base:
        cut = offset % len(base)
        base = base[cut:] + base[:cut]
    lines: list[str] = []
    count = 0
    source = (
        ((s, f"{t} ({n // len(base) + 1})" if n >= len(base) else t) for n, (s, t) in _cycle(base))
        if base
        else generated_turns()
    )
    for speaker, text in source:
        lines.append(f"{speaker}: {text}")
        count += len(text.split()) + 1
        if count >= words:
            break
    return "\n\n".join(lines) + "\n"


def _cycle(turns: list[tuple[str, str]]) -> Iterator[tuple[int, tuple[str, str]]]:
    n = 0
    while True:
        yield n, turns[n % len(turns)]
        n += 1


def tokenize_seconds(text: str, repeat: int = 3) -> float:
    """Reading the pasted bytes and counting their tokens: the best of `repeat`, after a warm-up
    call that loads the tokenizer's tables."""
    count_tokens("warm up")
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        count_tokens(text.encode().decode())
        best = min(best, time.perf_counter() - start)
    return best


def wait_ready(url: str, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        model = httpx.get(f"{url}/health").json()["dependencies"].get("embedder", {})
        if model.get("model") in {"ready", "failed"}:
            return
        time.sleep(0.2)
    raise RuntimeError("the model never became ready")


def wait_vectors(engine: Engine, source_id: str, timeout: float = 3600) -> float:
    """Seconds until every chunk of the source has a vector (read-only, every 50 ms): the vectors
    follow COMPLETED, and the next paste must not be timed behind them."""
    query = select(func.count()).where(Chunk.source_id == source_id, Chunk.embedding.is_(None))
    start = time.perf_counter()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            if conn.execute(query).scalar_one() == 0:
                return time.perf_counter() - start
        time.sleep(0.05)
    raise RuntimeError("vectors not embedded in time")


def paste(client: httpx.Client, space: str, text: str, timeout: float = 3600) -> tuple[float, str]:
    start = time.perf_counter()
    body = {"type": "CONTENT", "instructions": {}, "initial_data": {"data": text}}
    response = client.post(f"/v1/spaces/{space}/sources", json=body)
    if response.status_code != 201:
        raise RuntimeError(f"POST source: {response.status_code} {response.text[:300]}")
    source = response.json()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = client.get(f"/v1/sources/{source['id']}").raise_for_status().json()["status"]
        if status in {"COMPLETED", "FAILED", "CANCELED"}:
            if status != "COMPLETED":
                raise RuntimeError(f"source {status}")
            return time.perf_counter() - start, str(source["id"])
        time.sleep(0.02)
    raise RuntimeError("source not processed in time")


def run(
    runtime: str,
    sizes: list[int],
    texts: dict[int, str],
    models: Path,
    src: str | None = None,
    *,
    wait: bool = True,
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="contextd-paste-") as tmp:
        env = {
            **os.environ,
            **({"PYTHONPATH": src} if src else {}),
            "CONTEXTD_EMBEDDING_RUNTIME": runtime,
            "CONTEXTD_MODEL_DIR": str(models),
            "CONTEXTD_RATE_LIMIT_PER_MINUTE": "100000",
        }
        server = ServerProcess(Path(tmp) / "data", env)
        engine = create_engine(f"sqlite:///{Path(tmp) / 'data' / 'contextd.db'}")
        key = server.cli("keys", "create", "--name", "bench").strip().splitlines()[-1]
        server.start()
        try:
            wait_ready(server.url)
            headers = {"Authorization": f"Bearer {key}"}
            with httpx.Client(base_url=server.url, headers=headers, timeout=600) as client:
                space = client.post("/v1/spaces", json={"name": "bench"}).json()["id"]
                _, warm = paste(client, space, conversation(2000))  # nothing left to load
                wait_vectors(engine, warm)  # and its vectors, which follow its COMPLETED
                for words in sizes:
                    cpu = tree_cpu(server.pid)
                    seconds, source_id = paste(client, space, texts[words])
                    cpu = tree_cpu(server.pid) - cpu
                    # Before the next size (not timed: 1M words' vectors take many minutes).
                    vectors = wait_vectors(engine, source_id) if wait else float("nan")
                    base = tokenize_seconds(texts[words])
                    rows.append(
                        {
                            "runtime": runtime,
                            "src": src or "installed",
                            "words": words,
                            "seconds": round(seconds, 2),
                            "server_cpu_seconds": round(cpu, 1),
                            "vectors_after_seconds": round(vectors, 1),
                            "tokenize_seconds": round(base, 3),
                            "x_tokenize": round(seconds / base, 1),
                            "server_peak_rss_mb": round(tree_peak_rss_mb(server.pid)),
                            "load": round(os.getloadavg()[0], 1),
                        }
                    )
        finally:
            server.stop()
            engine.dispose()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", default="20000,100000", help="comma-separated sizes")
    parser.add_argument("--runtime", default="onnx,torch", help="onnx, torch, or both")
    parser.add_argument(
        "--model-dir", type=Path, default=None, help="exported models to reuse (default: export)"
    )
    parser.add_argument(
        "--src",
        default="",
        help="comma-separated source dirs, one server each (e.g. a baseline checkout's src and "
        "this one's), every size on each in turn; default: the installed package",
    )
    parser.add_argument(
        "--no-vectors",
        action="store_true",
        help="do not wait for each source's vectors (a single large size: 1M words' take long)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    sizes = [int(w) for w in args.words.split(",")]
    texts = {words: conversation(words) for words in sizes}
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="contextd-models-") as scratch:
        models = args.model_dir or Path(scratch)
        ensure_models(models)  # exported here, so no server pays for it (or its memory)
        for runtime in args.runtime.split(","):
            for src in args.src.split(",") if args.src else [None]:
                rows += run(runtime, sizes, texts, models, src, wait=not args.no_vectors)
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    head = ("runtime", "words", "seconds", "CPU s", "vectors", "tokenize s", "x tokenize")
    print(
        f"{head[0]:8} {head[1]:>9} {head[2]:>8} {head[3]:>7} {head[4]:>7} {head[5]:>10} "
        f"{head[6]:>10} {'RSS MB':>7} {'load':>5} src"
    )
    for r in rows:
        print(
            f"{r['runtime']:8} {r['words']:>9} {r['seconds']:>8} {r['server_cpu_seconds']:>7} "
            f"{r['vectors_after_seconds']:>7} {r['tokenize_seconds']:>10} {r['x_tokenize']:>10} "
            f"{r['server_peak_rss_mb']:>7} {r['load']:>5} {r['src']}"
        )
    for words in sizes:
        srcs = [(r["runtime"], r["src"], r["seconds"]) for r in rows if r["words"] == words]
        for (runtime, first, base), (again, other, seconds) in itertools.pairwise(srcs):
            if runtime == again and first != other:
                print(f"{words} words, {runtime}: {first} / {other} = {base / seconds:.2f}")
        by = {r["runtime"]: r["seconds"] for r in rows if r["words"] == words}
        if "onnx" in by and "torch" in by:
            print(f"{words} words: torch / onnx = {by['torch'] / by['onnx']:.2f}")


if __name__ == "__main__":
    main()
