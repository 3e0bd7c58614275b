"""Map-reduce over a source longer than the model's window: every request fits the window.

A source that fits one request (with room for the answer) is sent whole. A longer one is cut
into consecutive sections (`_prompt.sections`); each is *mapped* to cited notes in the
snapshot's own sections; the notes are then *reduced* to the snapshot. When the notes do not
fit one request they are split into groups, each condensed to shorter notes (bounded by us, not
only asked for), and the condensed notes are reduced again; when the snapshot itself is longer
than one answer may be (a large budget on a small window), each group writes its share of it.
Every answer's citations are checked against the source (`_citations`), so a line citing a turn
it does not come from is re-cited or dropped however many rounds it went through.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from contextd.pipeline.snapshot.llm._answer import Bullet, Notes, parse
from contextd.pipeline.snapshot.llm._citations import Source, merged
from contextd.pipeline.snapshot.llm._client import LLMConfig, LLMUnavailable, request
from contextd.pipeline.snapshot.llm._layout import Layout
from contextd.pipeline.snapshot.llm._prompt import (
    Unit,
    cost,
    merge_messages,
    notes_cost,
    notes_messages,
    sections,
    snapshot_messages,
    unit_name,
    units_cost,
    usable,
)
from contextd.pipeline.tokens import count_tokens

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionMessageParam

# The longest answer one request may ask for, as a share of the window: the rest is prompt.
ANSWER_SHARE = 0.25
# A map step's notes, as a multiple of the section's share of the final budget: the reduce
# step then has more than it can keep and chooses.
NOTES_FACTOR = 2.0
MIN_NOTES_TOKENS = 96
MAX_ROUNDS = 4  # reduce rounds before giving up (each round at least halves the notes)
# An answer is cut at this multiple of the tokens it was asked for (plus `_SLACK`), not only at
# what the window leaves: a model that ignores the budget then stops in seconds rather than
# writing until the window is full, which on a local CPU model takes minutes. The answer is
# trimmed to its target afterwards anyway, so nothing kept is lost.
ANSWER_OVERRUN = 2.0
# Prompt space for the instructions and the title, above what `_overhead` measures: the
# artifact list and the notes' own headings vary.
_SLACK = 48


@dataclass
class Writer:
    """One snapshot's requests: where the model is, what the source is, how many were made."""

    config: LLMConfig
    prefix: str
    title: str
    artifact_index: Sequence[str]
    source: Source
    layout: Layout
    requests: int = 0
    sections: int = 0
    reduces: int = 0
    notes: list[int] = field(default_factory=list)  # tokens of each map step's notes

    @property
    def window(self) -> int:
        return usable(self.config.context_tokens)

    @property
    def answer_cap(self) -> int:
        return max(MIN_NOTES_TOKENS, math.floor(self.config.context_tokens * ANSWER_SHARE))

    def fits_whole(self, units: Sequence[Unit], budget: int) -> bool:
        """Whether the source and an answer of `budget` fit one request."""
        if budget > self.answer_cap:
            return False
        probe = snapshot_messages(
            units[:1], title=self.title, prefix=self.prefix,
            artifact_index=self.artifact_index, budget=budget, layout=self.layout,
        )  # fmt: skip
        return cost(probe) + units_cost(units[1:]) + budget + _SLACK <= self.window

    def whole(self, units: Sequence[Unit], budget: int) -> Notes:
        """The snapshot of a source that fits one request."""
        prompt = snapshot_messages(
            units, title=self.title, prefix=self.prefix,
            artifact_index=self.artifact_index, budget=budget, layout=self.layout,
        )  # fmt: skip
        return self._ask(prompt, scope=None, asked=budget)

    def map(self, units: Sequence[Unit], budget: int, tokens_before: int) -> Notes:
        """Notes on each section of `units`, joined in order."""
        density = min(0.5, NOTES_FACTOR * budget / max(1, tokens_before))
        overhead = self._overhead("notes")
        reserve = self.answer_cap
        room = self.window - overhead - reserve - _SLACK
        if room < 2 * MIN_NOTES_TOKENS:
            raise LLMUnavailable(
                f"a context of {self.config.context_tokens} tokens leaves no room for the text"
            )
        parts = sections(units, room)
        self.sections += len(parts)
        found: list[Notes] = []
        for number, part in enumerate(parts, start=1):
            target = min(reserve, max(MIN_NOTES_TOKENS, math.ceil(units_cost(part) * density)))
            prompt = notes_messages(
                part, title=self.title, prefix=self.prefix, part=number, parts=len(parts),
                budget=target, layout=self.layout,
            )  # fmt: skip
            try:
                notes = self._ask(prompt, scope={unit.ref for unit in part}, asked=target)
            except LLMUnavailable as exc:
                if not exc.reason.startswith("invalid answer"):
                    raise
                notes = {}  # a part of small talk may have nothing to note
            notes = trimmed(notes, target, self.prefix, self.layout)
            self.notes.append(notes_cost(notes, self.prefix, self.layout))
            found.append(notes)
        joined = merged(found)
        if not any(joined.values()):
            raise LLMUnavailable("invalid answer: no note cites a known " + unit_name(self.prefix))
        return joined

    def reduce(self, notes: Notes, target: int, *, final: bool = True, rounds: int = 0) -> Notes:
        """`notes` merged to at most about `target` tokens (the snapshot when `final`)."""
        size = notes_cost(notes, self.prefix, self.layout)
        answer = min(target, self.answer_cap)
        room = self.window - self._overhead("merge") - answer - _SLACK
        if target <= self.answer_cap and size <= room:
            prompt = merge_messages(
                notes, title=self.title, prefix=self.prefix,
                artifact_index=self.artifact_index, budget=target, final=final,
                layout=self.layout,
            )  # fmt: skip
            self.reduces += 1
            answered = self._ask(prompt, scope=None, asked=answer)
            return answered if final else trimmed(answered, target, self.prefix, self.layout)
        if rounds >= MAX_ROUNDS:
            raise LLMUnavailable(f"the notes did not fit the context after {rounds} rounds")
        if room < 2 * MIN_NOTES_TOKENS:
            raise LLMUnavailable(
                f"a context of {self.config.context_tokens} tokens leaves no room for the notes"
            )
        count = max(2, math.ceil(size / room), math.ceil(target / self.answer_cap))
        groups = _groups(notes, count, room, self.prefix, self.layout)
        if target > self.answer_cap:
            # The snapshot is longer than one answer: each group writes its share of it.
            shares = [notes_cost(group, self.prefix, self.layout) / size for group in groups]
            return merged(
                [
                    self.reduce(group, max(MIN_NOTES_TOKENS, math.floor(target * share)),
                                final=final, rounds=rounds + 1)
                    for group, share in zip(groups, shares, strict=True)
                ]
            )  # fmt: skip
        # Too many notes for one request: condense each group so that together they fit.
        each = max(MIN_NOTES_TOKENS, room // len(groups))
        condensed = [self.reduce(group, each, final=False, rounds=rounds + 1) for group in groups]
        return self.reduce(merged(condensed), target, final=final, rounds=rounds + 1)

    def _ask(
        self, prompt: list[ChatCompletionMessageParam], scope: set[int] | None, asked: int
    ) -> Notes:
        """One request for an answer of about `asked` tokens, parsed, citations checked.

        The answer is capped by what the window leaves and by `answer_limit(asked)`."""
        self.requests += 1
        limit = min(self.window - cost(prompt), answer_limit(asked))
        answer = request(self.config, prompt, max_tokens=limit)
        notes = parse(answer, self.prefix, set(self.source.refs), self.layout)
        return self.source.check(notes, scope)

    def _overhead(self, kind: str) -> int:
        """The prompt of a request of `kind` around an empty text or empty notes."""
        empty: Notes = {}
        if kind == "notes":
            prompt = notes_messages(
                [Unit(0, "", "", None)], title=self.title, prefix=self.prefix, part=1, parts=1,
                budget=self.answer_cap, layout=self.layout,
            )  # fmt: skip
        else:
            prompt = merge_messages(
                empty, title=self.title, prefix=self.prefix,
                artifact_index=self.artifact_index, budget=self.answer_cap, final=True,
                layout=self.layout,
            )  # fmt: skip
        return cost(prompt)


def answer_limit(asked: int) -> int:
    """The most tokens an answer asked to be about `asked` tokens long may run to."""
    return math.ceil(asked * ANSWER_OVERRUN) + _SLACK


def trimmed(notes: Notes, target: int, prefix: str, layout: Layout) -> Notes:
    """`notes` within `target` tokens: bullets go from the end of the sections that
    `layout.next_victim` picks (the rule the final snapshot is fitted by)."""
    kept = {name: list(bullets) for name, bullets in notes.items() if bullets}
    while (excess := notes_cost(kept, prefix, layout) - target) > 0:
        removed = 0
        while removed < excess and (victim := layout.next_victim(kept)) is not None:
            removed += _bullet_cost(kept[victim].pop(), prefix)
        if not removed:
            break
    return {name: bullets for name, bullets in kept.items() if bullets}


def _groups(notes: Notes, count: int, room: int, prefix: str, layout: Layout) -> list[Notes]:
    """The notes cut into about `count` consecutive groups of similar size, each within `room`.

    Bullets are taken in section order, each section's in the source's order, so a group holds
    related notes; a group is closed early rather than overflow `room`."""
    flat = [(name, bullet) for name in layout.names for bullet in notes.get(name, ())]
    total = sum(_bullet_cost(bullet, prefix) for _, bullet in flat)
    goal = min(room, math.ceil(total / count))
    groups: list[Notes] = []
    current: Notes = {}
    used = 0
    for name, bullet in flat:
        size = _bullet_cost(bullet, prefix)
        heading = 0 if name in current else count_tokens(f"## {name}\n") + 1
        if current and used + size + heading > goal:
            groups.append(current)
            current, used, heading = {}, 0, count_tokens(f"## {name}\n") + 1
        current.setdefault(name, []).append(bullet)
        used += size + heading
    if current:
        groups.append(current)
    return groups


def _bullet_cost(bullet: Bullet, prefix: str) -> int:
    text, refs = bullet
    return count_tokens(f"- {text} [{', '.join(f'{prefix}{r}' for r in refs)}]") + 1
