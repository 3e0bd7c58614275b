"""Fit the character n-gram model of each language (`pipeline/artifacts/charlm.py`).

    python evals/train_charlm.py <train_langid.py's corpus options>    # writes the table
    python evals/train_charlm.py --evaluate --docs /tmp/langpairs/docs \\
        --code /tmp/langpairs/code --weights 0 1 2 3 4 --half tune    # chooses the weight

The training code is the text model's (`train_langid.training_blocks`, the same corpus
options): for each of its languages, the counts of every character n-gram of length 1 to
`--order` of its blocks (`charlm.normalize`), each n-gram's Witten-Bell-interpolated
log-probability (of its last character after the others), and the n-grams seen at least
`--min-count` times kept, in tenths of a nat. The table goes to
`src/contextd/pipeline/artifacts/langid_chargrams.npz` (`charlm.build`: the n-grams' 64-bit
keys, sorted; a byte a language for each, 255 where the language lacks it; the order, backoff
penalty, floor, scale and languages as JSON).

`--evaluate` scores the table on **tuning** code the model was never fitted on (never a
held-out set of `evals/data/doc_fences/SOURCES.md`, never Rosetta Code), at each weight of
`--weights` (0: the character model off), on one half of the repositories (`pair_rules.half_of`):

* `--docs DIR`: the documentation fences of `langid_document.py`, named alone and with their
  document (its evidence cache, `--cache`, is gathered without the character model);
* `--code DIR`: one directory per repository, its code files named by extension (`.h` left out:
  C, C++ or Objective-C alike), cut into chat-sized blocks (`langid_corpus.collect`, 2 a file,
  60 a language a repository), named alone.

The weight chosen on the tune half is copied to `charlm.WEIGHT` by hand.
"""

from __future__ import annotations

import argparse
import math
import pickle
import sys
from collections import Counter, defaultdict
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import langid_corpus as corpus
import langid_document
import numpy as np
import train_langid
from language_id import fold
from pair_rules import half_of

from contextd.pipeline.artifacts import (
    Evidence,
    charlm,
    decide_block,
    gather_evidence,
    langmodel,
    with_document,
)

OUT = train_langid.ROOT / "src" / "contextd" / "pipeline" / "artifacts" / charlm.FILE
_VOCABULARY = 200  # the floor: one character in this many
_SCALE = 0.1


def fit(
    blocks: Sequence[tuple[str, str]], order: int, min_count: int
) -> tuple[list[str], dict[str, dict[int, int]]]:
    """(languages, n-gram -> {column: -log-probability in tenths of a nat})."""
    texts: dict[str, list[str]] = defaultdict(list)
    for language, block in blocks:
        texts[language].append(block)
    languages = sorted(texts)
    table: dict[str, dict[int, int]] = defaultdict(dict)
    for column, language in enumerate(languages):
        for gram, value in _language_grams(texts[language], order, min_count).items():
            table[gram][column] = value
    return languages, table


def _language_grams(texts: list[str], order: int, min_count: int) -> dict[str, int]:
    """One language's kept n-grams and their -log-probabilities, in tenths of a nat."""
    counts: Counter[str] = Counter()
    for block in texts:
        sample = charlm.normalize(block, order)
        for n in range(1, order + 1):
            ends = range(n, len(sample) + 1)
            counts.update(sample[end - n : end] for end in ends if sample[end - 1] != "\x02")
    totals: Counter[str] = Counter()
    distinct: Counter[str] = Counter()
    for gram, count in counts.items():
        totals[gram[:-1]] += count
        distinct[gram[:-1]] += 1
    memo: dict[str, float] = {}

    def probability(gram: str) -> float:
        """Witten-Bell: the n-gram's count, and the context's distinct continuations times
        the shorter n-gram's probability."""
        if gram not in memo:
            lower = probability(gram[1:]) if len(gram) > 1 else 1.0 / _VOCABULARY
            total, kinds = totals.get(gram[:-1], 0), distinct.get(gram[:-1], 0)
            memo[gram] = (counts[gram] + kinds * lower) / (total + kinds) if kinds else lower
        return memo[gram]

    return {
        gram: min(round(-math.log(probability(gram)) / _SCALE), 254)
        for gram, count in counts.items()
        if count >= min_count
    }


def write(path: Path, languages: list[str], table: Mapping[str, dict[int, int]], order: int,
          backoff: float) -> None:  # fmt: skip
    settings = {"order": order, "backoff": backoff, "floor": math.log(1.0 / _VOCABULARY)}
    arrays = charlm.build(dict(table), languages, settings | {"scale": _SCALE})
    with path.open("wb") as out:
        np.savez_compressed(out, **arrays)  # type: ignore[arg-type]


# --- evaluation ---------------------------------------------------------------------------


@contextmanager
def _without_chars() -> Iterator[None]:
    """Evidence as the product gathers it, but for the character model (no candidate is
    scored), which `decide` then adds at each weight."""
    saved, charlm.CANDIDATES = charlm.CANDIDATES, 0
    try:
        yield
    finally:
        charlm.CANDIDATES = saved


