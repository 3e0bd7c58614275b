"""The names (and the pastimes) each person in a chat mentions, gathered into one line.

A chat among people scatters the members of a list over many sessions: the two dogs are named
months apart ("Coco" in one session, "Shadow" in another), the countries visited come up one
trip at a time. A snapshot line holds one turn's thought, so no line says "Coco, Shadow", and a
reader asking "what are Maria's dogs called?" finds at most one of them. This module keeps an
index instead: every name a speaker says (capitalized words inside a sentence, joined when
they follow each other: "Matt Patterson", "Grand Canyon"; quoted titles: "Charlotte's Web"),
in the order first said, in one line for the chat, "Names mentioned: Maria: Coco, Shadow,
Spain, England; John: Kyle, Sara". One line, not one per speaker: lists of names look alike to
the embedding model, which would merge a second one into the first as a paraphrase. The line
competes for the budget like any other (`builtin`), and a fast-forward merges the previous
snapshot's index line with the new turns' names (`NameIndex.absorb`).

Pastimes are kept the same way, in a second line ("Pastimes mentioned: Melanie: swimming,
painting, camping"): a word in -ing said as a noun after a verb of doing or liking ("we went
camping", "I love painting", "into kickboxing"), which a chat also lists one session at a time.
Each index line takes at most `INDEX_SHARE` of the budget (LoCoMo tune split, answers kept:
53.7% without the index, 55.0% with the names, 55.6% with the pastimes too).

What is not a name: a word opening a sentence (after ".", "!", "?", ":", a dash or a quote),
the speakers' own names and their short forms ("Mel" for Melanie), first-person pronouns,
weekdays and months (the dates are written elsewhere), and a handful of words often written
capitalized in chat ("OK", "BTW"). Only chats among people get the index (`Turn.role ==
"other"`): in a coding chat the names are identifiers, which the lines and the artifact list
already carry.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from contextd.pipeline.snapshot._cues import FACTS, PLAIN_SCORE
from contextd.pipeline.snapshot._previous import Line
from contextd.pipeline.snapshot._salience import TermStats, salience
from contextd.pipeline.snapshot._selection import MAX_CITATIONS, Candidate
from contextd.pipeline.snapshot._standalone import speaker_named
from contextd.pipeline.tokens import count_tokens
from contextd.pipeline.types import Turn

MAX_NAMES = 48  # names listed per speaker, first said first
INDEX_SHARE = 0.1  # of the budget, at most, for the index line
NAMES_PER_LINE = 3  # the index is worth the lines that would say its names, this many a line
MAX_NAME_WORDS = 4  # a longer run of capitalized words is a title-case sentence, not a name
MAX_TITLE_CHARS = 60
NAMES = "Names"
PASTIMES = "Pastimes"
_MENTIONED = " mentioned: "
_INDEX_RE = re.compile(rf"^(?P<kind>{NAMES}|{PASTIMES}){_MENTIONED}(?P<speakers>.+)$")
_SPEAKER_RE = re.compile(r"^(?P<speaker>[^:;]+): (?P<names>[^;]+)$")
_BRACKET_RE = re.compile(r"\[[^\]]*\]")  # a shared photo's caption, a citation
_QUOTED_RE = re.compile(rf'"(?P<title>[A-Z][^"]{{0,{MAX_TITLE_CHARS - 1}}})"')
_TOKEN_RE = re.compile(r"[A-Za-z][\w'&+.-]*|\d[\w.,:/-]*|[^\sA-Za-z\d]")
_SENTENCE_END = frozenset(".!?:-\"'(\u2013\u2014\u2026")  # a dash or an ellipsis too
# Typographic quotes and apostrophes, as plain ones.
_PLAIN = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"'})
_NOT_NAMES_TEXT = """i i'm i've i'd i'll ok okay btw omg lol hey hi hello yes no yeah wow thanks
monday tuesday wednesday thursday friday saturday sunday mon tue tues wed thu thur thurs fri sat
sun january february march april may june july august september october november december jan
feb mar apr jun jul aug sep sept oct nov dec the a an and but so it its it's this that these
those he she they we you my our your his her their there here just even let what when where why
how who which if oh dear mr mrs ms dr"""
_NOT_NAMES = frozenset(_NOT_NAMES_TEXT.split())
# A pastime: a word in -ing after a verb of doing or liking ("went camping", "I love painting",
# "into kickboxing"), said as a noun, i.e. followed by no object ("love seeing the kids" is
# no pastime).
_PASTIME_LEAD = (
    r"(?:go|goes|going|went|gone|love|loves|loved|enjoy|enjoys|enjoyed|tried|try|trying"
    r"|started|start|starting|into|doing|do|did|like|likes|liked|took up|take up|taking up"
    r"|practice|practicing|hooked on|fan of|passion for|love for)"
)
_PASTIME_RE = re.compile(
    rf"\b{_PASTIME_LEAD}\s+(?:some |a bit of |a lot of |more |my |the |to )?(?P<what>[a-z]+ing)\b"
    r"(?=\s*(?:$|[,.!?;:)-]|(?:and|or|with|in|at|on|together|every|too|again|lately|recently"
    r"|for|is|was|has|helps|trips?|class(?:es)?|lessons?)\b))"
)
_NOT_PASTIMES_TEXT = """going doing getting having being making taking trying thing something
anything everything nothing working feeling amazing"""
_NOT_PASTIMES = frozenset(_NOT_PASTIMES_TEXT.split())


def _clean(word: str) -> str:
    return word.strip(".,-'&+").removesuffix("'s")


def names_in(text: str, speakers: frozenset[str]) -> list[str]:
    """The names in `text`, in order (see the module docstring); `speakers` are lower-case
    speaker names, which are left out with their short forms."""
    found: list[str] = []
    text = _BRACKET_RE.sub(" ", text.translate(_PLAIN))

    def title(match: re.Match[str]) -> str:
        found.append(" ".join(match.group("title").replace(";", ",").split()).strip(" ,.!?"))
        return " . "  # the quote ends a phrase: the next word opens one

    text = _QUOTED_RE.sub(title, text)
    tokens = _TOKEN_RE.findall(text)
    run: list[str] = []

    def close() -> None:
        if 0 < len(run) <= MAX_NAME_WORDS:
            found.append(" ".join(run).strip(";:,"))
        run.clear()

    for position, token in enumerate(tokens):
        word = _clean(token)
        lowered = word.lower()
        if (
            position > 0
            and word[:1].isupper()
            and tokens[position - 1][-1] not in _SENTENCE_END
            and lowered not in _NOT_NAMES
            and not speaker_named(lowered, speakers)
        ):
            run.append(word)
            if token != word and not token.endswith("'s"):
                close()  # "California-", "Paris.": the name ends with the mark
        else:
            close()
    close()
    return [name for name in found if name]


def pastimes_in(text: str, speakers: frozenset[str] = frozenset()) -> list[str]:
    """The pastimes `text` names ("We went camping and I love painting." -> camping,
    painting), in order; `speakers` are not used (the signature of `names_in`)."""
    lowered = _BRACKET_RE.sub(" ", text.translate(_PLAIN)).lower()
    return [
        what
        for match in _PASTIME_RE.finditer(lowered)
        if (what := match.group("what")) not in _NOT_PASTIMES
    ]


@dataclass
class _Entry:
    names: dict[str, int] = field(default_factory=dict)  # lower-case name -> its first turn
    shown: dict[str, str] = field(default_factory=dict)  # lower-case name -> as first written


class NameIndex:
    """The names (or, with `kind` `PASTIMES`, the pastimes) each speaker of a chat mentioned,
    in the order first said."""

    def __init__(self, speakers: frozenset[str], kind: str = NAMES) -> None:
        self._speakers = speakers
        self._entries: dict[str, _Entry] = {}
        self.kind = kind
        self._find = names_in if kind == NAMES else pastimes_in

    def add(self, speaker: str, text: str, turn: int) -> None:
        shown_speaker = " ".join(speaker.split())[:40]
        if not shown_speaker:
            return
        entry = self._entries.setdefault(shown_speaker, _Entry())
        for name in self._find(text, self._speakers):
            key = name.lower()
            if key not in entry.names:
                entry.names[key] = turn
                entry.shown[key] = name

    def add_turns(self, turns: Iterable[Turn]) -> None:
        for turn in turns:
            if turn.role == "other":
                self.add(turn.speaker, turn.text, turn.index)

    def absorb(self, text: str, turns: Sequence[int]) -> bool:
        """Take back a previous snapshot's index line (its names cite `turns`, the first of
        which stands for all); False when `text` is not one."""
        match = _INDEX_RE.match(text)
        if match is None or match.group("kind") != self.kind:
            return False
        first = turns[0] if turns else 0
        for part in match.group("speakers").split("; "):
            said = _SPEAKER_RE.match(part.strip())
            if said is None:
                continue
            entry = self._entries.setdefault(said.group("speaker"), _Entry())
            for name in said.group("names").split(", "):
                key = name.strip().lower()
                if key and key not in entry.names:
                    entry.names[key] = first
                    entry.shown[key] = name.strip()
        return True

    def line(self, max_tokens: int) -> tuple[str, list[int], float] | None:
        """One line for the chat, "Names mentioned: Maria: Coco, Spain; John: Kyle, Sara" (a
        speaker with fewer than two names left out), within `max_tokens` (the names said last
        go first), with the turns where its names were first said and how many names it
        holds; None when no speaker has two names."""
        lists = {s: list(e.names)[:MAX_NAMES] for s, e in self._entries.items()}
        while True:
            parts = [
                f"{speaker}: " + ", ".join(self._entries[speaker].shown[k] for k in keys)
                for speaker, keys in lists.items()
                if len(keys) >= 2
            ]
            if not parts:
                return None
            text = self.kind + _MENTIONED + "; ".join(parts)
            if count_tokens(text) <= max_tokens:
                break
            longest = max(lists, key=lambda s: len(lists[s]))
            lists[longest].pop()
        turns = sorted({self._entries[s].names[k] for s, keys in lists.items() for k in keys})
        return text, turns, sum(len(keys) for keys in lists.values() if len(keys) >= 2)


def is_index_line(text: str) -> bool:
    return _INDEX_RE.match(text) is not None


def index_candidates(index: NameIndex, stats: TermStats, max_tokens: int) -> list[Candidate]:
    """The index line as a snapshot candidate, placed before every turn's line (negative
    `order`) and citing the turns where its first names were said. It is worth what lines
    saying the same names would be worth together, three names a line (`NAMES_PER_LINE`: the
    most a line's salience counts), so it is neither squeezed out for its length nor shed
    first when the snapshot is trimmed to its budget."""
    line = index.line(max_tokens)
    if line is None:
        return []
    text, turns, count = line
    cites = turns[:MAX_CITATIONS]
    score = PLAIN_SCORE * salience(text, stats).factor() * math.ceil(count / NAMES_PER_LINE)
    order = -2 if index.kind == NAMES else -1
    return [Candidate(order, FACTS, text, score, False, cites[0], citations=cites)]


def name_candidates(
    turns: Sequence[Turn],
    stats: TermStats,
    speakers: frozenset[str],
    *,
    budget: int,
    previous: Iterable[tuple[str, Sequence[int]]] = (),
) -> list[Candidate]:
    """The index line of a chat among people (none for other chats), from `turns` and the
    `previous` snapshot's index line (text, cited turns), as a candidate of at most
    `INDEX_SHARE` of the `budget`."""
    if not any(turn.role == "other" for turn in turns):
        return []
    previous = list(previous)
    result: list[Candidate] = []
    for kind in (NAMES, PASTIMES):
        index = NameIndex(speakers, kind)
        for text, cited in previous:
            index.absorb(text, cited)
        index.add_turns(turns)
        result += index_candidates(index, stats, int(budget * INDEX_SHARE))
    return result


def name_candidates_after(
    lines: Sequence[Line],
    new_turns: Sequence[Turn],
    stats: TermStats,
    speakers: frozenset[str],
    *,
    budget: int,
) -> tuple[list[Candidate], list[Line]]:
    """For a fast-forward: the index lines of the previous snapshot's `lines` merged with the
    new turns' names (`name_candidates`), and the other lines, which compete as before."""
    previous = [(line.text, line.turns) for line in lines if is_index_line(line.text)]
    others = [line for line in lines if not is_index_line(line.text)]
    found = name_candidates(new_turns, stats, speakers, budget=budget, previous=previous)
    return found, others
