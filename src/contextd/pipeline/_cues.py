"""Lexical cues that place a sentence in a snapshot section and say how much it matters.

This is the offline, deterministic first engine: no model, just the phrases people use when
they decide ("let's go with"), constrain ("must not"), report state ("fixed", "error"), plan
("next", "TODO") or ask. Later sentences describe the current state better than early ones, so
most sections get a recency bonus; goals are the exception and are looked for in the first user
turns. Embedding-based ranking can replace the scores later without changing the sections.
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

_I = re.IGNORECASE

_GOAL_RE = re.compile(
    r"\b(?:i(?:'d| would)? (?:want|like|need) to|i'm (?:building|trying|working on|writing|making"
    r"|creating|designing)|i am (?:building|trying|working on)|we(?:'re| are) (?:building|trying"
    r"|working on|designing)|help me (?:build|write|create|make|design|set up|implement)"
    r"|(?:the|our|my|main) (?:goal|aim|objective|purpose)|goal is|want to build"
    r"|this (?:document|doc|spec|proposal|guide|rfc) (?:describes|explains|covers|defines"
    r"|proposes|specifies))\b",
    _I,
)
_DECISION_RE = re.compile(
    r"\b(?:we'll|we will|we're going with|going with|go with|let's|let us|decided|decision"
    r"|settled on|we chose|i chose|choose|opted|agreed|switch(?:ed|ing)? to|instead of"
    r"|instead|rather than|stick with|from now on|we use|we'll use|will use|plan is to"
    r"|approach is|prefer|we should|you should|recommend)\b",
    _I,
)
_REVISION_RE = re.compile(
    r"\b(?:instead|actually|switch(?:ed|ing)? to|change(?:d)? (?:my mind|to|of plan)|no longer"
    r"|not anymore|rather than|replac(?:e|ed|ing)|revert(?:ed)?|scratch that|on second thought"
    r"|drop(?:ped)?|correction|supersed\w*|fixed|resolved|now works|works now|revis\w+"
    r"|update[ds]?)\b",
    _I,
)
_CONSTRAINT_RE = re.compile(
    r"\b(?:must|must not|mustn't|should not|shouldn't|cannot|can't|never|always|required"
    r"|requirements?|constraints?|at most|at least|no more than|limit(?:ed|s)?|mandatory"
    r"|has to|have to|need(?:s)? to support|deadline|budget|compliance|offline|only)\b",
    _I,
)
_STATE_RE = re.compile(
    r"\b(?:fixed|works|working|resolved|done|implemented|passing|passes|fail(?:s|ed|ing)?"
    r"|broken|error|errors|exception|traceback|bug|crash(?:es|ed)?|deployed|merged|now"
    r"|currently|status|completed|finished|returns|raises)\b",
    _I,
)
_NEXT_RE = re.compile(
    r"\b(?:todo|to-do|next steps?|next,|next up|next (?:i|we|you)|then we|after that"
    r"|follow[- ]up|remaining|still (?:need|have) to|plan(?:ning)? to|(?:i|we)'ll (?:add|implement"
    r"|write|need|do)|(?:i|we) will (?:add|implement|write|need|do)|later|tomorrow|upcoming"
    r"|pending|not yet|left to do)\b|^next\b",
    _I,
)
# "instead of SQLite", "switch from Flask", "no longer use Redis": names what a decision drops.
_REPLACED_RE = re.compile(
    r"\b(?:instead of|rather than|switch(?:ed|ing)? (?:away )?from|migrat(?:e|ed|ing) (?:away )?from"
    r"|no longer (?:use|using|need)|not using|move off|moving off|drop(?:ped|ping)?|ditch(?:ed)?)"
    r"\s+(?:the |our |a |an |using )?([\w.+#-]+)",
    _I,
)
_OFFER_RE = re.compile(
    r"^(?:would you like|do you want me|shall i|should i|want me to|let me know|any (?:other )?"
    r"questions|does (?:this|that) (?:help|make sense)|anything else|need (?:anything|help))",
    _I,
)
_FILLER_RE = re.compile(
    r"^(?:sure|certainly|of course|great|absolutely|happy to|glad|thanks|thank you|no problem"
    r"|you're welcome|good (?:question|catch|point)|here(?:'s| is| are)|below is|i hope"
    r"|hope this|let me know|feel free|in summary|to summarize|ok(?:ay)?\b|perfect|awesome"
    r"|nice|cool|got it|understood|makes sense)",
    _I,
)
_NAME_RE = re.compile(
    r"`[^`]{1,80}`|\b[A-Z][a-z0-9]+[A-Z]\w*|\b[a-z0-9]+_[a-z0-9_]+\b|\b[A-Z]{2,}[0-9]*\b"
    r"|\b[\w-]+\.(?:py|ts|js|json|yaml|yml|toml|sql|md|go|rs)\b"
)
_NUMBER_RE = re.compile(
    r"\b\d+(?:[.,]\d+)*\s?(?:ms|s|sec|seconds?|minutes?|hours?|days?|kb|mb|gb|tb|%|k|req/s|rps"
    r"|tokens?|users?|rows?|cores?|x)?\b|\bv?\d+\.\d+(?:\.\d+)?\b",
    _I,
)

_ROLE_WEIGHT = {"user": 1.3, "assistant": 1.0}
_OTHER_ROLE_WEIGHT = 0.7


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
    recent: bool,
    heading: bool = False,
) -> Judgement | None:
    """Score one sentence, or return None when it has no place in a snapshot.

    `position` runs from 0 (first turn or paragraph) to 1 (last); `early` marks the first user
    turns (or the opening of a document), where goals are stated; `recent` marks the last few
    turns, whose questions are the ones still open; `role` is None for documents.
    """
    words = len(text.split())
    if words < 3 or heading:
        return None
    question = text.rstrip().endswith("?")
    if question and _OFFER_RE.match(text):
        return None
    filler = _FILLER_RE.match(text) is not None
    if filler and words < 8:
        return None
    decision = _DECISION_RE.search(text) is not None
    constraint = _CONSTRAINT_RE.search(text) is not None
    state = _STATE_RE.search(text) is not None
    upcoming = _NEXT_RE.search(text) is not None
    goal = _GOAL_RE.search(text) is not None
    names = len(_NAME_RE.findall(text))
    numbers = len(_NUMBER_RE.findall(text))

    recency = 0.6 + 0.8 * position
    if question:
        # A question asked long ago was most likely answered in the next turn.
        section, score = QUESTIONS, (2.4 if recent else 0.5)
    elif goal and early and role in ("user", None):
        section, score = GOAL, 3.2
    elif decision:
        section, score = DECISIONS, 2.6 * recency
    elif upcoming or (goal and role == "user"):
        section, score = NEXT, 2.2 * (0.3 + position * position)
    elif constraint:
        section, score = FACTS, 2.2 * (0.8 + 0.4 * position)
    elif state:
        section, score = STATE, 1.7 * recency
    elif names or numbers:
        section, score = FACTS, 0.7 * (0.8 + 0.4 * position)
    else:
        return None

    cues = sum((decision, constraint, state, upcoming, goal))
    score += 0.25 * max(0, cues - 1)
    score += 0.2 * min(3, names) + 0.15 * min(2, numbers)
    score *= _ROLE_WEIGHT.get(role, _OTHER_ROLE_WEIGHT) if role is not None else 1.0
    if filler:
        score *= 0.3
    if text.rstrip().endswith(":"):  # introduces a code block, which the artifacts list covers
        score *= 0.4
    if words < 5:
        score *= 0.6
    elif words > 60:
        score *= 0.7
    revises = _REVISION_RE.search(text) is not None
    replaced = tuple(m.group(1).lower().strip(".") for m in _REPLACED_RE.finditer(text))
    return Judgement(section=section, score=score, revises=revises, replaced=replaced)
