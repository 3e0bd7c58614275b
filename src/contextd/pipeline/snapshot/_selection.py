"""Choose which scored sentences make the snapshot, within a token budget.

Three steps, all bounded by the number of candidates rather than by the size of the source:

1. `CandidatePool` keeps only the best-scoring sentences while the source streams past, so a
   million-word paste needs memory for a few thousand sentences, not for all of them.
2. `demote_superseded` removes what a later sentence revises ("switch to PostgreSQL instead of
   SQLite" outdates "let's use SQLite"), decisions and state reports that a later one restates
   ("latency is 95 ms now" outdates "latency is 120 ms now"), and questions that a later
   sentence answers.
3. `pick` takes sentences greedily by worth per token: the score, lowered for redundancy with
   what is already chosen (embedding similarity, when the candidate was embedded) and, to spread
   the snapshot over more of the conversation, for a second line of the same kind from the same
   turn (`SAME_TURN`). Near-duplicates and paraphrases of sentences already taken are skipped
   (their turns are added to the kept sentence's citation instead).

Overlap is measured on content words through an inverted index. Only the last
`_POSTING_SCAN` entries of a word's list are read (in `pick` the sentences chosen most recently,
in `demote_superseded` the later sentences nearest in time), so a word shared by thousands of
sentences cannot make the comparison quadratic.
"""

from __future__ import annotations

import heapq
import math
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import numpy as np

from contextd.pipeline.embed import Vectors
from contextd.pipeline.snapshot._cues import DECISIONS, QUESTIONS, STATE

MAX_CITATIONS = 3
CITATION_COST = 3  # tokens of ", t123" added to a kept sentence's citation
_NEAR_DUPLICATE = 0.6  # Jaccard of content words
_SUPERSEDE_CONTAINMENT = 0.5  # share of the earlier sentence's words the later one repeats
_RESTATE_CONTAINMENT = 0.75  # a later decision repeating this much replaces the earlier one
# A later decision or state report that repeats this much of an earlier one replaces it: the
# decision was restated, the state moved on ("latency is 120 ms now" -> "... 95 ms now").
_RESTATABLE = frozenset({DECISIONS, STATE})
_DEMOTION = 0.0  # superseded content is removed, not merely ranked lower
_POSTING_SCAN = 128
MIN_SCORE = 0.6
_PARAPHRASE = 0.9  # cosine at which a candidate only adds its turn to a chosen line
_REDUNDANT_FROM = 0.7  # cosine to the nearest chosen line where the redundancy penalty starts
_REDUNDANCY_WEIGHT = 0.8  # share of the score a candidate loses just below `_PARAPHRASE`
SAME_TURN = 0.6  # share of the score left to a sentence whose turn has a line in its section

_WORD_RE = re.compile(r"[a-z0-9][a-z0-9_+#.\-]*[a-z0-9+#]|[a-z0-9]")
_STOPWORD_TEXT = """
a an the and or but if then else of to in on at by for with from into onto about as is are
was were be been being it its this that these those there here we you i he she they them our
your my me us his her their not no yes do does did done have has had will would shall should
can could may might must just also very so too than such what which who whom whose when
where why how all any both each few more most other some own same only now up down out over
under again further once let's lets we'll i'll you'll it's that's don't doesn't isn't aren't
use using used go going instead rather switch switched switching actually decided decide let
via one two new get got make made need needs want like okay ok sure yes yeah thing things
"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass
class Candidate:
    """A sentence that may enter the snapshot."""

    order: int  # position in the source, for chronological output and stable tie-breaks
    section: str
    text: str
    score: float
    revises: bool
    cite: int  # turn index, or paragraph number for documents
    replaced: tuple[str, ...] = ()  # names this sentence says are dropped ("instead of X")
    citations: list[int] = field(default_factory=list)
    words: frozenset[str] = frozenset()
    cost: int = 0  # tokens of the rendered bullet
    label: str = ""  # printed before the text, e.g. the speaker in a multi-party chat
    row: int = -1  # row of this candidate's embedding, -1 when it was not embedded


class CandidatePool:
    """Keep the `capacity` highest-scoring candidates seen (ties: the later one wins)."""

    def __init__(self, capacity: int) -> None:
        self._capacity = max(1, capacity)
        self._heap: list[tuple[float, int, Candidate]] = []

    def offer(self, candidate: Candidate) -> None:
        item = (candidate.score, candidate.order, candidate)
        if len(self._heap) < self._capacity:
            heapq.heappush(self._heap, item)
        elif item[:2] > self._heap[0][:2]:
            heapq.heapreplace(self._heap, item)

    def chronological(self) -> list[Candidate]:
        return sorted((item[2] for item in self._heap), key=lambda c: c.order)


def content_words(text: str) -> frozenset[str]:
    return frozenset(
        word for word in _WORD_RE.findall(text.lower()) if word not in _STOPWORDS and len(word) > 2
    )


def index_words(candidates: Iterable[Candidate]) -> None:
    """Fill each candidate's `words` with its content words (stop words and cue words removed)."""
    for candidate in candidates:
        candidate.words = content_words(candidate.text)


