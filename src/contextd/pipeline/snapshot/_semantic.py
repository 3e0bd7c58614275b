"""What the embedding model adds to the lexical engine: meaning where words differ.

Only a capped number of candidates is ever embedded (see `snapshot`), so everything here is
bounded by that cap, never by the size of the source. Vectors are L2-normalized, so a dot
product is a cosine similarity. Three uses:

- `phatic_factor`: closeness to a few prototypes of talk that carries no state (greetings,
  thanks, praise, cheering, platitudes, offers of help) lowers a sentence's worth, however it
  is worded: "You're crushing it, proud of you!" needs no cue word to be recognized.
- `demote_restated`: a later sentence that revises something with nearly the same meaning,
  or restates a decision or a state report of the same kind, outdates the earlier one, even in
  other words.
- The redundancy term of the selection (`_selection.pick`, maximal marginal relevance): a
  sentence close in meaning to one already chosen is worth less, and a paraphrase of one only
  adds its turn to that line's citations.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from contextd.pipeline.embed import Embedder, Vectors
from contextd.pipeline.snapshot._cues import DECISIONS, QUESTIONS, STATE
from contextd.pipeline.snapshot._selection import Candidate

# Written for this purpose, not taken from any evaluation data: generic talk that carries no
# state of the work or of anyone's life.
PHATIC_PROTOTYPES: tuple[str, ...] = (
    "Hi! Good to see you, how have you been?",
    "Wow, that's awesome, I'm so happy for you!",
    "Thank you so much, I really appreciate your support.",
    "That sounds like so much fun!",
    "You're doing amazing, keep up the great work!",
    "I'm always here for you whenever you need me.",
    "Take care, talk to you soon!",
    "That's so sweet of you to say.",
    "Never give up on your dreams, you've got this!",
    "Friends and family are what matter most in life.",
    "It's so important to take care of yourself.",
    "Let me know if you have any other questions.",
    "Great question, happy to help!",
    "I hope this helps, good luck with your project!",
    "Sure, here is the updated version.",
    "Sounds good, thanks for the explanation.",
    "I totally agree with you.",
    "Look at this, check it out!",
    "It's going to be great, I can't wait!",
    "Tell me everything, how did it go?",
)
_PHATIC_FROM = 0.45  # cosine to the nearest prototype where the penalty starts
_PHATIC_FULL = 0.8  # ... and where it is at its largest
_PHATIC_FLOOR = 0.3
_RESTATED = 0.8  # cosine at which a later revising sentence outdates an earlier one
_DEMOTION = 0.0  # restated content is removed

_prototype_cache: dict[int, tuple[Embedder, Vectors]] = {}


def prototype_vectors(embedder: Embedder) -> Vectors:
    """The prototypes' vectors, computed once per embedder (a handful of sentences)."""
    cached = _prototype_cache.get(id(embedder))
    if cached is not None and cached[0] is embedder:
        return cached[1]
    vectors = embedder.embed(PHATIC_PROTOTYPES)
    if len(_prototype_cache) >= 8:
        _prototype_cache.clear()
    _prototype_cache[id(embedder)] = (embedder, vectors)
    return vectors


def phatic_factor(vectors: Vectors, prototypes: Vectors) -> np.ndarray:
    """Per row, a multiplier in [`_PHATIC_FLOOR`, 1]: 1 for content, lower for small talk."""
    if len(vectors) == 0:
        return np.ones(0, dtype=np.float32)
    nearest = (vectors @ prototypes.T).max(axis=1)
    share = np.clip((nearest - _PHATIC_FROM) / (_PHATIC_FULL - _PHATIC_FROM), 0.0, 1.0)
    return np.asarray(1.0 - (1.0 - _PHATIC_FLOOR) * share, dtype=np.float32)


def demote_restated(candidates: Sequence[Candidate], vectors: Vectors) -> None:
    """Remove candidates that a later revising sentence, or a restatement, says in other words.

    `candidates[i].row` is the row of `vectors` holding its vector. Work is bounded by the
    number of revising sentences times the number of embedded candidates.
    """
    embedded = [c for c in candidates if c.row >= 0]
    revisers = [c for c in embedded if c.revises or c.section in (DECISIONS, STATE)]
    if not revisers or len(embedded) < 2:
        return
    rows = np.array([c.row for c in embedded])
    orders = np.array([c.order for c in embedded])
    similar = vectors[[c.row for c in revisers]] @ vectors[rows].T
    demoted = np.zeros(len(embedded), dtype=bool)
    sections = np.array([c.section for c in embedded])
    for i, later in enumerate(revisers):
        hits = (similar[i] >= _RESTATED) & (orders < later.order)
        if not later.revises:  # a restatement replaces only its own kind
            hits &= sections == later.section
        demoted |= hits
    for flag, candidate in zip(demoted, embedded, strict=True):
        if flag and candidate.section != QUESTIONS:
            candidate.score *= _DEMOTION
