"""Choose when magika's answer stands for a language the fitted model cannot name.

The text model (`langmodel`) knows only its training classes; for Dockerfile, CMake, Verilog,
Vue, Pascal... magika's confident answer was thrown away unless a cue of that language fired
(`_cue_only_language` in `_langid`). `magika_only_language` answers it when magika's
probability reaches `MAGIKA_ONLY_PROBABILITY` and no cue of a model class scores
`MAGIKA_ONLY_RIVAL_CUES` or more (infinite as shipped: no veto). This script chooses both
on tuning data only:

* **positives**: blocks of Linguist's sample folders (and learnxinyminutes' fences) whose
  language has a canonical name that is not a model class, cut as `language_id` cuts;
* **negatives**: every block of `train_langid.py --dump` (its tuning corpora, out-of-fold
  text-model probabilities; run it with `--stack-per-language 100000` so that magika's
  probabilities are there for every block): the rule must not fire on them.

    python evals/train_langid.py ... --balance 1.0 --validate --stack-per-language 100000 \
        --cache C.json --dump D.pkl
    python evals/magika_only.py D.pkl --linguist /tmp/langcorp/linguist/samples \
        --fences /tmp/langcorp/lxym --cache C.json

For each pair of thresholds: positives named right (in the pipeline, where magika is asked
only below the skip threshold; and when magika is asked), negatives it fires on, and the
whole pipeline replayed on the negatives (`langid_errors.replay`) with and without the rule.
"""

from __future__ import annotations

import argparse
import json
import pickle
from collections import Counter
from pathlib import Path
from typing import Any

import langid_corpus as corpus
import language_id
import train_langid

from contextd.pipeline.artifacts import (
    canonical_language,
    langmodel,
    language_evidence,
    magika_label_language,
    magika_only_language,
    replay_decision,
)

SURE_GRID = (0.0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.97, 0.99, 1.01)  # as train_langid's
PROBABILITIES = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.01)  # 1.01: the rule never fires
RIVALS = (2.0, 4.0, 6.0, 8.0, 12.0, 1e9)


def folder_language(name: str) -> str | None:
    """A Linguist folder's canonical language (`language_id.LINGUIST`, else its own name)."""
    return language_id.LINGUIST.get(name) or canonical_language(name)


def magika_languages() -> frozenset[str]:
    """Every canonical language one of magika's labels maps to (`magika_label_language`)."""
    import magika

    config = sorted(Path(str(magika.__file__)).parent.glob("models/standard_v*/config.min.json"))
    labels = json.loads(config[-1].read_text())["target_labels_space"]
    mapped = (magika_label_language(label) for label in labels)
    return frozenset(language for language in mapped if language)


def positive_files(root: Path, wanted: frozenset[str]) -> list[tuple[str, str, str]]:
    """(language, name, text) of every Linguist sample of a language in `wanted`."""
    out = []
    for folder in sorted(root.iterdir()):
        language = folder_language(folder.name)
        if language not in wanted or not folder.is_dir():
            continue
        for path in sorted(folder.rglob("*")):
            if path.is_file():
                text = path.read_text(encoding="utf-8", errors="replace")
                out.append((language, f"{folder.name}/{path.relative_to(folder)}", text))
    return out


Ranked = list[tuple[str, float]]


def replay(
    block: str,
    ranked: Ranked,
    scores: dict[str, float],
    magika: dict[str, float],
    settings: tuple[float, float, tuple[float, float] | None],
) -> str | None:
    """`identify_languages` for one block (`langid_errors.replay`, with the rule's settings):
    `settings` = magika's weight, the skip threshold, the rule's (probability, veto)."""
    weight, sure, rule = settings
    if ranked[0][1] >= sure:
        return replay_decision(block, scores, ranked, {}, rule)
    combined = langmodel.combine(ranked, magika, weight)
    return replay_decision(block, scores, combined, magika, rule)


