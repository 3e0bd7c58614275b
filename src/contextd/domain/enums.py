"""The wire enums of the Ctxfy API, plus our artifact types and job statuses.

They are `StrEnum`s so that they serialise as the exact upper-case strings the API documents.
"""

from enum import StrEnum


class SourceType(StrEnum):
    URI = "URI"
    FILE = "FILE"
    CONTENT = "CONTENT"
    COMPOSITION = "COMPOSITION"


class SourceStatus(StrEnum):
    CREATED = "CREATED"
    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELED = "CANCELED"

    @property
    def is_final(self) -> bool:
        return self in FINAL_STATUSES


FINAL_STATUSES = frozenset({SourceStatus.COMPLETED, SourceStatus.FAILED, SourceStatus.CANCELED})


class ArtifactType(StrEnum):
    CODE = "CODE"
    SCHEMA = "SCHEMA"
    DIAGRAM = "DIAGRAM"
    COMMAND = "COMMAND"
    CONTEXT = "CONTEXT"


class JobStatus(StrEnum):
    """A job's state in our own `jobs` table (procrastinate keeps its own statuses)."""

    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class SearchMode(StrEnum):
    HYBRID = "hybrid"
    LEXICAL = "lexical"
    VECTOR = "vector"


class ChunkKind(StrEnum):
    """What a search chunk was cut from: a conversation turn, a document section, an artifact or
    a context snapshot."""

    TURN = "turn"
    SECTION = "section"
    ARTIFACT = "artifact"
    SNAPSHOT = "snapshot"
