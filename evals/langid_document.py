"""The other fences of a document as a prior on a block's language (`_document`): what it
fixes and breaks, on **tuning** documentation (never a held-out set of
`evals/data/doc_fences/SOURCES.md`, never Rosetta Code).

For every Markdown document of the trees given (`--docs DIR`, one directory per repository,
`OWNER+NAME`, as `pair_rules.py --docs` reads them), every fence is read as the pipeline reads
an unlabelled one: its body, the line that introduces it and the prose before it. The blocks
scored are the fences the documentation sets score (a label contextd names, `whole_blocks`:
3 to 60 lines, mostly code), cut as those sets cut them; the other fences of the document are
its neighbours whatever they hold (short commands, output, text).

The evidence of every fence is gathered once (magika asked as in the product, at most
`MAX_MODEL_CALLS` a document, in order) and cached (`--cache`); the decision is then replayed
with the prior off and at each weight of `--weights`, in two cases:

* **all unlabelled**: every fence of the document lost its label, so each block's prior is
  the other fences' own answers (the case of the held-out sets, and of chat exports that drop
  labels);
* **neighbours labelled**: the block alone lost its label, its neighbours kept theirs (a chat
  answer with one bare fence among labelled ones).

Sources are split in two halves by a hash of their name (`pair_rules.half_of`): a weight is
chosen on `--half tune` and confirmed on `--half check`.

    PYTHONPATH=src:evals python evals/langid_document.py --docs /tmp/langpairs/docs \\
        --cache /tmp/langdoc/evidence.pkl --half tune --weights 0.5 1 2 3 4 6
"""

from __future__ import annotations

import argparse
import hashlib
import pickle
import sys
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from fence_walk import context_of, fences_with_before, intro_of
from language_id import fold, whole_blocks
from pair_rules import half_of

from contextd.pipeline.artifacts import (
    MAX_MODEL_CALLS,
    Evidence,
    decide_block,
    gather_evidence,
    langmodel,
    with_document,
)


@dataclass(frozen=True)
class Fence:
    """One fence of a document: its label (folded; None when it has none or names no
    language), whether it is scored, and what the decision reads."""

    gold: str | None
    scored: bool
    intro: str | None
    context: str | None
    evidence: Evidence


@dataclass(frozen=True)
class Document:
    source: str
    path: str
    fences: tuple[Fence, ...]


def documents(
    root: Path, names: frozenset[str], per_source: int, per_language: int
) -> Iterator[Document]:
    """The Markdown documents with a scored fence, their fences' evidence gathered once: at
    most `per_source` documents of a repository and `per_language` scored blocks of one
    language in it (in an order fixed by a hash of the path), so that no repository (Humanizer
    has 1,564 documents) or language decides the figures."""
    for repository in sorted(p for p in root.iterdir() if p.is_dir()):
        paths = [p for p in repository.rglob("*") if p.suffix in (".md", ".mdx") and p.is_file()]
        paths.sort(key=lambda p: hashlib.sha256(str(p.relative_to(root)).encode()).hexdigest())
        taken: Counter[str] = Counter()
        kept = 0
        for path in paths:
            if kept >= per_source:
                break
            text = path.read_text(encoding="utf-8", errors="replace")
            fences: list[Fence] = []
            budget = MAX_MODEL_CALLS
            for _line, info, body, before in fences_with_before(text):
                if not body.strip():
                    continue
                gold = fold(info.strip("{}.") or None)
                cut = whole_blocks(body)
                scored = gold in names and bool(cut) and taken[gold or ""] < per_language
                taken[gold or ""] += scored
                content = cut[0] if scored else body
                evidence = gather_evidence(content, use_model=budget > 0)
                budget -= evidence.asked_magika
                fences.append(Fence(gold, scored, intro_of(before), context_of(before), evidence))
            if any(fence.scored for fence in fences):
                kept += 1
                yield Document(repository.name, str(path.relative_to(root)), tuple(fences))


def decide(fence: Fence, prior: Mapping[str, float] | None, weight: float) -> str | None:
    answer = decide_block(
        fence.evidence,
        intro=fence.intro,
        context=fence.context,
        names=True,
        prior=prior,
        prior_weight=weight,
    )
    return fold(answer)


SILENT: frozenset[str] | None = None  # --shells-vote: frozenset(), every language votes


