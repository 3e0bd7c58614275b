"""The process-source job: run the pipeline stages for one revision of a source.

Stages run outside any database transaction; the job checks between stages that its revision
is still current (cancel, or a newer reprocess, makes it stop) and writes all results in one
final transaction, guarded by the same check, so a stale job never overwrites newer work.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sqlalchemy import delete, insert, select, update
from sqlalchemy.orm import Session

from contextd.domain.enums import ArtifactType, SourceStatus, SourceType
from contextd.jobs.base import ClaimedJob, RetryLater
from contextd.jobs.queue import PROCESS_SOURCE
from contextd.pipeline.artifacts import extract_artifacts
from contextd.pipeline.ingest import fetch_url, ingest
from contextd.pipeline.snapshot import source_tokens, update_snapshot
from contextd.pipeline.toolcalls import (
    complete_calls,
    storable,
    tool_calls_from_json,
    tool_calls_to_json,
)
from contextd.pipeline.types import (
    ArtifactDraft,
    Document,
    Fetched,
    PipelineError,
    SnapshotDraft,
    Turn,
    content_hash,
)
from contextd.search.index import (
    embed_pending,
    enqueue_embedding,
    index_extracted,
    index_text,
)
from contextd.services import artifacts as artifact_store
from contextd.services import processing
from contextd.services.sources import enqueue_postback, raw_key
from contextd.store.tables import Artifact, Source, utcnow
from contextd.store.tables import Turn as TurnRow
from contextd.tasks.context import TaskContext

log = logging.getLogger("contextd.jobs")

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
    part_id: str | None = None
    run_context: bool = True
    run_artifacts: bool = True
    update_existing: bool = True
    force: bool = False
    appended_parts: list[str] = field(default_factory=list)
    name: str | None = None


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


def run(ctx: TaskContext) -> None:
    plan = _begin(ctx)
    if plan is None:
        # A run taken over after its worker died may have committed COMPLETED but not embedded.
        if ctx.job.source_id is not None:
            _embed_inline(ctx, ctx.job.source_id)
        return
    try:
        outcome = _execute(ctx, plan)
    except PipelineError as exc:
        _fail(ctx, plan, str(exc))
        return
    except Superseded:
        log.info("job for source %s revision %s superseded", plan.source_id, plan.revision)
        return
    _commit(ctx, plan, outcome)
    _embed_inline(ctx, plan.source_id)


def _queue_embedding(ctx: TaskContext) -> bool:
    """Whether writing chunks queues their embedding job (not when this job embeds them)."""
    return not ctx.runtime.settings.embed_inline


def _embed_inline(ctx: TaskContext, source_id: str) -> None:
    """With `embed_inline`, embed what the source's chunks still lack right after COMPLETED, in
    this job: under a batch, an embedding lane behind by many sources would leave this one's
    vectors waiting for all of theirs, while here they follow within the seconds one source's
    artifact and snapshot chunks (and any turn chunks the lane has not reached) take. A failure
    (an embedding endpoint down) queues the embedding job, which retries with back-off."""
    if not ctx.runtime.settings.embed_inline:
        return
    try:
        embed_pending(ctx.runtime.db, ctx.runtime.embedder, source_id)
    except Exception:
        log.warning("inline embedding of source %s failed; queued as a job", source_id)
        with ctx.runtime.db.session() as session:
            enqueue_embedding(session, source_id)


def _begin(ctx: TaskContext) -> Plan | None:
    payload = ctx.job.payload
    with ctx.runtime.db.session() as session:
        source = session.get(Source, ctx.job.source_id, with_for_update=True)
        if source is None or source.revision != payload.get("revision"):
            return None
        if source.status not in (SourceStatus.PENDING, SourceStatus.PROCESSING):
            return None
        source.status = SourceStatus.PROCESSING
        source.started_at = utcnow()
        appended = list(
            session.scalars(
                select(Source.id)
                .where(
                    Source.fast_forward_target_id == source.id,
                    Source.status == SourceStatus.COMPLETED,
                )
                .order_by(Source.created_at, Source.id)
            )
        )
        return Plan(
            source_id=source.id,
            revision=source.revision,
            mode=payload.get("mode", "process"),
            type=SourceType(source.type),
            initial_data=dict(source.initial_data),
            raw_key=source.raw_key,
            raw_hash=source.raw_hash,
            raw_content_type=source.raw_content_type,
            raw_filename=source.raw_filename,
            instructions=dict(source.instructions),
            part_id=payload.get("part_id"),
            run_context=payload.get("run_context_extraction", True),
            run_artifacts=payload.get("run_artifact_extraction", True),
            update_existing=payload.get("update_existing", True),
            force=payload.get("force", False),
            appended_parts=appended,
            name=source.name,
        )


def _check(ctx: TaskContext, plan: Plan) -> None:
    if ctx.lost.is_set():
        raise Superseded()
    with ctx.runtime.db.session() as session:
        row = session.execute(
            select(Source.revision, Source.status).where(Source.id == plan.source_id)
        ).one_or_none()
    if row is None or row.revision != plan.revision or row.status != SourceStatus.PROCESSING:
        raise Superseded()


def _read_raw(
    ctx: TaskContext, key: str | None, content_type: str | None, name: str | None
) -> Fetched:
    if not key or not ctx.runtime.blobs.exists(key):
        raise PipelineError("the source's stored content is no longer available")
    return Fetched(content=ctx.runtime.blobs.get(key), content_type=content_type, filename=name)


def _fetch_base(ctx: TaskContext, plan: Plan) -> Fetched:
    """The source's own bytes: fetched again for URI process/refresh, stored otherwise."""
    if plan.type is SourceType.URI and (plan.mode in ("process", "refresh") or not plan.raw_key):
        url = plan.initial_data.get("url") or plan.initial_data.get("uri")
        return fetch_url(str(url), ctx.runtime.net_policy)
    if plan.type is SourceType.CONTENT:
        return _read_raw(ctx, plan.raw_key, None, None)
    return _read_raw(ctx, plan.raw_key, plan.raw_content_type, plan.raw_filename)


