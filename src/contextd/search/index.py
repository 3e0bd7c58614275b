"""Writing a source's chunks, and the job that embeds them.

Text chunks are written as soon as a source's turns are (before artifacts and the snapshot are
built), so lexical search finds new content early; embeddings follow (in the processing job
itself with `embed_inline`, else in their own job, which waits while a source is processed:
`foreground`), and vector search includes a chunk once it has one. Changing the embedding
model re-embeds chunks without re-extracting anything: `embedding_model` tells which vectors
are stale.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import partial
from typing import Any

import numpy as np
from sqlalchemy import ColumnElement, bindparam, delete, insert, or_, select, update
from sqlalchemy.orm import Session

from contextd.domain.enums import ArtifactType
from contextd.jobs import queue
from contextd.pipeline.chunk import (
    ARTIFACT,
    SECTION,
    SNAPSHOT,
    TURN,
    ChunkDraft,
    chunk_artifacts,
    chunk_snapshot,
    chunk_source,
)
from contextd.pipeline.embed import Embedder
from contextd.pipeline.types import ArtifactDraft, Document, Turn
from contextd.search import foreground
from contextd.store.db import Database
from contextd.store.tables import Artifact, Chunk, Source

EMBED_BATCH = 64
EMBED_CHARS = 2000  # the model reads 256 tokens at most; no need to send more


# Built once: the writes below run in the processing job's final transaction, which holds
# SQLite's writer lock that create-source waits for (issue 15 part 4), and building a
# statement costs more CPU than running it.
_INSERT_CHUNKS = insert(Chunk)
_DELETE_TEXT_CHUNKS = delete(Chunk).where(
    Chunk.source_id == bindparam("source_id"), Chunk.kind.in_((TURN, SECTION))
)
_DELETE_EXTRACTED_CHUNKS = delete(Chunk).where(
    Chunk.source_id == bindparam("source_id"), Chunk.kind.in_((ARTIFACT, SNAPSHOT))
)
_CURRENT_ARTIFACTS = select(
    Artifact.id,
    Artifact.type,
    Artifact.title,
    Artifact.content,
    Artifact.language,
    Artifact.turn_indexes,
).where(Artifact.source_id == bindparam("source_id"), Artifact.is_current.is_(True))


def _rows(
    source: Source, drafts: Iterable[ChunkDraft], artifact_ids: Sequence[str] = ()
) -> list[dict[str, object]]:
    return [
        {
            "space_id": source.space_id,
            "source_id": source.id,
            "artifact_id": artifact_ids[d.artifact_index] if d.artifact_index is not None else None,
            "kind": d.kind,
            "title": (d.title or "")[:500] or None,
            "text": d.text,
            "turn_start": d.turn_start,
            "turn_end": d.turn_end,
            "speaker": (d.speaker or "")[:500] or None,
            "role": d.role,
            "timestamp": d.timestamp,
            "artifact_type": d.artifact_type,
            "language": d.language,
            "source_revision": source.revision,
        }
        for d in drafts
        if d.text.strip()
    ]


def index_text(
    session: Session,
    source: Source,
    turns: Sequence[Turn],
    document: Document,
    *,
    append: bool,
    queue_embedding: bool = True,
) -> int:
    """(Re)write the source's turn or section chunks; `append` adds those of new data only.
    `queue_embedding=False`: the caller embeds them itself (`embed_inline`) or queues their
    job. Returns how many chunks were written."""
    connection = session.connection()  # plain Core: no ORM bulk machinery under the lock
    if not append:
        connection.execute(_DELETE_TEXT_CHUNKS, {"source_id": source.id})
    rows = _rows(source, chunk_source(turns, document))
    if rows:
        connection.execute(_INSERT_CHUNKS, rows)
    if queue_embedding:
        enqueue_embedding(session, source.id)
    return len(rows)


def index_extracted(session: Session, source: Source, *, queue_embedding: bool = True) -> None:
    """Rewrite the chunks of the source's current artifacts and snapshot. Reads the artifacts
    as rows on the session's connection: the caller flushes its artifact changes first."""
    connection = session.connection()
    connection.execute(_DELETE_EXTRACTED_CHUNKS, {"source_id": source.id})
    current = connection.execute(_CURRENT_ARTIFACTS, {"source_id": source.id}).all()
    others = [a for a in current if a.type != ArtifactType.CONTEXT]
    drafts = [
        ArtifactDraft(ArtifactType(a.type), a.title, a.content, a.language, tuple(a.turn_indexes))
        for a in others
    ]
    rows = _rows(source, chunk_artifacts(drafts), [a.id for a in others])
    for snapshot in (a for a in current if a.type == ArtifactType.CONTEXT):
        rows += [
            {**row, "artifact_id": snapshot.id}
            for row in _rows(source, chunk_snapshot(snapshot.content))
        ]
    if rows:
        connection.execute(insert(Chunk), rows)
    if queue_embedding:
        enqueue_embedding(session, source.id)


