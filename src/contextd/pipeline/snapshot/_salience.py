"""How much information a sentence carries, from cheap lexical evidence.

The cue lexicon (`_cues`) says what *kind* of line a sentence would make (a decision, a
constraint, a next step); this module says how much it is *worth*, whatever the kind:

- **Specificity.** Content words weighted by rarity in this very source (inverse document
  frequency over turns, or paragraphs for documents). "We made pizza with my kids" beats
  "Family means so much to me" in a chat about family; "Switch to PostgreSQL" beats "Let's keep
  going" in a coding session. Counting needs one pass over the source before sentences are
  judged (`TermStats`); its vocabulary is capped, so memory stays bounded on any input.
- **Specifics.** Names (capitalized words inside a sentence, identifiers, acronyms, code spans,
  file names) and numbers, dates and time expressions ("last Friday", "in 2022", "10 ms").
- **Events.** A first-person statement of something that happened or is under way ("I signed up
  for", "we migrated", "I'm training for") carries state; a platitude ("Family is everything")
  does not.
- **Phatic talk.** Greetings, thanks, praise and cheering ("Wow, that's awesome!") are worth
  little however they are worded; the embedding model refines this later (`_semantic`).

The result is a multiplier around 1 (`Salience.factor`), applied to the cue score.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from contextd.pipeline.snapshot._selection import content_words

MAX_TERMS = 300_000  # distinct words counted before the rarest are pruned
_PRIOR_UNITS = 24  # below this many turns, rarity is shrunk towards a neutral value
_NEUTRAL_RARITY = 0.5
_BASE = 0.2  # the worth of a sentence with nothing specific in it

_UNIT_WORD_RE = re.compile(r"[a-z0-9][a-z0-9_+#.\-]*[a-z0-9+#]|[a-z0-9]")
_TOKEN_RE = re.compile(r"[A-Za-z][\w'.+#-]*|\d[\d.,:/-]*")
_NAME_RE = re.compile(
    r"`[^`]{1,80}`|\b[A-Z][a-z0-9]+[A-Z]\w*|\b[a-z0-9]+_[a-z0-9_]+\b|\b[A-Z]{2,}[0-9]*\b"
    r"|\b[A-Za-z]+[0-9][A-Za-z0-9]*\b"
    r"|\b[\w-]+\.(?:py|ts|js|json|yaml|yml|toml|sql|md|go|rs|java|rb|c|h|cpp|sh)\b"
)
_MONTHS = """january february march april may june july august september october november
december jan feb mar apr jun jul aug sep sept oct nov dec"""
_DAYS = "monday tuesday wednesday thursday friday saturday sunday"
# Words that date an event on their own ...
_WHEN_TEXT = f"{_MONTHS} {_DAYS} yesterday today tonight tomorrow ago recently christmas"
_WHEN_WORDS = frozenset(_WHEN_TEXT.split()) - {"may"}  # "may" is mostly the verb
# ... and words that do after "last", "next", "this", a number...: "last weekend", "3 weeks".
_PERIOD_TEXT = """morning afternoon evening night weekend week weeks month months year years
summer winter spring autumn fall day days hour hours minute minutes second seconds ms"""
_PERIOD_WORDS = frozenset(_PERIOD_TEXT.split())
_PERIOD_LEADS = frozenset("last next this that past coming every few couple a one".split())  # noqa: SIM905
_TIME_WORDS = _WHEN_WORDS | _PERIOD_WORDS
_FIRST_PERSON_TEXT = "i i'm i've i'd i'll me my mine we we're we've we'd we'll us our"
_FIRST_PERSON = frozenset(_FIRST_PERSON_TEXT.split())
# Verbs that report an event or a change of state when their subject is "I" or "we".
_EVENT_TEXT = (
    """went made got took saw had did bought found gave met ran won began started
