"""Artifact extraction: the code, schemas, diagrams and commands inside a source.

People paste long AI conversations to get back the things that were built in them. Those live
in fenced code blocks, so this stage finds every fenced block (see `_fences` for the dialects
handled), names its language, decides its kind (`_classify`), titles it (`_titles`), and merges
blocks repeated across turns into one artifact that cites every turn it appeared in.

Everything is a pure function of the input and linear in its size. The one slow step, pygments'
language guess, runs only for unlabelled blocks that cheap cues could not place, and at most
`MAX_PYGMENTS_GUESSES` times per call, so a huge paste cannot stall the worker.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

from contextd.domain.enums import ArtifactType
from contextd.pipeline._classify import classify
from contextd.pipeline._fences import CodeBlock, Prose, split_segments
from contextd.pipeline._languages import guess_language, parse_fence_label
from contextd.pipeline._titles import derive_title
from contextd.pipeline.types import ArtifactDraft, Document, Turn

MAX_PYGMENTS_GUESSES = 64
# A block is kept only if at least one line has this many non-blank characters ("}" or "ok"
# alone is noise).
_MIN_MEANINGFUL_CHARS = 3


@dataclass
class _Found:
    """An artifact being assembled; repeats of the same content add turn indexes."""

    type: ArtifactType
    title: str
    content: str
    language: str | None
    meta: dict[str, object]
    turn_indexes: list[int] = field(default_factory=list)


@dataclass
class _GuessBudget:
    remaining: int = MAX_PYGMENTS_GUESSES


def extract_artifacts(document: Document, turns: Sequence[Turn]) -> list[ArtifactDraft]:
    """Return the artifacts of a source, in order of first appearance.

    With turns, each turn's text is scanned and an artifact cites the turns it appears in
    (identical content in several turns becomes one artifact; the first occurrence's title
    wins). Without turns the document text is scanned and `turn_indexes` is empty.
    """
    found: dict[str, _Found] = {}
    budget = _GuessBudget()
    sources: Iterator[tuple[str, int | None]] = (
        ((turn.text, turn.index) for turn in turns) if turns else iter([(document.text, None)])
    )
    for text, turn_index in sources:
        for draft in _scan(text, budget):
            existing = found.get(draft.content)
            if existing is None:
                found[draft.content] = existing = draft
            if turn_index is not None and turn_index not in existing.turn_indexes:
                existing.turn_indexes.append(turn_index)
    return [
        ArtifactDraft(
            type=item.type,
            title=item.title,
            content=item.content,
            language=item.language,
            turn_indexes=tuple(sorted(item.turn_indexes)),
            meta=item.meta,
        )
        for item in found.values()
    ]


def _scan(text: str, budget: _GuessBudget) -> Iterator[_Found]:
    """Yield an artifact for every meaningful fenced block of one text."""
    intro: str | None = None
    for segment in split_segments(text):
        if isinstance(segment, Prose):
            intro = _last_nonblank(segment.lines)
            continue
        item = _artifact_for(segment, intro, budget)
        intro = None  # a block directly after another block has no introduction of its own
        if item is not None:
            yield item


def _artifact_for(block: CodeBlock, intro: str | None, budget: _GuessBudget) -> _Found | None:
    content = _normalize(block.content)
    if not _is_meaningful(content):
        return None
    label = parse_fence_label(block.info)
    language = label.language
    if language is None:
        language = guess_language(content, allow_pygments=budget.remaining > 0)
        if _pygments_may_have_run(content):
            budget.remaining -= 1
    classified = classify(content, language)
    if not _is_meaningful(classified.content):
        return None
    meta: dict[str, object] = {}
    if label.raw:
        meta["fence_language"] = label.raw
    if not block.closed:
        meta["unclosed"] = True
    title = derive_title(
        content=classified.content,
        language=language,
        kind=classified.type,
        intro=intro,
        label_filename=label.filename,
    )
    return _Found(
        type=classified.type,
        title=title,
        content=classified.content,
        language=language,
        meta=meta,
    )


def _pygments_may_have_run(content: str) -> bool:
    """Charge the guess budget for every block long enough for pygments to be consulted.

    Over-counting (cheap cues may have answered first) only makes the cap stricter, and keeps
    the decision independent of timing.
    """
    return content.count("\n") >= 2 and len(content) >= 60


def _normalize(content: str) -> str:
    """Drop trailing spaces and surrounding blank lines so repeats compare equal."""
    lines = [line.rstrip() for line in content.split("\n")]
    start, end = 0, len(lines)
    while start < end and not lines[start]:
        start += 1
    while end > start and not lines[end - 1]:
        end -= 1
    return "\n".join(lines[start:end])


def _is_meaningful(content: str) -> bool:
    return any(len(line.strip()) >= _MIN_MEANINGFUL_CHARS for line in content.split("\n"))


def _last_nonblank(lines: Sequence[str]) -> str | None:
    for line in reversed(lines):
        if line.strip():
            return line.strip()
    return None
