"""Request and response bodies, named exactly as they are on the wire.

Casing follows the Ctxfy documentation, which mixes styles: ids are camelCase (`spaceId`,
`collectionId`, `parentId`, `fileKey`), while `initial_data`, `source_ids`, `postback_url`,
`update_existing`, `run_*_extraction` and timestamps (`created_at`) are snake_case.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    field_validator,
)
from pydantic_core import PydanticCustomError

from contextd.domain.enums import ArtifactType, ChunkKind, SearchMode, SourceStatus, SourceType


def _in_utc(value: datetime) -> datetime:
    """Stored times are UTC: `0001-01-01T00:00:00+01:00` has no UTC equivalent."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError("datetime_range", "out of range once converted to UTC") from None


UtcDatetime = Annotated[AwareDatetime, AfterValidator(_in_utc)]
"""A time with a timezone that converts to UTC (as every stored time is)."""

MAX_JSON_DEPTH = 64
"""How deeply free-form JSON (`initial_data`, `instructions`) may nest; chat exports need ~10."""


def _storable(value: Any, depth: int = 0) -> None:
    """Refuse JSON that parses but cannot be stored or sent back the same on every backend:
    NUL characters (PostgreSQL text cannot hold them), lone surrogates (not encodable as UTF-8),
    NaN/Infinity (not JSON), and nesting deep enough to exhaust a recursive encoder."""
    if depth > MAX_JSON_DEPTH:
        raise PydanticCustomError(
            "json_depth", "nested deeper than {limit} levels", {"limit": MAX_JSON_DEPTH}
        )
    if isinstance(value, str):
        if "\x00" in value:
            raise PydanticCustomError("nul_char", "must not contain NUL (\\u0000) characters")
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise PydanticCustomError(
                    "lone_surrogate", "must be valid Unicode (no lone surrogates)"
                ) from None
    elif isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("non_finite", "must not contain NaN or Infinity")
    elif isinstance(value, dict):
        for key, item in value.items():
            _storable(key, depth + 1)
            _storable(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _storable(item, depth + 1)


def _json_integer(value: Any) -> Any:
    """One rule for every integer field, the JSON Schema one: a number without a fraction
    (`23` or `23.0`); never `23.5`, a string, or a boolean."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PydanticCustomError("int_type", "must be a JSON integer, e.g. 23")
    if isinstance(value, float):
        if not value.is_integer():
            raise PydanticCustomError("int_from_float", "must be a whole number, e.g. 23")
        return int(value)
    return value


def _json_number(value: Any) -> Any:
    """A JSON number: never a string or a boolean."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PydanticCustomError("float_type", "must be a JSON number, e.g. 4.5")
    return value


JsonInt = Annotated[int, BeforeValidator(_json_integer)]
JsonNumber = Annotated[float, BeforeValidator(_json_number)]
JsonBool = StrictBool
"""Booleans are JSON `true`/`false` only, everywhere: not `0`, `1` or `"yes"`."""

NO_NUL = r"^[^\u0000]*$"
"""Stated on every request string: text must not contain NUL characters (see `_storable`)."""

MEDIA_TYPE = r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+\-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+\-]*$"


def _state_no_nul(schema: dict[str, Any]) -> None:
    """Add the NUL rule to every string in a request model's JSON schema, nested ones too."""
    plain = not {"pattern", "enum", "format"} & set(schema)
    if schema.get("type") == "string" and plain:
        schema["pattern"] = NO_NUL
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            _state_no_nul(sub)
    if isinstance(schema.get("items"), dict):
        _state_no_nul(schema["items"])
    for sub in schema.get("properties", {}).values():
        _state_no_nul(sub)


