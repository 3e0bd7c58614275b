"""The builtin engine's candidates: every thought of the turns, judged and scored as it streams.

`builtin.py` selects and renders; this module is the first two steps of its pipeline (see
there): each turn's prose is cut into thoughts (`_standalone`, or whole paragraphs and items of
a developer's turn, `_work`), relative dates are resolved (`_dates`), the cue places the thought
in a section (`_cues`) and its salience scales the cue's score (`worth`), and a capped
`CandidatePool` keeps the best. For a fast-forward the previous snapshot's bullets, parsed back,
become candidates again (`old_candidates`), re-scored as they would be judged now. Kept apart
from selection so that both stay readable; nothing here touches the embedding model.
"""

from __future__ import annotations

from collections.abc import Sequence

from contextd.pipeline.snapshot._cues import GOAL, PLAIN_SCORE, QUESTIONS, judge
from contextd.pipeline.snapshot._dates import date_relative
from contextd.pipeline.snapshot._previous import Line
from contextd.pipeline.snapshot._salience import Salience, TermStats, salience
from contextd.pipeline.snapshot._selection import MAX_CITATIONS, MIN_SCORE, Candidate, CandidatePool
from contextd.pipeline.snapshot._sentences import split_sentences
from contextd.pipeline.snapshot._standalone import MIN_CONTENT_WORDS, question_asked, thoughts
from contextd.pipeline.snapshot._work import work_units
from contextd.pipeline.types import Turn

EARLY_USER_TURNS = 3  # goals are looked for in this many first user turns
MAX_POOL = 20_000  # candidate sentences kept while streaming, at most
MIN_POOL = 256
POOL_TOKENS_PER_CANDIDATE = 4  # the pool holds about budget / this many sentences
# In a chat's fast-forward an old line competes again with new turns' sentences; it was chosen
# once among the sentences around it, which are gone, so it keeps an edge. Too small an edge
# and the merged snapshot of parts keeps fewer lines of the early parts than a whole build does
# (LoCoMo tune split, fast-forward in 4 parts, answers kept: 1.2 -> 50.8%, 1.6 -> 51.3%,
# 2.0 -> 51.3%, 2.4 -> 51.9%, 2.5 and above -> 52.1%, whole build 53.2%).
OLD_LINE_WEIGHT = 2.5
_OTHER_SIDE = {"user": "assistant", "assistant": "user"}
_MAX_SPEAKERS = 1_000


