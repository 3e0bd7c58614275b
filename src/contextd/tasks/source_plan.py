"""What one run of the process-source job knows and produces: the `Plan` read from the source
row at start, the `Outcome` its stages build, and `Superseded`, raised when the source moved
on so the run's work is dropped. Shared by the job (`process_source`) and its stage modules."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from contextd.domain.enums import SourceStatus, SourceType
from contextd.pipeline.types import ArtifactDraft, Document, Fetched, SnapshotDraft, Turn

IN_PROGRESS = (SourceStatus.CREATED, SourceStatus.PENDING, SourceStatus.PROCESSING)


class Superseded(Exception):
    """The source moved on (canceled, deleted, or a newer revision): drop this job's work."""


@dataclass
class Plan:
    """A snapshot of what the job needs from the source row, read once at start."""

    source_id: str
    revision: int
    mode: str
    type: SourceType
    initial_data: dict[str, Any]
    raw_key: str | None
    raw_hash: str | None
    raw_content_type: str | None
    raw_filename: str | None
    instructions: dict[str, Any]
    raw_inline: bytes | None = None  # small CONTENT kept in the row instead of at `raw_key`
    part_id: str | None = None
    run_context: bool = True
    run_artifacts: bool = True
    update_existing: bool = True
    force: bool = False
    appended_parts: list[str] = field(default_factory=list)
    name: str | None = None
    # This run wrote chunks without queueing their embedding job (a small source: its inline
    # embedding at the end covers them); a run dropped before that must queue it.
    embedding_left: bool = False


@dataclass
class Outcome:
    document: Document
    turns: tuple[Turn, ...]
    append: bool
    artifacts: list[ArtifactDraft] | None
    snapshot: SnapshotDraft | None
    raw: Fetched | None = None
    unchanged: bool = False
    tokens: int = 0  # the whole source's `source_tokens`, all turns (not only appended ones)
    # False: the turns and their chunks were not written early (`stage_text`, skipped for a
    # small source); the final commit writes them in its own transaction.
    staged: bool = True
