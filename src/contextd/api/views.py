"""Turn stored rows into the wire models of `api.schemas`. Lists fetch related rows in one query
per kind.

Each builder names every field of its model, so mypy checks the shapes against the one
declaration in `schemas.py`; the routes' `response_model` then serializes them. Stored columns
hold plain strings; the enums are restored here so that a stray value fails loudly at the edge.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any, NamedTuple, cast

from sqlalchemy import Connection, Row, bindparam, select
from sqlalchemy.orm import Session

from contextd.api.schemas import (
    ActionOut,
    ApiKeyOut,
    ArtifactOut,
    ArtifactSummary,
    CollectionNode,
    CollectionOut,
    PageLink,
    Pagination,
    PostbackDeliveryOut,
    SearchResult,
    SearchScores,
    SessionInfo,
    SnapshotOut,
    SnapshotSummary,
    SourceOut,
    SourceStats,
    SpaceOut,
    ToolCallOut,
    TurnOut,
)
from contextd.domain.enums import ArtifactType, ChunkKind, SourceStatus, SourceType
from contextd.pipeline.toolcalls import tool_calls_from_json
from contextd.pipeline.types import (
    Action,
    FileEdit,
    FilePatch,
    FileWrite,
    ShellCommand,
    TodoList,
    ToolCall,
)
from contextd.search.hybrid import Hit
from contextd.search.query import highlights
from contextd.services import spaces
from contextd.services.paging import pages
from contextd.services.sources import HEAD_FIELDS
from contextd.store.tables import (
    ApiKey,
    Artifact,
    Collection,
    PostbackDelivery,
    Source,
    Space,
    Turn,
)


def pagination(page: int, per_page: int, total: int) -> Pagination:
    return Pagination(page=page, per_page=per_page, total=total, pages=pages(total, per_page))


def api_key(key: ApiKey) -> ApiKeyOut:
    return ApiKeyOut(
        id=key.id,
        key_prefix=key.key_prefix,
        name=key.name,
        expiration_date=key.expiration_date,
        created_at=key.created_at,
        revoked_at=key.revoked_at,
        last_used_at=key.last_used_at,
    )


def space(s: Space) -> SpaceOut:
    return SpaceOut(
        id=s.id,
        name=s.name,
        description=s.description,
        created_at=s.created_at,
        updated_at=s.updated_at,
    )


def collection(c: Collection) -> CollectionOut:
    return CollectionOut(
        id=c.id,
        spaceId=c.space_id,
        parentId=c.parent_id,
        name=c.name,
        description=c.description,
        created_at=c.created_at,
        updated_at=c.updated_at,
    )


def collection_tree(nodes: list[spaces.CollectionNode]) -> list[CollectionNode]:
    return [
        CollectionNode(
            **collection(n.collection).model_dump(), children=collection_tree(n.children)
        )
        for n in nodes
    ]


def _compression(meta: dict[str, Any]) -> float:
    after = meta.get("tokens_after") or 0
    return round((meta.get("tokens_before") or 0) / after, 2) if after else 0.0


def snapshot_summary(a: ArtifactHead) -> SnapshotSummary:
    return SnapshotSummary(
        id=a.id,
        tokens_before=a.meta.get("tokens_before", 0),
        tokens_after=a.meta.get("tokens_after", 0),
        tokenizer=a.meta.get("tokenizer", ""),
        compression=_compression(a.meta),
        engine=a.meta.get("engine", "builtin"),
        note=a.meta.get("note"),
        updated_at=a.updated_at,
    )


def snapshot(a: Artifact) -> SnapshotOut:
    return SnapshotOut(
        id=a.id,
        sourceId=a.source_id,
        content=a.content,
        tokens_before=a.meta.get("tokens_before", 0),
        tokens_after=a.meta.get("tokens_after", 0),
        tokenizer=a.meta.get("tokenizer", ""),
        budget=a.meta.get("budget", 0),
        compression=_compression(a.meta),
        engine=a.meta.get("engine", "builtin"),
        turn_indexes=a.turn_indexes,
        version=a.version,
        updated_at=a.updated_at,
    )


def artifact(a: Artifact) -> ArtifactOut:
    return ArtifactOut(
        id=a.id,
        spaceId=a.space_id,
        sourceId=a.source_id,
        type=ArtifactType(a.type),
        title=a.title,
        language=a.language,
        content=a.content,
        content_hash=a.content_hash,
        turn_indexes=a.turn_indexes,
        version=a.version,
        is_current=a.is_current,
        key=a.lineage_key,
        previous_version_id=a.previous_version_id,
        meta=a.meta,
        created_at=a.created_at,
        updated_at=a.updated_at,
    )


ArtifactHead = Row[Any]
"""What a source's answer shows of its artifacts (`_HEADS`): never their content, which can be
large and is not shown."""

_HEAD_COLUMNS = (Artifact.source_id, *(getattr(Artifact, f) for f in HEAD_FIELDS))
_HEADS = (
    select(*_HEAD_COLUMNS)
    .where(Artifact.source_id.in_(bindparam("ids", expanding=True)), Artifact.is_current.is_(True))
    .order_by(Artifact.created_at, Artifact.id)
)
"""Built once: building a statement costs more than running this one (bench/api.py)."""
_HEADS_OF_ONE = (
    select(*_HEAD_COLUMNS)
    .where(Artifact.source_id == bindparam("id"), Artifact.is_current.is_(True))
    .order_by(Artifact.created_at, Artifact.id)
)
"""`_HEADS` for one source (get-source): an expanding `IN` is rendered again on every
execution, a plain parameter only once."""


def sources(session: Session | Connection, rows: Sequence[Source | Row[Any]]) -> list[SourceOut]:
    related: dict[str, list[ArtifactHead]] = defaultdict(list)
    if rows:
        for a in session.execute(_HEADS, {"ids": [s.id for s in rows]}):
            related[a.source_id].append(a)
    return [_source(s, related[s.id]) for s in rows]


def source(session: Session | Connection, row: Source | Row[Any]) -> SourceOut:
    """The answer for one source; its artifacts' heads come with `row` when it was read by
    `sources.read_source` (get-source), else they are looked up."""
    heads = getattr(row, "heads", None)
    if heads is not None:
        return _source(row, _decoded_heads(row.id, heads))
    return _source(row, list(session.execute(_HEADS_OF_ONE, {"id": row.id})))


class _Head(NamedTuple):
    """An artifact head decoded from `sources.read_source`'s JSON, with the attributes of an
    `ArtifactHead` row."""

    source_id: str
    id: str
    type: str
    title: str
    language: str | None
    version: int
    meta: dict[str, Any] | None
    updated_at: datetime


def _decoded_heads(source_id: str, value: str | list[list[Any]]) -> list[ArtifactHead]:
    """SQLite gives the aggregate as text, PostgreSQL's driver as decoded JSON, each head in
    `HEAD_FIELDS`' order. The times as `UTCDateTime` reads them: naive (SQLite) taken as UTC,
    aware (PostgreSQL) moved to UTC."""
    items = json.loads(value) if isinstance(value, str) else value
    heads: list[Any] = []
    for item in items:
        fields = dict(zip(HEAD_FIELDS, item, strict=True))
        at = datetime.fromisoformat(fields.pop("updated_at"))
        at = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
        heads.append(_Head(source_id=source_id, updated_at=at, **fields))
    return heads


def new_source(row: Mapping[str, Any]) -> SourceOut:
    """A source created in this request, from the column values it was written with
    (`sources.create_source`): it has no artifacts yet, so none are looked up."""
    return _source(cast(Source, SimpleNamespace(**row)), [])


def _source(s: Source | Row[Any], arts: list[ArtifactHead]) -> SourceOut:
    snapshots = [a for a in arts if a.type == ArtifactType.CONTEXT]
    others = [a for a in arts if a.type != ArtifactType.CONTEXT]
    return SourceOut(
        id=s.id,
        spaceId=s.space_id,
        collectionId=s.collection_id,
        type=SourceType(s.type),
        name=s.name,
        description=s.description,
        status=SourceStatus(s.status),
        message=s.message,
        pinned=s.pinned,
        deleted=s.deleted_at is not None,
        deleted_at=s.deleted_at,
        initial_data=s.initial_data,
        instructions=s.instructions,
        revision=s.revision,
        title=s.title,
        format=s.document_format,
        stats=SourceStats(turns=s.turn_count, tokens=s.token_count, artifacts=len(others)),
        artifacts=[
            ArtifactSummary(
                id=a.id,
                type=ArtifactType(a.type),
                title=a.title,
                language=a.language,
                version=a.version,
            )
            for a in others[:100]
        ],
        snapshot=snapshot_summary(snapshots[-1]) if snapshots else None,
        session=session_info(s.meta),
        links=page_links(s.meta),
        created_at=s.created_at,
        updated_at=s.updated_at,
        processed_at=s.processed_at,
    )


def page_links(meta: dict[str, Any] | None) -> list[PageLink]:
    """The links the HTML converter kept (`Document.meta["links"]`), when the source is a page."""
    found = (meta or {}).get("links")
    if not isinstance(found, list):
        return []
    return [
        PageLink(url=item["url"], text=str(item.get("text") or ""))
        for item in found
        if isinstance(item, dict) and isinstance(item.get("url"), str)
    ]


def session_info(meta: dict[str, Any] | None) -> SessionInfo | None:
    """A coding-agent session's metadata (`pipeline.types.SESSION_META_KEYS`), when the source
    is one (its reader named the agent)."""
    if not meta or not meta.get("agent"):
        return None

    def text(key: str) -> str | None:
        value = meta.get(key)
        return None if value is None else str(value)

    skipped = meta.get("skipped_lines")
    known = ("agent", "session_id", "model", "cwd", "git_branch", "started_at", "ended_at")
    return SessionInfo(
        agent=text("agent"),
        sessionId=text("session_id"),
        model=text("model"),
        cwd=text("cwd"),
        gitBranch=text("git_branch"),
        startedAt=text("started_at"),
        endedAt=text("ended_at"),
        skippedLines=skipped if isinstance(skipped, int) and not isinstance(skipped, bool) else 0,
        other={k: v for k, v in meta.items() if k not in known and k != "skipped_lines"},
    )


TURN_OUTPUT_CHARS = 2_000
"""At most this much of a tool call's output, or of a command, in the turns endpoint."""


