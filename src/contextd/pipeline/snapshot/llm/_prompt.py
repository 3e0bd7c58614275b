"""The prompt of the LLM engine: the source marked turn by turn, shortened to fit the model.

The model is asked for the built-in engine's sections and citation format, so every turn
("[t12] User: ...") or paragraph ("[p3] ...") carries the marker its bullets must cite. A source
too long for `max_input_tokens` keeps its opening (where goals are stated) and its most recent
part in full, and only the built-in engine's best-rated sentences of the middle.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from contextd.pipeline.snapshot._cues import judge
from contextd.pipeline.snapshot._sentences import split_sentences
from contextd.pipeline.snapshot.llm._client import LLMUnavailable
from contextd.pipeline.tokens import count_tokens, truncate_to_tokens
from contextd.pipeline.types import Document, Turn

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionMessageParam

MAX_PROMPT_ARTIFACTS = 100  # shown to the model
# Shares of the transcript allowance when the transcript must be shortened: the opening (where
# goals are stated), then the most recent turns; what is left holds key sentences of the middle.
HEAD_SHARE = 0.2
HEAD_AND_TAIL_SHARE = 0.7
_MAX_EXCERPT_CANDIDATES = 20_000
# The model's tokenizer is not ours: keep a margin below max_input_tokens for the difference and
# for the chat template's per-message tokens.
_INPUT_MARGIN = 0.05
_MIN_TRANSCRIPT_TOKENS = 256


@dataclass(frozen=True)
class Unit:
    """One turn or paragraph as the model sees it: "[t12] User: text" or "[p3] text"."""

    ref: int
    label: str
    text: str
    role: str | None


def turn_units(turns: Sequence[Turn]) -> list[Unit]:
    return [
        Unit(turn.index, f"[t{turn.index}] {' '.join(turn.speaker.split()) or '?'}: ", t, turn.role)
        for turn in turns
        if (t := turn.text.strip())
    ]


def paragraph_units(document: Document) -> list[Unit]:
    """Paragraphs numbered as the built-in engine numbers them (code blocks count, unshown)."""
    texts: dict[int, list[str]] = {}
    for sentence in split_sentences(document.text):
        texts.setdefault(sentence.paragraph, []).append(sentence.text)
    return [Unit(n, f"[p{n}] ", " ".join(parts), None) for n, parts in texts.items()]


def unit_name(prefix: str) -> str:
    return "turn" if prefix == "t" else "paragraph"


_SYSTEM = """\
You write context snapshots: compact Markdown briefs of a long {source} that let someone (or \
another AI) continue the work without reading it.

Write these sections, with exactly these headings, in this order, leaving out any section \
that would be empty:
## Goal: what the user is trying to achieve.
## Current state: what exists and works now, what is broken.
## Decisions: choices made; when a decision was revised, only the latest one.
## Constraints and facts: requirements, limits, versions, environment facts.
## Open questions: questions still unanswered at the end.
## Next steps: what is planned or should be done next.

