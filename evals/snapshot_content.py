"""What a reader finds in a 4x context snapshot of a long chat (LoCoMo), judged by content.

Usage: `.venv/bin/python evals/snapshot_content.py [--data DIR] [--seeds 10] [--ratio 4.0]
[--parts 4] [--cache FILE] [--only conv-26] [--turns N] [--show] [--markdown] [--json]
[--llm-url URL --llm-model NAME [--llm-context 8192] [--llm-timeout 600]]`

With `--llm-url`, the LLM engine (any OpenAI-compatible server; `--llm-context` must be the
window the server runs with) writes a snapshot at the builtin snapshot's exact budget and is
judged beside it by the same judge; the report says which engine actually wrote it (a fallback
to the builtin engine says so) and its seconds. `--turns N` keeps only the first N turns of each
conversation (and the questions whose evidence lies in them), so that a slow local model finishes.

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
import json
import os
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
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

from contextd.pipeline.artifacts import extract_artifacts
from contextd.pipeline.embed import Embedder
from contextd.pipeline.snapshot import LLMConfig, snapshot_with_fallback
from contextd.pipeline.types import SnapshotDraft

CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "inference", 4: "single-hop"}
UNDATED = (1, 3, 4)  # the snapshot dates relative time words; the turns of the baselines do not


METHODS = (
    ("snapshot", "**contextd snapshot**"),
    ("llm", "LLM engine snapshot"),
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
    llm: LLMRun | None = None


@dataclass(frozen=True)
class LLMRun:
    """What the LLM engine did on one conversation: a fallback is named, never hidden."""

    engine: str
    tokens_after: int
    seconds: float
    note: str | None
    failure: str | None


def first_turns(conversation: Conversation, count: int) -> Conversation:
    """The first `count` turns and the questions whose evidence lies in them (a slow model)."""
    if count <= 0 or count >= len(conversation.turns):
        return conversation
    questions = tuple(q for q in conversation.questions if max(q.evidence) < count)
    return replace(conversation, turns=conversation.turns[:count], questions=questions)


def evaluate(
    conversation: Conversation,
    *,
    ratio: float,
    seeds: int,
    parts: int,
    embedder: Embedder | None,
    llm: LLMConfig | None = None,
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
    llm_run = None
    if llm is not None:
        started = time.perf_counter()
        written, failure = snapshot_with_fallback(
            turns, document, extract_artifacts(document, list(turns)), config=llm,
            budget_tokens=budget, ratio=ratio,
        )  # fmt: skip
        seconds_llm = time.perf_counter() - started
        scores["llm"] = judge.score(snapshot_lines(written.markdown))
        llm_run = LLMRun(written.engine, written.tokens_after, seconds_llm, written.note, failure)
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
        llm_run,
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
        for subject, ratio_label, base in (
            ("snapshot", "snapshot / random turns", "random_turns"),
            ("snapshot", "snapshot / ceiling", "ceiling"),
            ("llm", "LLM engine / random turns", "random_turns"),
            ("llm", "LLM engine / ceiling", "ceiling"),
        ):
            if totals["all"][subject] is None:
                continue
            cells = []
            for group in names:
                snap = totals[group][subject]
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
    runs = [(r.name, r.llm) for r in rows if r.llm is not None]
    if runs:
        title = "The LLM engine's runs (the engine that wrote each snapshot; a fallback says so)"
        out.append(f"\n{title}\n" if not markdown else f"\n**{title}**\n")
        body = [
            [name, run.engine, f"{run.tokens_after:,}", f"{run.seconds:.0f}",
             run.failure or run.note or ""]
            for name, run in runs
        ]  # fmt: skip
        out.append(table(["conversation", "engine", "after", "seconds", "note"], body, markdown))
    return "\n".join(out)


def as_json(rows: Sequence[Row]) -> dict[str, object]:
    """The figures a script or a test reads: each method's shares over all conversations."""
    methods = {}
    for method, _ in METHODS:
        score = _total(rows, method)
        if score is not None:
            methods[method] = {
                "answers": score.share("answers"),
                "anchored": score.share("anchored"),
                "evidence": score.share("evidence"),
                "not_standalone": score.not_standalone(),
            }
    return {
        "conversations": [r.name for r in rows],
        "budgets": {r.name: r.budget for r in rows},
        "questions": {r.name: r.questions for r in rows},
        "methods": methods,
        "llm": {r.name: asdict(r.llm) for r in rows if r.llm is not None},
    }


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--ratio", type=float, default=4.0)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--parts", type=int, default=4, help="fast-forward parts (1: skip)")
    parser.add_argument(
        "--only", default=None, help="some conversations: conv-26,conv-30, or tune, or report"
    )
    parser.add_argument("--turns", type=int, default=0, help="keep only the first N turns")
    parser.add_argument("--llm-url", default=None, help="judge the LLM engine too (API root)")
    parser.add_argument("--llm-model", default=None)
    parser.add_argument("--llm-key", default=os.environ.get("CONTEXTD_LLM_API_KEY"))
    parser.add_argument("--llm-context", type=int, default=8192, help="the server's window")
    parser.add_argument("--llm-timeout", type=float, default=600.0, help="seconds per request")
    parser.add_argument("--json", action="store_true", help="figures as JSON on stdout")
    parser.add_argument("--show", action="store_true", help="print each snapshot")
    parser.add_argument("--markdown", action="store_true", help="tables as Markdown")
    parser.add_argument(
        "--cache", type=Path, default=None, help="keep sentence vectors in this file"
    )
    args = parser.parse_args(argv)
    if args.llm_url and not args.llm_model:
        parser.error("--llm-url needs --llm-model")
    llm = (
        LLMConfig(
            base_url=args.llm_url,
            model=args.llm_model,
            api_key=args.llm_key,
            timeout=args.llm_timeout,
            context_tokens=args.llm_context,
        )
        if args.llm_url
        else None
    )

    folder, files = data_files(args.data, args.only)
    if not files:
        print(f"LoCoMo data not found in {folder} (conv-*.json); nothing to evaluate.")
        return 0
    started = time.perf_counter()
    cache = CachingEmbedder(args.cache) if args.cache else None
    rows = []
    for path in files:
        conversation = first_turns(_locomo.load(path), args.turns)
        row, snapshot = evaluate(
            conversation,
            ratio=args.ratio,
            seeds=args.seeds,
            parts=args.parts,
            embedder=cache,
            llm=llm,
        )
        rows.append(row)
        if args.show:
            print(snapshot.markdown, file=sys.stderr if args.json else sys.stdout)
        print(
            f"{row.name}: {row.turns} turns, {row.questions} questions judged "
            f"({row.unjudged} answers without content words and {conversation.unmapped} "
            f"without a known evidence turn left out), snapshot in {row.seconds:.1f} s",
            file=sys.stderr,
        )
    if cache is not None:
        cache.save()
    if args.json:
        print(json.dumps(as_json(rows), indent=1))
        return 0
    print(report(rows, seeds=args.seeds, parts=args.parts, markdown=args.markdown))
    print(f"\nTotal run time {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
