"""The prompts of the LLM engine, and the source cut into sections that fit the model's window.

The model is asked for the built-in engine's sections (`_layout`: the work sections of a
conversation, a document's own outline) and citation format, so every turn
("[t12] User: ...") or paragraph ("[p3] ...") carries the marker its bullets must cite. Three
prompts share that format: `snapshot` (the whole source fits one request), `notes` (one section
of a longer source, the map step) and `merge` (notes to a snapshot or to shorter notes, the
reduce step). Sizes are counted with our tokenizer, which is not the model's: `usable` keeps a
margin below the window for the difference and for the chat template's own tokens.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from contextd.pipeline.snapshot._sentences import split_sentences
from contextd.pipeline.snapshot.llm._answer import Bullet
from contextd.pipeline.snapshot.llm._layout import Layout
from contextd.pipeline.tokens import count_tokens, truncate_to_tokens
from contextd.pipeline.types import Document, Turn

if TYPE_CHECKING:
    from openai.types.chat import ChatCompletionMessageParam

MAX_PROMPT_ARTIFACTS = 100  # shown to the model
# Our count of a prompt may be lower than the model's (another tokenizer, the chat template):
# requests are sized to this share of the window.
WINDOW_SHARE = 0.85
_TEMPLATE_TOKENS = 16  # per message, for the chat template's role markers


@dataclass(frozen=True)
class Unit:
    """One turn or paragraph (or a piece of a long one) as the model sees it: "[t12] User: text"."""

    ref: int
    label: str
    text: str
    role: str | None

    @property
    def line(self) -> str:
        return self.label + self.text


def turn_units(turns: Sequence[Turn]) -> list[Unit]:
    """The turns as the model sees them; the date is shown when a new day starts, so that the
    model can say when ("last week", in a session of 8 May 2023, says when)."""
    units: list[Unit] = []
    last_day = None
    for turn in turns:
        text = turn.text.strip()
        if not text:
            continue
        speaker = " ".join(turn.speaker.split()) or "?"
        day = turn.timestamp.date() if turn.timestamp else None
        when = f" ({day.isoformat()})" if day is not None and day != last_day else ""
        last_day = day or last_day
        units.append(Unit(turn.index, f"[t{turn.index}] {speaker}{when}: ", text, turn.role))
    return units


def paragraph_units(document: Document) -> list[Unit]:
    """Paragraphs numbered as the built-in engine numbers them (code blocks count, unshown)."""
    texts: dict[int, list[str]] = {}
    for sentence in split_sentences(document.text):
        texts.setdefault(sentence.paragraph, []).append(sentence.text)
    return [Unit(n, f"[p{n}] ", " ".join(parts), None) for n, parts in texts.items()]


def unit_name(prefix: str) -> str:
    return "turn" if prefix == "t" else "paragraph"


def source_name(prefix: str) -> str:
    return "conversation" if prefix == "t" else "document"


def usable(context_tokens: int) -> int:
    """What one request (prompt and answer) may use of the model's window, by our count."""
    return math.floor(context_tokens * WINDOW_SHARE)


def cost(messages: Sequence[ChatCompletionMessageParam]) -> int:
    """The prompt's tokens by our count, template included."""
    return sum(count_tokens(str(m.get("content") or "")) + _TEMPLATE_TOKENS for m in messages)


def transcript(units: Sequence[Unit]) -> str:
    return "\n\n".join(unit.line for unit in units)


def units_cost(units: Sequence[Unit]) -> int:
    return sum(count_tokens(unit.line) + 1 for unit in units)


def sections(units: Sequence[Unit], room: int) -> list[list[Unit]]:
    """Consecutive units packed into sections of at most `room` tokens each (a unit longer than
    that is cut into pieces that keep its marker, so a section never overflows)."""
    result: list[list[Unit]] = []
    current: list[Unit] = []
    used = 0
    for unit in units:
        for piece in _pieces(unit, room):
            size = count_tokens(piece.line) + 1
            if current and used + size > room:
                result.append(current)
                current, used = [], 0
            current.append(piece)
            used += size
    if current:
        result.append(current)
    return result


def _pieces(unit: Unit, room: int) -> list[Unit]:
    """`unit` whole if it fits `room`, else cut at token boundaries into pieces that each do."""
    if count_tokens(unit.line) + 1 <= room:
        return [unit]
    label = unit.label.rstrip(": ") + " (continued): "
    text_room = max(16, room - count_tokens(label) - 2)
    pieces: list[Unit] = []
    rest = unit.text
    while rest.strip():
        part = truncate_to_tokens(rest, text_room) or rest[:1]
        pieces.append(Unit(unit.ref, label if pieces else unit.label, part.strip(), unit.role))
        rest = rest[len(part) :]
    return pieces


def notes_markdown(notes: Mapping[str, Sequence[Bullet]], prefix: str, layout: Layout) -> str:
    """Notes written as the snapshot writes its sections (and as the model is asked to); every
    section keeps a heading here, even one the snapshot writes without, so that the model can
    tell the sections apart."""
    blocks = []
    for name in layout.names:
        bullets = notes.get(name) or ()
        if bullets:
            refs = (", ".join(f"{prefix}{r}" for r in sorted(refs)) for _, refs in bullets)
            lines = (f"- {text} [{cites}]" for (text, _), cites in zip(bullets, refs, strict=True))
            heading = layout.heading(name) or f"## {name}"
            blocks.append(heading + "\n" + "\n".join(lines))
    return "\n\n".join(blocks)