def pool_capacity(budget: int) -> int:
    """How many candidates to keep: enough to fill the budget several times over, bounded
    both ways so that a tiny budget still has a choice and a huge source a fixed cost."""
    return min(MAX_POOL, max(MIN_POOL, budget // POOL_TOKENS_PER_CANDIDATE))


def speaker_names(turns: Sequence[Turn]) -> frozenset[str]:
    """Lower-case speaker names and their first words: vocatives, not facts, in a sentence."""
    names: set[str] = set()
    for turn in turns:
        name = turn.speaker.strip().lower()
        if name and name not in names:
            names.add(name)
            names.update(name.split()[:1])
            if len(names) >= _MAX_SPEAKERS:
                break
    return frozenset(names)


def _label(turn: Turn) -> str:
    """Named people in a multi-party chat are shown; "User"/"Assistant" are implied."""
    if turn.role != "other":
        return ""
    name = " ".join(turn.speaker.split())[:40]
    return f"{name}: " if name else ""


def early_user_turns(turns: Sequence[Turn], first: int | None = None) -> set[int]:
    """Indexes of the user turns where goals are looked for."""
    users = [t.index for t in turns if t.role == "user"]
    if first is None:
        return set(users[:EARLY_USER_TURNS])
    return {i for i in users if i < first}


def turn_candidates(
    turns: Sequence[Turn],
    stats: TermStats,
    speakers: frozenset[str],
    *,
    capacity: int,
    early: set[int],
    first_order: int = 0,
    last_index: int | None = None,
    unit_chars: int = 0,
) -> list[Candidate]:
    """Stream every sentence through the scorer, keeping only the best `capacity`. With
    `unit_chars` a developer's or an assistant's turn is cut into whole paragraphs and items
    of at most that many characters (`_work`); 0 keeps sentence thoughts."""
    pool = CandidatePool(capacity)
    order = first_order
    unanswered = _unanswered(turns)
    last = max(1, len(turns) - 1)
    asked: str | None = None  # the question the previous turn ended on
    for ordinal, turn in enumerate(turns):
        if last_index is not None:
            position = min(1.0, turn.index / max(1, last_index))
        else:
            position = ordinal / last if len(turns) > 1 else 1.0
        if turn.role == "other":
            position = 1.0  # a chat among people: what was said early is no less current
        label = _label(turn)
        sentences = list(split_sentences(turn.text))
        prose = [s.text for s in sentences if not s.heading]
        replied = ordinal > 0 and turns[ordinal - 1].speaker != turn.speaker
        question = asked if replied else None
        if unit_chars and turn.role in _OTHER_SIDE:
            units = work_units(
                sentences,
                assistant=turn.role == "assistant",
                asked=question,
                names=speakers,
                max_chars=unit_chars,
            )
        else:
            units = thoughts(prose, question, speakers)
        for thought in units:
            order += 1
            if thought.leaning or thought.words < MIN_CONTENT_WORDS:
                continue  # points back with nothing to lean on, or small talk: no line
            text = date_relative(thought.text, turn.timestamp)
            measured = salience(text, stats, speakers=speakers)
            if thought.small(specific=measured.names + measured.specifics > 0):
                continue
            judged = judge(
                text,
                role=turn.role,
                position=position,
                early=turn.index in early,
                unanswered=unanswered[ordinal],
            )
            if judged is not None:
                pool.offer(
                    Candidate(
                        order=order,
                        section=judged.section,
                        text=text,
                        score=worth(
                            judged.section, judged.score, measured, chat=turn.role == "other"
                        ),
                        revises=judged.revises,
                        cite=turn.index,
                        replaced=judged.replaced,
                        label=label,
                    )
                )
        asked = question_asked(prose)
    return pool.chronological()


def worth(section: str, cue_score: float, measured: Salience, *, chat: bool = False) -> float:
    """Combine the cue's score with the sentence's salience.

    Goals and open questions are found by position (early user turns, unanswered turns) rather
    than by a cue word, so salience only tempers them. Other cues count as far as the sentence
    is specific (`Salience.gate`), and salience scales the result. In a chat among people
    (`chat`) cue phrases are turns of speech ("let's keep chasing our dreams", "I'm working
    hard"): the cue places the line in a section but adds nothing to its worth (LoCoMo tune
    split, answers kept: cue counted when gated by a name, date or event 51.9%, not counted
    52.9%).
    """
    if section in (GOAL, QUESTIONS):
        return cue_score * (0.5 + 0.5 * measured.factor())
    if chat:
        return PLAIN_SCORE * measured.factor()
    gated = PLAIN_SCORE + (cue_score - PLAIN_SCORE) * measured.gate()
    return gated * measured.factor()


def _unanswered(turns: Sequence[Turn]) -> list[bool]:
    """For each turn, whether nobody on another side has spoken after it.

    Between a user and an assistant the other side is the other role; in a multi-party chat
    it is any other speaker. Questions in such turns are still open; earlier ones were most
    likely answered in the reply.
    """
    result = [True] * len(turns)
    roles_later: set[str] = set()
    speakers_later: set[str] = set()
    for ordinal in range(len(turns) - 1, -1, -1):
        turn = turns[ordinal]
        other = _OTHER_SIDE.get(turn.role)
        if other is not None:
            result[ordinal] = other not in roles_later
        else:
            result[ordinal] = not speakers_later or speakers_later == {turn.speaker}
        roles_later.add(turn.role)
        if len(speakers_later) < 2:
            speakers_later.add(turn.speaker)
    return result


# --- the previous snapshot, parsed back ----------------------------------------------------


def old_candidates(
    lines: Sequence[Line],
    stats: TermStats,
    speakers: frozenset[str],
    *,
    last: int,
    new_turns: Sequence[Turn],
) -> list[Candidate]:
    """The previous snapshot's bullets as candidates, in their order in the snapshot.

    That order is chronological within each section, and all of them come before the new turns,
    which is what superseding needs. Each keeps its section and citations; its score is that of
    the same sentence judged now (at the position of its latest turn, with no role). A goal
    stays a goal. An open question stays open only if nobody else has spoken since (`_open`).
    """
    result: list[Candidate] = []
    chat = any(turn.role == "other" for turn in new_turns)
    for order, line in enumerate(lines):
        turns = line.turns or [0]
        # In a chat among people early lines are no less current (as in `turn_candidates`).
        position = 1.0 if chat else min(1.0, max(turns) / max(1, last))
        judged = judge(
            line.text,
            role=None,
            position=position,
            early=line.section == GOAL,
            unanswered=_open(line, new_turns),
        )
        if line.section == QUESTIONS and (judged is None or judged.section != QUESTIONS):
            continue  # answered since (or no longer a question at all)
        measured = salience(line.text, stats, speakers=speakers)
        cue = judged.score if judged is not None else PLAIN_SCORE
        # It made the cut once: without new content it stays (rarity, counted over a few
        # lines now, must not push it under the floor).
        score = max(MIN_SCORE, worth(line.section, cue, measured, chat=chat))
        if chat:  # it won against its turn's other sentences, seen no more (`OLD_LINE_WEIGHT`)
            score *= OLD_LINE_WEIGHT
        result.append(
            Candidate(
                order=order,
                section=line.section,
                text=line.text,
                score=score,
                revises=judged.revises if judged is not None else False,
                cite=turns[0],
                replaced=judged.replaced if judged is not None else (),
                citations=list(dict.fromkeys(turns))[:MAX_CITATIONS],
            )
        )
    return result


def _open(line: Line, new_turns: Sequence[Turn]) -> bool:
    """Whether an old open question is still unanswered after `new_turns`.

    In a multi-party chat the bullet names its asker ("Ben: ...?"): it stays open while only
    the asker has spoken since. Between a user and an assistant the asker is not written down;
    turns alternate, so any new turn is taken as the other side's reply.
    """
    if not new_turns:
        return True
    speakers = {turn.speaker for turn in new_turns if turn.role == "other"}
    for name in speakers:
        if line.text.startswith(f"{' '.join(name.split())[:40]}: "):
            return all(turn.speaker == name for turn in new_turns)
    return False