def _part_bytes(ctx: TaskContext, part_id: str) -> Fetched:
    """The bytes of a fast-forward part: fetched (URI) or stored (FILE, CONTENT) once."""
    with ctx.runtime.db.session() as session:
        part = session.get(Source, part_id)
        if part is None:
            raise PipelineError("fast-forward data is gone")
        kind, data = SourceType(part.type), dict(part.initial_data)
        key, ctype, name = part.raw_key, part.raw_content_type, part.raw_filename
    if kind is SourceType.URI and not key:
        fetched = fetch_url(str(data.get("url") or data.get("uri")), ctx.runtime.net_policy)
        key = raw_key(part_id)
        ctx.runtime.blobs.put(key, fetched.content)
        with ctx.runtime.db.session() as session:
            row = session.get(Source, part_id)
            if row is not None:
                row.raw_key = key
                row.raw_hash = content_hash(fetched.content)
                row.raw_content_type = fetched.content_type
                row.raw_filename = fetched.filename
        return fetched
    return _read_raw(ctx, key, None if kind is SourceType.CONTENT else ctype, name)


def _composition(ctx: TaskContext, plan: Plan) -> tuple[Document, tuple[Turn, ...]]:
    ids: list[str] = list(plan.initial_data.get("source_ids", []))
    texts: list[str] = []
    turns: list[Turn] = []
    with ctx.runtime.db.session() as session:
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


def _existing(ctx: TaskContext, plan: Plan) -> tuple[Document, tuple[Turn, ...]]:
    with ctx.runtime.db.session() as session:
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


def _join(parts: list[tuple[Document, tuple[Turn, ...]]]) -> tuple[Document, tuple[Turn, ...]]:
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