class _WordIndex:
    """An inverted index from content word to the candidates containing it, in insertion order.

    `sharing` uses prefix filtering: a candidate sharing at least `need` of n words must contain
    one of any n - need + 1 of them, so only the postings of that many of the rarest words are
    read. With the `_POSTING_SCAN` cap on each list this keeps every lookup bounded.
    """

    def __init__(self) -> None:
        self._postings: dict[str, list[Candidate]] = {}

    def add(self, candidate: Candidate) -> None:
        for word in candidate.words:
            self._postings.setdefault(word, []).append(candidate)

    def sharing(self, words: frozenset[str], need: int) -> list[Candidate]:
        """Candidates that may share `need` or more of `words`, oldest first."""
        if need > len(words) or not self._postings:
            return []
        empty: list[Candidate] = []
        rare_first = sorted(words, key=lambda w: (len(self._postings.get(w, empty)), w))
        found: dict[int, Candidate] = {}
        for word in rare_first[: len(words) - need + 1]:
            for candidate in self._postings.get(word, empty)[-_POSTING_SCAN:]:
                found[candidate.order] = candidate
        return [found[order] for order in sorted(found)]


def demote_superseded(candidates: list[Candidate]) -> None:
    """Remove sentences a later one revises, restates, or (for questions) answers.

    `candidates` must be chronological with `words` filled in. Walks from the newest back,
    indexing each candidate after checking it, so the indexes only ever hold later sentences.
    A decision that mentions a name a later sentence drops ("instead of SQLite") is demoted
    too, however little else the two sentences share.
    """
    statements = _WordIndex()  # later non-questions: may answer a question
    revisions = _WordIndex()  # later revising sentences and decisions: may outdate a statement
    dropped: set[str] = set()
    for earlier in reversed(candidates):
        if _is_dropped(earlier, dropped) or _superseded(earlier, statements, revisions):
            earlier.score *= _DEMOTION
        if earlier.section == QUESTIONS:
            continue
        statements.add(earlier)
        if earlier.revises or earlier.section in _RESTATABLE:
            revisions.add(earlier)
        dropped.update(earlier.replaced)


def _is_dropped(candidate: Candidate, dropped: set[str]) -> bool:
    if candidate.section != DECISIONS or not dropped:
        return False
    own = set(candidate.replaced)
    return any(word in dropped and word not in own for word in candidate.words)


def _superseded(earlier: Candidate, statements: _WordIndex, revisions: _WordIndex) -> bool:
    words = earlier.words
    need = max(2, math.ceil(_SUPERSEDE_CONTAINMENT * len(words)))
    index = statements if earlier.section == QUESTIONS else revisions
    return any(
        _supersedes(later, earlier, len(words & later.words))
        for later in index.sharing(words, need)
    )


def _supersedes(later: Candidate, earlier: Candidate, shared: int) -> bool:
    if shared < 2:
        return False
    containment = shared / len(earlier.words)
    if earlier.section == QUESTIONS:
        return containment >= _SUPERSEDE_CONTAINMENT
    if later.revises and containment >= _SUPERSEDE_CONTAINMENT:
        return True
    return (
        earlier.section in _RESTATABLE
        and later.section == earlier.section
        and containment >= _RESTATE_CONTAINMENT
    )