class Strict(BaseModel):
    """Request bodies refuse unknown fields, so a misspelt field is an error, not a no-op, and
    every value must be storable as given (see `_storable`)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_state_no_nul)

    @field_validator("*", mode="before")
    @classmethod
    def _check_storable(cls, value: Any) -> Any:
        _storable(value)
        return value


class Pagination(BaseModel):
    page: int
    per_page: int
    total: int
    pages: int


# --- API keys ---------------------------------------------------------------------------------


class ApiKeyCreate(Strict):
    name: str | None = Field(default=None, max_length=200)
    expiration_date: UtcDatetime | None = Field(
        default=None,
        description="ISO 8601 with a timezone, e.g. 2030-12-25T10:00:00Z; must be in the future "
        "(a past date is refused with 400). Null: the key never expires.",
    )


class ApiKeyOut(BaseModel):
    id: str
    key_prefix: str
    name: str | None
    expiration_date: datetime | None
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None = None


class ApiKeyCreated(ApiKeyOut):
    api_key: str = Field(description="The raw key. Shown only in this response.")


class ApiKeyList(BaseModel):
    api_keys: list[ApiKeyOut]
    pagination: Pagination


# --- spaces and collections -------------------------------------------------------------------


class SpaceWrite(Strict):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)


class SpaceOut(BaseModel):
    id: str
    name: str
    description: str | None
    created_at: datetime
    updated_at: datetime


class SpaceList(BaseModel):
    spaces: list[SpaceOut]
    pagination: Pagination


PARENT_ID = (
    "The id of a collection of the same space (another space's collection, an unknown id, or "
    "the collection itself or one below it is refused with 400). Null: at the root."
)


class CollectionCreate(Strict):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    parentId: str | None = Field(default=None, max_length=36, description=PARENT_ID)


class CollectionPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    parentId: str | None = Field(default=None, max_length=36, description=PARENT_ID)


class CollectionOut(BaseModel):
    id: str
    spaceId: str
    parentId: str | None
    name: str
    description: str | None
    created_at: datetime
    updated_at: datetime


class CollectionNode(CollectionOut):
    children: list[CollectionNode]


class CollectionTree(BaseModel):
    collections: list[CollectionNode]


# --- sources ----------------------------------------------------------------------------------


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
    snapshot_ratio: Annotated[float, Field(ge=1, le=100), BeforeValidator(_json_number)] | None = (
        Field(default=None, description="Extension: compression of the new snapshot")
    )
    snapshot_budget_tokens: (
        Annotated[int, Field(ge=50, le=1_000_000), BeforeValidator(_json_integer)] | None
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


class ActionOut(BaseModel):
    """What a tool call did, compactly: files by path and size (their contents are the
    source's artifacts), commands with their exit code, todo lists whole."""

    type: str = Field(description="file_write, file_edit, file_patch, shell_command or todo_list")
    path: str | None = Field(default=None, description="file actions: the file")
    chars: int | None = Field(
        default=None, description="file_write: the content's size; file_patch: the patch's"
    )
    lines: int | None = Field(default=None, description="file_write, file_patch: line count")
    oldChars: int | None = Field(default=None, description="file_edit: size of the text replaced")
    newChars: int | None = Field(default=None, description="file_edit: size of the new text")
    replaceAll: bool | None = Field(default=None, description="file_edit: every occurrence")
    operation: str | None = Field(default=None, description="file_patch: update, add or delete")
    command: str | None = Field(default=None, description="shell_command: the command (bounded)")
    exitCode: int | None = Field(default=None, description="shell_command: when recorded")
    items: list[dict[str, str]] | None = Field(
        default=None, description="todo_list: the items, each {text, status}"
    )


class ToolCallOut(BaseModel):
    name: str
    summary: str = Field(description="what the call was about: a path, a command, a query")
    status: str | None = Field(description="ok, error, or null when the session holds no result")
    output: str = Field(description="the result, cut to a bounded length")
    outputCut: int = Field(description="characters of the result not shown")
    actions: list[ActionOut]
    id: str | None


class TurnOut(BaseModel):
    index: int
    speaker: str
    role: str
    text: str
    timestamp: datetime | None
    toolCalls: list[ToolCallOut] = Field(
        default_factory=list, description="Extension: the tool calls a coding agent's turn made"
    )
    thinking: str | None = Field(
        default=None,
        description="Extension: the model's thinking, only with `?thinking=true` (else null)",
    )


class TurnList(BaseModel):
    turns: list[TurnOut]
    pagination: Pagination


# --- artifacts --------------------------------------------------------------------------------


class ArtifactOut(BaseModel):
    id: str
    spaceId: str
    sourceId: str
    type: ArtifactType
    title: str
    language: str | None
    content: str
    content_hash: str
    turn_indexes: list[int]
    version: int
    is_current: bool
    key: str | None = Field(description="Lineage: versions of one file/function share it")
    previous_version_id: str | None
    meta: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class ArtifactList(BaseModel):
    artifacts: list[ArtifactOut]
    pagination: Pagination


class ArtifactVersions(BaseModel):
    versions: list[ArtifactOut] = Field(description="Oldest first; the last one is current")


class SnapshotOut(BaseModel):
    id: str
    sourceId: str
    content: str
    tokens_before: int
    tokens_after: int
    tokenizer: str
    budget: int
    compression: float
    engine: str
    turn_indexes: list[int]
    version: int
    updated_at: datetime


# --- uploads and postbacks --------------------------------------------------------------------


class UploadRequest(Strict):
    filename: str = Field(min_length=1, max_length=255)
    contentType: str = Field(
        min_length=1,
        max_length=200,
        pattern=MEDIA_TYPE,
        description="A media type such as text/plain, without parameters; the PUT must send it",
    )
    size: JsonInt = Field(
        gt=0, description="Bytes, a JSON integer, at most the server's upload limit"
    )


class UploadOut(BaseModel):
    uploadUrl: str
    publicUrl: str
    fileKey: str


class PostbackSecret(BaseModel):
    secret: str = Field(description="Standard Webhooks secret that signs your postbacks")


class PostbackDeliveryOut(BaseModel):
    id: str
    sourceId: str
    url: str
    payload: dict[str, Any]
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class PostbackDeliveryList(BaseModel):
    deliveries: list[PostbackDeliveryOut]
    pagination: Pagination


# --- search (extension) -----------------------------------------------------------------------


class SearchFiltersIn(Strict):
    sourceIds: list[str] = Field(default_factory=list, max_length=100)
    collectionId: str | None = Field(default=None, max_length=36)
    sourceTypes: list[SourceType] = Field(default_factory=list)
    kinds: list[ChunkKind] = Field(
        default_factory=list, description="turn, section, artifact or snapshot"
    )
    artifactTypes: list[ArtifactType] = Field(default_factory=list)
    languages: list[str] = Field(default_factory=list, max_length=20)
    after: UtcDatetime | None = Field(
        default=None, description="turn time (or indexing time) from, with a timezone"
    )
    before: UtcDatetime | None = Field(default=None, description="until, with a timezone")
    pinned: JsonBool | None = None
    include_deleted: JsonBool = False


class SearchRequest(Strict):
    query: str = Field(min_length=1, max_length=2000)
    mode: SearchMode = SearchMode.HYBRID
    top_k: JsonInt = Field(default=10, ge=1, le=100)
    filters: SearchFiltersIn = Field(default_factory=SearchFiltersIn)
    rerank: JsonBool | None = Field(
        default=None,
        description="Extension: order the best 50 candidates by the configured reranker "
        "(CONTEXTD_RERANK_URL) before cutting to top_k. Default (null): rerank when a reranker "
        "is configured; true without one answers unreranked, with `rerank_error` saying so.",
    )


class SearchScores(BaseModel):
    lexical: float | None = Field(
        description="the chunk's full-text score, higher is better: FTS5 BM25 (SQLite) or the "
        "sum of ts_rank per query term weighted by its BM25 IDF (PostgreSQL); null when the "
        "lexical side did not return the chunk"
    )
    vector: float | None = Field(
        description="cosine similarity to the query; null when the vector side did not return it"
    )
    rerank: float | None = Field(
        default=None, description="the reranker's relevance score, when results were reranked"
    )


class SearchResult(BaseModel):
    chunkId: int
    kind: ChunkKind
    score: float = Field(
        description="what results are ordered by: the rerank score when reranked, else the "
        "hybrid score (0.7 x lexical + 0.3 x vector, each min-max normalized over its "
        "candidates), or the lexical or vector score in those modes"
    )
    scores: SearchScores
    text: str
    title: str | None
    highlights: list[str] = Field(description="snippets with query terms in <mark>...</mark>")
    sourceId: str
    sourceName: str | None
    sourceType: SourceType
    turnStart: int | None
    turnEnd: int | None
    speaker: str | None
    timestamp: datetime | None
    artifactId: str | None
    artifactType: ArtifactType | None
    language: str | None


class SearchResponse(BaseModel):
    query: str
    mode: SearchMode
    results: list[SearchResult]
    took_ms: float
    reranked: bool = Field(
        default=False, description="Extension: results are in the reranker's order"
    )
    rerank_model: str | None = Field(default=None, description="the reranker that ordered them")
    rerank_error: str | None = Field(
        default=None,
        description="why a rerank that was asked for (or is on by default) did not happen; the "
        "results are then in fused order",
    )