def _execute(ctx: TaskContext, plan: Plan) -> Outcome:
    if plan.mode == "fast_forward" and plan.part_id:
        old_doc, old_turns = _existing(ctx, plan)
        _check(ctx, plan)
        new = ingest(_part_bytes(ctx, plan.part_id), first_turn_index=len(old_turns))
        completed = complete_calls(old_turns, new.late_results)
        if completed:
            done = {t.index: t for t in completed}
            old_turns = tuple(done.get(t.index, t) for t in old_turns)
        _stage_text(ctx, plan, new.turns, new.document, append=True, completed=completed)
        document, turns = _join([(old_doc, old_turns), (new.document, new.turns)])
        drafts = None
        if plan.run_artifacts:
            files: dict[str, str] = {}
            if any(turn.tool_calls for turn in new.turns):
                with ctx.runtime.db.read_session() as session:
                    files = artifact_store.known_files(session, plan.source_id)
            drafts = extract_artifacts(new.document, new.turns, known_files=files)
        snapshot = _snapshot(ctx, plan, document, turns, drafts, new_turns=new.turns)
        tokens = source_tokens(turns, document)
        return Outcome(document, new.turns, True, drafts, snapshot, tokens=tokens)

    raw: Fetched | None = None
    if plan.type is SourceType.COMPOSITION:
        base = _composition(ctx, plan)
    else:
        raw = _fetch_base(ctx, plan)
        if plan.mode == "refresh" and not plan.force and content_hash(raw.content) == plan.raw_hash:
            doc, turns = _existing(ctx, plan)
            return Outcome(doc, turns, False, None, None, raw=raw, unchanged=True)
        _check(ctx, plan)
        ingested = ingest(raw)
        base = (ingested.document, ingested.turns)
    parts = [base]
    for part_id in plan.appended_parts:
        _check(ctx, plan)
        more = ingest(_part_bytes(ctx, part_id), first_turn_index=len(_join(parts)[1]))
        parts.append((more.document, more.turns))
    document, turns = _join(parts)
    _stage_text(ctx, plan, turns, document, append=False)
    drafts = extract_artifacts(document, turns) if plan.run_artifacts else None
    _check(ctx, plan)
    snapshot = _snapshot(ctx, plan, document, turns, drafts)
    tokens = source_tokens(turns, document)
    return Outcome(document, turns, False, drafts, snapshot, raw=raw, tokens=tokens)


def _stage_text(
    ctx: TaskContext,
    plan: Plan,
    turns: tuple[Turn, ...],
    document: Document,
    *,
    append: bool,
    completed: tuple[Turn, ...] = (),
) -> None:
    """Write the turns and their search chunks now, so search finds the new content while
    artifacts and the snapshot are still being built. Guarded like the final commit.
    `completed` are stored turns whose calls got their results from this part."""
    with ctx.runtime.db.session() as session:
        if not ctx.still_owner(session):
            raise Superseded()
        source = session.get(Source, plan.source_id, with_for_update=True)
        if source is None or source.revision != plan.revision:
            raise Superseded()
        if source.status != SourceStatus.PROCESSING:
            raise Superseded()
        if not append:
            session.execute(delete(TurnRow).where(TurnRow.source_id == source.id))
        if turns:
            session.execute(
                insert(TurnRow),
                [
                    {
                        "source_id": source.id,
                        "idx": t.index,
                        "speaker": t.speaker[:200],
                        "role": t.role,
                        "text": t.text,
                        "timestamp": t.timestamp,
                        "tool_calls": tool_calls_to_json(t.tool_calls),
                        "thinking": t.thinking.replace("\x00", "") or None,
                    }
                    for t in turns
                ],
            )
        for turn in completed:
            session.execute(
                update(TurnRow)
                .where(TurnRow.source_id == source.id, TurnRow.idx == turn.index)
                .values(tool_calls=tool_calls_to_json(turn.tool_calls))
            )
        source.turn_count = (source.turn_count if append else 0) + len(turns)
        # Queued, not inline: the embedding lane embeds these while this job builds artifacts
        # and the snapshot, so a large paste's COMPLETED does not wait for its turn vectors.
        index_text(session, source, turns, document, append=append)


