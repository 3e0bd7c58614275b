"""Response models, with Python names and the wire's own spelling as aliases.

The wire mixes casings (`spaceId`, `collectionId` but `initial_data`, `created_at`); here every
attribute is snake_case and the alias carries the exact wire name. Models keep unknown fields
(`extra="allow"`) and the enums accept unknown values, so a server that adds fields or statuses
(the hosted Ctxfy API, or a newer contextd) does not break an older SDK. Fields that only
contextd returns (extensions) have defaults for the same reason.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ApiKey",
    "Artifact",
    "ArtifactSummary",
    "ArtifactType",
    "Collection",
    "CollectionNode",
    "CreatedApiKey",
    "FastForwardResult",
    "Health",
    "Pagination",
    "PostbackDelivery",
    "PostbackSecret",
    "SearchFilters",
    "SearchMode",
    "SearchResponse",
    "SearchResult",
    "SearchScores",
    "SessionInfo",
    "Snapshot",
    "SnapshotSummary",
    "Source",
    "SourceStats",
    "SourceStatus",
    "SourceType",
    "Space",
    "ToolAction",
    "ToolCall",
    "Turn",
    "Upload",
]


class _OpenEnum(StrEnum):
    """A string enum that keeps values it does not know instead of refusing the response."""

    @classmethod
    def _missing_(cls, value: object) -> Any:
        if not isinstance(value, str):
            return None
        member = str.__new__(cls, value)
        member._name_ = value
        member._value_ = value
        return member


class SourceType(_OpenEnum):
    URI = "URI"
    FILE = "FILE"
    CONTENT = "CONTENT"
    COMPOSITION = "COMPOSITION"


class SourceStatus(_OpenEnum):
    CREATED = "CREATED"
    PENDING = "PENDING"
    PROCESSING = "PROCESSING"
    COMPLETED = "COMPLETED"
    FAILED = "FAILED"
    CANCELED = "CANCELED"

    @property
    def is_final(self) -> bool:
        """Processing is over: postbacks fire and `wait_until_done` returns on these."""
        return self in (SourceStatus.COMPLETED, SourceStatus.FAILED, SourceStatus.CANCELED)


class ArtifactType(_OpenEnum):
    CODE = "CODE"
    SCHEMA = "SCHEMA"
    DIAGRAM = "DIAGRAM"
    COMMAND = "COMMAND"
    CONTEXT = "CONTEXT"


class SearchMode(_OpenEnum):
    HYBRID = "hybrid"
    LEXICAL = "lexical"
    VECTOR = "vector"


class Model(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)


class Pagination(Model):
    page: int
    per_page: int
    total: int
    pages: int


class ApiKey(Model):
    id: str
    key_prefix: str | None = None
    name: str | None = None
    expiration_date: datetime | None = None
    created_at: datetime | None = None
    revoked_at: datetime | None = None
    last_used_at: datetime | None = None


class CreatedApiKey(ApiKey):
    api_key: str = Field(description="The raw key; the server shows it only once")


class Space(Model):
    id: str
    name: str
    description: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class Collection(Model):
    id: str
    space_id: str | None = Field(default=None, alias="spaceId")
    parent_id: str | None = Field(default=None, alias="parentId")
    name: str
    description: str | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None


class CollectionNode(Collection):
    children: list[CollectionNode] = Field(default_factory=list)


class SourceStats(Model):
    turns: int = 0
    tokens: int = 0
    artifacts: int = 0


class ArtifactSummary(Model):
    id: str
    type: ArtifactType
    title: str | None = None
    language: str | None = None
    version: int | None = None


class SnapshotSummary(Model):
    id: str
    tokens_before: int = 0
    tokens_after: int = 0
    tokenizer: str | None = None
    compression: float = 0.0
    engine: str | None = None
    note: str | None = None
    updated_at: datetime | None = None


class SessionInfo(Model):
    """A coding-agent session's metadata: agent, model, working directory, branch, times."""

    agent: str | None = None
    session_id: str | None = Field(default=None, alias="sessionId")
    model: str | None = None
    cwd: str | None = None
    git_branch: str | None = Field(default=None, alias="gitBranch")
    started_at: str | None = Field(default=None, alias="startedAt")
    ended_at: str | None = Field(default=None, alias="endedAt")
    skipped_lines: int = Field(default=0, alias="skippedLines")
    other: dict[str, Any] = Field(default_factory=dict)


class PageLink(Model):
    """A link in a web page's main content (the source's text keeps only its words)."""

    url: str
    text: str = ""


class Source(Model):
    id: str
    space_id: str | None = Field(default=None, alias="spaceId")
    collection_id: str | None = Field(default=None, alias="collectionId")
    type: SourceType
    name: str | None = None
    description: str | None = None
    status: SourceStatus
    message: str | None = None
    pinned: bool = False
    deleted: bool = False
    deleted_at: datetime | None = None
    initial_data: dict[str, Any] = Field(default_factory=dict)
    instructions: dict[str, Any] = Field(default_factory=dict)
    revision: int | None = None
    title: str | None = None
    format: str | None = None
    stats: SourceStats = Field(default_factory=SourceStats)
    artifacts: list[ArtifactSummary] = Field(default_factory=list)
    snapshot: SnapshotSummary | None = None
    session: SessionInfo | None = None
    links: list[PageLink] = Field(default_factory=list)
    created_at: datetime | None = None
    updated_at: datetime | None = None
    processed_at: datetime | None = None


