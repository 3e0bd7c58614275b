"""pgvector's schema on PostgreSQL: the `chunks.embedding_vec` column and its HNSW indexes.

Used by migration 0004 and by the pgvector search backend at start-up; a no-op wherever the
`vector` extension is not installed and cannot be (SQLite; PostgreSQL without pgvector).

`embedding_vec` is an untyped `vector`, filled in the same UPDATE as the float32 bytes in
`chunks.embedding` (which stay the portable copy: the numpy backend reads them, and switching
backends needs no re-embedding). The dimension belongs to the embedding model, which is
configured at run time and may change, so the column has none; each model gets a partial HNSW
index on `embedding_vec::vector(dim)` limited to its own rows (`embedding_model` and
`vector_dims` in the predicate), created when a process starts with that model. Vectors of
another model are never cast, indexed or searched.
"""

from __future__ import annotations

import hashlib

import numpy as np
import numpy.typing as npt
from sqlalchemy import Connection, text

from contextd.store.db import is_postgres

COLUMN = "embedding_vec"
INDEX_PREFIX = "ix_chunks_embedding_hnsw_"
# Serializes the DDL below between processes starting at once (an arbitrary constant).
LOCK_KEY = 0x636F6E7478  # "contx"
BACKFILL_BATCH = 500


def extension_installed(conn: Connection) -> bool:
    return is_postgres(conn) and bool(
        conn.scalar(text("SELECT 1 FROM pg_extension WHERE extname = 'vector'"))
    )


def extension_available(conn: Connection) -> bool:
    return is_postgres(conn) and bool(
        conn.scalar(text("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'"))
    )


def extension_version(conn: Connection) -> tuple[int, ...]:
    version = conn.scalar(text("SELECT extversion FROM pg_extension WHERE extname = 'vector'"))
    return tuple(int(part) for part in str(version or "0").split(".") if part.isdigit())


def column_present(conn: Connection) -> bool:
    """Whether `chunks.embedding_vec` exists (one catalog lookup; False on SQLite)."""
    if not is_postgres(conn):
        return False
    return bool(
        conn.scalar(
            text(
                "SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('chunks') "
                "AND attname = :name AND NOT attisdropped"
            ),
            {"name": COLUMN},
        )
    )


def install(conn: Connection) -> str | None:
    """Create the extension (if it can be) and the column, and fill the column from the
    vectors already stored. Returns None when done, else why pgvector cannot be used."""
    if not is_postgres(conn):
        return f"the database is {conn.dialect.name}, not PostgreSQL"
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    if not extension_installed(conn):
        if not extension_available(conn):
            return "the PostgreSQL server has no `vector` extension (pgvector) installed"
        try:
            with conn.begin_nested():
                conn.execute(text("CREATE EXTENSION IF NOT EXISTS vector"))
        except Exception as exc:  # typically: permission denied
            reason = str(exc).splitlines()[0]
            return f"CREATE EXTENSION vector failed ({reason}); a superuser can run it once"
    if not column_present(conn):
        conn.execute(text(f"ALTER TABLE chunks ADD COLUMN IF NOT EXISTS {COLUMN} vector"))
        backfill(conn)
    return None


def backfill(conn: Connection, model: str | None = None) -> int:
    """Copy stored float32 vectors (of `model`, or all) into `embedding_vec` where missing."""
    done = 0
    after = 0
    condition = "embedding IS NOT NULL AND embedding_vec IS NULL AND id > :after"
    if model is not None:
        condition += " AND embedding_model = :model"
    while True:
        rows = conn.execute(
            text(f"SELECT id, embedding FROM chunks WHERE {condition} ORDER BY id LIMIT :n"),
            {"after": after, "model": model, "n": BACKFILL_BATCH},
        ).all()
        if not rows:
            return done
        conn.execute(
            text(f"UPDATE chunks SET {COLUMN} = CAST(:v AS vector) WHERE id = :id"),
            [{"id": i, "v": vector_literal(np.frombuffer(b, np.float32))} for i, b in rows],
        )
        done += len(rows)
        after = rows[-1][0]


def vector_literal(vector: npt.NDArray[np.float32]) -> str:
    """pgvector's text form, exact for float32 (9 significant digits); 3x faster than
    `pgvector.Vector.to_text`, which matters little beside the model but is free."""
    values = np.asarray(vector, dtype=np.float32).tolist()
    return "[" + ("%.9g," * len(values) % tuple(values))[:-1] + "]"


def quoted(value: str) -> str:
    """A SQL string literal (standard_conforming_strings, the default since PostgreSQL 9.1)."""
    return "'" + value.replace("'", "''") + "'"


def index_name(model: str, dim: int) -> str:
    return INDEX_PREFIX + hashlib.sha256(f"{model}\0{dim}".encode()).hexdigest()[:12]


def index_predicate(model: str, dim: int) -> str:
    """The partial index's WHERE; queries repeat it verbatim (literals, not parameters) so
    that the planner can prove they may use the index."""
    return f"embedding_model = {quoted(model)} AND vector_dims({COLUMN}) = {int(dim)}"


def ensure_model_index(conn: Connection, model: str, dim: int) -> bool:
    """Create the HNSW index (cosine) for one model's vectors; True if it was created. Builds
    over the vectors already there: minutes for millions, once."""
    conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": LOCK_KEY})
    name = index_name(model, dim)
    if conn.scalar(text("SELECT to_regclass(:name)"), {"name": name}) is not None:
        return False
    backfill(conn, model)  # rows embedded by a process that did not know the column yet
    conn.execute(
        text(
            f"CREATE INDEX IF NOT EXISTS {name} ON chunks USING hnsw "
            f"(({COLUMN}::vector({int(dim)})) vector_cosine_ops) "
            f"WHERE {index_predicate(model, dim)}"
        )
    )
    return True


def uninstall(conn: Connection) -> None:
    """Drop the column, and so every model's index with it (the extension stays)."""
    if column_present(conn):
        conn.execute(text(f"ALTER TABLE chunks DROP COLUMN IF EXISTS {COLUMN}"))