def _snapshot(
    ctx: TaskContext,
    plan: Plan,
    document: Document,
    turns: tuple[Turn, ...],
    drafts: list[ArtifactDraft] | None,
    *,
    new_turns: tuple[Turn, ...] | None = None,
) -> SnapshotDraft | None:
    """Build the snapshot, indexing this run's artifacts plus the stored ones it keeps.

    On fast-forward (`new_turns`), either engine merges the new turns into the stored snapshot
    (the LLM engine reads only the new turns, unless the whole conversation fits one request);
    a document's snapshot is rebuilt."""
    if not plan.run_context:
        return None
    document = processing.named(document, plan.name)
    value = plan.instructions.get("snapshot_budget_tokens")
    budget = int(value) if isinstance(value, (int, float)) else None
    ratio = float(plan.instructions.get("snapshot_ratio") or ctx.runtime.settings.snapshot_ratio)
    append = new_turns is not None
    index = list(drafts or [])
    previous: Artifact | None = None
    if drafts is None or append:
        with ctx.runtime.db.read_session() as session:
            stored = artifact_store.source_artifacts(session, plan.source_id)
            previous = artifact_store.latest_snapshot(session, plan.source_id)
            index = [
                ArtifactDraft(
                    type=ArtifactType(a.type), title=a.title, content=a.content, language=a.language
                )
                for a in stored
                if a.type != ArtifactType.CONTEXT
            ] + index
    engine = plan.instructions.get("snapshot_engine")
    settings = ctx.runtime.settings
    config = processing.llm_config(settings, engine if isinstance(engine, str) else None)
    last = _stored(previous) if new_turns and previous is not None else None
    if new_turns and config is None and last is not None:
        merged = _merge_snapshot(last, new_turns, document, index, budget, ratio)
        if merged is not None:
            return merged
    return processing.source_snapshot(
        turns,
        document,
        index,
        config=config,
        budget_tokens=budget,
        ratio=ratio,
        label=f"source {plan.source_id}",
        previous=last,
        new_turns=new_turns or (),
    )


def _stored(previous: Artifact) -> SnapshotDraft | None:
    """The stored snapshot as the engines' fast-forward takes it, when it has its counts."""
    meta = previous.meta
    if not meta.get("tokens_before"):
        return None
    return SnapshotDraft(
        markdown=previous.content,
        tokens_before=int(meta["tokens_before"]),
        tokens_after=int(meta.get("tokens_after", 0)),
        tokenizer=str(meta.get("tokenizer", "o200k_base")),
        budget=int(meta.get("budget", 0)),
    )


def _merge_snapshot(
    stored: SnapshotDraft,
    new_turns: tuple[Turn, ...],
    document: Document,
    index: list[ArtifactDraft],
    budget: int | None,
    ratio: float,
) -> SnapshotDraft | None:
    try:
        return update_snapshot(
            stored, new_turns, document, index, budget_tokens=budget, ratio=ratio
        )
    except ValueError:  # a document's snapshot (paragraph citations) cannot be merged
        return None


def _fail(ctx: TaskContext, plan: Plan, message: str) -> None:
    with ctx.runtime.db.session() as session:
        source = session.get(Source, plan.source_id, with_for_update=True)
        if source is None or source.revision != plan.revision:
            return
        if source.status != SourceStatus.PROCESSING:
            return
        source.status = SourceStatus.FAILED
        source.message = message
        source.processed_at = utcnow()
        if plan.part_id:
            part = session.get(Source, plan.part_id)
            if part is not None:
                part.status = SourceStatus.FAILED
                part.message = message
        enqueue_postback(session, source)


