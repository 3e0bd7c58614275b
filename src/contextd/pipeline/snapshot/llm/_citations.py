"""Citations checked against the source: a line must share content with the turns it cites.

`_answer.parse` keeps only references that exist; that alone lets a model cite "[t3]" under a
fact from turn 40, or carry a citation through a merge onto a line that no longer says what the
turn said. Here each cited turn (or paragraph) must share two content words with the line (one,
when the line has only one): words are compared by their first letters, so "handlers" meets
"handler" and "building" meets "build", and numbers count, whatever their length. Citations
that share less are removed, and a line left with none is re-cited to the turn in scope that
shares the most with it (two words at least), or dropped when none does.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence

from contextd.pipeline.snapshot._selection import content_words
from contextd.pipeline.snapshot.llm._answer import Bullet, Notes
from contextd.pipeline.snapshot.llm._prompt import Unit

_STEM = 5  # letters compared: a crude stem that is the same for a word's usual endings
_SHARED = 2  # words a line must share with a turn it cites (or is re-cited to)
_NUMBER_RE = re.compile(r"(?<![\w.])\d+(?:[.,:]\d+)*")


def stems(text: str) -> frozenset[str]:
    """The line's content words, cut to their stems, and its numbers ("5", "2023", "3.12")."""
    words = {word[:_STEM] for word in content_words(text)}
    words.update(_NUMBER_RE.findall(text))
    return frozenset(words)


class Source:
    """The words of each turn or paragraph, to check the lines that cite them."""

    def __init__(self, units: Iterable[Unit]) -> None:
        self._stems: dict[int, set[str]] = {}
        for unit in units:  # the pieces of a long unit share its reference
            self._stems.setdefault(unit.ref, set()).update(stems(unit.text))
        self.refs = frozenset(self._stems)
        self.recited = 0
        self.dropped = 0

    def check(self, notes: Notes, scope: Collection[int] | None = None) -> Notes:
        """`notes` with every citation checked; `scope` (default: all) is where a line may be
        re-cited, e.g. the section a map request saw."""
        where = self.refs if scope is None else scope
        checked: Notes = {}
        for name, bullets in notes.items():
            checked[name] = [b for b in (self._checked(b, where) for b in bullets) if b]
        return checked

    def _checked(self, bullet: Bullet, scope: Collection[int]) -> Bullet | None:
        text, refs = bullet
        words = stems(text)
        need = min(_SHARED, len(words))
        kept = tuple(
            ref
            for ref in refs
            if ref in scope and need and len(words & self._stems.get(ref, set())) >= need
        )
        if kept:
            return text, kept
        best = self._best(words, scope)
        if best is None:
            self.dropped += 1
            return None
        self.recited += 1
        return text, (best,)

    def _best(self, words: frozenset[str], scope: Collection[int]) -> int | None:
        """The turn sharing the most words with the line (the latest of equals, as later turns
        state the current version), when it shares enough."""
        need = min(_SHARED, len(words))
        if need == 0:
            return None
        best, shared = None, need - 1
        for ref in sorted(scope):
            overlap = len(words & self._stems.get(ref, set()))
            if overlap >= shared and overlap >= need:
                best, shared = ref, overlap
        return best


def merged(parts: Sequence[Notes]) -> Notes:
    """Notes of consecutive parts joined section by section, in order, repeated lines once."""
    joined: Notes = {}
    seen: set[str] = set()
    for part in parts:
        for name, bullets in part.items():
            for text, refs in bullets:
                key = " ".join(text.lower().split())
                if key not in seen:
                    seen.add(key)
                    joined.setdefault(name, []).append((text, refs))
    return joined
