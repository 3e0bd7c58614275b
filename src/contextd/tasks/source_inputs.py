"""Where a run of the process-source job gets its content: the source's own bytes (fetched
again or stored), the bytes of fast-forward parts, a composition's members, or what the source
already holds, and how parts read separately are joined into one document and turn list."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from contextd.domain.enums import SourceStatus, SourceType
from contextd.jobs.base import RetryLater
from contextd.pipeline import ingest
from contextd.pipeline.toolcalls import tool_calls_from_json
from contextd.pipeline.types import Document, Fetched, PipelineError, Turn, content_hash
from contextd.services.sources import raw_key
from contextd.store.tables import Source
from contextd.store.tables import Turn as TurnRow
from contextd.tasks.context import TaskContext
from contextd.tasks.source_plan import IN_PROGRESS, Plan


def _read_raw(
    ctx: TaskContext, key: str | None, content_type: str | None, name: str | None
) -> Fetched:
    if not key or not ctx.runtime.blobs.exists(key):
        raise PipelineError("the source's stored content is no longer available")
    return Fetched(content=ctx.runtime.blobs.get(key), content_type=content_type, filename=name)


def fetch_base(ctx: TaskContext, plan: Plan) -> Fetched:
    """The source's own bytes: fetched again for URI process/refresh, stored otherwise."""
    if plan.type is SourceType.URI and (plan.mode in ("process", "refresh") or not plan.raw_key):
        url = plan.initial_data.get("url") or plan.initial_data.get("uri")
        return ingest.fetch_url(str(url), ctx.runtime.net_policy)
    if plan.type is SourceType.CONTENT:
        if plan.raw_inline is not None:
            return Fetched(content=plan.raw_inline, content_type=None, filename=None)
        return _read_raw(ctx, plan.raw_key, None, None)
    return _read_raw(ctx, plan.raw_key, plan.raw_content_type, plan.raw_filename)


def part_bytes(ctx: TaskContext, part_id: str) -> Fetched:
    """The bytes of a fast-forward part: fetched (URI) or stored (FILE, CONTENT) once."""
    with ctx.runtime.db.read_session() as session:
        part = session.get(Source, part_id)
        if part is None:
            raise PipelineError("fast-forward data is gone")
        kind, data = SourceType(part.type), dict(part.initial_data)
        key, ctype, name = part.raw_key, part.raw_content_type, part.raw_filename
        inline = part.raw_inline if kind is SourceType.CONTENT and not key else None
    if inline is not None:  # small CONTENT, kept in the part's row
        return Fetched(content=inline, content_type=None, filename=None)
    if kind is SourceType.URI and not key:
        fetched = ingest.fetch_url(str(data.get("url") or data.get("uri")), ctx.runtime.net_policy)
        key = raw_key(part_id)
        ctx.runtime.blobs.put(key, fetched.content)

        def keep(session: Session) -> None:
            row = session.get(Source, part_id)
            if row is not None:
                row.raw_key = key
                row.raw_hash = content_hash(fetched.content)
                row.raw_content_type = fetched.content_type
                row.raw_filename = fetched.filename

        ctx.runtime.db.write(keep)
        return fetched
    return _read_raw(ctx, key, None if kind is SourceType.CONTENT else ctype, name)


def composition(ctx: TaskContext, plan: Plan) -> tuple[Document, tuple[Turn, ...]]:
    ids: list[str] = list(plan.initial_data.get("source_ids", []))
    texts: list[str] = []
    turns: list[Turn] = []
    with ctx.runtime.db.read_session() as session:
        members = {s.id: s for s in session.scalars(select(Source).where(Source.id.in_(ids)))}
        for member_id in ids:
            member = members.get(member_id)
            if member is None or member.deleted_at is not None:
                raise PipelineError(f"composition member {member_id} no longer exists")
            if member.status in IN_PROGRESS:
                raise RetryLater(2.0, f"waiting for member {member_id} ({member.status})")
            if member.status != SourceStatus.COMPLETED or not member.document_key:
                raise PipelineError(f"composition member {member_id} is {member.status}")
            text = ctx.runtime.blobs.get(member.document_key).decode()
            texts.append(f"# {member.name or member.title or member.id}\n\n{text}")
            rows = session.scalars(
                select(TurnRow).where(TurnRow.source_id == member_id).order_by(TurnRow.idx)
            )
            offset = len(turns)
            turns.extend(replace(_turn(r), index=offset + i) for i, r in enumerate(rows))
    return Document(text="\n\n".join(texts), format="composition"), tuple(turns)


def existing(ctx: TaskContext, plan: Plan) -> tuple[Document, tuple[Turn, ...]]:
    with ctx.runtime.db.read_session() as session:
        source = session.get(Source, plan.source_id)
        assert source is not None
        doc_key, fmt, title = source.document_key, source.document_format, source.title
        meta = dict(source.meta or {})
        rows = session.scalars(
            select(TurnRow).where(TurnRow.source_id == plan.source_id).order_by(TurnRow.idx)
        )
        turns = tuple(_turn(r) for r in rows)
    text = ctx.runtime.blobs.get(doc_key).decode() if doc_key else ""
    return Document(text=text, format=fmt or "text", title=title, meta=meta), turns


def _turn(row: TurnRow) -> Turn:
    """A stored turn as the pipeline sees it, tool calls and thinking included."""
    return Turn(
        row.idx,
        row.speaker,
        row.role,
        row.text,
        row.timestamp,
        tool_calls=tool_calls_from_json(row.tool_calls),
        thinking=row.thinking or "",
    )


def join(parts: list[tuple[Document, tuple[Turn, ...]]]) -> tuple[Document, tuple[Turn, ...]]:
    first = parts[0][0]
    text = "\n\n".join(doc.text for doc, _ in parts if doc.text)
    turns = tuple(t for _, ts in parts for t in ts)
    meta = _join_meta([doc.meta for doc, _ in parts])
    return Document(text=text, format=first.format, title=first.title, meta=meta), turns


def _join_meta(metas: list[Mapping[str, object]]) -> dict[str, object]:
    """The metadata of a source read in parts (a session grown by fast-forward): later parts
    win (the session's end, its latest model), except where it began, which the first part
    says, and the malformed lines skipped, which add up."""
    joined: dict[str, object] = {}
    skipped = 0
    for meta in metas:
        for key, value in meta.items():
            if key == "started_at" and "started_at" in joined:
                continue
            joined[key] = value
        count = meta.get("skipped_lines")
        skipped += count if isinstance(count, int) else 0
    if any("skipped_lines" in meta for meta in metas):
        joined["skipped_lines"] = skipped
    return joined
