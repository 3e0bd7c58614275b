"""Two training runs compared on the same tuning blocks, out of fold (`train_langid.py --dump`).

    python evals/langid_compare.py BEFORE.dump AFTER.dump

A run that adds a corpus changes the corpus mean `train_langid.py` prints (the new corpus is in
it) and the blocks magika is replayed on (a spread per language, which the new corpus shares),
so its figures are not comparable with the run before. This scores both runs on the blocks
they share (same corpus, file and text; the folds are a hash of the file, so a shared block is
in the same fold in both): the text model's top answer on every shared block, and the whole
decision (`langid_errors.replay`) on the blocks magika was run on in the BEFORE run, each run
with its own magika weight and skip threshold. Per corpus (each counts once in the mean) and
per language, tuning data only.

A run that adds classes (`train_langid.py --tree-as`) has blocks the BEFORE run lacks: with
`--new`, those of its magika blocks are scored as well, BEFORE being what the shipped weights
answer (`identify_language`, the real step with magika; the shipped model was not fitted on
those blocks, so its answer is out of sample too: run this before new weights are installed)
and AFTER the out-of-fold replay. The replay of each run uses that run's classes for the rules
that ask which languages the model can name (`magika_only_language`, the cue-only languages).
"""

from __future__ import annotations

import argparse
import pickle
from collections import defaultdict
from pathlib import Path
from typing import Any

import language_id
import numpy as np
from langid_errors import replay

from contextd.pipeline.artifacts import identify_language, langmodel

Key = tuple[str, str, str]


def _load(path: Path) -> dict[str, Any]:
    data: dict[str, Any] = pickle.loads(path.read_bytes())
    data["index"] = {(c, n, b): i for i, (c, _, n, b) in enumerate(data["blocks"])}
    return data


def _ranked(data: dict[str, Any], i: int) -> list[tuple[str, float]]:
    row = map(float, data["oof"][i])
    return sorted(zip(data["classes"], row, strict=True), key=lambda kv: -kv[1])


def _answer(data: dict[str, Any], i: int, magika: dict[str, float] | None) -> str:
    block = data["blocks"][i][3]
    settings = (data["weight"], data["sure"])
    shipped = langmodel.classes
    langmodel.classes = lambda: tuple(data["classes"])  # the run's own classes
    try:
        answer = replay(block, _ranked(data, i), data["scores"][i], magika, settings)
    finally:
        langmodel.classes = shipped
    return language_id.fold(answer or "") or ""


def _table(title: str, rows: list[tuple[str, str, bool, bool]]) -> None:
    """rows: (corpus, language, right before, right after)."""
    by_corpus: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    by_language: dict[str, list[tuple[bool, bool]]] = defaultdict(list)
    for corpus, language, before, after in rows:
        by_corpus[corpus].append((before, after))
        by_language[language].append((before, after))

    def share(pairs: list[tuple[bool, bool]], j: int) -> float:
        return sum(p[j] for p in pairs) / len(pairs)

    means = [float(np.mean([share(v, j) for v in by_corpus.values()])) for j in (0, 1)]
    print(f"{title}: {len(rows)} blocks, corpus mean {means[0]:.4f} -> {means[1]:.4f}")
    for corpus, pairs in sorted(by_corpus.items()):
        print(f"  {corpus}: {share(pairs, 0):.3f} -> {share(pairs, 1):.3f} ({len(pairs)})")
    print("  by language, right before -> after (n):")
    for language, pairs in sorted(by_language.items()):
        was, now = sum(p[0] for p in pairs), sum(p[1] for p in pairs)
        print(f"    {language}: {was} -> {now} of {len(pairs)} ({now - was:+d})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("before", type=Path)
    parser.add_argument("after", type=Path)
    parser.add_argument("--new", action="store_true", help="also the blocks BEFORE lacks")
    parser.add_argument(
        "--hold",
        nargs=2,
        type=float,
        metavar=("WEIGHT", "SURE"),
        help="replay both runs with this magika weight and skip (not each run's own choice)",
    )
    args = parser.parse_args()
    before, after = _load(args.before), _load(args.after)
    if args.hold:
        for data in (before, after):
            data["weight"], data["sure"] = args.hold
    shared = [k for k in before["index"] if k in after["index"]]
    text = []
    for key in shared:
        i, j = before["index"][key], after["index"][key]
        gold = before["blocks"][i][1]
        right = [
            d["classes"][int(np.argmax(d["oof"][n]))] == gold for d, n in ((before, i), (after, j))
        ]
        text.append((key[0], gold, right[0], right[1]))
    _table("text model, out of fold, shared blocks", text)
    magika = dict(zip(before["chosen"], before["magika"], strict=True))
    pipeline = []
    for i in before["chosen"]:
        corpus, gold, name, block = before["blocks"][i]
        j = after["index"].get((corpus, name, block))
        if j is None:
            continue
        m = magika[i]
        pipeline.append((corpus, gold, _answer(before, i, m) == gold, _answer(after, j, m) == gold))
    _table("pipeline, out of fold, the before run's magika blocks", pipeline)
    if args.new:
        new = []
        for j, m in zip(after["chosen"], after["magika"], strict=True):
            corpus, gold, name, block = after["blocks"][j]
            if (corpus, name, block) in before["index"]:
                continue
            was = language_id.fold(identify_language(block) or "") or ""
            new.append((corpus, gold, was == gold, _answer(after, j, m) == gold))
        _table("blocks only the after run has: shipped weights -> after, out of fold", new)


if __name__ == "__main__":
    main()