def turn(t: Turn, *, thinking: bool = False) -> TurnOut:
    """A stored turn; its thinking only when asked (it is the model's, not the conversation)."""
    return TurnOut(
        index=t.idx,
        speaker=t.speaker,
        role=t.role,
        text=t.text,
        timestamp=t.timestamp,
        toolCalls=[tool_call(call) for call in tool_calls_from_json(t.tool_calls)],
        thinking=(t.thinking or "") if thinking else None,
    )


def tool_call(call: ToolCall) -> ToolCallOut:
    output = call.output[:TURN_OUTPUT_CHARS]
    return ToolCallOut(
        name=call.name,
        summary=call.summary,
        status=call.status,
        output=output,
        outputCut=call.output_cut + len(call.output) - len(output),
        actions=[action(a) for a in call.actions],
        id=call.id,
    )


def _size(text: str) -> tuple[int, int]:
    return len(text), text.count("\n") + (1 if text and not text.endswith("\n") else 0)


def action(a: Action) -> ActionOut:
    """An action without file contents: those are the source's artifacts."""
    if isinstance(a, FileWrite):
        chars, lines = _size(a.content)
        return ActionOut(type="file_write", path=a.path, chars=chars, lines=lines)
    if isinstance(a, FileEdit):
        return ActionOut(
            type="file_edit",
            path=a.path,
            oldChars=len(a.old),
            newChars=len(a.new),
            replaceAll=a.replace_all,
        )
    if isinstance(a, FilePatch):
        chars, lines = _size(a.patch)
        return ActionOut(
            type="file_patch", path=a.path, chars=chars, lines=lines, operation=a.operation
        )
    if isinstance(a, ShellCommand):
        return ActionOut(
            type="shell_command", command=a.command[:TURN_OUTPUT_CHARS], exitCode=a.exit_code
        )
    assert isinstance(a, TodoList)
    return ActionOut(
        type="todo_list", items=[{"text": i.text, "status": i.status} for i in a.items]
    )


def delivery(d: PostbackDelivery) -> PostbackDeliveryOut:
    return PostbackDeliveryOut(
        id=d.id,
        sourceId=d.source_id,
        url=d.url,
        payload=d.payload,
        status=d.status,
        attempts=d.attempts,
        last_status_code=d.last_status_code,
        last_error=d.last_error,
        created_at=d.created_at,
        delivered_at=d.delivered_at,
    )


def search_result(h: Hit, query: str) -> SearchResult:
    c = h.chunk
    return SearchResult(
        chunkId=c.id,
        kind=ChunkKind(c.kind),
        score=h.score,
        scores=SearchScores(lexical=h.lexical, vector=h.vector, rerank=h.rerank),
        text=c.text,
        title=c.title,
        highlights=highlights(c.text, query),
        sourceId=h.source.id,
        sourceName=h.source.name or h.source.title,
        sourceType=SourceType(h.source.type),
        turnStart=c.turn_start,
        turnEnd=c.turn_end,
        speaker=c.speaker,
        timestamp=c.timestamp,
        artifactId=c.artifact_id,
        artifactType=None if c.artifact_type is None else ArtifactType(c.artifact_type),
        language=c.language,
    )
