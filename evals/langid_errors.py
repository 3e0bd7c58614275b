"""Where the whole identification step goes wrong on tuning data, out of fold.

`train_langid.py --validate --dump FILE` scores the text model out of fold, but only its top
answer: the steps around it (certain cues, cue-only languages, the magika skip, the own-cue
rule, the minimum evidence under which a block gets no language at all) are not in its figure.
This replays `identify_languages` on the dumped evidence: the text model's out-of-fold
probabilities, the cue scores and magika's probabilities of the blocks magika was run on (up
to `--stack-per-language` a language), so a confusion can be studied on training data instead
of a report set.

    python evals/langid_errors.py FILE [--languages dart php ...] [--show 3] [--cues 0.9]

Per language: right / n, and what the wrong answers were (`None`: no language). `--cues P`
lists every cue whose share of firings on its own language's blocks is below P (a cue that
fires on other languages' ordinary code is a bug, `_cues`' docstring), with where it fired.
"""

from __future__ import annotations

import argparse
import pickle
import re
from collections import Counter, defaultdict
from pathlib import Path

import language_id

from contextd.pipeline.artifacts import charlm, langmodel, replay_decision


def replay(
    block: str,
    ranked: list[tuple[str, float]],
    scores: dict[str, float],
    magika: dict[str, float] | None,
    settings: tuple[float, float],
) -> str | None:
    """`identify_languages` for one block, with the text model's answer given (`magika` None:
    magika not run on it, as when the budget is spent; `settings`: magika's weight and the
    probability from which it is skipped, those the trainer chose in that run). The character
    model adds its opinion where magika is asked, as in the product (`charlm`)."""
    weight, sure = settings
    if magika is None or ranked[0][1] >= sure:
        return replay_decision(block, scores, ranked, {})
    combined = charlm.with_chars(langmodel.combine(ranked, magika, weight), block)
    return replay_decision(block, scores, combined, magika)


def cue_report(blocks: list[tuple[str, str, str, str]], below: float) -> None:
    """Each cue pattern (one alternative at a time): the languages of the blocks it fires on."""
    for cue in langmodel.CUES:
        for alternative in cue.pattern.pattern.split("|(?:"):
            try:  # the cue's patterns were joined as (?:a)|(?:b): split back, best effort
                pattern = re.compile(alternative.removeprefix("(?:")[:-1], cue.pattern.flags)
            except re.error:
                pattern = cue.pattern
            fired = Counter(g for _, g, _, b in blocks if pattern.search(b[:_SAMPLE]))
            total = sum(fired.values())
            own = fired[language_id.fold(cue.language) or cue.language]
            if total and own / total < below:
                others = ", ".join(f"{k} {n}" for k, n in fired.most_common(6) if k != cue.language)
                print(f"{cue.language} {cue.weight} {own}/{total} {pattern.pattern!r}: {others}")


_SAMPLE = 1_500  # _langid.CUE_SAMPLE_CHARS: what the cue patterns scan


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dump", type=Path)
    parser.add_argument("--languages", nargs="*", default=[])
    parser.add_argument("--show", type=int, default=0, help="wrong blocks printed a language")
    parser.add_argument("--all", action="store_true", help="every block, magika only if run")
    parser.add_argument("--cues", type=float, help="list cues below this own-language share")
    parser.add_argument("--sure", type=float, help="magika-skip threshold (default: the dump's)")
    args = parser.parse_args()
    data = pickle.loads(args.dump.read_bytes())
    if args.cues is not None:
        cue_report(data["blocks"], args.cues)
        return
    classes, oof, blocks = data["classes"], data["oof"], data["blocks"]
    # the rules that ask which languages the model can name use the dumped run's classes
    langmodel.classes = lambda: tuple(classes)
    magika = dict(zip(data["chosen"], data["magika"], strict=True))
    rows = range(len(blocks)) if args.all else data["chosen"]
    sure = args.sure if args.sure is not None else data.get("sure", langmodel.sure_threshold())
    settings = (data["weight"], sure)
    per: dict[str, Counter[str | None]] = defaultdict(Counter)
    by_group: dict[str, list[bool]] = defaultdict(list)
    shown: Counter[str] = Counter()
    for i in rows:
        group, gold, name, block = blocks[i]
        ranked = sorted(zip(classes, map(float, oof[i]), strict=True), key=lambda kv: -kv[1])
        answer = language_id.fold(
            replay(block, ranked, data["scores"][i], magika.get(i), settings) or ""
        )
        per[gold][answer or None] += 1
        by_group[group].append(answer == gold)
        if answer != gold and gold in args.languages and shown[gold] < args.show:
            shown[gold] += 1
            top = ", ".join(f"{k} {p:.2f}" for k, p in ranked[:3])
            print(f"--- {gold} read as {answer} ({group} {name}; text {top})")
            print(block[:600])
    right = sum(per[k][k] for k in per)
    total = sum(sum(c.values()) for c in per.values())
    means = {g: sum(v) / len(v) for g, v in by_group.items()}
    print(
        f"pipeline, out of fold: {right / total:.4f} of {total}; corpus mean",
        f"{sum(means.values()) / len(means):.4f};",
        ", ".join(f"{g} {m:.3f} ({len(by_group[g])})" for g, m in sorted(means.items())),
    )
    for gold in sorted(per):
        if args.languages and gold not in args.languages:
            continue
        wrong = ", ".join(f"{k} {n}" for k, n in per[gold].most_common() if k != gold)
        print(f"  {gold}: {per[gold][gold]}/{sum(per[gold].values())}  {wrong}")


if __name__ == "__main__":
    main()
