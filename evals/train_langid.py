"""Fit the weights that combine language cues and magika (`_langmodel`); write its weights.

    python evals/train_langid.py --linguist /tmp/langcorp/linguist/samples

Training data, all of it tuning data (never the held-out corpus of `language_id.py`):

* blocks cut from Linguist's samples (`language_id.load`, the same cutting as the eval);
* the gold spans of the dev half of `artifacts_eval.py` (chat answers and documentation with
  labelled fences), so the weights also fit the short shell, Python and JavaScript blocks of
  real chats. Its held-out half, which `artifacts_eval.py` reports, is not read.

Two multinomial logistic regressions (L2) are fitted: cues and magika together, and cues
alone. The cue-only probability from which magika is skipped (`"sure"`) is chosen with each
tuning corpus held out of the fit in turn (`choose_sure`). magika's probabilities are cached
in `--cache` (they cost ~20 ms a block). The weights are written to
`src/contextd/pipeline/artifacts/langid_weights.json` as plain JSON, so the
product needs neither numpy nor scikit-learn at run time.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from collections import Counter
from pathlib import Path

import artifacts_eval as ev
import language_id
import numpy as np
from sklearn.linear_model import LogisticRegression  # type: ignore[import-untyped]

from contextd.pipeline.artifacts import canonical_language, langmodel, language_evidence

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "contextd" / "pipeline" / "artifacts" / "langid_weights.json"
MIN_EXAMPLES = 12
PRUNE = 0.05  # smaller weights are dropped: they change few answers and triple the file


def chat_pairs() -> list[tuple[str, str]]:
    """(language, block) for every gold span of the dev half of the artifacts eval."""
    pairs = []
    for sample in ev.load_docs() + ev.load_conversations():
        if ev.split_of(sample) != "dev":
            continue
        for start, end, language in sample.gold:
            gold = language_id.fold(language)
            if gold is not None:
                pairs.append((gold, "\n".join(sample.lines[start:end])))
    return pairs


def magika_features(blocks: list[str], cache_path: Path) -> list[dict[str, float]]:
    cache: dict[str, dict[str, float]] = (
        json.loads(cache_path.read_text()) if cache_path.exists() else {}
    )
    out = []
    for sample in blocks:
        key = hashlib.sha256(sample.encode()).hexdigest()
        if key not in cache:
            cache[key] = language_evidence(sample)[1]
        out.append(cache[key])
    cache_path.write_text(json.dumps(cache))
    return out


Fitted = tuple[list[str], dict[str, dict[str, float]], dict[str, float]]


def matrix(rows: list[dict[str, float]], names: list[str]) -> np.ndarray:
    index = {name: i for i, name in enumerate(names)}
    x = np.zeros((len(rows), len(names)))
    for i, row in enumerate(rows):
        for name, value in row.items():
            if name in index:
                x[i, index[name]] = value
    return x


def fit(rows: list[dict[str, float]], labels: list[str], c: float) -> Fitted:
    """Weights by feature then class (pruned below PRUNE), and a bias by class."""
    names = sorted({name for row in rows for name in row})
    model = LogisticRegression(C=c, max_iter=2000)
    model.fit(matrix(rows, names), labels)
    classes = [str(k) for k in model.classes_]
    weights: dict[str, dict[str, float]] = {}
    for j, name in enumerate(names):
        column = {k: round(float(model.coef_[i, j]), 3) for i, k in enumerate(classes)}
        kept = {k: w for k, w in column.items() if abs(w) >= PRUNE}
        if kept:
            weights[name] = kept
    bias = {k: round(float(model.intercept_[i]), 3) for i, k in enumerate(classes)}
    return classes, weights, bias


def validate(rows: list[dict[str, float]], labels: list[str], c: float) -> float:
    """Accuracy on a fifth of the training blocks (by position) of a model fitted on the rest."""
    train = [i for i in range(len(rows)) if i % 5]
    test = [i for i in range(len(rows)) if not i % 5]
    names = sorted({name for i in train for name in rows[i]})
    model = LogisticRegression(C=c, max_iter=2000)
    model.fit(matrix([rows[i] for i in train], names), [labels[i] for i in train])
    guesses = model.predict(matrix([rows[i] for i in test], names))
    return float(np.mean([g == labels[i] for g, i in zip(guesses, test, strict=True)]))


# Thresholds tried for skipping magika; 0: never ask it, 1.01: always ask.
SURE_GRID = (0.0, 0.9, 0.95, 0.97, 0.98, 0.99, 0.995, 0.998, 0.999, 1.01)


def out_of_fold(
    rows: list[dict[str, float]], labels: list[str], c: float, groups: list[str]
) -> tuple[list[str], list[float]]:
    """Each block's top language and its probability from a model fitted without its group.

    Probabilities of a model on its own training blocks are over-confident (the first fit used
    them to decide when to skip magika, and skipped it where magika was right), so the skip
    threshold is chosen on held-out ones. A group is a whole corpus: the report set is another
    corpus, and blocks held out of the same corpus (a fifth by position) agree with the fit so
    well that every threshold scored the same.
    """
    top: list[str] = [""] * len(rows)
    probability = [0.0] * len(rows)
    for fold in sorted(set(groups)):
        train = [i for i in range(len(rows)) if groups[i] != fold]
        test = [i for i in range(len(rows)) if groups[i] == fold]
        names = sorted({name for i in train for name in rows[i]})
        model = LogisticRegression(C=c, max_iter=2000)
        model.fit(matrix([rows[i] for i in train], names), [labels[i] for i in train])
        proba = model.predict_proba(matrix([rows[i] for i in test], names))
        for i, row in zip(test, proba, strict=True):
            best = int(np.argmax(row))
            top[i], probability[i] = str(model.classes_[best]), float(row[best])
    return top, probability


def choose_sure(
    alone: tuple[list[str], list[float]], both: tuple[list[str], list[float]], labels: list[str]
) -> float:
    """The cue-only probability above which magika is skipped: best out-of-fold accuracy of
    the two-step decision, ties to the threshold that calls magika least."""
    results = []
    for sure in SURE_GRID:
        skip = [p >= sure for p in alone[1]]
        answers = [a if s else b for a, b, s in zip(alone[0], both[0], skip, strict=True)]
        correct = sum(a == g for a, g in zip(answers, labels, strict=True))
        calls = len(labels) - sum(skip)
        print(f"  sure={sure}: accuracy {correct / len(labels):.3f}, magika for {calls} blocks")
        results.append((correct, -calls, sure))
    return max(results)[2]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--linguist", type=Path, required=True, help="Linguist's samples/")
    parser.add_argument("--fences", type=Path, help="learnxinyminutes-docs (top level only)")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/langid_magika_cache.json"))
    parser.add_argument("--c", type=float, nargs="+", default=[1.0, 3.0])
    parser.add_argument("--vocabulary", type=int, default=1500)
    args = parser.parse_args()
    corpora = {"linguist": language_id.load("linguist", args.linguist, 6, 60)}
    corpora["chats"] = chat_pairs()
    if args.fences:
        corpora["fences"] = language_id.load("fences", args.fences, 40, 60)
    sourced = [
        (corpus, g, b)
        for corpus, found in corpora.items()
        for g, b in found
        if canonical_language(g) is not None
    ]
    counts = Counter(language for _, language, _ in sourced)
    sourced = [(corpus, g, b) for corpus, g, b in sourced if counts[g] >= MIN_EXAMPLES]
    pairs = [(g, b) for _, g, b in sourced]
    groups = [corpus for corpus, _, _ in sourced]
    evidence = [language_evidence(b, use_model=False) for _, b in pairs]
    blocks = [sample for _, _, sample in evidence]  # what identification sees of each block
    labels = [g for g, _ in pairs]
    cues = [scores for scores, _, _ in evidence]
    model = magika_features(blocks, args.cache)
    token_sets = [langmodel.tokens(b) for b in blocks]
    frequency = Counter(t for found in token_sets for t in found)
    vocabulary = {t for t, n in frequency.most_common(args.vocabulary) if n >= 4}
    toks = [{f"tok:{t}": 1.0 for t in found if t in vocabulary} for found in token_sets]
    both_rows = [
        {**langmodel.features(c, m, ""), **t} for c, m, t in zip(cues, model, toks, strict=True)
    ]
    alone_rows = [{**langmodel.features(c, {}, ""), **t} for c, t in zip(cues, toks, strict=True)]
    scores = {c: validate(both_rows, labels, c) for c in args.c}
    print("validation accuracy by C:", scores)
    best = max(scores, key=lambda c: scores[c])
    print(f"magika-skip threshold, each corpus held out of the fit ({len(labels)} blocks):")
    sure = choose_sure(
        out_of_fold(alone_rows, labels, best, groups),
        out_of_fold(both_rows, labels, best, groups),
        labels,
    )
    print("chosen:", sure)
    both = fit(both_rows, labels, best)
    alone = fit(alone_rows, labels, best)
    write(both, alone, len(pairs), best, sure)
    print(f"{len(pairs)} blocks, {len(both[0])} languages: {dict(counts)}; wrote {OUT}")


def write(both: Fitted, alone: Fitted, n: int, c: float, sure: float) -> None:
    classes, weights, bias = both
    _, cue_weights, cue_bias = alone
    data = {
        "about": (
            f"Weights of contextd's language combiner (_langmodel), generated by"
            f" evals/train_langid.py; do not edit. Multinomial logistic regression, C={c},"
            f" fitted on {n} blocks cut from Linguist's samples, learnxinyminutes' fences and"
            " the dev half of evals/data/artifacts; the held-out corpus of evals/language_id.py"
            " (Rosetta Code) and the held-out half of artifacts_eval.py were not used."
            " Weights are by feature, then by language."
        ),
        "classes": classes,
        "bias": bias,
        "weights": weights,
        "cue_bias": cue_bias,
        "cue_weights": cue_weights,
        "sure": sure,
    }
    OUT.write_text(json.dumps(data, separators=(",", ":"), sort_keys=True) + "\n")


if __name__ == "__main__":
    main()
