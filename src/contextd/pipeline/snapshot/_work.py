"""The lines of a work chat: whole paragraphs and runs of them, not one sentence.

In a chat between a developer and an assistant (coding, planning, debugging) an assistant
paragraph is one thought of several facts: "Bug 1 test still fails. `paths.ToRelativePath` uses
`filepath.Rel()` which fails because `/var/...` vs `/private/var/...` don't have a common
prefix." is a symptom and its cause, and a snapshot that keeps one sentence of it keeps neither
whole. So a work chat's turn is cut into **units**: a paragraph (its sentences grouped into
thoughts by `_standalone.thoughts`, then joined up to `MAX_UNIT_CHARS`), each list item or
table row apart, a heading leading the unit under it ("Bug 1: Path format mismatch in `x`:
When the shadow branch ..."), as it names its subject. Then consecutive units of the turn are
joined while they fit in `unit_chars(budget)`: a diagnosis with its fix, a list of changes
with what it changed, one line; in a small budget the units stay small (list items are then
compact lines of their own). What an assistant says about its own next move ("Now let me look
at the `setupGitRepo` helper.", "Let me check the implementation.") narrates tool calls the
chat no longer shows and is left out (`narration`), and so is a pleasantry inside a paragraph
("Let me know if you want more tests!", `_salience.phatic`). A chat among people keeps its
sentence thoughts (`_standalone`), and a coding agent's session its own sections (`session`).

Every choice here was made on the tune set of work chats (`evals/snapshot_work.py --set tune`:
eight entireio/cli sessions judged against the facts of their own compaction summaries), never
on the report set (BookMinder). Answers kept at 4x on the tune set (random whole turns, 3
seeds: 50.0%): sentences as lines 14.0%; paragraphs and items 15.9%; with the cost exponent 0.2
19.2% (1.0: 15.9%, 0.5: 17.3%); headings leading 22.0%; no same-turn discount 23.4%; units of a
turn joined up to 1,000 characters 35.5%, 2,000 38.3%, 4,000 36.4%; a unit pointing back joins
the one before 40.2%; the join capped at 0.5 characters per budget token 48.1% (0.3: 34.1%,
0.7: 42.1%, 1.0: 38.3%; at 8x 0.5 gives 15.0% and 1.0 22.4%, fixed 2,000 19.6%: 0.5 has the
best sum). Not kept: a floor on the turn's position (22.9%), wider salience caps (22.9%).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from contextd.pipeline.snapshot._cues import GOAL, QUESTIONS
from contextd.pipeline.snapshot._previous import Line
from contextd.pipeline.snapshot._salience import phatic
from contextd.pipeline.snapshot._selection import content_words
from contextd.pipeline.snapshot._sentences import Sentence
from contextd.pipeline.snapshot._standalone import Thought, strip_opener, thoughts

MAX_UNIT_CHARS = 480  # a unit grows no longer than this (a paragraph of a few sentences)
MAX_JOINED_CHARS = 2000  # consecutive units of a turn are joined up to this ...
# ... and to this many characters per token of the snapshot's budget (a line is a small part
# of the snapshot: at 4 characters a token, 0.5 is an eighth of it).
CHARS_PER_BUDGET_TOKEN = 0.5
# A line of a work chat is worth its score / cost ** this: a paragraph holds more facts than
# its best sentence, at more tokens.
WORK_COST_EXPONENT = 0.2
# A second line of a section from the same turn keeps this share of its score: a plan or a
# report of changes is one turn of many facts, each worth its line (`_selection.SAME_TURN`).
WORK_SAME_TURN = 1.0
# "Now let me look at X.", "Let me check the Claude Code implementation.", "I'll run the
# tests again.": the assistant announcing a tool call.
_NARRATION_RE = re.compile(
    r"^(?:(?:now|first|next|then|ok(?:ay)?|good|great|perfect|alright|so)[,!.]?\s+)*"
    r"(?:let me|let's|i'll|i will|i need to|i'm going to|i am going to|i want to)\s+"
    r"(?:(?:also|now|first|quickly|then|just)\s+)?"
    r"(?:look|check|read|see|examine|explore|understand|find|search|review|verify|investigate"
    r"|start|run|re-run|rerun|try|open|inspect|view|get|take|dig|trace|study|confirm|figure)\b",
    re.IGNORECASE,
)


def narration(sentence: str) -> bool:
    """Whether an assistant's sentence only announces what it will look at next."""
    return _NARRATION_RE.match(sentence.strip(" *_`")) is not None


