"""The process-source job: run the pipeline stages for one revision of a source.

Stages run outside any database transaction; the job checks between stages that its revision
is still current (cancel, or a newer reprocess, makes it stop) and writes all results in one
final transaction, guarded by the same check, so a stale job never overwrites newer work.

The stages live beside it: `source_inputs` (where content comes from), `source_snapshot`
(the snapshot stage) and `source_results` (the guarded writes); `source_plan` holds what a run
knows and produces.
"""

from __future__ import annotations

import logging

from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from contextd.domain.enums import SourceStatus, SourceType
from contextd.jobs.base import ClaimedJob
from contextd.jobs.queue import PROCESS_SOURCE
from contextd.pipeline.artifacts import extract_artifacts
from contextd.pipeline.ingest import ingest
from contextd.pipeline.snapshot import source_tokens
from contextd.pipeline.toolcalls import complete_calls
from contextd.pipeline.types import Fetched, PipelineError, content_hash
from contextd.search import foreground
from contextd.search.index import embed_pending, enqueue_embedding, enqueue_embedding_if_missing
from contextd.services import artifacts as artifact_store
from contextd.services.sources import enqueue_postback
from contextd.store.tables import Source, utcnow
from contextd.tasks.context import TaskContext
from contextd.tasks.source_inputs import composition, existing, fetch_base, join, part_bytes
from contextd.tasks.source_plan import IN_PROGRESS, Outcome, Plan, Superseded
from contextd.tasks.source_results import commit, is_small, stage_text
from contextd.tasks.source_snapshot import build_snapshot

log = logging.getLogger("contextd.jobs")


def run(ctx: TaskContext) -> None:
    # The embedding lane waits while this runs: see `search.foreground`.
    with foreground.processing():
        _run(ctx)


def _run(ctx: TaskContext) -> None:
    plan = ctx.prepared.value if ctx.prepared is not None else _begin(ctx)
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
        _queue_embedding_left(ctx, plan)
        return
    commit(ctx, plan, outcome)
    _embed_inline(ctx, plan.source_id)


def _embed_inline(ctx: TaskContext, source_id: str) -> None:
    """With `embed_inline`, embed what the source's chunks still lack right after COMPLETED, in
    this job: under a batch, an embedding lane behind by many sources would leave this one's
    vectors waiting for all of theirs, while here they follow within the seconds one source's
    chunks take (its turn chunks too: the lane does not embed them while this job runs). A failure
    (an embedding endpoint down) queues the embedding job, which retries with back-off.

    The job ends in the transaction that writes the last vectors (`finish_in`), so a small
    source's job costs no write transaction of its own to end."""
    if not ctx.runtime.settings.embed_inline:
        return

    def end_job(session: Session) -> None:
        if ctx.still_owner(session):
            ctx.finish_in(session)

    try:
        embed_pending(ctx.runtime.db, ctx.runtime.embedder, source_id, on_last_write=end_job)
    except Exception:
        log.warning("inline embedding of source %s failed; queued as a job", source_id)
        ctx.runtime.db.write(lambda session: enqueue_embedding(session, source_id))


def _queue_embedding_left(ctx: TaskContext, plan: Plan) -> None:
    """A run dropped after it wrote its turn chunks without queueing their embedding (a small
    source, embedded inline at the end; `source_results.stage_text`): queue it now, so those
    chunks are not left without vectors. Rare (a cancel or reprocess while it ran)."""
    if plan.embedding_left:
        ctx.runtime.db.write(lambda session: enqueue_embedding(session, plan.source_id))


def _begin(ctx: TaskContext) -> Plan | None:
    return ctx.runtime.db.write(lambda session: begin_on_claim(session, ctx.job))


_PLANNED = (
    Source.id,
    Source.revision,
    Source.type,
    Source.initial_data,
    Source.raw_key,
    Source.raw_hash,
    Source.raw_content_type,
    Source.raw_filename,
    Source.raw_inline,
    Source.instructions,
    Source.name,
)
"""The columns a run's `Plan` reads from the source row."""

# One UPDATE ... RETURNING on the connection, not an ORM load and flush, built once: this runs
# under SQLite's writer lock, which create-source waits for (issue 15 part 4). With the row's
# bytes when they are kept there (small CONTENT): the run reads them anyway.
_START = (
    update(Source)
    .where(
        Source.id == bindparam("source_id"),
        Source.revision == bindparam("at"),
        Source.status.in_((SourceStatus.PENDING, SourceStatus.PROCESSING)),
    )
    .values(
        status=SourceStatus.PROCESSING, started_at=bindparam("now"), updated_at=bindparam("now")
    )
    .returning(*_PLANNED)
)
_APPENDED = (
    select(Source.id)
    .where(
        Source.fast_forward_target_id == bindparam("source_id"),
        Source.status == SourceStatus.COMPLETED,
    )
    .order_by(Source.created_at, Source.id)
)


