"""What a reader finds in a context snapshot of a work chat (coding and planning), by content.

Usage: `.venv/bin/python evals/snapshot_work.py [--set tune|report] [--data DIR] [--ratios 4 8]
[--seeds 10] [--parts 4] [--only bookminder-day-004] [--cache FILE] [--show] [--markdown]
[--json]`

The LoCoMo evaluation (`snapshot_content.py`) asks about chats among friends; this one asks the
same of chats of work: ten Claude Code sessions of a developer building a Python tool with the
assistant (`evals/data/work_chats/`, provenance in SOURCE.md, built by `build_work_chats.py`),
with 154 questions written by hand from the turns **before any snapshot of them was run** and
never used to tune the engine (no split is needed: every chat is "report").

**The judge** is `evals/_judge.py`, the one `snapshot_content.py` uses, line by line: a
question's answer is kept when one line holds 2/3 of its content words; the stricter figure
also asks that line to name the question's subject; an evidence turn is kept when one line holds
half of its content words; a line does not stand alone when it opens on a word pointing back or
holds fewer than 4 content words.

**The methods**, at each `--ratios` (4x and 8x), every one an output of lines at the snapshot's
exact token budget (`SnapshotDraft.budget`, o200k_base): the builtin snapshot (its bullets, the
citation removed); whole turns at random (`--seeds` seeds averaged); the first and the last
turns (half the budget each: the start states the task, the end where the work got to); random
sentences rendered as the snapshot renders a line (`- Speaker: text [t12]`, seeds averaged);
with `--parts N`, the snapshot built by fast-forward (`update_snapshot` fed the chat in N
parts, as `snapshot_content.py` does); and the ceiling: every turn as a line, whatever its
size. A turn is "Speaker: text", costing its tokens plus the blank line between turns.
Reported: answers kept (the headline), its ratio to the strongest baseline of that ratio and
its share of the ceiling, the stricter figure, evidence kept, answers by category, and the
share of lines that do not stand alone.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from _judge import Judge, Question, Score, snapshot_lines, table, turn_lines
from _locomo import (
    CachingEmbedder,
    forward,
    prefix,
    random_baselines,
    timed_snapshot,
    turn_costs,
)

from contextd.pipeline.embed import Embedder
from contextd.pipeline.ingest.conversations import speaker_role
from contextd.pipeline.types import Document, SnapshotDraft, Turn

DEFAULT_DIR = Path(__file__).resolve().parent / "data" / "work_chats"
# `--set tune`: the chats the engine's work-chat rules are chosen on (`build_work_tune.py`);
# the default, `report`, is BookMinder, never tuned on.
SETS = {"report": DEFAULT_DIR, "tune": DEFAULT_DIR.parent / "work_tune"}
QUESTIONS = "questions.json"
CATEGORIES = {1: "decision", 2: "fact", 3: "problem", 4: "request"}
ROLES = {"Developer": "user", "Assistant": "assistant"}
BASELINES = ("random_turns", "first_last", "random_sentences")
METHODS = (
    ("snapshot", "**contextd snapshot**"),
    ("random_turns", "random turns"),
    ("first_last", "first + last turns"),
    ("random_sentences", "random sentences"),
    ("ceiling", "ceiling: every turn"),
)
FORWARD = ("forward", "snapshot by fast-forward (`--parts`)")


def methods(rows: Sequence[Row]) -> tuple[tuple[str, str], ...]:
    """The methods of the report: with the fast-forward when `--parts` measured it."""
    if any(FORWARD[0] in row.scores for row in rows):
        return (METHODS[0], FORWARD, *METHODS[1:])
    return METHODS


@dataclass(frozen=True)
class Chat:
    name: str
    turns: tuple[Turn, ...]
    questions: tuple[Question, ...]


def load_chats(folder: Path, only: str | None = None) -> list[Chat]:
    """The chats that `questions.json` in `folder` asks about, in name order, each with its
    questions. A question naming a turn the chat does not have is an error in the data."""
    index = folder / QUESTIONS
    if not index.is_file():
        return []
    asked: dict[str, list[dict[str, object]]] = json.loads(index.read_text())["chats"]
    chats = []
    for name in sorted(asked):
        if only and name != only:
            continue
        raw = json.loads((folder / f"{name}.json").read_text())
        turns = tuple(
            Turn(i, t["speaker"], ROLES.get(t["speaker"]) or speaker_role(t["speaker"]), t["text"])
            for i, t in enumerate(raw["turns"])
        )
        questions = []
        for item in asked[name]:
            evidence = tuple(int(i) for i in item["evidence"])  # type: ignore[attr-defined]
            if not evidence or max(evidence) >= len(turns) or min(evidence) < 0:
                raise ValueError(f"{name}: evidence {evidence} outside {len(turns)} turns")
            category = int(item["category"])  # type: ignore[call-overload]
            questions.append(
                Question(evidence, category, str(item["question"]), str(item["answer"]))
            )
        chats.append(Chat(name, turns, tuple(questions)))
    return chats


def document_of(chat: Chat) -> Document:
    """The chat as the service would hold it: "speaker: text" turns, blank-line joined."""
    text = "\n\n".join(f"{t.speaker}: {t.text}" for t in chat.turns)
    return Document(text=text, format="text", title=chat.name)


def first_last(costs: Sequence[int], budget: int) -> set[int]:
    """The first turns in half the budget, then the last turns in what is left."""
    indexes = list(range(len(costs)))
    first = prefix(indexes, costs, budget // 2)
    rest = budget - sum(costs[i] for i in first)
    return first | prefix([i for i in reversed(indexes) if i not in first], costs, rest)


@dataclass
class Row:
    name: str
    ratio: float
    turns: int
    questions: int
    unjudged: int
    tokens_before: int
    budget: int
    tokens_after: int
    seconds: float
    scores: dict[str, Score]


def evaluate(
    chat: Chat, *, ratio: float, seeds: int, embedder: Embedder | None, parts: int = 1
) -> tuple[Row, SnapshotDraft]:
    turns = chat.turns
    document = document_of(chat)
    snapshot, seconds = timed_snapshot(turns, document, ratio=ratio, embedder=embedder)
    judge = Judge(turns, chat.questions)
    budget = snapshot.budget
    costs = turn_costs(turns)
    scores = {
        "snapshot": judge.score(snapshot_lines(snapshot.markdown)),
        "first_last": judge.score(turn_lines(turns, first_last(costs, budget))),
        "ceiling": judge.score(turn_lines(turns, range(len(turns)))),
    }
    if parts > 1:
        merged = forward(
            turns,
            parts,
            ratio=ratio,
            embedder=embedder,
            document=lambda seen: document_of(Chat(chat.name, tuple(seen), ())),
        )
        scores["forward"] = judge.score(snapshot_lines(merged.markdown))
    scores.update(random_baselines(judge, turns, costs, budget, seeds, scores["snapshot"]))
    row = Row(
        chat.name,
        ratio,
        len(turns),
        len(judge.questions),
        judge.unjudged,
        snapshot.tokens_before,
        budget,
        snapshot.tokens_after,
        seconds,
        scores,
    )
    return row, snapshot


# --- the report ----------------------------------------------------------------------------


def total(rows: Sequence[Row], method: str) -> Score:
    summed = Score()
    for row in rows:
        summed.merge(row.scores[method])
    return summed


def strongest(rows: Sequence[Row]) -> str:
    """The baseline that keeps the most answers over `rows`."""
    return max(BASELINES, key=lambda m: total(rows, m).share("answers"))


def summary(rows: Sequence[Row]) -> dict[str, object]:
    """The figures over `rows` (one ratio), as plain numbers."""
    base = strongest(rows)
    scores = {m: total(rows, m) for m, _ in methods(rows)}
    snap, ceiling = scores["snapshot"], scores["ceiling"]
    return {
        "methods": {
            m: {
                "answers": s.share("answers"),
                "anchored": s.share("anchored"),
                "evidence": s.share("evidence"),
                "not_standalone": s.not_standalone(),
                "by_category": {CATEGORIES[c]: s.share("answers", c) for c in CATEGORIES},
            }
            for m, s in scores.items()
        },
        "strongest_baseline": base,
        "vs_strongest": _ratio(snap.share(), scores[base].share()),
        "of_ceiling": _ratio(snap.share(), ceiling.share()),
    }


def _ratio(value: float, other: float) -> float:
    return value / other if other else 0.0


def _pct(value: float) -> str:
    return f"{100 * value:.1f}"


def report(rows: Sequence[Row], *, seeds: int, markdown: bool) -> str:
    out: list[str] = []

    def title(text: str) -> None:
        out.append(f"\n**{text}**\n" if markdown else f"\n{text}\n")

    for ratio in sorted({r.ratio for r in rows}):
        at = [r for r in rows if r.ratio == ratio]
        title(f"At {ratio:g}x: the chats")
        head = ["chat", "turns", "questions", "tokens before", "budget", "after", "snapshot s"]
        body = [
            [
                r.name,
                str(r.turns),
                f"{r.questions} (+{r.unjudged})" if r.unjudged else str(r.questions),
                f"{r.tokens_before:,}",
                f"{r.budget:,}",
                f"{r.tokens_after:,}",
                f"{r.seconds:.1f}",
            ]
            for r in at
        ]
        out.append(table(head, body, markdown))

        title(f"At {ratio:g}x: answers kept in one line (%)")
        names = [r.name.removeprefix("bookminder-").removeprefix("entire-") for r in at]
        body = []
        for method, label in methods(at):
            label += f" ({seeds} seeds)" if method in ("random_turns", "random_sentences") else ""
            cells = [_pct(r.scores[method].share()) for r in at]
            body.append([label, *cells, _pct(total(at, method).share())])
        base = strongest(at)
        for label, other, form in (
            (f"snapshot / strongest baseline ({dict(METHODS)[base]})", base, "{:.2f}x"),
            ("snapshot / ceiling", "ceiling", "{:.0%}"),
        ):
            pairs = [(r.scores["snapshot"], r.scores[other]) for r in at]
            pairs.append((total(at, "snapshot"), total(at, other)))
            body.append([label, *[form.format(_ratio(a.share(), b.share())) for a, b in pairs]])
        out.append(table(["method", *names, "all"], body, markdown))

        title(f"At {ratio:g}x, all chats: the other measures (%)")
        counts = total(at, "snapshot").questions
        head = [
            "method",
            "answers kept",
            "stricter: with subject",
            "evidence kept",
            *[f"{n} ({counts.get(c, 0)})" for c, n in CATEGORIES.items()],
            "lines not standalone",
        ]
        body = []
        for method, label in methods(at):
            s = total(at, method)
            body.append(
                [
                    label,
                    _pct(s.share("answers")),
                    _pct(s.share("anchored")),
                    _pct(s.share("evidence")),
                    *[_pct(s.share("answers", c)) for c in CATEGORIES],
                    _pct(s.not_standalone()),
                ]
            )
        out.append(table(head, body, markdown))
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--set", choices=sorted(SETS), default="report", help="which chats")
    parser.add_argument("--data", type=Path, default=None, help="a folder (overrides --set)")
    parser.add_argument("--ratios", type=float, nargs="+", default=[4.0, 8.0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--parts", type=int, default=1, help="also fast-forward in N parts")
    parser.add_argument("--only", default=None, help="run one chat, e.g. bookminder-day-004")
    parser.add_argument("--show", action="store_true", help="print each snapshot")
    parser.add_argument("--markdown", action="store_true", help="tables as Markdown")
    parser.add_argument("--json", action="store_true", help="the figures as JSON")
    parser.add_argument(
        "--cache", type=Path, default=None, help="keep sentence vectors in this file"
    )
    args = parser.parse_args(argv)

    args.data = args.data or SETS[args.set]
    chats = load_chats(args.data, args.only)
    if not chats:
        print(f"No work chats found in {args.data} ({QUESTIONS}); nothing to evaluate.")
        return 0
    started = time.perf_counter()
    cache = CachingEmbedder(args.cache) if args.cache else None
    rows = []
    for chat in chats:
        for ratio in args.ratios:
            row, snapshot = evaluate(
                chat, ratio=ratio, seeds=args.seeds, embedder=cache, parts=args.parts
            )
            rows.append(row)
            if args.show:
                print(snapshot.markdown)
            print(
                f"{row.name} at {ratio:g}x: {row.turns} turns, {row.questions} questions, "
                f"snapshot in {row.seconds:.1f} s",
                file=sys.stderr,
            )
    if cache is not None:
        cache.save()
    if args.json:
        ratios = sorted({r.ratio for r in rows})
        figures = {f"{x:g}": summary([r for r in rows if r.ratio == x]) for x in ratios}
        print(json.dumps({"chats": [c.name for c in chats], "ratios": figures}, indent=1))
        return 0
    print(report(rows, seeds=args.seeds, markdown=args.markdown))
    print(f"\nTotal run time {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