def replay(
    docs: Sequence[Document], weight: float | None, labelled: bool
) -> list[tuple[str, str, str | None]]:
    """(source, gold, answer) of every scored fence; `weight` None: the prior off."""
    out: list[tuple[str, str, str | None]] = []
    silent = {} if SILENT is None else {"silent": SILENT}
    for doc in docs:
        fences = doc.fences
        alone = [decide(fence, None, 0.0) for fence in fences]

        def again(
            index: int, prior: Mapping[str, float], fences: tuple[Fence, ...] = fences
        ) -> str | None:
            return decide(fences[index], prior, weight or 0.0)

        if weight is not None and not labelled:  # every fence bare: one pass for all
            answers = with_document(alone, [True] * len(fences), [], again, **silent)
        for index, fence in enumerate(fences):
            if not fence.scored:
                continue
            assert fence.gold is not None
            answer = alone[index]
            if weight is not None and not labelled:
                answer = answers[index]
            elif weight is not None:  # this fence bare, its neighbours as written
                bare = [i == index or f.gold is None for i, f in enumerate(fences)]
                given = [f.gold for i, f in enumerate(fences) if i != index and f.gold]
                answer = with_document(alone, bare, given, again, **silent)[index]
            out.append((doc.source, fence.gold, answer))
    return out


def report(
    docs: Sequence[Document], weights: Sequence[float], labelled: bool, per_language: bool
) -> None:
    base = replay(docs, None, labelled)
    n = len(base)
    right = sum(gold == answer for _, gold, answer in base)
    case = "neighbours labelled" if labelled else "all unlabelled"
    print(f"\n{case}: {n} blocks, prior off: {right} right ({right / n:.3f})")
    for weight in weights:
        after = replay(docs, weight, labelled)
        fixed: Counter[str] = Counter()
        broke: Counter[str] = Counter()
        for (_, gold, old), (_, _, new) in zip(base, after, strict=True):
            if old != gold and new == gold:
                fixed[gold] += 1
            elif old == gold and new != gold:
                broke[f"{gold}->{new}"] += 1
        good = sum(gold == answer for _, gold, answer in after)
        print(
            f"  weight {weight:g}: {good} right ({good / n:.3f}), "
            f"fixed {sum(fixed.values())}, broke {sum(broke.values())}"
        )
        if per_language:
            print("    fixed: " + ", ".join(f"{k} {v}" for k, v in fixed.most_common()))
            print("    broke: " + ", ".join(f"{k} {v}" for k, v in broke.most_common()))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=Path, required=True)
    parser.add_argument("--cache", type=Path, help="evidence pickle (built when missing)")
    parser.add_argument("--half", choices=["tune", "check", "all"], default="all")
    parser.add_argument("--sources", nargs="*", help="only these OWNER+NAME directories")
    parser.add_argument("--weights", type=float, nargs="+", default=[1.0, 2.0, 4.0])
    parser.add_argument("--per-language", action="store_true")
    parser.add_argument("--docs-per-source", type=int, default=150)
    parser.add_argument("--blocks-per-language", type=int, default=60, help="in one source")
    parser.add_argument(
        "--shells-vote", action="store_true", help="shell blocks vote too (not shipped)"
    )
    args = parser.parse_args(argv)
    global SILENT
    SILENT = frozenset() if args.shells_vote else None
    if args.cache is not None and args.cache.exists():
        docs: list[Document] = pickle.loads(args.cache.read_bytes())
    else:
        docs = list(
            documents(
                args.docs,
                langmodel.named_languages(),
                args.docs_per_source,
                args.blocks_per_language,
            )
        )
        if args.cache is not None:
            args.cache.parent.mkdir(parents=True, exist_ok=True)
            args.cache.write_bytes(pickle.dumps(docs))
    if args.half != "all":
        docs = [doc for doc in docs if half_of(doc.source) == args.half]
    if args.sources:
        docs = [doc for doc in docs if doc.source in set(args.sources)]
    blocks = sum(fence.scored for doc in docs for fence in doc.fences)
    digest = hashlib.sha256("\n".join(d.path for d in docs).encode()).hexdigest()[:12]
    print(
        f"{len(docs)} documents, {len({d.source for d in docs})} sources, {blocks} scored "
        f"blocks, {sum(len(d.fences) for d in docs)} fences ({args.half}; documents {digest})"
    )
    for labelled in (False, True):
        report(docs, args.weights, labelled, args.per_language)
    return 0


if __name__ == "__main__":
    sys.exit(main())