def sure_report(data: dict[str, Any]) -> None:
    """The whole pipeline replayed on every dumped block at each magika-skip threshold: its
    accuracy, corpus mean and the magika calls it makes (the cost: ~6 ms of CPU a call)."""
    by_magika = dict(zip(data["chosen"], data["magika"], strict=True))
    rows = [i for i in range(len(data["blocks"])) if i in by_magika]
    ranked = {
        i: sorted(
            zip(data["classes"], map(float, data["oof"][i]), strict=True), key=lambda kv: -kv[1]
        )
        for i in rows
    }
    for sure in SURE_GRID:
        by_group: dict[str, list[bool]] = {}
        calls = 0
        for i in rows:
            group, gold, _, block = data["blocks"][i]
            answer = replay(
                block, ranked[i], data["scores"][i], by_magika[i], (data["weight"], sure, None)
            )
            by_group.setdefault(group, []).append(language_id.fold(answer or "") == gold)
            calls += ranked[i][0][1] < sure
        right = sum(sum(v) for v in by_group.values())
        mean = sum(sum(v) / len(v) for v in by_group.values()) / len(by_group)
        parts = ", ".join(f"{g} {sum(v) / len(v):.3f}" for g, v in sorted(by_group.items()))
        print(
            f"sure={sure}: pipeline {right / len(rows):.4f} of {len(rows)}, corpus mean "
            f"{mean:.4f}, magika for {calls} ({calls / len(rows):.1%}); {parts}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dump", type=Path, help="train_langid.py --dump, magika on every block")
    parser.add_argument("--linguist", type=Path, required=True)
    parser.add_argument("--fences", type=Path, help="learnxinyminutes-docs")
    parser.add_argument("--cache", type=Path, default=Path("/tmp/langid_magika_cache.json"))
    parser.add_argument("--show", type=float, nargs=2, metavar=("P", "CUES"))
    parser.add_argument("--sure-report", action="store_true", help="magika-skip thresholds")
    args = parser.parse_args()
    data = pickle.loads(args.dump.read_bytes())
    if args.sure_report:
        sure_report(data)
        return
    classes = frozenset(data["classes"])
    # the shipped skip threshold (the dump's is the one that run chose) and magika's weight
    sure, weight = langmodel.sure_threshold(), data["weight"]
    wanted = magika_languages() - classes
    print("languages magika names and the model cannot:", " ".join(sorted(wanted)))
    files = positive_files(args.linguist, wanted)
    if args.fences:
        files += [
            (g, n, t)
            for g, n, t in language_id.fenced_files(args.fences, False)
            if canonical_language(g) in wanted
        ]
    positives = [
        (gold, n, b)
        for g, n, b in corpus.collect(iter(files), 6, 200)
        if (gold := language_id.fold(g) or g) not in classes  # Gradle is Groovy
    ]
    print(f"positives: {len(positives)} blocks,", dict(Counter(g for g, _, _ in positives)))
    evidence = [language_evidence(b, use_model=False) for _, _, b in positives]
    ranked = [langmodel.rank(scores, None, sample) for scores, _, sample in evidence]
    magika = train_langid.magika_features([sample for _, _, sample in evidence], args.cache)
    by_magika = dict(zip(data["chosen"], data["magika"], strict=True))
    negatives = [i for i in range(len(data["blocks"])) if i in by_magika]
    print(f"negatives: {len(negatives)} blocks of {len(data['blocks'])} with magika")
    neg_ranked = {
        i: sorted(
            zip(data["classes"], map(float, data["oof"][i]), strict=True), key=lambda kv: -kv[1]
        )
        for i in negatives
    }
    rows = []
    for probability in PROBABILITIES:
        for rival in RIVALS:
            rule = (probability, rival)
            right = asked_right = 0
            per: dict[str, Counter[str | None]] = {}
            for (gold, _, block), r, m, (scores, _, _) in zip(
                positives, ranked, magika, evidence, strict=True
            ):
                answer = language_id.fold(replay(block, r, scores, m, (weight, sure, rule)) or "")
                per.setdefault(gold, Counter())[answer] += 1
                right += answer == gold
                asked = language_id.fold(replay(block, r, scores, m, (weight, 1.01, rule)) or "")
                asked_right += asked == gold
            fired: Counter[str] = Counter()
            correct = 0
            for i in negatives:
                _, gold, name, block = data["blocks"][i]
                scores = data["scores"][i]
                answer = replay(block, neg_ranked[i], scores, by_magika[i], (weight, sure, rule))
                folded = language_id.fold(answer or "")
                correct += folded == gold
                if (
                    answer is not None
                    and folded != gold
                    and neg_ranked[i][0][1] < sure
                    and magika_only_language(scores, by_magika[i], rule) == answer
                ):
                    fired[f"{gold}->{answer}"] += 1
                    if args.show and (probability, rival) == tuple(args.show):
                        print(f"--- {gold} read as {answer} ({name})\n{block[:300]}")
            rows.append((probability, rival, right, asked_right, sum(fired.values()), correct))
            print(
                f"p>={probability} cues<{rival:g}: positives {right}/{len(positives)} "
                f"(magika asked: {asked_right}), negatives wrongly fired {sum(fired.values())} "
                f"{dict(fired.most_common(5))}, negatives right {correct}/{len(negatives)}"
            )
            if args.show and (probability, rival) == tuple(args.show):
                for gold, answers in sorted(per.items()):
                    wrong = ", ".join(f"{k} {n}" for k, n in answers.most_common() if k != gold)
                    print(f"  {gold}: {answers[gold]}/{sum(answers.values())}  {wrong}")


if __name__ == "__main__":
    main()
