"""The content judge shared by the snapshot evaluations (LoCoMo and work chats), line by line.

`evals/snapshot_content.py` (LoCoMo) and `evals/snapshot_work.py` (coding and planning chats)
compare a snapshot with baselines given the same budget; both must read every output with the
same rules, so the rules live here once. A text's *content words*: lower case, punctuation
stripped, stop words dropped, numbers and dates kept (a calendar date is one word), number words
as digits ("two" -> "2"), ordinals as numbers ("23rd" -> "23"), a possessive or plural "s"
removed. A question's **answer is kept** when one line of the output holds at least 2/3 of the
answer's content words; an **evidence turn is kept** when one line holds at least half of its
content words (a question counts when all its evidence turns are). The stricter variant asks
the line holding the answer to hold also a content word of the question that the answer lacks
(its subject; speakers' names do not count). A line **does not stand alone** when it opens on a
word that points back into the chat or holds fewer than 4 content words (a speaker label is
not counted).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from contextd.pipeline.types import Turn


@dataclass(frozen=True)
class Question:
    evidence: tuple[int, ...]  # turn indexes
    category: int
    text: str = ""
    answer: str = ""


ANSWER_SHARE = 2 / 3
EVIDENCE_SHARE = 1 / 2
MIN_STANDALONE_WORDS = 4

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
    """The content judge for one conversation: which answers and evidence turns lines keep.

    `questions` are those of the conversation; one whose answer has no content word ("Yes")
    cannot be judged and is counted in `unjudged`."""

    def __init__(self, turns: Sequence[Turn], questions: Sequence[Question]) -> None:
        self._speakers = sorted({t.speaker for t in turns}, key=len, reverse=True)
        self._turn_words = [content_words(t.text) for t in turns]
        self.questions = [(q, words) for q in questions if (words := content_words(q.answer))]
        self.unjudged = len(questions) - len(self.questions)
        names = frozenset(w for t in turns for w in content_words(t.speaker))
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


def table(header: Sequence[str], body: Sequence[Sequence[str]], markdown: bool) -> str:
    """A report table: aligned text, or Markdown when `markdown`."""
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
