"""What identification costs a block, in two checkouts on the very same blocks, interleaved.

A refit can move the magika skip (a block under the threshold costs a magika call, ~20 ms),
so a new weights file must be timed against the old one; timings on a shared machine only
mean something as ratios within one run, hence the alternation.

    python evals/language_id.py ... --save-pairs P.json        # or any tuning blocks
    python evals/langid_cost.py --pairs P.json --src /work/main/src --src src --rounds 3

Each round runs every `--src` in a fresh interpreter (its own `contextd` on PYTHONPATH),
which reads the weights and magika's model first (not timed), then calls
`identify_languages([block])` once per block, as the pipeline does for a lone fence: CPU time
per block and magika calls. Prints one line per run and the per-checkout medians.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

_CHILD = """
import json, sys, time
from contextd.pipeline.artifacts import _langid, identify_languages, load_models
blocks = [b for _, b in json.load(open(sys.argv[1]))]
load_models()
identify_languages(blocks[:5])
calls = 0
real = _langid.model_scores
def counted(sample):
    global calls
    calls += 1
    return real(sample)
_langid.model_scores = counted
start = time.process_time()
for block in blocks:
    identify_languages([block])
print(json.dumps({"ms": 1000 * (time.process_time() - start) / len(blocks), "magika": calls}))
"""


def run(src: Path, pairs: Path) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(src.resolve()))
    out = subprocess.run(
        [sys.executable, "-c", _CHILD, str(pairs)], env=env, check=True, capture_output=True
    )
    result: dict[str, float] = json.loads(out.stdout.decode().strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pairs", type=Path, required=True, help="[[language, block], ...]")
    parser.add_argument("--src", type=Path, action="append", required=True)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    times: dict[Path, list[float]] = {src: [] for src in args.src}
    for round_ in range(args.rounds):
        for src in args.src if round_ % 2 == 0 else list(reversed(args.src)):
            result = run(src, args.pairs)
            times[src].append(result["ms"])
            print(f"round {round_} {src}: {result['ms']:.2f} ms a block, magika {result['magika']}")
    base = statistics.median(times[args.src[0]])
    for src, values in times.items():
        median = statistics.median(values)
        print(f"{src}: median {median:.2f} ms a block ({median / base:.2f}x the first)")


if __name__ == "__main__":
    main()
