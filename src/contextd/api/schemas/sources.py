"""Sources: creating, changing, refreshing, reprocessing and fast-forwarding one, and what a
source looks like on the wire (its stats, artifacts, snapshot, session and links)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, Field

from contextd.api.schemas.base import JsonBool, Pagination, Strict, json_integer, json_number
from contextd.domain.enums import ArtifactType, SourceStatus, SourceType

INITIAL_DATA = (
    "What the source is made of, by `type`: URI `{url}` (or `uri`; http(s) to a public host, "
    "at most 4096 characters), FILE `{data: fileKey}` (your upload from /v1/upload/s3, PUT "
    "already), CONTENT `{data}` (text, or JSON that is stored as its text), COMPOSITION "
    "`{source_ids: [...]}` (your sources in the same space). Anything else is refused with 400. "
    "No string in it may contain NUL characters, and it may nest at most 64 levels."
)
INSTRUCTIONS = (
    "Processing options. Required by the Ctxfy API (may be `{}`). Known keys: `postback_url` "
    "(HTTPS to a public host), and our extensions `snapshot_ratio` (a number from 1 to 100, "
    "default 4), `snapshot_budget_tokens` (an integer from 50 to 1,000,000) and "
    "`snapshot_engine` (`builtin` or `llm`); other values of these keys are refused with 400. "
    "No string in it may contain NUL characters, and it may nest at most 64 levels."
)
COLLECTION_ID = (
    "A collection of the source's space (any other id is refused with 400); null: unfiled"
)


class SourceCreate(Strict):
    type: SourceType
    initial_data: dict[str, Any] = Field(description=INITIAL_DATA)
    instructions: dict[str, Any] = Field(description=INSTRUCTIONS)
    name: str | None = Field(default=None, max_length=500)
    description: str | None = Field(default=None, max_length=10_000)
    collectionId: str | None = Field(default=None, max_length=36, description=COLLECTION_ID)


class SourcePatch(Strict):
    name: str | None = Field(default=None, max_length=500)
    description: str | None = Field(default=None, max_length=10_000)
    collectionId: str | None = Field(default=None, max_length=36, description=COLLECTION_ID)
    instructions: dict[str, Any] | None = Field(default=None, description=INSTRUCTIONS)


class RefreshRequest(Strict):
    run_context_extraction: JsonBool = True
    run_artifact_extraction: JsonBool = True
    force: JsonBool = Field(
        default=False, description="Extension: re-extract even when the content is unchanged."
    )


class ReprocessRequest(Strict):
    run_context_extraction: JsonBool = True
    run_artifact_extraction: JsonBool = True
    update_existing: JsonBool = True
    # In an optional field, the limits must come before the validator to reach the schema.
    snapshot_ratio: Annotated[float, Field(ge=1, le=100), BeforeValidator(json_number)] | None = (
        Field(default=None, description="Extension: compression of the new snapshot")
    )
    snapshot_budget_tokens: (
        Annotated[int, Field(ge=50, le=1_000_000), BeforeValidator(json_integer)] | None
    ) = Field(default=None, description="Extension: token budget of the new snapshot")


class FastForwardRequest(Strict):
    type: SourceType = Field(description="URI, FILE or CONTENT (COMPOSITION is refused with 400)")
    initial_data: dict[str, Any] = Field(description=INITIAL_DATA)
    instructions: dict[str, Any] | None = Field(default=None, description=INSTRUCTIONS)


class ArtifactSummary(BaseModel):
    id: str
    type: ArtifactType
    title: str
    language: str | None
    version: int


class SnapshotSummary(BaseModel):
    id: str
    tokens_before: int
    tokens_after: int
    tokenizer: str
    compression: float
    engine: str
    note: str | None = Field(default=None, description="e.g. why the LLM engine was not used")
    updated_at: datetime


class SourceStats(BaseModel):
    turns: int
    tokens: int
    artifacts: int


class SessionInfo(BaseModel):
    """What a coding-agent session's files say about it, beside its turns."""

    agent: str | None = Field(default=None, description="claude-code, codex, gemini, cline, ...")
    sessionId: str | None = None
    model: str | None = None
    cwd: str | None = Field(default=None, description="the agent's working directory")
    gitBranch: str | None = None
    startedAt: str | None = Field(default=None, description="first timestamp, ISO 8601")
    endedAt: str | None = Field(default=None, description="last timestamp, ISO 8601")
    skippedLines: int = Field(default=0, description="malformed records skipped, never fatal")
    other: dict[str, Any] = Field(
        default_factory=dict, description="anything else the reader recorded"
    )


class PageLink(BaseModel):
    """A link in a web page's main content: its target kept apart from the text."""

    url: str = Field(description="absolute where the page's address is known")
    text: str = Field(default="", description="the link's text, as it reads in the content")


class SourceOut(BaseModel):
    id: str
    spaceId: str
    collectionId: str | None
    type: SourceType
    name: str | None
    description: str | None
    status: SourceStatus
    message: str | None = Field(description="Why the source FAILED or was CANCELED")
    pinned: bool
    deleted: bool
    deleted_at: datetime | None
    initial_data: dict[str, Any] = Field(
        description="As given, except CONTENT, whose inline data is summarised as `bytes`"
    )
    instructions: dict[str, Any]
    revision: int
    title: str | None
    format: str | None
    stats: SourceStats
    artifacts: list[ArtifactSummary] = Field(description="Extension: current artifacts")
    snapshot: SnapshotSummary | None = Field(description="Extension: latest context snapshot")
    session: SessionInfo | None = Field(
        default=None,
        description="Extension: for a coding-agent session, its agent, model, working directory, "
        "git branch and times, as its files say",
    )
    links: list[PageLink] = Field(
        default_factory=list,
        description="Extension: for a web page, the links in its main content, each URL once "
        "(the content's text keeps only the links' words)",
    )
    created_at: datetime
    updated_at: datetime
    processed_at: datetime | None


class FastForwardOut(SourceOut):
    fastForwardSourceId: str


class SourceList(BaseModel):
    sources: list[SourceOut]
    pagination: Pagination