def fail_exhausted(session: Session, job: ClaimedJob, error: str) -> None:
    """A job that crashed or lapsed on its last attempt: its source fails, visibly.

    Runs inside the worker's transaction that marks the job failed, so both happen or neither.
    """
    if job.kind != PROCESS_SOURCE or not job.source_id:
        return
    source = session.get(Source, job.source_id, with_for_update=True)
    if source is None or source.revision != job.payload.get("revision"):
        return
    if source.status not in IN_PROGRESS:
        return
    source.status = SourceStatus.FAILED
    source.message = f"processing did not finish after {job.attempts} attempts: {error}"
    source.processed_at = utcnow()
    enqueue_postback(session, source)


def _commit(ctx: TaskContext, plan: Plan, outcome: Outcome) -> None:
    """Write blobs under keys of this run (revision, job and attempt), then switch the source to
    them in one transaction. Whichever keys lost (the replaced ones, or ours when stale) are
    removed after. Keys are per run, not per revision: two runs of one revision (a job taken
    over after its lease lapsed while the first worker still ran) must not overwrite or delete
    each other's blobs, or the loser's cleanup would delete the winner's current document."""
    blobs = ctx.runtime.blobs
    run = f"r{plan.revision}.{ctx.job.id}-{ctx.job.attempts}"
    new_raw = new_doc = None
    if outcome.raw is not None and plan.type is SourceType.URI:
        new_raw = f"{raw_key(plan.source_id)}.{run}"
        blobs.put(new_raw, outcome.raw.content)
    if not outcome.unchanged:
        new_doc = f"sources/{plan.source_id}/document.md.{run}"
        blobs.put(new_doc, outcome.document.text.encode())
    garbage = _switch(ctx, plan, outcome, new_raw, new_doc)
    for key in garbage:
        blobs.delete_prefix(key)


def _switch(
    ctx: TaskContext, plan: Plan, outcome: Outcome, new_raw: str | None, new_doc: str | None
) -> list[str]:
    ours = [k for k in (new_raw, new_doc) if k]
    with ctx.runtime.db.session() as session:
        if not ctx.still_owner(session):
            return ours
        source = session.get(Source, plan.source_id, with_for_update=True)
        if source is None or source.revision != plan.revision:
            return ours
        if source.status != SourceStatus.PROCESSING:
            return ours
        replaced: list[str] = []
        if outcome.raw is not None:
            source.raw_hash = content_hash(outcome.raw.content)
        if new_raw:
            assert outcome.raw is not None
            if source.raw_key and source.raw_key != new_raw:
                replaced.append(source.raw_key)
            source.raw_key = new_raw
            source.raw_content_type = outcome.raw.content_type
            source.raw_filename = outcome.raw.filename
        if new_doc:
            _write_results(session, source, plan, outcome, queue_embedding=_queue_embedding(ctx))
            if source.document_key and source.document_key != new_doc:
                replaced.append(source.document_key)
            source.document_key = new_doc
            source.message = None
        else:
            source.message = "content unchanged since the last fetch; extraction skipped"
        source.status = SourceStatus.COMPLETED
        source.processed_at = utcnow()
        if plan.part_id:
            part = session.get(Source, plan.part_id)
            if part is not None:
                part.status = SourceStatus.COMPLETED
                part.processed_at = utcnow()
        enqueue_postback(session, source)
    return replaced


def _write_results(
    session: Session, source: Source, plan: Plan, outcome: Outcome, *, queue_embedding: bool
) -> None:
    """Turns were written by `_stage_text`; this writes what extraction produced."""
    document = outcome.document
    source.title = (document.title or "")[:500] or source.title
    source.document_format = document.format
    source.meta = storable(document.meta) or None
    source.token_count = outcome.tokens
    if outcome.artifacts is not None:
        artifact_store.save_artifacts(
            session,
            source,
            outcome.artifacts,
            update_existing=plan.update_existing,
            append=outcome.append,
        )
    if outcome.snapshot is not None:
        artifact_store.save_snapshot(
            session, source, outcome.snapshot, update_existing=plan.update_existing
        )
    session.flush()
    index_extracted(session, source, queue_embedding=queue_embedding)