def pick(
    candidates: Iterable[Candidate],
    *,
    available: int,
    section_cost: Callable[[str], int],
    vectors: Vectors | None = None,
    cost_exponent: float = 1.0,
    same_turn: float = SAME_TURN,
) -> list[Candidate]:
    """Greedily take candidates by worth per token until `available` tokens are spent.

    Per token means score / cost ** `cost_exponent`: 1 is the plain ratio; below 1 a longer
    line, which says more, is not discounted in full for its length. `same_turn` is the share
    of its score left to a second line of a section from the same turn (`SAME_TURN`).

    Worth is the score, lowered by redundancy with what is already chosen: for candidates with
    an embedding (`row >= 0` in `vectors`) by their greatest cosine similarity to a chosen one
    (maximal marginal relevance, evaluated lazily: worth only ever falls, so a stale heap entry
    is an upper bound), for all by content-word overlap. A paraphrase or near-duplicate of a
    chosen sentence is not taken; its turn joins that sentence's citations instead.
    `section_cost(name)` is charged the first time a section gets a bullet (its heading).
    Returns the chosen candidates with merged citations, in the order they were chosen.
    """
    heap = [
        (-c.score / c.cost**cost_exponent, c.order, c)
        for c in candidates
        if c.score >= MIN_SCORE and c.cost > 0
    ]
    heapq.heapify(heap)
    nearest = np.zeros(0 if vectors is None else len(vectors), dtype=np.float32)
    chosen_rows: list[int] = []
    by_row: dict[int, Candidate] = {}
    chosen: list[Candidate] = []
    index = _WordIndex()
    opened: set[str] = set()
    used = 0
    cited: set[tuple[int, str]] = set()  # (turn, section) of the chosen lines
    while heap:
        negative, order, candidate = heapq.heappop(heap)
        duplicate: Candidate | None = None
        share = 1.0
        if vectors is not None and candidate.row >= 0 and chosen_rows:
            similarity = float(nearest[candidate.row])
            if similarity >= _PARAPHRASE:
                similar = vectors[chosen_rows] @ vectors[candidate.row]
                duplicate = by_row[chosen_rows[int(np.argmax(similar))]]
            share = _novelty(similarity)
        if duplicate is None:
            if candidate.score * share < MIN_SCORE:
                continue  # too redundant to be worth a line
            if (candidate.cite, candidate.section) in cited:
                share *= same_turn
            worth = candidate.score * share / candidate.cost**cost_exponent
            if worth < -negative - 1e-9:
                heapq.heappush(heap, (-worth, order, candidate))
                continue
        if duplicate is None:
            duplicate = _near_duplicate(candidate, index)
        if duplicate is not None:
            if (
                candidate.cite not in duplicate.citations
                and len(duplicate.citations) < MAX_CITATIONS
                and used + CITATION_COST <= available
            ):
                duplicate.citations.append(candidate.cite)
                used += CITATION_COST
            continue
        extra = 0 if candidate.section in opened else section_cost(candidate.section)
        if used + candidate.cost + extra > available:
            continue
        used += candidate.cost + extra
        opened.add(candidate.section)
        candidate.citations = candidate.citations or [candidate.cite]
        cited.update((cite, candidate.section) for cite in candidate.citations)
        chosen.append(candidate)
        index.add(candidate)
        if vectors is not None and candidate.row >= 0:
            np.maximum(nearest, vectors @ vectors[candidate.row], out=nearest)
            chosen_rows.append(candidate.row)
            by_row[candidate.row] = candidate
    return chosen


def _novelty(similarity: float) -> float:
    """The share of a candidate's score left when its nearest chosen sentence is this close."""
    share = (similarity - _REDUNDANT_FROM) / (_PARAPHRASE - _REDUNDANT_FROM)
    return 1.0 - _REDUNDANCY_WEIGHT * min(1.0, max(0.0, share))


def _near_duplicate(candidate: Candidate, index: _WordIndex) -> Candidate | None:
    """The most similar chosen sentence with Jaccard >= `_NEAR_DUPLICATE`, if any."""
    words = candidate.words
    if not words:
        return None
    # Jaccard >= t needs |A & B| >= t * |A | B| >= t * |A|.
    need = max(1, math.ceil(_NEAR_DUPLICATE * len(words)))
    best: Candidate | None = None
    best_similarity = _NEAR_DUPLICATE
    for other in index.sharing(words, need):
        shared = len(words & other.words)
        similarity = shared / (len(words) + len(other.words) - shared)
        if similarity >= best_similarity:
            best, best_similarity = other, similarity
    return best