finished wrote read came left lost felt told brought built drove flew ate sang spoke taught
joined signed moved tried visited learned learnt adopted applied attended booked created
decided fixed deployed migrated switched installed upgraded released shipped launched
opened closed painted played watched traveled travelled volunteered celebrated received
completed passed failed broke changed added removed replaced merged tested measured hired
quit graduated enrolled registered donated organized organised planned bake baked cooked
hosted hiked camped visited scored raised sold paid spent earned chose picked used tried
just recently currently lately finally"""
    + " working training planning trying building"
)
_EVENT_WORDS = frozenset(_EVENT_TEXT.split())
_PHATIC_RE = re.compile(
    r"^(?:wow|woah|whoa|aww+|haha\w*|lol|omg|yay|hey|hi|hello|bye|congrat\w*|thanks|thank you"
    r"|cheers|cool|awesome|amazing|great|nice|sweet|lovely|wonderful|fantastic|sounds (?:great"
    r"|good|fun|awesome|amazing|like)|that(?:'s| is) (?:so |really |super )?(?:great|awesome"
    r"|amazing|cool|nice|wonderful|fantastic|awesome|sweet|lovely|incredible|inspiring|good)"
    r"|good (?:luck|job|for you)|well done|you got this|take care|talk (?:soon|later)"
    r"|see you|i(?:'m| am) (?:so |really )?(?:happy|glad|proud|sorry) (?:for|to hear|of)"
    r"|keep (?:it up|going|up)|no worries|me too|totally|definitely|absolutely|yeah|yep|sure"
    r"|glad|i agree|agreed|exactly|true|let me know|feel free|hope (?:this|that) helps"
    r"|happy to help|good (?:question|point|catch)|(?:take a )?look at this|check (?:this|it) out"
    r"|i (?:totally |completely |really )?(?:agree|understand)|(?:i )?can(?:'t|not) wait"
    r"|must be (?:so |really )?(?:great|awesome|amazing|fun|nice|cool|hard|tough|exciting))\b",
    re.IGNORECASE,
)
_SECOND_PERSON = frozenset("you you're you've your yours".split())  # noqa: SIM905


def phatic(text: str) -> bool:
    """Whether `text` opens as a greeting, thanks, praise or cheer ("Wow, that's awesome!")."""
    return _PHATIC_RE.match(text.replace("\u2019", "'")) is not None


class TermStats:
    """Document frequencies of words over the units (turns or paragraphs) of one source."""

    def __init__(self, max_terms: int = MAX_TERMS) -> None:
        self.units = 0
        self._df: Counter[str] = Counter()
        self._max_terms = max_terms
        self._rarity: dict[str, float] = {}  # memo, bounded like the counts

    def add(self, text: str) -> None:
        self.units += 1
        self._df.update(set(_UNIT_WORD_RE.findall(text.lower())))
        self._rarity.clear()
        if len(self._df) > self._max_terms:
            # Forget the words seen once so far: they stay "rare", which is what they are.
            for word in [w for w, n in self._df.items() if n <= 1]:
                del self._df[word]

    def add_all(self, texts: Iterable[str]) -> None:
        for text in texts:
            self.add(text)

    def rarity(self, word: str) -> float:
        """0 for a word in every unit, 1 for a word in one unit; neutral on tiny sources."""
        known = self._rarity.get(word)
        if known is not None:
            return known
        units = self.units
        if units <= 1:
            return _NEUTRAL_RARITY
        df = max(1, min(units, self._df.get(word, 1)))
        raw = math.log(units / df) / math.log(units)
        trust = units / (units + _PRIOR_UNITS)
        value = trust * raw + (1 - trust) * _NEUTRAL_RARITY
        if len(self._rarity) < self._max_terms:
            self._rarity[word] = value
        return value


@dataclass(frozen=True)
class Salience:
    rare: float  # sum of the rarity of the distinct content words
    names: int
    specifics: int  # numbers, dates and time expressions
    event: bool  # a first-person report of something done or under way
    phatic: bool  # opens as a greeting, thanks, praise or cheer
    addressed: bool  # about "you" with no first person (praise, advice, questions back)

    def factor(self) -> float:
        value = (
            _BASE
            + 0.12 * min(self.rare, 6.0)
            + 0.3 * min(self.names, 3)
            + 0.35 * min(self.specifics, 2)
            + 0.35 * self.event
        )
        if self.phatic:
            value *= 0.6
        if self.addressed:
            value *= 0.6
        return value

    def gate(self) -> float:
        """How far a cue phrase counts, in [0, 1]: fully only if the sentence says something
        specific ("let's use SQLite" is a decision, "let's keep going!" is a cheer)."""
        return min(1.0, max(0.0, (self.factor() - _BASE - 0.05) / 0.5))


def salience(text: str, stats: TermStats, *, speakers: frozenset[str] = frozenset()) -> Salience:
    """Measure one sentence; `speakers` are lower-case names not to count as entities."""
    text = text.replace("\u2019", "'")  # typographic apostrophes, as in "I\u2019m"
    words = content_words(text)
    rare = sum(stats.rarity(word) for word in words if word not in speakers)
    tokens = _TOKEN_RE.findall(text)
    lowered = [t.lower().rstrip(".") for t in tokens]
    names = len(_NAME_RE.findall(text))
    for position, token in enumerate(tokens):
        if (
            position > 0
            and token[0].isupper()
            and not token.isupper()
            and lowered[position] not in speakers
            and lowered[position] not in _FIRST_PERSON
            and lowered[position] not in _TIME_WORDS
            and not tokens[position - 1].endswith((".", "!", "?", ":"))
        ):
            names += 1
    specifics = sum(
        1
        for position, t in enumerate(lowered)
        if t[0].isdigit()
        or t in _WHEN_WORDS
        or (
            t in _PERIOD_WORDS
            and position > 0
            and (lowered[position - 1] in _PERIOD_LEADS or lowered[position - 1][0].isdigit())
        )
    )
    personal = any(t in _FIRST_PERSON for t in lowered)
    event = personal and len(words) >= 2 and any(t in _EVENT_WORDS for t in lowered)
    addressed = not personal and any(t in _SECOND_PERSON for t in lowered)
    return Salience(
        rare=rare,
        names=names,
        specifics=specifics,
        event=event,
        phatic=_PHATIC_RE.match(text) is not None,
        addressed=addressed,
    )