def notes_cost(notes: Mapping[str, Sequence[Bullet]], prefix: str, layout: Layout) -> int:
    return count_tokens(notes_markdown(notes, prefix, layout))


_RULES = """\
Rules:
- Under a heading write only bullets: one line each, starting with "- ". No sub-bullets, no \
prose paragraphs, no tables, no code blocks.
- Every bullet states one fact that stands on its own: say who and what instead of "it", \
"that" or "they", and give the date when the {source} says when.
- End every bullet with the {unit}s it comes from, in square brackets, like [{p}12] or \
[{p}12, {p}40]. Cite only markers that appear {where}, such as [{p}{example}]. A bullet \
without a valid citation is deleted.
- Do not write a title, an Artifacts section, or anything before the first heading or after \
the last bullet. Code, schemas and commands are listed separately; refer to them by title \
instead of copying them.
- Leave out pleasantries, small talk, offers of help and questions that were answered.
- The whole answer must stay within {budget} tokens (about {words} words). {length}
"""

_SNAPSHOT = (
    """\
You write context snapshots: compact Markdown briefs of a long {source} that let someone (or \
another AI) continue the work without reading it.

"""
    + "{sections}\n"
    + _RULES
)

_NOTES = (
    """\
You take notes on one part of a long {source}; the notes of all parts are later merged into a \
context snapshot that lets someone (or another AI) continue the work without reading the \
{source}. Note every fact a reader may need: names, numbers, dates, places, decisions, \
versions, file names, errors, plans.

"""
    + "{sections}\n"
    + _RULES
)

_MERGE = (
    """\
You merge notes taken on consecutive parts of a long {source} into {what}. The notes are in \
the order of the {source}: when a later note revises an earlier one, keep only the latest; \
merge notes that say the same thing, keeping all their citations; keep names, numbers and \
dates exactly.

"""
    + "{sections}\n"
    + _RULES
)

_SHORT = "Write fewer, denser bullets rather than more; extra bullets are deleted from the end."


def _system(
    template: str, layout: Layout, prefix: str, example: int, budget: int, **extra: str
) -> str:
    return template.format(
        sections=layout.instructions,
        source=source_name(prefix),
        unit=unit_name(prefix),
        p=prefix,
        example=example,
        budget=budget,
        words=max(20, budget * 3 // 4),
        length=_SHORT,
        **extra,
    )


def _opening(title: str, prefix: str, artifact_index: Sequence[str]) -> str:
    artifacts = "\n".join(artifact_index) if artifact_index else "(none)"
    return (
        f"Title: {title}\n\nArtifacts found in the {source_name(prefix)} (listed separately, "
        f"refer to them by title):\n{artifacts}\n\n"
    )


def snapshot_messages(
    units: Sequence[Unit],
    *,
    title: str,
    prefix: str,
    artifact_index: Sequence[str],
    budget: int,
    layout: Layout,
) -> list[ChatCompletionMessageParam]:
    """The one request for a source that fits the window whole."""
    source = source_name(prefix)
    system = _system(_SNAPSHOT, layout, prefix, units[0].ref, budget, where=f"in the {source}")
    user = (
        f"{_opening(title, prefix, artifact_index)}The {source}, each {unit_name(prefix)} "
        f"marked [{prefix}N]:\n<{source}>\n{transcript(units)}\n</{source}>\n\n"
        "Write the snapshot now."
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def notes_messages(
    units: Sequence[Unit],
    *,
    title: str,
    prefix: str,
    part: int,
    parts: int,
    budget: int,
    layout: Layout,
) -> list[ChatCompletionMessageParam]:
    """The map step: notes on one section of a source too long for one request."""
    source = source_name(prefix)
    system = _system(_NOTES, layout, prefix, units[0].ref, budget, where="in this part")
    first, last = units[0].ref, units[-1].ref
    span = f"{prefix}{first}\u2013{prefix}{last}" if first != last else f"{prefix}{first}"
    within = layout.section_at(first)
    heading = layout.heading(within) if within else ""
    begins = f"This part begins under the heading {heading}.\n\n" if heading else ""
    user = (
        f"Title: {title}\n\nPart {part} of {parts} of the {source} ({span}), each "
        f"{unit_name(prefix)} marked [{prefix}N]:\n<part>\n{transcript(units)}\n</part>\n\n"
        f"{begins}Write the notes on this part now."
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def merge_messages(
    notes: Mapping[str, Sequence[Bullet]],
    *,
    title: str,
    prefix: str,
    artifact_index: Sequence[str],
    budget: int,
    final: bool,
    layout: Layout,
) -> list[ChatCompletionMessageParam]:
    """The reduce step: notes (cited as the source is) to the snapshot, or to shorter notes."""
    what = "the context snapshot" if final else "shorter notes in the same format"
    example = next((refs[0] for bullets in notes.values() for _, refs in bullets if refs), 0)
    system = _system(_MERGE, layout, prefix, example, budget, what=what, where="in the notes")
    user = (
        f"{_opening(title, prefix, artifact_index if final else ())}The notes, each bullet "
        f"citing the {unit_name(prefix)}s it comes from:\n<notes>\n"
        f"{notes_markdown(notes, prefix, layout)}\n</notes>\n\n"
        + ("Write the snapshot now." if final else "Write the shorter notes now.")
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]
