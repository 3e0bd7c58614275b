"""The snapshot of a document: its outline, and under each heading the facts that carry it.

A specification, an article or a PEP is not a conversation: nothing in it is a "decision" or a
"next step", and the conversation sections (`_cues.SECTIONS`) scatter its requirements under
names that mislead ("Applications MAY choose to set the type..." under "Decisions"). Its reader
wants the document's own shape, shortened: the headings (`_outline`: Markdown, setext, reST or
numbered headings, levels ranked and capped), and under each the sentences that state something
(`_facts`: BCP 14 requirements verbatim, definitions, numbers and names, named examples). A
document without headings gets a flat list of its facts in order.

**Choosing.** Greedy by worth per token within the room the format leaves (`format.frame`),
where a line's cost includes the headings it needs and not yet shown (its section's and the
enclosing ones), and each further line from the same section is worth `SAME_SECTION` of the
previous one, so the budget spreads over the outline instead of draining into the densest
section. Near-duplicates of a chosen line are skipped. Whatever room is left then goes to the
headings not yet shown, shallowest first, so the outline stays readable even where no line
made it. The budget rule, the header, the paragraph citations ("p12", as `split_sentences`
numbers the original text) and the artifact list are `format.py`'s, as for any snapshot.

**Bounded work.** One pass to split and score, then at most `MAX_FACTS` candidates enter the
greedy choice; every step after that is bounded by them and by the budget.
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from contextd.pipeline.snapshot import _facts
from contextd.pipeline.snapshot import format as fmt
from contextd.pipeline.snapshot._outline import Section, outline
from contextd.pipeline.snapshot._salience import TermStats
from contextd.pipeline.snapshot._selection import content_words
from contextd.pipeline.tokens import count_tokens
from contextd.pipeline.types import ArtifactDraft, Document, SnapshotDraft

MAX_FACTS = 20_000
OUTLINE_SHARE = 0.2  # of the room, for headings before any line is chosen
SAME_SECTION = 0.7  # worth left to each further line of one section (see `_choose`)
SECTION_SCALE = 0.5
MIN_WORTH = 0.25  # lines worth less are not shown, even with room left
NEAR_DUPLICATE = 0.8  # share of a line's content words a chosen line already holds
TERM_SCOPE = 3  # paragraphs after a property's name that describe it
_POSTING_SCAN = 256
_PARAGRAPH_CITE_RE = re.compile(r"^- .* \[p\d+(?:, p\d+)*\]$", re.MULTILINE)


@dataclass
class _Fact:
    order: int
    section: int
    text: str
    cite: int
    score: float
    cost: int
    words: frozenset[str]


def build_document_snapshot(
    document: Document,
    artifacts: Sequence[ArtifactDraft],
    *,
    budget: int,
    tokens_before: int,
    header: str,
    engine: str,
) -> SnapshotDraft:
    """The snapshot of `document` within `budget` tokens, written under `header`."""
    frame = fmt.frame(
        header,
        fmt.artifact_lines(artifacts, "p"),
        prefix="p",
        budget=budget,
        tokens_before=tokens_before,
    )
    if frame is None:
        return fmt.header_only(header, tokens_before, budget, engine)
    sections = outline(document.text, document.title)
    facts = _candidates(sections)
    shown, chosen = _choose(sections, facts, frame.room)
    markdown = _fit(frame, sections, shown, chosen)
    return fmt.draft(markdown, tokens_before, budget, (), engine)


def is_document_snapshot(markdown: str) -> bool:
    """Whether a stored snapshot is a document's (its bullets cite paragraphs, "[p3]"): such a
    snapshot cannot be fast-forwarded with turns, as its headings are not the work sections."""
    return _PARAGRAPH_CITE_RE.search(markdown) is not None


def _candidates(sections: Sequence[Section]) -> list[_Fact]:
    """Every sentence worth a line, scored, with its property name resolved; the best
    `MAX_FACTS` of them."""
    stats = TermStats()
    paragraphs: dict[int, list[str]] = {}
    for section in sections:
        for sentence in section.sentences:
            paragraphs.setdefault(sentence.paragraph, []).append(sentence.text)
    stats.add_all(" ".join(texts) for texts in paragraphs.values())
    facts: list[_Fact] = []
    order = 0
    for index, section in enumerate(sections):
        name, named_at = "", -1
        for sentence in section.sentences:
            if _facts.is_term(sentence.text):
                name, named_at = _facts.term_name(sentence.text), sentence.paragraph
            elif sentence.paragraph - named_at > TERM_SCOPE:
                name = ""
            text = _facts.subject(_facts.clean(sentence.text), name)
            score = _facts.worth(text, stats)
            order += 1
            if score < MIN_WORTH:
                continue
            cost = count_tokens(fmt.bullet(text, (sentence.paragraph,), "p") + "\n")
            facts.append(
                _Fact(order, index, text, sentence.paragraph, score, cost, content_words(text))
            )
    if len(facts) > MAX_FACTS:
        facts = sorted(heapq.nlargest(MAX_FACTS, facts, key=lambda f: f.score), key=_by_order)
    return facts


def _by_order(fact: _Fact) -> int:
    return fact.order


def _heading(section: Section) -> str:
    return f"\n{'#' * (section.depth + 1)} {section.title}\n"


def _path(sections: Sequence[Section], index: int) -> list[int]:
    """The titled sections a line of section `index` sits under, innermost first."""
    path: list[int] = []
    while index >= 0:
        if sections[index].title:
            path.append(index)
        index = sections[index].parent
    return path


def _choose(
    sections: Sequence[Section], facts: Sequence[_Fact], room: int
) -> tuple[set[int], list[_Fact]]:
    """Greedy by worth per token (see the module's docstring): the sections whose headings are
    shown, and the chosen lines."""
    heading_cost = [count_tokens(_heading(s)) if s.title else 0 for s in sections]
    paths = [_path(sections, i) for i in range(len(sections))]
    per_section = [0] * len(sections)
    shown: set[int] = set()
    chosen: list[_Fact] = []
    by_section: dict[int, list[int]] = {}
    for position, fact in enumerate(facts):
        by_section.setdefault(fact.section, []).append(position)
    # A section of many facts deserves more lines than a section of one: the decay runs on
    # the lines taken over a power of the section's candidates (`SECTION_SCALE`: 0 is flat).
    scale = [max(1.0, len(by_section.get(i, ())) ** SECTION_SCALE) for i in range(len(sections))]
    under: dict[int, list[int]] = {}  # heading -> the sections whose lines sit under it
    for index, path in enumerate(paths):
        for heading in path:
            under.setdefault(heading, []).append(index)
    seen = _Seen()

    def cost(fact: _Fact) -> int:
        return fact.cost + sum(heading_cost[i] for i in paths[fact.section] if i not in shown)

    def priority(fact: _Fact) -> float:
        decay: float = SAME_SECTION ** (per_section[fact.section] / scale[fact.section])
        return fact.score * decay / cost(fact)

    left = room - _show_headings(sections, heading_cost, paths, shown, room * OUTLINE_SHARE)
    heap = [(-priority(fact), fact.order, position) for position, fact in enumerate(facts)]
    heapq.heapify(heap)
    done: set[int] = set()  # chosen, or ruled out (too long for what is left, or a repeat)
    while heap:
        stored, _, position = heapq.heappop(heap)
        if position in done:
            continue
        fact = facts[position]
        current = priority(fact)
        if current < -stored - 1e-12:
            heapq.heappush(heap, (-current, fact.order, position))
            continue
        done.add(position)
        needed = cost(fact)
        if needed > left or seen.repeats(fact.words):
            continue
        left -= needed
        chosen.append(fact)
        seen.add(fact.words)
        per_section[fact.section] += 1
        opened = [i for i in paths[fact.section] if i not in shown]
        shown.update(opened)
        for index in {i for heading in opened for i in under.get(heading, ())}:
            for other in by_section.get(index, ()):  # these lines got cheaper
                if other not in done:
                    heapq.heappush(heap, (-priority(facts[other]), facts[other].order, other))
    _show_headings(sections, heading_cost, paths, shown, left)
    return shown, chosen


def _show_headings(
    sections: Sequence[Section],
    heading_cost: Sequence[int],
    paths: Sequence[Sequence[int]],
    shown: set[int],
    room: float,
) -> int:
    """Add headings not yet shown, shallowest first, within `room`; returns the tokens spent."""
    spent = 0
    for index in sorted(range(len(sections)), key=lambda i: (sections[i].depth, i)):
        if not sections[index].title or index in shown:
            continue
        needed = sum(heading_cost[i] for i in paths[index] if i not in shown)
        if spent + needed <= room:
            spent += needed
            shown.update(paths[index])
    return spent


class _Seen:
    """The chosen lines' words, indexed, to skip a line that a chosen one mostly repeats.

    A chosen line holding `NEAR_DUPLICATE` of a candidate's n words must hold one of any
    n - need + 1 of them, so only the postings of that many of the rarest are read, each up to
    `_POSTING_SCAN` entries: a check stays bounded however many lines were chosen.
    """

    def __init__(self) -> None:
        self._lines: list[frozenset[str]] = []
        self._postings: dict[str, list[int]] = {}

    def add(self, words: frozenset[str]) -> None:
        for word in words:
            self._postings.setdefault(word, []).append(len(self._lines))
        self._lines.append(words)

    def repeats(self, words: frozenset[str]) -> bool:
        if not words:
            return False
        need = math.ceil(NEAR_DUPLICATE * len(words))
        rarest = sorted(words, key=lambda w: len(self._postings.get(w, ())))
        others = {
            line
            for word in rarest[: len(words) - need + 1]
            for line in self._postings.get(word, ())[-_POSTING_SCAN:]
        }
        return any(len(words & self._lines[line]) >= need for line in others)


def _fit(
    frame: fmt.Frame, sections: Sequence[Section], shown: set[int], chosen: Sequence[_Fact]
) -> str:
    """Render in the document's order, and while the real count exceeds the budget drop the
    least worthy lines, then the deepest bare headings, then the artifact list."""
    kept = sorted(chosen, key=lambda f: f.score / f.cost)
    headings = set(shown)
    listed = list(frame.listed)

    def render() -> str:
        lines: dict[int, list[str]] = {}
        for fact in sorted(kept, key=_by_order):
            lines.setdefault(fact.section, []).append(fmt.bullet(fact.text, (fact.cite,), "p"))
        parts = [frame.header + "\n"]
        for index, section in enumerate(sections):
            if index in headings:
                parts.append(_heading(section))
            parts.extend(line + "\n" for line in lines.get(index, ()))
        if listed:
            parts.append(fmt.section_block(fmt.ARTIFACTS, [item.line for item in listed]))
        return "".join(parts)

    def shed(excess: int) -> bool:
        if kept:
            removed = 0
            while kept and removed < excess:
                removed += kept.pop(0).cost
            return True
        if headings:
            headings.remove(max(headings, key=lambda i: (sections[i].depth, i)))
            return True
        if listed:
            listed.pop(0)
            return True
        return False

    return fmt.fit(render, shed, frame.budget)