def code_cuts(root: Path, cache: Path) -> list[tuple[str, str, Evidence]]:
    """(repository, language, evidence) of chat-sized cuts of each repository's code files."""
    if cache.exists():
        cuts: list[tuple[str, str, Evidence]] = pickle.loads(cache.read_bytes())
        return cuts
    named = langmodel.named_languages()
    cuts = []
    with _without_chars():
        for repository in sorted(p for p in root.iterdir() if p.is_dir()):
            files = corpus.tree_files(repository, 200)
            for language, name, block in corpus.collect(files, 2, 60):
                gold = fold(language)
                if gold in named and not name.endswith(".h"):
                    cuts.append((repository.name, gold, gather_evidence(block)))
    cache.write_bytes(pickle.dumps(cuts))
    return cuts


def documents(root: Path, cache: Path) -> list[langid_document.Document]:
    """`langid_document`'s documents (its caps), their evidence without the character model."""
    if cache.exists():
        docs: list[langid_document.Document] = pickle.loads(cache.read_bytes())
        return docs
    with _without_chars():
        docs = list(langid_document.documents(root, langmodel.named_languages(), 150, 60))
    cache.write_bytes(pickle.dumps(docs))
    return docs


def decide(evidence: Evidence, weight: float, fence: langid_document.Fence | None = None,
           prior: Mapping[str, float] | None = None) -> str | None:  # fmt: skip
    """The product's decision with the character model at `weight` where magika was asked."""
    if weight and evidence.asked_magika and evidence.ranked:
        ranked = charlm.with_chars(evidence.ranked, evidence.content, weight)
        evidence = Evidence(
            evidence.content, evidence.shape, evidence.scores, ranked, evidence.probabilities, True
        )
    if fence is None:
        return fold(decide_block(evidence, prior=prior))
    return fold(
        decide_block(evidence, intro=fence.intro, context=fence.context, names=True, prior=prior)
    )


def _document_answers(
    fences: Sequence[langid_document.Fence], weight: float
) -> tuple[list[str | None], list[str | None]]:
    """Each fence's answer alone, and with the other fences of its document."""
    alone = [decide(fence.evidence, weight, fence) for fence in fences]

    def again(index: int, prior: Mapping[str, float]) -> str | None:
        return decide(fences[index].evidence, weight, fences[index], prior)

    return alone, with_document(alone, [True] * len(fences), [], again)


def evaluate(args: argparse.Namespace) -> None:
    docs = documents(args.docs, args.cache)
    docs = [doc for doc in docs if args.half == "all" or half_of(doc.source) == args.half]
    cuts = code_cuts(args.code, args.code_cache) if args.code else []
    cuts = [cut for cut in cuts if args.half == "all" or half_of(cut[0]) == args.half]
    blocks = sum(fence.scored for doc in docs for fence in doc.fences)
    print(f"{args.half}: {blocks} documentation blocks, {len(cuts)} code cuts")
    for weight in args.weights:
        code = sum(decide(evidence, weight) == gold for _, gold, evidence in cuts)
        alone = together = 0
        for doc in docs:
            one, two = _document_answers(doc.fences, weight)
            for fence, first, second in zip(doc.fences, one, two, strict=True):
                if fence.scored:
                    alone += first == fence.gold
                    together += second == fence.gold
        print(
            f"  weight {weight:g}: documentation alone {alone}, with its document {together}, "
            f"code cuts {code}; sum {alone + together + code}"
        )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    train_langid.add_corpus_arguments(parser, required=False)
    parser.add_argument("--order", type=int, default=4)
    parser.add_argument("--min-count", type=int, default=3)
    parser.add_argument("--backoff", type=float, default=-2.0, help="nats a shorter n-gram")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--evaluate", action="store_true", help="score the shipped table")
    parser.add_argument("--docs", type=Path, help="documentation trees, as langid_document's")
    parser.add_argument(
        "--docs-cache", dest="cache", type=Path, default=Path("/tmp/charlm_docs.pkl")
    )
    parser.add_argument("--code", type=Path, help="code trees, one directory a repository")
    parser.add_argument("--code-cache", type=Path, default=Path("/tmp/charlm_code.pkl"))
    parser.add_argument("--half", choices=["tune", "check", "all"], default="tune")
    parser.add_argument("--weights", type=float, nargs="+", default=[0.0, 1.0, 2.0, 3.0, 4.0])
    args = parser.parse_args(argv)
    if args.evaluate:
        if args.docs is None:
            parser.error("--evaluate reads --docs (and --code, when there are code trees)")
        evaluate(args)
        return 0
    if args.linguist is None:
        parser.error("fitting reads the text model's corpora: --linguist and the others")
    sourced = train_langid.training_blocks(args)
    languages, table = fit([(g, b) for _, g, _, b in sourced], args.order, args.min_count)
    write(args.out, languages, table, args.order, args.backoff)
    entries = sum(len(cells) for cells in table.values())
    print(f"{len(sourced)} blocks, {len(languages)} languages, {len(table):,} n-grams,")
    print(f"{entries:,} entries; wrote {args.out} ({args.out.stat().st_size:,} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
