"""CPU cost of `identify_languages` a block, two checkouts on the same blocks, interleaved.

    python evals/langid_cost.py /work/main/src src --corpus /tmp/langcorp/lxym [--unsure]

One worker process per checkout (its `src` first on the path) cuts the same blocks from
learnxinyminutes' fences (`language_id`'s cut, tuning data), shuffled by a fixed seed, loads
the models and warms up; the driver then asks both, alternating which goes first, to identify
the same 100 blocks at 1, 5 and 50 blocks a call, and sums each worker's own CPU time
(`time.process_time`, so another process's load counts less than in wall time). `--unsure`
keeps only the blocks the text model is not sure of, i.e. those that go to magika. Whether the
two checkouts gave the same answers is printed too.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from pathlib import Path

SIZES = (1, 5, 50)
CHUNK = 100
EVALS = Path(__file__).resolve().parent


def worker(src: str, corpus: Path, unsure: bool) -> None:
    """Serve `k start n` requests on stdin: CPU seconds and answers, as JSON lines."""
    sys.path[:0] = [src, str(EVALS)]
    import langid_corpus
    import language_id

    from contextd.pipeline.artifacts import (
        identify_languages,
        langmodel,
        language_evidence,
        load_models,
    )

    load_models()
    found = langid_corpus.collect(language_id.fenced_files(corpus, False), 40, 200)
    blocks = [block for _, _, block in found]
    random.Random(7).shuffle(blocks)
    if unsure:
        sure = langmodel.sure_threshold()
        evidence = [language_evidence(b, use_model=False) for b in blocks]
        blocks = [
            b
            for b, (scores, _, sample) in zip(blocks, evidence, strict=True)
            if langmodel.rank(scores, None, sample)[0][1] < sure
        ]
    identify_languages(blocks[:20])
    print(len(blocks), flush=True)
    for line in sys.stdin:
        k, start, n = map(int, line.split())
        part = blocks[start : start + n]
        began = time.process_time()
        out: list[str | None] = []
        for i in range(0, len(part), k):
            out += identify_languages(part[i : i + k])
        print(json.dumps([time.process_time() - began, out]), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("main_src")
    parser.add_argument("branch_src")
    parser.add_argument("--corpus", type=Path, required=True, help="learnxinyminutes-docs")
    parser.add_argument("--unsure", action="store_true", help="only blocks that go to magika")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.main_src, args.corpus, args.unsure)
        return
    names = ("main", "branch")
    procs = {
        name: subprocess.Popen(
            [sys.executable, __file__, src, src, "--corpus", str(args.corpus), "--worker"]
            + (["--unsure"] if args.unsure else []),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for name, src in zip(names, (args.main_src, args.branch_src), strict=True)
    }
    sizes = [int(proc.stdout.readline()) for proc in procs.values() if proc.stdout]
    cpu = {(name, k): 0.0 for name in names for k in SIZES}
    same = True
    done = 0
    for start in range(0, min(sizes) - CHUNK + 1, CHUNK):
        for k in SIZES:
            answers = {}
            for name in names if start // CHUNK % 2 == 0 else names[::-1]:
                stdin, stdout = procs[name].stdin, procs[name].stdout
                assert stdin is not None and stdout is not None
                stdin.write(f"{k} {start} {CHUNK}\n")
                stdin.flush()
                seconds, answers[name] = json.loads(stdout.readline())
                cpu[name, k] += seconds
            same &= answers["main"] == answers["branch"]
        done += CHUNK
    print(f"{done} blocks; same answers: {same}")
    for k in SIZES:
        a, b = (cpu[name, k] / done * 1000 for name in names)
        print(f"  {k:>2} a call: main {a:.2f} ms a block, branch {b:.2f}, ratio {b / a:.3f}")
    for proc in procs.values():
        if proc.stdin:
            proc.stdin.close()
        proc.wait()


if __name__ == "__main__":
    main()
