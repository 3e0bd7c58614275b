"""Which evidence turns a 4x context snapshot of a LoCoMo chat cites: a diagnostic, not content.

The measure of what a snapshot keeps is `snapshot_content.py` (content words found in one line,
against the same baselines); a citation says only that some sentence of the turn, or a merged
near-duplicate of one, made a line. Loading and the baselines are shared (`_locomo.py`).

Usage: `.venv/bin/python evals/locomo_retention.py [--data DIR] [--seeds 20] [--ratio 4.0]`

Data: the LoCoMo development conversations in `../shared/evaldata/locomo-dev/` (or
`--data`, or `$CONTEXTD_LOCOMO_DIR`), read at run time and never copied into the repository.
Without them the script says so and exits 0.

What is measured. Each conversation becomes `Turn`s in order (speaker = the person's name,
text = the utterance, an image shared in the turn appended as "[shares a photo of ...]",
timestamp = the session's date and time). `build_snapshot` makes the snapshot at `--ratio`
(4.0 by default), using the real embedding model. A question (category 5, the adversarial ones
without an answer, excluded) is **retained** when every one of its evidence turns is cited by
the snapshot (`SnapshotDraft.turn_indexes`, i.e. some bullet of the snapshot was extracted
from that turn or merged with a near-duplicate from it); "any" counts a question when at least
one evidence turn is cited. The questions are read only here, never by the engine.

Baselines, on the same turns and in the same run, each given the **same token budget as the
snapshot** (`SnapshotDraft.budget`, o200k_base tokens; a turn costs the tokens of its text plus
the blank line that separates turns): whole turns in random order (skipping a turn that no
longer fits, averaged over `--seeds` seeds), the first turns, and the last turns. A fourth
baseline isolates what sentence granularity alone buys: random *sentences* (the snapshot's own
sentence splitter) rendered as the snapshot renders them (`- text [t12]`), until the same
budget is spent. The engine is also run without the embedding model (`max_embedded=0`) to show
what the model adds.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import _locomo
from _judge import Question
from _locomo import (
    CachingEmbedder,
    Conversation,
    data_files,
    document_of,
    prefix,
    random_sentences,
    random_turns,
    turn_costs,
)

from contextd.pipeline.artifacts import extract_artifacts
from contextd.pipeline.embed import Embedder
from contextd.pipeline.snapshot import MAX_EMBEDDED, build_snapshot
from contextd.pipeline.types import SnapshotDraft


@dataclass
class Tally:
    all: int = 0
    any: int = 0
    total: int = 0

    def add(self, questions: Sequence[Question], kept: set[int]) -> None:
        for question in questions:
            self.total += 1
            self.all += all(i in kept for i in question.evidence)
            self.any += any(i in kept for i in question.evidence)

    def share(self, which: str) -> float:
        return getattr(self, which) / self.total if self.total else 0.0


@dataclass
class Row:
    name: str
    turns: int
    questions: int
    tokens_before: int
    tokens_after: int
    budget: int
    cited: int
    seconds: float
    snapshot: Tally
    lexical: Tally
    random_turns: Tally
    first: Tally
    last: Tally
    random_sentences: Tally


def evaluate(
    conversation: Conversation,
    *,
    ratio: float,
    seeds: int,
    embedder: Embedder | None,
    max_embedded: int,
) -> tuple[Row, SnapshotDraft]:
    turns = conversation.turns
    document = document_of(conversation.name, turns)
    started = time.perf_counter()
    artifacts = extract_artifacts(document, turns)
    snapshot = build_snapshot(
        turns, document, artifacts, ratio=ratio, embedder=embedder, max_embedded=max_embedded
    )
    seconds = time.perf_counter() - started

    budget = snapshot.budget
    costs = turn_costs(turns)
    questions = conversation.questions
    row = Row(
        conversation.name,
        len(turns),
        len(questions),
        snapshot.tokens_before,
        snapshot.tokens_after,
        budget,
        len(snapshot.turn_indexes),
        seconds,
        Tally(),
        Tally(),
        Tally(),
        Tally(),
        Tally(),
        Tally(),
    )
    row.snapshot.add(questions, set(snapshot.turn_indexes))
    if max_embedded > 0:  # the same engine without the embedding model, for comparison
        lexical = build_snapshot(turns, document, artifacts, ratio=ratio, max_embedded=0)
        row.lexical.add(questions, set(lexical.turn_indexes))
    indexes = list(range(len(turns)))
    row.first.add(questions, prefix(indexes, costs, budget))
    row.last.add(questions, prefix(indexes[::-1], costs, budget))
    for seed in range(seeds):
        row.random_turns.add(questions, random_turns(costs, budget, seed))
        sentences = random_sentences(turns, budget, seed)
        row.random_sentences.add(questions, {index for index, _ in sentences})
    return row, snapshot


def _pct(tally: Tally, which: str) -> str:
    return f"{100 * tally.share(which):5.1f}"


def report(rows: Sequence[Row], seeds: int) -> None:
    print(
        "\nTokens (o200k_base), compression = tokens_before / tokens_after; "
        "'cited' = turns the snapshot cites"
    )
    print(
        f"{'conv':8} {'turns':>5} {'Qs':>4} {'before':>7} {'budget':>6} {'after':>6} "
        f"{'compr':>5} {'cited':>11} {'secs':>6}"
    )
    for r in rows:
        print(
            f"{r.name:8} {r.turns:5d} {r.questions:4d} {r.tokens_before:7d} {r.budget:6d} "
            f"{r.tokens_after:6d} {r.tokens_before / max(1, r.tokens_after):5.2f} "
            f"{r.cited:4d} ({100 * r.cited / r.turns:4.1f}%) {r.seconds:6.1f}"
        )
    methods = [
        ("snapshot", "snapshot"),
        ("snapshot without the model", "lexical"),
        (f"random turns ({seeds} seeds)", "random_turns"),
        ("first turns", "first"),
        ("last turns", "last"),
        (f"random sentences ({seeds} seeds)", "random_sentences"),
    ]
    for which, label in (("all", "ALL evidence turns cited"), ("any", "ANY evidence turn cited")):
        print(f"\nQuestions retained (%), {label}, same token budget for every method")
        print(f"{'method':28} " + " ".join(f"{r.name:>8}" for r in rows) + f" {'overall':>8}")
        totals: dict[str, Tally] = {}
        for title, attr in methods:
            tallies = [getattr(r, attr) for r in rows]
            if not any(t.total for t in tallies):
                continue
            total = Tally(
                sum(t.all for t in tallies),
                sum(t.any for t in tallies),
                sum(t.total for t in tallies),
            )
            totals[attr] = total
            print(
                f"{title:28} "
                + " ".join(f"{_pct(t, which):>8}" for t in tallies)
                + f" {_pct(total, which):>8}"
            )
        base = totals["random_turns"].share(which)
        gain = totals["snapshot"].share(which) / base if base else float("inf")
        print(f"{'snapshot / random turns':28} " + " " * (9 * len(rows)) + f" {gain:7.2f}x")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--ratio", type=float, default=4.0)
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--only", default=None, help="run one conversation, e.g. conv-26")
    parser.add_argument("--show", action="store_true", help="print each snapshot")
    parser.add_argument(
        "--no-model", action="store_true", help="lexical engine only (max_embedded=0)"
    )
    parser.add_argument(
        "--cache", type=Path, default=None, help="keep sentence vectors in this file between runs"
    )
    args = parser.parse_args(argv)

    folder, files = data_files(args.data, args.only)
    if not files:
        print(f"LoCoMo data not found in {folder} (conv-*.json); nothing to evaluate.")
        return 0

    started = time.perf_counter()
    cache = CachingEmbedder(args.cache) if args.cache else None
    rows = []
    for path in files:
        conversation = _locomo.load(path)
        row, snapshot = evaluate(
            conversation,
            ratio=args.ratio,
            seeds=args.seeds,
            embedder=cache,
            max_embedded=0 if args.no_model else MAX_EMBEDDED,
        )
        rows.append(row)
        if args.show:
            print(snapshot.markdown)
        print(
            f"{row.name}: {row.turns} turns, {row.questions} questions "
            f"({conversation.unmapped} without a known evidence turn skipped), "
            f"snapshot in {row.seconds:.1f} s",
            file=sys.stderr,
        )
    if cache is not None:
        cache.save()
    report(rows, args.seeds)
    print(f"\nTotal run time {time.perf_counter() - started:.1f} s (snapshot times above)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
