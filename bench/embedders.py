"""The built-in model's runtimes side by side: torch, ONNX float32 and ONNX int8, sentences/s.

Usage: `.venv/bin/python bench/embedders.py [--sentences 2000] [--json]`

Why this design: the three run in this process on the same inputs, one after the other, each
after a warm-up call, so the ratios hold whatever the machine's load (printed beside them).
Inputs are the LoCoMo development conversations' turns (real chat sentences, short and long),
or generated ones without them. Also printed: how close each ONNX runtime's vectors are to
torch's (mean and minimum cosine), which is why float32 serves search and int8 the snapshot's
checks.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from paste import conversation

from contextd.pipeline.embed import Embedder, MiniLM, Vectors
from contextd.pipeline.embed_onnx import OnnxMiniLM


def timed(model: Embedder, texts: list[str]) -> tuple[float, Vectors]:
    model.embed(texts[:32])
    start = time.perf_counter()
    vectors = model.embed(texts)
    return time.perf_counter() - start, vectors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sentences", type=int, default=2000)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    lines = [line.split(": ", 1)[-1] for line in conversation(args.sentences * 25).split("\n\n")]
    texts = [t for t in lines if t.strip()][: args.sentences]
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="contextd-models-") as tmp:
        models: dict[str, Embedder] = {
            "torch": MiniLM(),
            "onnx float32": OnnxMiniLM(Path(tmp), "float32"),
            "onnx int8": OnnxMiniLM(Path(tmp), "int8"),
        }
        reference: Vectors | None = None
        for name, model in models.items():
            seconds, vectors = timed(model, texts)
            reference = vectors if reference is None else reference
            cos = (vectors * reference).sum(axis=1)
            rows.append(
                {
                    "runtime": name,
                    "sentences_per_second": round(len(texts) / seconds, 1),
                    "cosine_to_torch_mean": round(float(np.mean(cos)), 4),
                    "cosine_to_torch_min": round(float(np.min(cos)), 4),
                }
            )
    torch_rate = rows[0]["sentences_per_second"]
    for row in rows:
        row["x_torch"] = round(row["sentences_per_second"] / torch_rate, 2)
    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(
        f"{len(texts)} sentences; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores"
    )
    for r in rows:
        print(
            f"{r['runtime']:13} {r['sentences_per_second']:>8} sentences/s  x{r['x_torch']:<5} "
            f"cosine to torch mean {r['cosine_to_torch_mean']} min {r['cosine_to_torch_min']}"
        )


if __name__ == "__main__":
    main()