def enqueue_embedding(session: Session, source_id: str) -> None:
    queue.enqueue(session, queue.EMBED_CHUNKS, source_id=source_id, max_attempts=5, once=True)


def enqueue_embedding_if_missing(session: Session, source_id: str) -> bool:
    """Queue the source's embedding job if one of its chunks has no vector yet; True if queued.

    For the safety net of a run given up without knowing how far it got: queueing always
    would leave a job per failed source that only finds nothing to do."""
    missing = session.scalar(
        select(Chunk.id).where(Chunk.source_id == source_id, Chunk.embedding.is_(None)).limit(1)
    )
    if missing is None:
        return False
    enqueue_embedding(session, source_id)
    return True


def _stale(model: str) -> ColumnElement[bool]:
    return or_(Chunk.embedding.is_(None), Chunk.embedding_model != model)


_SET_EMBEDDING = (
    update(Chunk).where(Chunk.id == bindparam("chunk_id")).values(embedding=bindparam("vector"))
)


def embed_pending(
    db: Database,
    embedder: Embedder,
    source_id: str | None,
    *,
    yield_to_processing: bool = False,
    on_last_write: Callable[[Session], None] | None = None,
) -> int:
    """Embed the chunks (of one source, or all) lacking a vector from `embedder`; returns how
    many were embedded. Each batch commits on its own, so progress survives a crash.
    `on_last_write` runs inside the transaction of a batch shorter than `EMBED_BATCH` (the last
    one found: the caller's job can end with it, one write transaction fewer); nothing calls it
    when there was nothing to embed, or the last batch was full.
    `yield_to_processing` (the embedding lane): before each batch, wait until no processing job
    of this process runs (`foreground`), so a paste's COMPLETED does not share the cores with
    its own turn vectors, nor embed what the job then embeds inline."""
    done = 0
    after = 0
    while True:
        if yield_to_processing:
            foreground.wait_idle()
        with db.read_session() as session:
            query = select(Chunk.id, Chunk.title, Chunk.text).where(
                _stale(embedder.name), Chunk.id > after
            )
            if source_id is not None:
                query = query.where(Chunk.source_id == source_id)
            batch = session.execute(query.order_by(Chunk.id).limit(EMBED_BATCH)).all()
        if not batch:
            return done
        texts = [(f"{title}\n{text}" if title else text)[:EMBED_CHARS] for _, title, text in batch]
        vectors = embedder.embed(texts)
        arrays = [np.asarray(vector, dtype=np.float32) for vector in vectors]
        rows: list[dict[str, object]] = [
            {"chunk_id": chunk_id, "vector": array.tobytes()}
            for (chunk_id, _, _), array in zip(batch, arrays, strict=True)
        ]
        last = on_last_write if len(batch) < EMBED_BATCH else None
        db.write(partial(_write_vectors, model=embedder.name, rows=rows, arrays=arrays, last=last))
        done += len(batch)
        after = batch[-1][0]


def _write_vectors(
    session: Session,
    *,
    model: str,
    rows: list[dict[str, object]],
    arrays: list[np.ndarray[Any, Any]],
    last: Callable[[Session], None] | None,
) -> None:
    # Imported here: pgvector's modules (and SQLAlchemy's PostgreSQL dialect) cost a start-up
    # that does not need them yet (bench/cold_start.py).
    from contextd.search.pgvector_index import (
        SET_EMBEDDING_AND_VECTOR,
        has_vector_column,
        vector_param,
    )

    statement = _SET_EMBEDDING
    if has_vector_column(session):  # pgvector: the same UPDATE fills `embedding_vec`
        statement = SET_EMBEDDING_AND_VECTOR
        for row, array in zip(rows, arrays, strict=True):
            row["vec"] = vector_param(array)
    # One executemany, not a statement per row; on the connection, so that a chunk deleted
    # meanwhile (its source reprocessed) just matches no row.
    session.connection().execute(statement.values(embedding_model=model), rows)
    if last is not None:
        last(session)


def mark_model_change(session: Session, model: str) -> int:
    """Queue re-embedding for every source with chunks lacking a vector from `model`."""
    sources = session.scalars(select(Chunk.source_id).where(_stale(model)).distinct()).all()
    for source_id in sources:
        enqueue_embedding(session, source_id)
    return len(sources)
