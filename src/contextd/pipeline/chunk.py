"""Split a processed source into search chunks that respect its structure.

- A conversation turn is a chunk, with its speaker and time; its text is what the turn says
  (`toolcalls.conversation_text`: tool calls as one-line summaries with a short output excerpt,
  so a turn is found by the command it ran; never the model's thinking); runs of short turns
  are joined into one window (up to `window_tokens`) so a one-word reply is found with its
  context, and a very long turn is split on paragraphs.
- A document without turns is split on headings, then paragraphs, each chunk carrying the
  heading path as its title.
- Code artifacts are indexed whole, with their title.
- Snapshot sections are chunks of their own, so the state of the work is searchable too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from contextd.domain.enums import ArtifactType, ChunkKind
from contextd.pipeline.toolcalls import SEARCH_OUTPUT_EXCERPT, conversation_text
from contextd.pipeline.types import ArtifactDraft, Document, Turn

_HEADING = re.compile(r"^(#{1,6})\s+(.+?)\s*#*\s*$")
_FENCE = re.compile(r"^\s*(`{3,}|~{3,})")
_WORD = re.compile(r"\S+")

TURN, SECTION, ARTIFACT, SNAPSHOT = tuple(ChunkKind)  # in ChunkKind's declaration order


@dataclass(frozen=True)
class ChunkDraft:
    kind: str  # turn | section | artifact | snapshot
    text: str
    title: str | None = None
    turn_start: int | None = None
    turn_end: int | None = None
    speaker: str | None = None
    role: str | None = None
    timestamp: datetime | None = None
    artifact_type: str | None = None
    language: str | None = None
    artifact_index: int | None = None  # position in the artifacts given, to link the stored row


def approx_tokens(text: str) -> int:
    """A cheap size estimate (4 tokens per 3 words): chunk sizing needs no exact count."""
    return (len(_WORD.findall(text)) * 4 + 2) // 3


def chunk_turns(
    turns: Sequence[Turn], *, window_tokens: int = 200, max_tokens: int = 400
) -> Iterator[ChunkDraft]:
    window: list[Turn] = []
    size = 0
    for turn in turns:
        if turn.tool_calls:
            turn = replace(turn, text=conversation_text(turn, output_excerpt=SEARCH_OUTPUT_EXCERPT))
        tokens = approx_tokens(turn.text)
        if tokens >= window_tokens:
            if window:
                yield _window(window)
                window, size = [], 0
            yield from _long_turn(turn, max_tokens)
            continue
        if window and size + tokens > window_tokens:
            yield _window(window)
            window, size = [], 0
        window.append(turn)
        size += tokens
    if window:
        yield _window(window)


def _window(turns: list[Turn]) -> ChunkDraft:
    first, last = turns[0], turns[-1]
    speakers = list(dict.fromkeys(t.speaker for t in turns))
    text = "\n".join(f"{t.speaker}: {t.text}" for t in turns) if len(turns) > 1 else first.text
    return ChunkDraft(
        kind=TURN,
        text=text,
        turn_start=first.index,
        turn_end=last.index,
        speaker=", ".join(speakers),
        role=first.role if len(turns) == 1 else None,
        timestamp=first.timestamp,
    )


def _long_turn(turn: Turn, max_tokens: int) -> Iterator[ChunkDraft]:
    for piece in _pack(_paragraphs(turn.text), max_tokens):
        yield ChunkDraft(
            kind=TURN,
            text=piece,
            turn_start=turn.index,
            turn_end=turn.index,
            speaker=turn.speaker,
            role=turn.role,
            timestamp=turn.timestamp,
        )


def _paragraphs(text: str) -> list[str]:
    """Blank-line separated blocks, never splitting inside a fenced code block."""
    blocks: list[str] = []
    current: list[str] = []
    fence: str | None = None
    for line in text.split("\n"):
        match = _FENCE.match(line)
        if match:
            marker = match.group(1)
            if fence is None:
                fence = marker[0] * 3
            elif marker.startswith(fence):
                fence = None
        if not line.strip() and fence is None:
            if current:
                blocks.append("\n".join(current))
                current = []
            continue
        current.append(line)
    if current:
        blocks.append("\n".join(current))
    return blocks


def _pack(blocks: list[str], max_tokens: int) -> Iterator[str]:
    current: list[str] = []
    size = 0
    for block in blocks:
        tokens = approx_tokens(block)
        if current and size + tokens > max_tokens:
            yield "\n\n".join(current)
            current, size = [], 0
        current.append(block)
        size += tokens
    if current:
        yield "\n\n".join(current)


def chunk_document(document: Document, *, max_tokens: int = 300) -> Iterator[ChunkDraft]:
    path: list[str] = []
    section: list[str] = []
    fence: str | None = None

    def flush() -> Iterator[ChunkDraft]:
        title = " > ".join(path) or document.title
        for piece in _pack(_paragraphs("\n".join(section)), max_tokens):
            yield ChunkDraft(kind=SECTION, text=piece, title=title)

    for line in document.text.split("\n"):
        match = _FENCE.match(line)
        if match:
            marker = match.group(1)
            fence = (
                marker[0] * 3 if fence is None else (None if marker.startswith(fence) else fence)
            )
        heading = _HEADING.match(line) if fence is None else None
        if heading:
            yield from flush()
            section = []
            level = len(heading.group(1))
            path = [*path[: level - 1], heading.group(2)]
            continue
        section.append(line)
    yield from flush()


def chunk_artifacts(artifacts: Sequence[ArtifactDraft]) -> Iterator[ChunkDraft]:
    for position, artifact in enumerate(artifacts):
        if artifact.type == ArtifactType.CONTEXT:
            continue
        turns = artifact.turn_indexes
        yield ChunkDraft(
            kind=ARTIFACT,
            text=artifact.content,
            title=artifact.title,
            turn_start=min(turns) if turns else None,
            turn_end=max(turns) if turns else None,
            artifact_type=str(artifact.type),
            language=artifact.language,
            artifact_index=position,
        )


def chunk_snapshot(markdown: str) -> Iterator[ChunkDraft]:
    """One chunk per snapshot section (`## ...`), titled by the section."""
    for chunk in chunk_document(Document(text=markdown, format="markdown"), max_tokens=300):
        yield ChunkDraft(kind=SNAPSHOT, text=chunk.text, title=chunk.title)


def chunk_source(turns: Sequence[Turn], document: Document) -> list[ChunkDraft]:
    """The text chunks of a source: its turns when it is a conversation, else its sections."""
    if turns:
        return list(chunk_turns(turns))
    return [c for c in chunk_document(document) if c.text.strip()]