Rules:
- Under a heading write only bullets: one line each, starting with "- ". No sub-bullets, no \
prose paragraphs, no tables, no code blocks.
- End every bullet with the {unit}s it comes from, in square brackets, like [{p}12] or \
[{p}12, {p}40]. Cite only markers that appear in the {source}, such as [{p}{example}]. A bullet \
without a valid citation is deleted.
- Do not write a title, an Artifacts section, or anything before the first heading or after \
the last bullet. Code, schemas and commands are listed separately; refer to them by title \
instead of copying them.
- Leave out pleasantries, offers of help and questions that were answered.
- The whole answer must stay within {budget} tokens (about {words} words). Write fewer, \
denser bullets rather than more; if the answer is too long, bullets are deleted from the end \
of the less important sections.
"""


def messages(
    units: Sequence[Unit],
    *,
    title: str,
    prefix: str,
    artifact_index: Sequence[str],
    prose_budget: int,
    max_input_tokens: int,
) -> list[ChatCompletionMessageParam]:
    source = _source_name(prefix)
    system = _SYSTEM.format(
        source=source,
        unit=unit_name(prefix),
        p=prefix,
        example=units[0].ref,
        budget=prose_budget,
        words=max(20, prose_budget * 3 // 4),
    )
    artifacts = "\n".join(artifact_index) if artifact_index else "(none)"
    opening = (
        f"Title: {title}\n\nArtifacts found in the {source} (listed separately, refer to "
        f"them by title):\n{artifacts}\n\n"
    )
    fixed = count_tokens(system) + count_tokens(opening) + 64
    allowance = math.floor(max_input_tokens * (1 - _INPUT_MARGIN)) - fixed
    if allowance < _MIN_TRANSCRIPT_TOKENS:
        raise LLMUnavailable(f"max_input_tokens ({max_input_tokens}) leaves no room for the text")
    body, note = _fit_transcript(units, prefix, allowance)
    user = (
        f"{opening}{note}The {source}, each {unit_name(prefix)} marked [{prefix}N]:\n"
        f"<{source}>\n{body}\n</{source}>\n\nWrite the snapshot now."
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def _fit_transcript(units: Sequence[Unit], prefix: str, allowance: int) -> tuple[str, str]:
    """The marked text within `allowance` tokens, and a note for the prompt when shortened.

    Too long a text keeps its opening (goals are stated there) and its most recent part in full
    and, from the middle, the sentences the built-in engine's cues rate highest (decisions,
    constraints, state changes), each under its marker, in order.
    """
    costs = [count_tokens(unit.label + unit.text) + 1 for unit in units]
    if sum(costs) <= allowance:
        return "\n\n".join(unit.label + unit.text for unit in units), ""

    if len(units) == 1:
        return _shortened(units[0], allowance), _cut_note(prefix)
    marker_reserve = 64
    lines: dict[int, str] = {}  # position in `units` -> rendered line
    used = 0
    head_end = 0  # units[:head_end] are in the opening
    for position, unit in enumerate(units):
        if used + costs[position] > allowance * HEAD_SHARE:
            if position == 0:
                lines[0] = _shortened(unit, int(allowance * HEAD_SHARE))
                used += count_tokens(lines[0]) + 1
                head_end = 1
            break
        lines[position] = unit.label + unit.text
        used += costs[position]
        head_end = position + 1

    tail_start = len(units)
    tail_cap = allowance * HEAD_AND_TAIL_SHARE - marker_reserve
    for position in range(len(units) - 1, head_end - 1, -1):
        if used + costs[position] > tail_cap:
            if position == len(units) - 1:
                # The latest unit alone is too long: its beginning, with all the room left when
                # nothing lies between it and the opening.
                room = int((allowance if position == head_end else tail_cap) - used)
                if room > count_tokens(units[position].label) + 16:
                    lines[position] = _shortened(units[position], room)
                    used += count_tokens(lines[position]) + 1
                    tail_start = position
            break
        lines[position] = units[position].label + units[position].text
        used += costs[position]
        tail_start = position

    parts = [lines[p] for p in range(head_end)]
    middle = range(head_end, tail_start)
    if not middle:
        parts.extend(lines[p] for p in range(tail_start, len(units)))
        return "\n\n".join(parts), _cut_note(prefix)
    excerpts = _excerpts(units, middle, int(allowance - used - marker_reserve))
    first, last = units[middle.start].ref, units[middle.stop - 1].ref
    span = f"{prefix}{first}\u2013{prefix}{last}" if first != last else f"{prefix}{first}"
    name = unit_name(prefix)
    parts.append(f"[… {len(middle)} {name}s ({span}) shortened: only key sentences quoted …]")
    parts.extend(excerpts)
    parts.append("[… end of the shortened part …]")
    parts.extend(lines[p] for p in range(tail_start, len(units)))
    note = (
        f"The {_source_name(prefix)} was too long to send in full: its first and its most recent "
        f"{name}s are shown, but from {span} only key sentences are quoted (marked 'excerpt') "
        'and the rest is left out; "[…]" marks a cut. Say nothing about what you cannot '
        "see.\n\n"
    )
    return "\n\n".join(parts), note


def _cut_note(prefix: str) -> str:
    return (
        f'The {_source_name(prefix)} was too long to send in full: "[…]" marks where a long '
        f"{unit_name(prefix)} was cut. Say nothing about what you cannot see.\n\n"
    )


def _source_name(prefix: str) -> str:
    return "conversation" if prefix == "t" else "document"


def _shortened(unit: Unit, tokens: int) -> str:
    room = max(0, tokens - count_tokens(unit.label) - 8)
    return unit.label + truncate_to_tokens(unit.text, room).rstrip() + " […]"


def _excerpts(units: Sequence[Unit], middle: range, allowance: int) -> list[str]:
    """The best-rated sentences of `units[middle]` within `allowance`, grouped by unit, in order."""
    if allowance <= 0 or not middle:
        return []
    last = max(1, len(units) - 1)
    heap: list[tuple[float, int, int, str]] = []  # (score, -order, position, text): a min-heap
    order = 0
    for position in middle:
        unit = units[position]
        for sentence in split_sentences(unit.text):
            judged = judge(
                sentence.text,
                role=unit.role,
                position=position / last,
                early=False,
                unanswered=unit.role is None,  # the middle of a conversation was answered
                heading=sentence.heading,
            )
            order += 1
            if judged is None:
                continue
            item = (judged.score, -order, position, sentence.text)
            if len(heap) < _MAX_EXCERPT_CANDIDATES:
                heapq.heappush(heap, item)
            elif item > heap[0]:
                heapq.heapreplace(heap, item)
    chosen: dict[int, list[tuple[int, str]]] = {}
    used = 0
    for score, negative_order, position, text in sorted(heap, reverse=True):
        del score
        cost = count_tokens(text) + 1
        if position not in chosen:
            cost += count_tokens(units[position].label + "(excerpt) ") + 1
        if used + cost > allowance:
            continue
        used += cost
        chosen.setdefault(position, []).append((-negative_order, text))
    return [
        units[p].label + "(excerpt) " + " … ".join(text for _, text in sorted(chosen[p]))
        for p in sorted(chosen)
    ]