def begin_on_claim(session: Session, job: ClaimedJob) -> Plan | None:
    """Mark the source PROCESSING and read what the run needs; None when there is nothing to
    run (a newer revision, or the source is no longer pending). The database worker runs this
    in the transaction that claims the job (`Worker(on_claim=...)`), so the claim and the
    status commit together; elsewhere `_begin` runs it in a transaction of its own."""
    payload = job.payload
    now = utcnow()
    source = (
        session.connection()
        .execute(_START, {"source_id": job.source_id, "at": payload.get("revision"), "now": now})
        .one_or_none()
    )
    if source is None:
        return None
    appended = list(session.connection().scalars(_APPENDED, {"source_id": source.id}))
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
        raw_inline=source.raw_inline,
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
    # Read-only: the writes that follow check again under their own locks (the fence and the
    # revision), so this needs no turn of SQLite's writer lock.
    with ctx.runtime.db.read_session() as session:
        row = session.execute(
            select(Source.revision, Source.status).where(Source.id == plan.source_id)
        ).one_or_none()
    if row is None or row.revision != plan.revision or row.status != SourceStatus.PROCESSING:
        raise Superseded()


def _execute(ctx: TaskContext, plan: Plan) -> Outcome:
    if plan.mode == "fast_forward" and plan.part_id:
        old_doc, old_turns = existing(ctx, plan)
        _check(ctx, plan)
        new = ingest(part_bytes(ctx, plan.part_id), first_turn_index=len(old_turns))
        completed = complete_calls(old_turns, new.late_results)
        if completed:
            done = {t.index: t for t in completed}
            old_turns = tuple(done.get(t.index, t) for t in old_turns)
        stage_text(ctx, plan, new.turns, new.document, append=True, completed=completed)
        document, turns = join([(old_doc, old_turns), (new.document, new.turns)])
        drafts = None
        if plan.run_artifacts:
            files: dict[str, str] = {}
            with ctx.runtime.db.read_session() as session:
                languages = artifact_store.fence_languages(session, plan.source_id)
                if any(turn.tool_calls for turn in new.turns):
                    files = artifact_store.known_files(session, plan.source_id)
            drafts = extract_artifacts(
                new.document, new.turns, known_files=files, fence_languages=languages
            )
        snapshot = build_snapshot(ctx, plan, document, turns, drafts, new_turns=new.turns)
        tokens = source_tokens(turns, document)
        return Outcome(document, new.turns, True, drafts, snapshot, tokens=tokens)

    raw: Fetched | None = None
    if plan.type is SourceType.COMPOSITION:
        base = composition(ctx, plan)
    else:
        raw = fetch_base(ctx, plan)
        if plan.mode == "refresh" and not plan.force and content_hash(raw.content) == plan.raw_hash:
            doc, turns = existing(ctx, plan)
            return Outcome(doc, turns, False, None, None, raw=raw, unchanged=True)
        _check(ctx, plan)
        ingested = ingest(raw)
        base = (ingested.document, ingested.turns)
    parts = [base]
    for part_id in plan.appended_parts:
        _check(ctx, plan)
        more = ingest(part_bytes(ctx, part_id), first_turn_index=len(join(parts)[1]))
        parts.append((more.document, more.turns))
    document, turns = join(parts)
    staged = not is_small(document)  # a small source's turns are written with the results
    if staged:
        stage_text(ctx, plan, turns, document, append=False)
    drafts = extract_artifacts(document, turns) if plan.run_artifacts else None
    _check(ctx, plan)
    snapshot = build_snapshot(ctx, plan, document, turns, drafts)
    tokens = source_tokens(turns, document)
    return Outcome(document, turns, False, drafts, snapshot, raw=raw, tokens=tokens, staged=staged)


def _fail(ctx: TaskContext, plan: Plan, message: str) -> None:
    def fail(session: Session) -> None:
        source = session.get(Source, plan.source_id, with_for_update=True)
        if source is None or source.revision != plan.revision:
            return
        if source.status != SourceStatus.PROCESSING:
            return
        source.status = SourceStatus.FAILED
        source.message = message
        source.processed_at = utcnow()
        if plan.embedding_left:
            enqueue_embedding(session, source.id)
        if plan.part_id:
            part = session.get(Source, plan.part_id)
            if part is not None:
                part.status = SourceStatus.FAILED
                part.message = message
        enqueue_postback(session, source)

    ctx.runtime.db.write(fail)


def fail_exhausted(session: Session, job: ClaimedJob, error: str) -> None:
    """A job that crashed or lapsed on its last attempt: its source fails, visibly.

    Runs inside the worker's transaction that marks the job failed, so both happen or neither.
    """
    if job.kind != PROCESS_SOURCE or not job.source_id:
        return
    source = session.get(Source, job.source_id, with_for_update=True)
    if source is None:
        return
    # A small source's chunks have no embedding job of their own (the run embeds them inline at
    # its end), and this run may have died after writing them, or after COMPLETED: queue one
    # if a chunk is left without its vector.
    enqueue_embedding_if_missing(session, source.id)
    if source.revision != job.payload.get("revision"):
        return
    if source.status not in IN_PROGRESS:
        return
    source.status = SourceStatus.FAILED
    source.message = f"processing did not finish after {job.attempts} attempts: {error}"
    source.processed_at = utcnow()
    enqueue_postback(session, source)
