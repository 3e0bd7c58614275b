"""Lexical cues that place a sentence in a snapshot section and say how much it matters.

This is the offline, deterministic first engine: no model, just the phrases people use when
they decide ("let's go with"), constrain ("must not"), report state ("fixed", "error"), plan
("next step", "TODO") or ask. Later sentences describe the current state better than early
ones, so most sections get a recency bonus; goals are the exception and are looked for in the
first user turns. How much a cue counts also depends on how specific the sentence is: that is
measured in `_salience` and combined in `_candidates.worth`. A sentence with no cue at all is a
fact (`PLAIN_SCORE`), which is what most of a casual chat is made of.

Cues are phrases matched against the sentence's word n-grams (set look-ups) rather than one
large regular expression each: on a million-word paste that is several times faster.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

GOAL = "Goal"
STATE = "Current state"
DECISIONS = "Decisions"
FACTS = "Constraints and facts"
QUESTIONS = "Open questions"
NEXT = "Next steps"
SECTIONS: tuple[str, ...] = (GOAL, STATE, DECISIONS, FACTS, QUESTIONS, NEXT)

_MAX_PHRASE_WORDS = 4


def _lexicon(text: str) -> frozenset[tuple[str, ...]]:
    """Phrases separated by "|", each a sequence of lower-case words."""
    return frozenset(tuple(phrase.split()) for phrase in text.split("|") if phrase.strip())


_GOAL = _lexicon(
    "i want to|i'd like to|i would like to|i need to|i'm building|i'm trying|i'm working on"
    "|i'm writing|i'm making|i'm creating|i'm designing|i am building|i am trying|i am working on"
    "|we're building|we're trying|we're working on|we're designing|we are building|we are trying"
    "|we are working on|help me build|help me write|help me create|help me make|help me design"
    "|help me set up|help me implement|the goal|our goal|my goal|main goal|the aim|our aim"
    "|the objective|the purpose|goal is|want to build|this document describes"
    "|this document explains|this document covers|this document defines|this document proposes"
    "|this spec describes|this spec defines|this guide explains|this proposal describes"
)
_STRONG_DECISION = _lexicon(
    "decided|decision|going with|go with|let's go with|let's use|let's switch|let's keep"
    "|let's stick|let us use|settled on|we chose|i chose|chosen|opted|agreed|switch to"
    "|switched to|switching to|instead|rather than|stick with|from now on|final answer"
    "|i'd rather|we'd rather|changed my mind|change of plan"
)
_WEAK_DECISION = _lexicon(
    "we'll|we will|let's|let us|we should|you should|recommend|prefer|will use|we use"
    "|plan is to|approach is|choose"
)
_REVISION = _lexicon(
    "instead|actually|switch to|switched to|switching to|changed my mind|change to|changed to"
    "|change of plan|no longer|not anymore|rather than|replace|replaced|replacing|revert"
    "|reverted|scratch that|on second thought|drop|dropped|correction|supersedes|superseded"
    "|fixed|resolved|now works|works now|revised|update|updated|updates"
)
_CONSTRAINT = _lexicon(
    "must|mustn't|should not|shouldn't|cannot|can't|never|always|required|requirement"
    "|requirements|constraint|constraints|at most|at least|no more than|limit|limits|limited"
    "|mandatory|has to|have to|need to support|needs to support|deadline|budget|compliance"
    "|offline|only"
)
_STATE = _lexicon(
    "fixed|works|working|resolved|done|implemented|passing|passes|fail|fails|failed|failing"
    "|broken|error|errors|exception|traceback|bug|crash|crashes|crashed|deployed|merged|now"
    "|currently|completed|finished"
)
_NEXT = _lexicon(
    "todo|next step|next steps|next up|next i|next we|next you|then we|after that|follow up"
    "|remaining|still need to|still have to|plan to|planning to|i'll add|we'll add|i'll implement"
    "|we'll implement|i'll write|we'll write|we'll need|we will need|i will add|we will add"
    "|later|tomorrow|upcoming|pending|not yet|left to do"
)
_OPEN = _lexicon(
    "open question|open questions|tbd|not sure|unclear|undecided|to be decided|still deciding"
    "|unknown whether|haven't decided|have not decided"
)
# Words that can introduce what a decision drops; checked before the costlier regex below.
_REPLACING_TEXT = """instead rather switch switched switching migrate migrated migrating longer
using off drop dropped dropping ditch ditched"""
_REPLACING_WORDS = frozenset(_REPLACING_TEXT.split())
# "instead of SQLite", "switch from Flask", "no longer use Redis": names what a decision drops.
_REPLACED_RE = re.compile(
    r"\b(?:instead of|rather than|switch(?:ed|ing)? (?:away )?from"
    r"|migrat(?:e|ed|ing) (?:away )?from"
    r"|no longer (?:use|using|need)|not using|move off|moving off|drop(?:ped|ping)?|ditch(?:ed)?)"
    r"\s+(?:the |our |a |an |using )?([\w.+#-]+)",
    re.IGNORECASE,
)
_OFFER_RE = re.compile(
    r"^(?:would you like|do you want me|shall i|should i|want me to|let me know|any (?:other )?"
    r"questions|does (?:this|that) (?:help|make sense)|anything else|need (?:anything|help))",
    re.IGNORECASE,
)
_FILLER_RE = re.compile(
    r"^(?:sure|certainly|of course|great|absolutely|happy to|glad|thanks|thank you|no problem"
    r"|you're welcome|good (?:question|catch|point)|here(?:'s| is| are)|below is|i hope"
    r"|hope this|let me know|feel free|in summary|to summarize|ok(?:ay)?\b|perfect|awesome"
    r"|nice|cool|got it|understood|makes sense)",
    re.IGNORECASE,
)
_WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_PHRASE_STARTS = frozenset(
    phrase[0]
    for lexicon in (_GOAL, _STRONG_DECISION, _WEAK_DECISION, _REVISION, _CONSTRAINT, _STATE, _NEXT)
    for phrase in lexicon
)

_ROLE_WEIGHT = {"user": 1.3, "assistant": 1.0, "other": 1.0}  # "other": people in a chat
_OTHER_ROLE_WEIGHT = 0.7  # system prompts, tool output
PLAIN_SCORE = 1.0  # a sentence with no cue: a fact, worth what its salience says


@dataclass(frozen=True)
class Judgement:
    """Where a sentence goes, how much it is worth, and whether it revises something earlier."""

    section: str
    score: float
    revises: bool
    replaced: tuple[str, ...] = ()  # lower-case names this sentence says are dropped


def judge(
    text: str,
    *,
    role: str | None,
    position: float,
    early: bool,
    unanswered: bool,
    heading: bool = False,
) -> Judgement | None:
    """Score one sentence, or return None when it has no place in a snapshot.

    `position` runs from 0 (first turn or paragraph) to 1 (last); `early` marks the first user
    turns (or the opening of a document), where goals are stated; `unanswered` marks turns the
    other side has not replied to yet, whose questions are the open ones (always true for
    documents); `role` is None for documents.
    """
    if heading:
        return None
    words = _WORD_RE.findall(text.lower().replace("\u2019", "'"))
    count = len(words)
    if count < 3:
        return None
    question = text.rstrip().endswith("?")
    if question and _OFFER_RE.match(text):
        return None  # "Would you like me to ...?" is an offer, not an open question
    if text.rstrip().endswith(":") and count <= 12:
        return None  # "Create `app/main.py`:" introduces code the artifact list already shows
    filler = _FILLER_RE.match(text) is not None
    if filler and count < 8:
        return None
    grams = _ngrams(words)
    goal = not grams.isdisjoint(_GOAL)
    strong = not grams.isdisjoint(_STRONG_DECISION)
    weak = not grams.isdisjoint(_WEAK_DECISION)
    constraint = not grams.isdisjoint(_CONSTRAINT)
    state = not grams.isdisjoint(_STATE)
    upcoming = not grams.isdisjoint(_NEXT) or words[0] == "next"
    undecided = not grams.isdisjoint(_OPEN)

    recency = 0.6 + 0.8 * position
    if question and unanswered:
        section, score = QUESTIONS, 2.4
    elif question or (undecided and not strong):
        if not undecided:
            return None  # the other side has replied since: most likely answered
        section, score = QUESTIONS, 1.6 * recency
    elif goal and early and role in ("user", None):
        section, score = GOAL, 3.2
    elif strong:
        section, score = DECISIONS, 2.6 * recency
    elif upcoming or (goal and role == "user"):
        section, score = NEXT, 2.2 * (0.3 + position * position)
    elif weak:
        section, score = DECISIONS, 2.0 * recency
    elif constraint:
        section, score = FACTS, 2.2 * (0.8 + 0.4 * position)
    elif state:
        section, score = STATE, 1.7 * recency
    else:
        section, score = FACTS, PLAIN_SCORE * (0.8 + 0.4 * position)

    cues = sum((strong or weak, constraint, state, upcoming, goal))
    score += 0.25 * max(0, cues - 1)
    score *= _ROLE_WEIGHT.get(role, _OTHER_ROLE_WEIGHT) if role is not None else 1.0
    if filler:
        score *= 0.3
    if text.rstrip().endswith(":"):
        score *= 0.5
    if count < 5:
        score *= 0.6
    elif count > 60:
        score *= 0.7
    return Judgement(
        section=section,
        score=score,
        revises=not grams.isdisjoint(_REVISION),
        replaced=_replaced(text, words),
    )


def _ngrams(words: list[str]) -> set[tuple[str, ...]]:
    """The word n-grams (n <= 4) that could be cue phrases: only those starting a phrase."""
    grams: set[tuple[str, ...]] = set()
    total = len(words)
    for start, word in enumerate(words):
        if word in _PHRASE_STARTS:
            for end in range(start + 1, min(total, start + _MAX_PHRASE_WORDS) + 1):
                grams.add(tuple(words[start:end]))
    return grams


def _replaced(text: str, words: list[str]) -> tuple[str, ...]:
    if _REPLACING_WORDS.isdisjoint(words):
        return ()
    return tuple(m.group(1).lower().strip(".") for m in _REPLACED_RE.finditer(text))