class FastForwardResult(Source):
    """The target source (back to PENDING) and the temporary source holding the new data."""

    fast_forward_source_id: str | None = Field(default=None, alias="fastForwardSourceId")


class ToolAction(Model):
    """What a tool call did, compactly (file contents are the source's artifacts)."""

    type: str
    path: str | None = None
    chars: int | None = None
    lines: int | None = None
    old_chars: int | None = Field(default=None, alias="oldChars")
    new_chars: int | None = Field(default=None, alias="newChars")
    replace_all: bool | None = Field(default=None, alias="replaceAll")
    operation: str | None = None
    command: str | None = None
    exit_code: int | None = Field(default=None, alias="exitCode")
    items: list[dict[str, Any]] | None = None


class ToolCall(Model):
    """A tool call a coding agent's turn made, with its (bounded) result."""

    name: str
    summary: str = ""
    status: str | None = None
    output: str = ""
    output_cut: int = Field(default=0, alias="outputCut")
    actions: list[ToolAction] = Field(default_factory=list)
    id: str | None = None


class Turn(Model):
    index: int
    speaker: str | None = None
    role: str | None = None
    text: str
    timestamp: datetime | None = None
    tool_calls: list[ToolCall] = Field(default_factory=list, alias="toolCalls")
    thinking: str | None = None  # only when asked for (`turns(..., thinking=True)`)


class Snapshot(Model):
    id: str
    source_id: str | None = Field(default=None, alias="sourceId")
    content: str
    tokens_before: int = 0
    tokens_after: int = 0
    tokenizer: str | None = None
    budget: int | None = None
    compression: float = 0.0
    engine: str | None = None
    turn_indexes: list[int] = Field(default_factory=list)
    version: int | None = None
    updated_at: datetime | None = None


class Artifact(Model):
    id: str
    space_id: str | None = Field(default=None, alias="spaceId")
    source_id: str | None = Field(default=None, alias="sourceId")
    type: ArtifactType
    title: str | None = None
    language: str | None = None
    content: str
    content_hash: str | None = None
    turn_indexes: list[int] = Field(default_factory=list)
    version: int | None = None
    is_current: bool = True
    key: str | None = None
    previous_version_id: str | None = None
    meta: dict[str, Any] = Field(default_factory=dict)
    created_at: datetime | None = None
    updated_at: datetime | None = None


class Upload(Model):
    """A presigned upload: PUT the bytes to `upload_url`, then use `file_key` in a FILE source."""

    upload_url: str = Field(alias="uploadUrl")
    public_url: str | None = Field(default=None, alias="publicUrl")
    file_key: str = Field(alias="fileKey")


class PostbackSecret(Model):
    secret: str


class PostbackDelivery(Model):
    id: str
    source_id: str | None = Field(default=None, alias="sourceId")
    url: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)
    status: str | None = None
    attempts: int = 0
    last_status_code: int | None = None
    last_error: str | None = None
    created_at: datetime | None = None
    delivered_at: datetime | None = None


class SearchFilters(Model):
    """Narrow a search; unset fields are not sent."""

    source_ids: list[str] | None = Field(default=None, alias="sourceIds")
    collection_id: str | None = Field(default=None, alias="collectionId")
    source_types: list[SourceType] | None = Field(default=None, alias="sourceTypes")
    kinds: list[str] | None = Field(default=None, description="turn, section, artifact, snapshot")
    artifact_types: list[ArtifactType] | None = Field(default=None, alias="artifactTypes")
    languages: list[str] | None = None
    after: datetime | None = None
    before: datetime | None = None
    pinned: bool | None = None
    include_deleted: bool | None = None


class SearchScores(Model):
    lexical: float | None = None
    vector: float | None = None


class SearchResult(Model):
    chunk_id: int | str | None = Field(default=None, alias="chunkId")
    kind: str | None = None
    score: float
    scores: SearchScores = Field(default_factory=SearchScores)
    text: str
    title: str | None = None
    highlights: list[str] = Field(default_factory=list)
    source_id: str | None = Field(default=None, alias="sourceId")
    source_name: str | None = Field(default=None, alias="sourceName")
    source_type: SourceType | None = Field(default=None, alias="sourceType")
    turn_start: int | None = Field(default=None, alias="turnStart")
    turn_end: int | None = Field(default=None, alias="turnEnd")
    speaker: str | None = None
    timestamp: datetime | None = None
    artifact_id: str | None = Field(default=None, alias="artifactId")
    artifact_type: ArtifactType | None = Field(default=None, alias="artifactType")
    language: str | None = None


class SearchResponse(Model):
    query: str
    mode: SearchMode | None = None
    results: list[SearchResult] = Field(default_factory=list)
    took_ms: float | None = None


class Health(Model):
    status: str
    dependencies: dict[str, Any] = Field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "ok"
