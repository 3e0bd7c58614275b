"""Writing what a run of the process-source job produced. Turns and their search chunks are
written as soon as they are read (`stage_text`), so search finds new content early; the rest
(document, artifacts, snapshot, status) is switched in one final transaction (`commit`). Both
writes are guarded: a run whose source moved on, or whose job lease was lost, writes nothing."""

from __future__ import annotations

from sqlalchemy import bindparam, delete, insert, update
from sqlalchemy.orm import Session

from contextd.domain.enums import SourceStatus, SourceType
from contextd.pipeline.toolcalls import storable, tool_calls_to_json
from contextd.pipeline.types import Document, Turn, content_hash
from contextd.search.index import enqueue_embedding, index_extracted, index_text
from contextd.services import artifacts as artifact_store
from contextd.services.sources import enqueue_postback, raw_key
from contextd.store.tables import Source, utcnow
from contextd.store.tables import Turn as TurnRow
from contextd.tasks.context import TaskContext
from contextd.tasks.source_plan import Outcome, Plan, Superseded

SMALL_CHARS = 32_000
"""A source whose text is at most this long (about 5,000 words) is small: its turns are not
written early (artifacts and the snapshot take a fraction of a second; the final commit writes
them, one write transaction fewer), and with `embed_inline` no embedding job is queued for its
turn chunks (its inline embedding, one or two model batches, covers them; a queued job would
cost the worker two more write transactions to claim and end, and find nothing to do). A large
paste keeps both: search finds its turns while its snapshot is built, and an embedding lane
(of this or another worker process) may embed its turn chunks meanwhile."""


_DELETE_TURNS = delete(TurnRow).where(TurnRow.source_id == bindparam("source_id"))
_INSERT_TURNS = insert(TurnRow)
"""Built once (the final transaction holds SQLite's writer lock; see `jobs.queue`)."""


def is_small(document: Document) -> bool:
    return len(document.text) <= SMALL_CHARS


def _queue_embedding(ctx: TaskContext) -> bool:
    """Whether writing chunks queues their embedding job (not when this job embeds them)."""
    return not ctx.runtime.settings.embed_inline


def _guarded(ctx: TaskContext, session: Session, plan: Plan) -> Source | None:
    """The source, locked, if this run may still write it: it still owns its job (the fence),
    and the source is at its revision and PROCESSING; else None."""
    if not ctx.still_owner(session):
        return None
    source = session.get(Source, plan.source_id, with_for_update=True)
    if source is None or source.revision != plan.revision:
        return None
    if source.status != SourceStatus.PROCESSING:
        return None
    return source


def stage_text(
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

    def write(session: Session) -> None:
        source = _guarded(ctx, session, plan)
        if source is None:
            raise Superseded()
        _write_text(ctx, session, plan, source, turns, document, append=append, completed=completed)

    ctx.runtime.db.write(write)


def _write_text(
    ctx: TaskContext,
    session: Session,
    plan: Plan,
    source: Source,
    turns: tuple[Turn, ...],
    document: Document,
    *,
    append: bool,
    completed: tuple[Turn, ...] = (),
) -> None:
    # Plain Core on the connection: these run under SQLite's writer lock, which create-source
    # waits for, and the ORM's bulk machinery costs more than the statements (issue 15 part 4).
    connection = session.connection()
    if not append:
        connection.execute(_DELETE_TURNS, {"source_id": source.id})
    if turns:
        connection.execute(
            _INSERT_TURNS,
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
        connection.execute(
            update(TurnRow)
            .where(TurnRow.source_id == source.id, TurnRow.idx == turn.index)
            .values(tool_calls=tool_calls_to_json(turn.tool_calls))
        )
    source.turn_count = (source.turn_count if append else 0) + len(turns)
    # Queued, not embedded here, so a large paste's COMPLETED does not wait for its turn
    # vectors; nor does the lane embed them while this job builds artifacts and the
    # snapshot (it waits: `search.foreground`), so they follow COMPLETED, inline or queued.
    # A small source's are left to its inline embedding alone (`SMALL_CHARS`).
    written = index_text(session, source, turns, document, append=append, queue_embedding=False)
    if _queue_embedding(ctx) or not is_small(document):
        enqueue_embedding(session, source.id)
    elif written:
        plan.embedding_left = True


def commit(ctx: TaskContext, plan: Plan, outcome: Outcome) -> None:
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

    def switch(session: Session) -> list[str]:
        source = _guarded(ctx, session, plan)
        if source is None:
            return ours
        if not outcome.staged:
            _write_text(
                ctx, session, plan, source, outcome.turns, outcome.document, append=outcome.append
            )
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
        source.status = SourceStatus.COMPLETED
        source.processed_at = utcnow()
        if new_doc:
            if source.document_key and source.document_key != new_doc:
                replaced.append(source.document_key)
            source.document_key = new_doc
            source.message = None
            # Last, after every change to the row: its one flush writes the source once (and
            # the artifacts), not once per step (issue 15 part 4: this holds the writer lock).
            _write_results(session, source, plan, outcome, queue_embedding=_queue_embedding(ctx))
        else:
            source.message = "content unchanged since the last fetch; extraction skipped"
        if plan.part_id:
            part = session.get(Source, plan.part_id)
            if part is not None:
                part.status = SourceStatus.COMPLETED
                part.processed_at = utcnow()
        enqueue_postback(session, source)
        return replaced

    return ctx.runtime.db.write(switch)


def _write_results(
    session: Session, source: Source, plan: Plan, outcome: Outcome, *, queue_embedding: bool
) -> None:
    """Turns were written by `stage_text`; this writes what extraction produced."""
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