def unit_chars(budget: int) -> int:
    """The most characters a unit may hold in a snapshot of `budget` tokens."""
    return max(1, min(MAX_JOINED_CHARS, int(budget * CHARS_PER_BUDGET_TOKEN)))


def work_units(
    sentences: Sequence[Sentence],
    *,
    assistant: bool,
    asked: str | None = None,
    names: frozenset[str] = frozenset(),
    max_chars: int = MAX_JOINED_CHARS,
) -> list[Thought]:
    """The units of one turn of a work chat, in order (see the module docstring).

    `assistant`: the turn is the assistant's (its narration is left out). `asked` is the
    question the other side's previous turn ended on, as for `_standalone.thoughts`: it
    resolves the turn's first unit. A thought that points back joins the one before it in the
    same paragraph when there is room; a paragraph that opens by pointing back stays marked
    `leaning`.
    """
    blocks: list[list[str]] = []
    paragraph = -1
    heading: str | None = None  # the heading over the next block, which names its subject
    for sentence in sentences:
        if sentence.heading:
            heading = sentence.text.rstrip(" :")
            continue
        if (assistant and narration(sentence.text)) or phatic(strip_opener(sentence.text)):
            continue  # "Let me check X.", "Let me know if you want more tests!": no fact
        if sentence.item or sentence.paragraph != paragraph or not blocks:
            blocks.append([])
            paragraph = sentence.paragraph
        text = sentence.text
        if heading is not None and not blocks[-1]:
            text = f"{heading}: {text}"
            heading = None
        blocks[-1].append(text)
    units: list[Thought] = []
    for number, block in enumerate(blocks):
        merged: list[Thought] = []
        for thought in thoughts(block, asked if number == 0 else None, names):
            last = merged[-1] if merged else None
            room = min(MAX_UNIT_CHARS, max_chars)
            if last is not None and len(last.text) + 1 + len(thought.text) <= room:
                text = f"{last.text} {thought.text}"
                merged[-1] = Thought(text, last.leaning, len(content_words(text)))
            else:
                merged.append(thought)
        units.extend(merged)
    return _joined(units, max_chars)


def _joined(units: list[Thought], cap: int) -> list[Thought]:
    """Consecutive units of a turn joined while they fit in `cap` characters; a unit that
    points back ("This means ...") then leans on the one before it."""
    result: list[Thought] = []
    for unit in units:
        last = result[-1] if result else None
        if last is not None and not last.leaning and len(last.text) + 1 + len(unit.text) <= cap:
            text = f"{last.text} {unit.text}"
            result[-1] = Thought(text, False, len(content_words(text)))
        else:
            result.append(unit)
    return result


def rejoined(lines: Sequence[Line], cap: int) -> list[Line]:
    """A previous snapshot's lines of one turn joined again, up to `cap` characters, for the
    fast-forward of a work chat.

    A part is snapshotted at its own, smaller budget, so its units were cut smaller
    (`unit_chars`) than the whole chat's would be: a diagnosis and its fix on two lines, each
    short of the facts the other holds. Joined again (in the order they were written), they are
    the unit the whole chat's snapshot would have made. Goals and open questions keep their
    own lines, as they are judged apart.
    """
    result: list[Line] = []
    at: dict[int, int] = {}  # a turn's joined line in `result`
    for line in lines:
        turn = line.turns[0] if len(line.cites) == 1 and line.turns else None
        if turn is None or line.section in (GOAL, QUESTIONS):
            result.append(line)
            continue
        where = at.get(turn)
        if where is not None and len(result[where].text) + 1 + len(line.text) <= cap:
            last = result[where]
            result[where] = Line(last.section, f"{last.text} {line.text}", last.cites)
        else:
            at[turn] = len(result)
            result.append(line)
    return result
