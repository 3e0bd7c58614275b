"""What a reader finds in a 4x context snapshot of a long chat (LoCoMo), judged by content.

Usage: `.venv/bin/python evals/snapshot_content.py [--data DIR] [--seeds 10] [--ratio 4.0]
[--parts 4] [--cache FILE] [--only conv-26] [--show] [--markdown]`

Data: the LoCoMo development conversations in `../shared/evaldata/locomo-dev/` (or `--data`, or
`$CONTEXTD_LOCOMO_DIR`), read at run time and never copied here; without them the script says
so and exits 0. Thresholds of the engine are tuned on conv-26, conv-30 and conv-41 only; conv-42
and conv-43 are reported apart ("report").

**The judge** (`evals/_judge.py`, shared with `snapshot_work.py`; the same for every method,
line by line). A text's *content words*: lower case,
punctuation stripped, stop words dropped, numbers and dates kept, number words as digits ("two"
-> "2"), ordinals as numbers ("23rd" -> "23"), a possessive or plural "s" removed. A question's
**answer is kept** when one line of the output holds at least 2/3 of the answer's content words
(answers without content words, like "Yes", cannot be judged and are left out); an **evidence
turn is kept** when one line holds at least half of its content words (a question counts when
all its evidence turns are). Category 5 (no answer in the chat) is left out, as in LoCoMo.

**The methods**, each an output of lines at the snapshot's exact token budget
(`SnapshotDraft.budget`, o200k_base): the builtin snapshot (its bullets, the citation removed);
the same snapshot built by fast-forward (`update_snapshot` fed the conversation in `--parts`
parts); whole turns at random (`--seeds` seeds averaged), the first turns, the last turns (a
turn is a line "Speaker: text", costing its tokens plus the blank line between turns); random
sentences rendered as the snapshot renders a line (`- Speaker: text [t12]`, seeds averaged); and
the ceiling: every turn as a line, whatever its size. Reported: answers kept (the headline),
the ratio to random turns, the share of the ceiling, evidence kept, the share of lines that do
not stand alone (open on a word that points back into the chat, or hold fewer than 4 content
words; a speaker label is not counted), and the old citation measure (all evidence turns cited
by the snapshot) only as a diagnostic. A stricter variant of the headline asks the line that
holds the answer to hold also a content word of the question that the answer lacks (its subject:
"When did Caroline go to the support group?" needs "support" or "group" beside "7 May 2023";
speakers' names do not count), so that a date or a one-word answer is not found by chance in a
line about something else.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import _locomo
from _judge import Judge, Score, snapshot_lines, table, turn_lines
from _locomo import (
    REPORT,
    TUNE,
    CachingEmbedder,
    Conversation,
    data_files,
    document_of,
    prefix,
    random_baselines,
    timed_snapshot,
    turn_costs,
)
from _locomo import forward as forward_snapshot

from contextd.pipeline.embed import Embedder
from contextd.pipeline.types import SnapshotDraft

CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "inference", 4: "single-hop"}
UNDATED = (1, 3, 4)  # the snapshot dates relative time words; the turns of the baselines do not


METHODS = (
    ("snapshot", "**contextd snapshot**"),
    ("forward", "snapshot by fast-forward"),
    ("random_turns", "random turns"),
    ("first", "first turns"),
    ("last", "last turns"),
    ("random_sentences", "random sentences"),
    ("ceiling", "ceiling: every turn"),
)


@dataclass
class Row:
    name: str
    turns: int
    questions: int
    unjudged: int
    tokens_before: int
    budget: int
    tokens_after: int
    forward_after: int
    seconds: float
    scores: dict[str, Score]
    cited: float  # diagnostic: share of questions whose evidence turns the snapshot all cites


def evaluate(
    conversation: Conversation,
    *,
    ratio: float,
    seeds: int,
    parts: int,
    embedder: Embedder | None,
) -> tuple[Row, SnapshotDraft]:
    turns = conversation.turns
    document = document_of(conversation.name, turns)
    snapshot, seconds = timed_snapshot(turns, document, ratio=ratio, embedder=embedder)
    judge = Judge(turns, conversation.questions)
    budget = snapshot.budget
    costs = turn_costs(turns)
    indexes = list(range(len(turns)))
    scores = {
        "snapshot": judge.score(snapshot_lines(snapshot.markdown)),
        "first": judge.score(turn_lines(turns, prefix(indexes, costs, budget))),
        "last": judge.score(turn_lines(turns, prefix(indexes[::-1], costs, budget))),
        "ceiling": judge.score(turn_lines(turns, indexes)),
    }
    forward_after = 0
    if parts > 1:
        forward = forward_snapshot(
            turns,
            parts,
            ratio=ratio,
            embedder=embedder,
            document=partial(document_of, conversation.name),
        )
        scores["forward"] = judge.score(snapshot_lines(forward.markdown))
        forward_after = forward.tokens_after
    scores.update(random_baselines(judge, turns, costs, budget, seeds, scores["snapshot"]))
    cited = set(snapshot.turn_indexes)
    questions = [q for q, _ in judge.questions]
    row = Row(
        conversation.name,
        len(turns),
        len(questions),
        judge.unjudged,
        snapshot.tokens_before,
        budget,
        snapshot.tokens_after,
        forward_after,
        seconds,
        scores,
        sum(all(i in cited for i in q.evidence) for q in questions) / max(1, len(questions)),
    )
    return row, snapshot


# --- the report ----------------------------------------------------------------------------


def _total(rows: Sequence[Row], method: str) -> Score | None:
    if not any(method in r.scores for r in rows):
        return None
    total = Score()
    for r in rows:
        if method in r.scores:
            total.merge(r.scores[method])
    return total


def _groups(rows: Sequence[Row]) -> list[tuple[str, list[Row]]]:
    groups = [(r.name, [r]) for r in rows]
    for label, names in (("tune", TUNE), ("report", REPORT)):
        members = [r for r in rows if r.name in names]
        if members:
            groups.append((label, members))
    groups.append(("all", list(rows)))
    return groups


def report(rows: Sequence[Row], *, seeds: int, parts: int, markdown: bool) -> str:
    out: list[str] = []
    out.append(
        table(
            [
                "conversation",
                "turns",
                "questions judged",
                "tokens before",
                "budget",
                "after",
                "after (fast-forward)",
                "snapshot s",
            ],
            [
                [
                    r.name,
                    str(r.turns),
                    f"{r.questions} (+{r.unjudged})",
                    f"{r.tokens_before:,}",
                    f"{r.budget:,}",
                    f"{r.tokens_after:,}",
                    f"{r.forward_after:,}",
                    f"{r.seconds:.1f}",
                ]
                for r in rows
            ],
            markdown,
        )
    )
    groups = _groups(rows)
    names = [label for label, _ in groups]
    totals = {label: {m: _total(members, m) for m, _ in METHODS} for label, members in groups}

    def pct(value: float) -> str:
        return f"{100 * value:.1f}"

    for which, title in (
        ("answers", "Answers kept in one line (%)"),
        ("anchored", "Stricter: answer kept in a line that also names the question's subject (%)"),
        ("evidence", "All evidence turns kept (half their words in one line, %)"),
    ):
        body = []
        for method, label in METHODS:
            if totals["all"][method] is None:
                continue
            cells = []
            for group in names:
                score = totals[group][method]
                cells.append(pct(score.share(which)) if score is not None else "")
            if method == "random_turns" or method == "random_sentences":
                label = f"{label} ({seeds} seeds)"
            if method == "forward":
                label = f"{label} ({parts} parts)"
            body.append([label, *cells])
        for ratio_label, base in (
            ("snapshot / random turns", "random_turns"),
            ("snapshot / ceiling", "ceiling"),
        ):
            cells = []
            for group in names:
                snap = totals[group]["snapshot"]
                other = totals[group][base]
                value = (
                    snap.share(which) / other.share(which)
                    if snap and other and other.share(which)
                    else 0.0
                )
                cells.append(f"{value:.2f}x" if base == "random_turns" else f"{100 * value:.0f}%")
            body.append([ratio_label, *cells])
        out.append(f"\n{title}\n" if not markdown else f"\n**{title}**\n")
        out.append(table(["method", *names], body, markdown))

    counts = totals["all"]["snapshot"]
    assert counts is not None
    for which, title in (
        ("answers", "Answers kept by question category, all five conversations (%)"),
        ("anchored", "Stricter (answer and subject in one line), by question category (%)"),
    ):
        body = []
        for method, label in METHODS:
            score = totals["all"][method]
            if score is not None:
                cells = [pct(score.share(which, c)) for c in CATEGORIES]
                body.append([label, *cells, pct(score.share(which, UNDATED))])
        out.append(f"\n{title}\n" if not markdown else f"\n**{title}**\n")
        header = [f"{c} {n} ({counts.questions.get(c, 0)})" for c, n in CATEGORIES.items()]
        header.append(f"all but temporal ({sum(counts.questions.get(c, 0) for c in UNDATED)})")
        out.append(table(["method", *header], body, markdown))

    body = []
    for method, label in METHODS:
        if totals["all"][method] is None:
            continue
        cells = []
        for group in names:
            score = totals[group][method]
            cells.append(pct(score.not_standalone()) if score is not None else "")
        body.append([label, *cells])
    title = "Lines that do not stand alone (%)"
    out.append(f"\n{title}\n" if not markdown else f"\n**{title}**\n")
    out.append(table(["method", *names], body, markdown))

    cited = []
    for _, members in groups:
        judged = sum(r.questions for r in members)
        cited.append(pct(sum(r.cited * r.questions for r in members) / max(1, judged)))
    title = "Diagnostic only: all evidence turns cited by the snapshot (the old measure, %)"
    out.append(f"\n{title}\n" if not markdown else f"\n**{title}**\n")
    out.append(table(["measure", *names], [["cited", *cited]], markdown))
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--ratio", type=float, default=4.0)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--parts", type=int, default=4, help="fast-forward parts (1: skip)")
    parser.add_argument(
        "--only", default=None, help="some conversations: conv-26,conv-30, or tune, or report"
    )
    parser.add_argument("--show", action="store_true", help="print each snapshot")
    parser.add_argument("--markdown", action="store_true", help="tables as Markdown")
    parser.add_argument(
        "--cache", type=Path, default=None, help="keep sentence vectors in this file"
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
            conversation, ratio=args.ratio, seeds=args.seeds, parts=args.parts, embedder=cache
        )
        rows.append(row)
        if args.show:
            print(snapshot.markdown)
        print(
            f"{row.name}: {row.turns} turns, {row.questions} questions judged "
            f"({row.unjudged} answers without content words and {conversation.unmapped} "
            f"without a known evidence turn left out), snapshot in {row.seconds:.1f} s",
            file=sys.stderr,
        )
    if cache is not None:
        cache.save()
    print(report(rows, seeds=args.seeds, parts=args.parts, markdown=args.markdown))
    print(f"\nTotal run time {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
