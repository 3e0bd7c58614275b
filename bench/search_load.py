"""Bulk loading for `bench/search.py`: millions of chunk rows with vectors derived from real
embeddings, written the way an operator bulk-loads, so a run at scale takes minutes, not hours."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from contextd.pipeline.types import Document
from contextd.runtime import Runtime
from contextd.store.tables import Chunk, Source


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def derived_vectors(
    sample: npt.NDArray[np.float32], count: int, rng: np.random.Generator
) -> npt.NDArray[np.float32]:
    """`count` unit vectors made from real embeddings: two sample vectors mixed (one weighted
    0.5) plus small Gaussian noise, renormalized. Spread like the model's vectors (they lie in
    the span the model uses), without the model's ~10 ms per chunk."""
    a = sample[rng.integers(0, len(sample), count)]
    b = sample[rng.integers(0, len(sample), count)]
    mixed = a + 0.5 * b + rng.normal(0.0, 0.02, a.shape).astype(np.float32)
    unit: npt.NDArray[np.float32] = (mixed / np.linalg.norm(mixed, axis=1, keepdims=True)).astype(
        np.float32
    )
    return unit


def bulk_load(
    runtime: Runtime,
    source_ids: Sequence[str],
    docs: Sequence[Document],
    sample: npt.NDArray[np.float32],
    model: str,
    seed: int,
) -> int:
    """PostgreSQL only: the same chunk rows `index_text` writes (same chunker, same columns),
    with derived vectors (`derived_vectors`), written by one binary COPY with the full-text and
    HNSW indexes dropped and rebuilt after, as an operator would bulk-load. Millions of chunks
    through `index_text` + `embed_pending` take hours on 2 cores; this takes minutes."""
    from pgvector.psycopg import register_vector
    from sqlalchemy import text

    from contextd.pipeline.chunk import chunk_source
    from contextd.search.index import _rows
    from contextd.store import vectors

    rng = np.random.default_rng(seed)
    if runtime.db.engine.dialect.name == "sqlite":
        return sqlite_bulk_load(runtime, source_ids, docs, sample, model, rng)
    dim = int(sample.shape[1])
    hnsw = vectors.index_name(model, dim)
    with runtime.db.engine.begin() as conn:
        conn.execute(text(f"DROP INDEX IF EXISTS {hnsw}"))
        conn.execute(text("DROP INDEX IF EXISTS ix_chunks_tsv"))
    columns = (
        "space_id, source_id, kind, title, text, source_revision, embedding, embedding_model, "
        f"created_at, {vectors.COLUMN}"
    )
    written = 0
    started = time.perf_counter()
    raw = runtime.db.engine.raw_connection()
    try:
        driver: Any = raw.driver_connection
        register_vector(driver)
        statement = f"COPY chunks ({columns}) FROM STDIN (FORMAT BINARY)"
        with driver.cursor() as cur, cur.copy(statement) as copy:
            copy.set_types(
                [
                    "varchar",
                    "varchar",
                    "varchar",
                    "varchar",
                    "text",
                    "int4",
                    "bytea",
                    "varchar",
                    "timestamptz",
                    "vector",
                ]
            )
            with runtime.db.read_session() as session:
                sources = {
                    s.id: s for s in session.query(Source).filter(Source.id.in_(list(source_ids)))
                }
                session.expunge_all()
            now = time.time()
            from datetime import UTC, datetime

            created = datetime.fromtimestamp(now, UTC)
            for n, (source_id, document) in enumerate(zip(source_ids, docs, strict=True)):
                rows = _rows(sources[source_id], chunk_source((), document))
                block = derived_vectors(sample, len(rows), rng)
                for row, vector in zip(rows, block, strict=True):
                    copy.write_row(
                        (
                            row["space_id"],
                            row["source_id"],
                            row["kind"],
                            row["title"],
                            row["text"],
                            row["source_revision"],
                            vector.tobytes(),
                            model,
                            created,
                            vector,
                        )
                    )
                written += len(rows)
                if n % 500 == 499:
                    rate = written / (time.perf_counter() - started)
                    log(f"  copied {written} chunks ({rate:.0f}/s)")
        raw.commit()
    finally:
        raw.close()
    log(f"  COPY done: {written} chunks in {time.perf_counter() - started:.0f} s; indexes")
    autocommit = runtime.db.engine.execution_options(isolation_level="AUTOCOMMIT")
    with autocommit.connect() as conn:
        conn.exec_driver_sql("SET maintenance_work_mem = '6GB'")
        conn.exec_driver_sql("SET max_parallel_maintenance_workers = 2")
        step = time.perf_counter()
        conn.exec_driver_sql("CREATE INDEX IF NOT EXISTS ix_chunks_tsv ON chunks USING gin (tsv)")
        log(f"  GIN index {time.perf_counter() - step:.0f} s")
        step = time.perf_counter()
        vectors.ensure_model_index(conn, model, dim)
        log(f"  HNSW index {time.perf_counter() - step:.0f} s")
    return written


def sqlite_bulk_load(
    runtime: Runtime,
    source_ids: Sequence[str],
    docs: Sequence[Document],
    sample: npt.NDArray[np.float32],
    model: str,
    rng: np.random.Generator,
) -> int:
    """SQLite: the same rows, embeddings included, by one multi-row INSERT per 50 sources (the
    FTS5 triggers index them as usual)."""
    from sqlalchemy import insert

    from contextd.pipeline.chunk import chunk_source
    from contextd.search.index import _rows

    written = 0
    step = 50
    for b in range(0, len(source_ids), step):
        with runtime.db.session() as session:
            sources = {
                s.id: s
                for s in session.query(Source).filter(Source.id.in_(list(source_ids[b : b + step])))
            }
            rows: list[dict[str, object]] = []
            for source_id, document in zip(source_ids[b : b + step], docs[b:][:step], strict=True):
                rows += _rows(sources[source_id], chunk_source((), document))
            block = derived_vectors(sample, len(rows), rng)
            for row, vector in zip(rows, block, strict=True):
                row["embedding"] = vector.tobytes()
                row["embedding_model"] = model
            session.execute(insert(Chunk), rows)
        written += len(rows)
        if (b // step) % 10 == 9:
            log(f"  inserted {written} chunks")
    return written
