"""What a reader finds in a 4x context snapshot of a long chat (LoCoMo), judged by content.

Usage: `.venv/bin/python evals/snapshot_content.py [--data DIR] [--seeds 10] [--ratio 4.0]
[--parts 4] [--cache FILE] [--only conv-26] [--show] [--markdown]`

Data: the LoCoMo development conversations in `../shared/evaldata/locomo-dev/` (or `--data`, or
`$CONTEXTD_LOCOMO_DIR`), read at run time and never copied here; without them the script says
so and exits 0. Thresholds of the engine are tuned on conv-26, conv-30 and conv-41 only; conv-42
and conv-43 are reported apart ("report").

**The judge** (the same for every method, line by line). A text's *content words*: lower case,
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
import math
import re
import sys
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import _locomo
from _locomo import (
    REPORT,
    TUNE,
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
from contextd.pipeline.snapshot import build_snapshot, update_snapshot
from contextd.pipeline.types import SnapshotDraft, Turn

ANSWER_SHARE = 2 / 3
EVIDENCE_SHARE = 1 / 2
MIN_STANDALONE_WORDS = 4
CATEGORIES = {1: "multi-hop", 2: "temporal", 3: "inference", 4: "single-hop"}
UNDATED = (1, 3, 4)  # the snapshot dates relative time words; the turns of the baselines do not

# English function words (a common list), plus chat fillers. Month names stay: dates count.
_STOPWORD_TEXT = """
a about above after again against all am an and any are aren't as at be because been before
being below between both but by can can't cannot could couldn't did didn't do does doesn't doing
don't down during each few for from further had hadn't has hasn't have haven't having he he'd
he'll he's her here here's hers herself him himself his how how's i i'd i'll i'm i've if in into
is isn't it it's its itself let's me more most mustn't my myself no nor not of off on once only
or other ought our ours ourselves out over own same shan't she she'd she'll she's should
shouldn't so some such than that that's the their theirs them themselves then there there's
these they they'd they'll they're they've this those through to too under until up very was
wasn't we we'd we'll we're we've were weren't what what's when when's where where's which while
who who's whom why why's with won't would wouldn't you you'd you'll you're you've your yours
yourself yourselves also just really yeah yes yep oh ok okay wow hey hi hello lol haha aww
got get gets getting will would much many lot lots thing things one ones like well even still
s t d ll ve re m
"""
STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_NUMBER_TEXT = "zero one two three four five six seven eight nine ten eleven twelve"
_NUMBER_WORDS = {word: str(value) for value, word in enumerate(_NUMBER_TEXT.split())}
_ORDINAL_RE = re.compile(r"^(\d+)(?:st|nd|rd|th)$")
_TOKEN_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
# A line that opens on one of these leans on what came before it in the chat.
_BACK_TEXT = """it it's its that that's this these those they they're they've them their he he's
she she's him his her so and but also too then yes yeah yep yup no nope sure ok okay right
exactly definitely totally absolutely true same agreed thanks thank wow aww oh haha lol hmm
well anyway plus"""
BACK_WORDS = frozenset(_BACK_TEXT.split())
_CITATION_RE = re.compile(r"\s*\[(?:[tp]\d+)(?:, [tp]\d+)*\]\s*$")


def _normal(token: str) -> str:
    token = token.removesuffix("'s").replace("'", "")
    if token in _NUMBER_WORDS:
        return _NUMBER_WORDS[token]
    if match := _ORDINAL_RE.match(token):
        return match.group(1)
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is")):
        return token[:-1]
    return token


_MONTH_TEXT = (
    "january february march april may june july august september october november december"
)
_MONTHS = _MONTH_TEXT.split()
_MONTH = r"(?P<{}>" + "|".join(_MONTHS) + r")"
_DAY = r"(?P<{}>\d{{1,2}})(?:st|nd|rd|th)?"
_DATE_RES = (  # a date is one word: "7 May 2023" and "May 7th, 2023" are both "d20230507"
    re.compile(rf"\b{_DAY.format('day')} (?:of )?{_MONTH.format('month')},? (?P<year>\d{{4}})\b"),
    re.compile(rf"\b{_MONTH.format('month')} {_DAY.format('day')},? (?P<year>\d{{4}})\b"),
    re.compile(rf"\b{_DAY.format('day')} (?:of )?{_MONTH.format('month')}\b"),
    re.compile(rf"\b{_MONTH.format('month')} {_DAY.format('day')}\b"),
    re.compile(rf"\b{_MONTH.format('month')},? (?P<year>\d{{4}})\b"),
)


def _date_word(match: re.Match[str]) -> str:
    groups = match.groupdict()
    month = _MONTHS.index(groups["month"]) + 1
    day = int(groups["day"]) if groups.get("day") else 0
    if day > 31:
        return match.group(0)
    if groups.get("year") and day:
        return f" d{groups['year']}{month:02d}{day:02d} md{month:02d}{day:02d} "
    if groups.get("year"):
        return f" m{groups['year']}{month:02d} "
    return f" md{month:02d}{day:02d} "


def dates_as_words(text: str) -> str:
    """Lower-case `text` with each calendar date as one word: a date is kept only whole (a
    line saying "7 May 2023" does not hold the answer "9 May 2023" by two words out of three).
    A full date is also its day of the year, for the answers given without a year."""
    lowered = text.lower().replace("\u2019", "'")
    for pattern in _DATE_RES:
        lowered = pattern.sub(_date_word, lowered)
    return lowered


def content_words(text: str) -> frozenset[str]:
    lowered = dates_as_words(text)
    words = (_normal(t) for t in _TOKEN_RE.findall(lowered) if t not in STOPWORDS)
    return frozenset(w for w in words if w and w not in STOPWORDS)


def stands_alone(text: str) -> bool:
    """Whether a line (its speaker label removed) carries its own meaning."""
    first = _TOKEN_RE.findall(text.lower().replace("\u2019", "'"))[:1]
    if first and first[0] in BACK_WORDS:
        return False
    return len(content_words(text)) >= MIN_STANDALONE_WORDS


def snapshot_lines(markdown: str) -> list[str]:
    """The bullets of a snapshot, without the bullet mark and the citation."""
    return [
        _CITATION_RE.sub("", raw[2:]).strip()
        for raw in markdown.splitlines()
        if raw.startswith("- ")
    ]


def turn_lines(turns: Sequence[Turn], kept: Iterable[int]) -> list[str]:
    return [f"{turns[i].speaker}: {turns[i].text}" for i in sorted(kept)]


@dataclass
class Score:
    """Sums over questions (floats: seeds are averaged) and over lines."""

    answers: dict[int, float] = field(default_factory=dict)  # by category
    evidence: dict[int, float] = field(default_factory=dict)
    anchored: dict[int, float] = field(default_factory=dict)  # answer and subject in one line
    questions: dict[int, int] = field(default_factory=dict)
    lines: float = 0.0
    leaning: float = 0.0  # lines that do not stand alone

    def merge(self, other: Score, weight: float = 1.0) -> None:
        for category, n in other.questions.items():
            self.questions[category] = self.questions.get(category, 0) + n
        for mine, theirs in (
            (self.answers, other.answers),
            (self.evidence, other.evidence),
            (self.anchored, other.anchored),
        ):
            for category, value in theirs.items():
                mine[category] = mine.get(category, 0.0) + weight * value
        self.lines += weight * other.lines
        self.leaning += weight * other.leaning

    def share(self, which: str = "answers", category: int | tuple[int, ...] = ()) -> float:
        """The share kept, over the questions of `category` (one, several, or all: `()`)."""
        kept = {"answers": self.answers, "evidence": self.evidence}.get(which, self.anchored)
        wanted = (category,) if isinstance(category, int) else category or tuple(self.questions)
        total = sum(self.questions.get(c, 0) for c in wanted)
        return sum(kept.get(c, 0.0) for c in wanted) / total if total else 0.0

    def not_standalone(self) -> float:
        return self.leaning / self.lines if self.lines else 0.0


class Judge:
    """The content judge for one conversation: which answers and evidence turns lines keep."""

    def __init__(self, conversation: Conversation) -> None:
        self._speakers = sorted({t.speaker for t in conversation.turns}, key=len, reverse=True)
        self._turn_words = [content_words(t.text) for t in conversation.turns]
        self.questions = [
            (q, words) for q in conversation.questions if (words := content_words(q.answer))
        ]
        self.unjudged = len(conversation.questions) - len(self.questions)
        names = frozenset(w for t in conversation.turns for w in content_words(t.speaker))
        self._subjects = [content_words(q.text) - names for q, _ in self.questions]

    def _unlabelled(self, line: str) -> str:
        for speaker in self._speakers:
            if line.startswith(f"{speaker}: "):
                return line[len(speaker) + 2 :]
        return line

    def score(self, lines: Sequence[str]) -> Score:
        words = [content_words(line) for line in lines]
        postings: dict[str, list[int]] = {}
        for row, line_words in enumerate(words):
            for word in line_words:
                postings.setdefault(word, []).append(row)

        def holding(wanted: frozenset[str], share: float) -> set[int]:
            need = math.ceil(share * len(wanted) - 1e-9)
            counts: dict[int, int] = {}
            for word in wanted:
                for row in postings.get(word, ()):
                    counts[row] = counts.get(row, 0) + 1
            return {row for row, n in counts.items() if n >= need}

        def holds(wanted: frozenset[str], share: float) -> bool:
            return bool(holding(wanted, share))

        result = Score()
        turn_kept: dict[int, bool] = {}
        for (question, answer), subject in zip(self.questions, self._subjects, strict=True):
            category = question.category
            result.questions[category] = result.questions.get(category, 0) + 1
            rows = holding(answer, ANSWER_SHARE)
            result.answers[category] = result.answers.get(category, 0.0) + bool(rows)
            anchored = bool(rows) and (
                not subject
                or any(len(words[row] & (subject - answer)) >= 1 for row in rows)
                or subject <= answer
            )
            result.anchored[category] = result.anchored.get(category, 0.0) + anchored
            for i in question.evidence:
                if i not in turn_kept:
                    wanted = self._turn_words[i]
                    turn_kept[i] = bool(wanted) and holds(wanted, EVIDENCE_SHARE)
            result.evidence[category] = result.evidence.get(category, 0.0) + all(
                turn_kept[i] for i in question.evidence
            )
        result.lines = len(lines)
        result.leaning = sum(not stands_alone(self._unlabelled(line)) for line in lines)
        return result


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


def _forward(
    conversation: Conversation, parts: int, ratio: float, embedder: Embedder | None
) -> SnapshotDraft:
    """The snapshot of the conversation fed in `parts` parts, merged by `update_snapshot`."""
    turns = conversation.turns
    bounds = [round(k * len(turns) / parts) for k in range(parts + 1)]
    snapshot: SnapshotDraft | None = None
    for k in range(parts):
        seen = turns[: bounds[k + 1]]
        document = document_of(conversation.name, seen)
        artifacts = extract_artifacts(document, seen)
        if snapshot is None:
            snapshot = build_snapshot(seen, document, artifacts, ratio=ratio, embedder=embedder)
        else:
            new = turns[bounds[k] : bounds[k + 1]]
            snapshot = update_snapshot(
                snapshot, new, document, artifacts, ratio=ratio, embedder=embedder
            )
    assert snapshot is not None
    return snapshot


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
    started = time.perf_counter()
    snapshot = build_snapshot(
        turns, document, extract_artifacts(document, turns), ratio=ratio, embedder=embedder
    )
    seconds = time.perf_counter() - started
    judge = Judge(conversation)
    budget = snapshot.budget
    costs = turn_costs(turns)
    indexes = list(range(len(turns)))
    scores = {
        "snapshot": judge.score(snapshot_lines(snapshot.markdown)),
        "first": judge.score(turn_lines(turns, prefix(indexes, costs, budget))),
        "last": judge.score(turn_lines(turns, prefix(indexes[::-1], costs, budget))),
        "ceiling": judge.score(turn_lines(turns, indexes)),
        "random_turns": Score(),
        "random_sentences": Score(),
    }
    forward_after = 0
    if parts > 1:
        forward = _forward(conversation, parts, ratio, embedder)
        scores["forward"] = judge.score(snapshot_lines(forward.markdown))
        forward_after = forward.tokens_after
    for seed in range(seeds):
        chosen = turn_lines(turns, random_turns(costs, budget, seed))
        scores["random_turns"].merge(judge.score(chosen), 1 / seeds)
        sentences = random_sentences(turns, budget, seed, labelled=True)
        scores["random_sentences"].merge(judge.score([line for _, line in sentences]), 1 / seeds)
    for name in ("random_turns", "random_sentences"):  # counts are not averaged
        scores[name].questions = dict(scores["snapshot"].questions)
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


def _table(header: Sequence[str], body: Sequence[Sequence[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|---" + "|---:" * (len(header) - 1) + "|"]
        lines += ["| " + " | ".join(cells) + " |" for cells in body]
        return "\n".join(lines)
    widths = [max(len(str(c[i])) for c in [header, *body]) for i in range(len(header))]
    return "\n".join(
        "  ".join(
            str(c).ljust(widths[i]) if i == 0 else str(c).rjust(widths[i])
            for i, c in enumerate(cells)
        )
        for cells in [header, *body]
    )


def report(rows: Sequence[Row], *, seeds: int, parts: int, markdown: bool) -> str:
    out: list[str] = []
    out.append(
        _table(
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
        out.append(_table(["method", *names], body, markdown))

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
        out.append(_table(["method", *header], body, markdown))

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
    out.append(_table(["method", *names], body, markdown))

    cited = []
    for _, members in groups:
        judged = sum(r.questions for r in members)
        cited.append(pct(sum(r.cited * r.questions for r in members) / max(1, judged)))
    title = "Diagnostic only: all evidence turns cited by the snapshot (the old measure, %)"
    out.append(f"\n{title}\n" if not markdown else f"\n**{title}**\n")
    out.append(_table(["measure", *names], [["cited", *cited]], markdown))
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--ratio", type=float, default=4.0)
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--parts", type=int, default=4, help="fast-forward parts (1: skip)")
    parser.add_argument("--only", default=None, help="run one conversation, e.g. conv-26")
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
