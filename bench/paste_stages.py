"""Where paste-to-snapshot time goes: each pipeline stage of one conversation, in this process.

Usage: `.venv/bin/python bench/paste_stages.py [--words 100000] [--runtime onnx] [--json]`

Why this design: `bench/paste.py` times the whole path through a server; this one runs the
stages the process-source job runs, one at a time, on the same generated conversation, to show
which one to work on next. Stages: `ingest` (conversion and turns), `tokens` (o200k count, the
baseline `paste.py` divides by), `artifacts`, `snapshot` (the built-in engine, whose checks embed
sentences with the int8 model on ONNX, or torch), `chunks` (search chunks of the turns) and
`vectors` (embedding those chunks for search: float32 on ONNX, or torch; a separate job in the
service, after the source is COMPLETED). The model is loaded before timing (its load is
`bench/cold_start.py`'s figure); each stage's share of the total is printed beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from paste import conversation

from contextd.pipeline import embed
from contextd.pipeline.artifacts import extract_artifacts
from contextd.pipeline.chunk import chunk_turns
from contextd.pipeline.ingest import ingest
from contextd.pipeline.snapshot import build_snapshot
from contextd.pipeline.tokens import count_tokens
from contextd.pipeline.types import Fetched

T = TypeVar("T")


def timed(stages: dict[str, float], name: str, work: Callable[[], T]) -> T:
    start = time.perf_counter()
    result = work()
    stages[name] = time.perf_counter() - start
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--words", type=int, default=100_000)
    parser.add_argument("--runtime", default="onnx", choices=["onnx", "torch"])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    text = conversation(args.words)
    with tempfile.TemporaryDirectory(prefix="contextd-models-") as tmp:
        embed.configure(args.runtime, Path(tmp))
        checks, search = embed.default_embedder("checks"), embed.default_embedder("search")
        checks.embed(["warm"]), search.embed(["warm"]), count_tokens("warm")
        stages: dict[str, float] = {}
        fetched = Fetched(content=text.encode(), filename="chat.txt")
        ingested = timed(stages, "ingest", lambda: ingest(fetched))
        timed(stages, "tokens", lambda: count_tokens(text))
        turns, document = ingested.turns, ingested.document
        drafts = timed(stages, "artifacts", lambda: extract_artifacts(document, turns))
        timed(stages, "snapshot", lambda: build_snapshot(turns, document, drafts, ratio=4.0))
        chunks = timed(stages, "chunks", lambda: list(chunk_turns(list(turns))))
        timed(stages, "vectors", lambda: search.embed([c.text for c in chunks]))
    total = sum(stages.values())
    rows: list[dict[str, Any]] = [
        {"stage": k, "seconds": round(v, 3), "share": round(v / total, 3)}
        for k, v in stages.items()
    ]
    if args.json:
        print(json.dumps({"words": args.words, "runtime": args.runtime, "stages": rows}, indent=2))
        return
    print(
        f"{args.words} words, {len(turns)} turns, {len(chunks)} chunks, {args.runtime}; "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    for r in rows:
        print(f"{r['stage']:10} {r['seconds']:>8.3f} s  {r['share']:>6.1%}")
    print(f"{'total':10} {total:>8.3f} s")


if __name__ == "__main__":
    main()
