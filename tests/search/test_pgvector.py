"""The pgvector backend on a real pgvector: PostgreSQL 16 from the `pgserver` package.

The machine's own PostgreSQL has no pgvector, so these tests start a pgserver instance once per
session (skipped when it cannot start, except under CI, where that is a failure). They check
that the HNSW search returns what the numpy scan returns on the same data, with every filter,
that the index exists and is used, that vectors of a previous model are never searched, that
vectors stored before pgvector was there are carried over, and how the backend is chosen.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import uuid
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, insert, select, text, update

from contextd.domain.enums import SearchMode
from contextd.runtime import Runtime
from contextd.search.backends import open_vector_index
from contextd.search.filters import SearchFilters
from contextd.search.hybrid import run_search
from contextd.search.index import embed_pending
from contextd.search.numpy_index import NumpyVectorIndex
from contextd.search.pgvector_index import PgVectorIndex
from contextd.search.vector import VectorBackendError, VectorIndex
from contextd.services import keys
from contextd.store import vectors
from contextd.store.db import Database
from contextd.store.migrate import include_object, upgrade
from contextd.store.tables import Base, Chunk, Collection, Source, Space
from tests.support.settings import PG_ADMIN_URL, make_settings

CHUNKS = 600
DIM = 384
T0 = datetime(2026, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="session")
def pgvector_server() -> Iterator[str]:
    """Admin URL of a pgserver PostgreSQL (with pgvector), for the whole session."""
    data_dir = Path(tempfile.mkdtemp(prefix="contextd-pgserver-"))
    try:
        with warnings.catch_warnings():  # platformdirs, when XDG_RUNTIME_DIR is unset
            warnings.simplefilter("ignore")
            import pgserver

            # A directory of its own, not under pytest's basetemp: a second pytest session on
            # the machine removes older basetemp directories, data directory and socket included.
            server = pgserver.get_server(data_dir, cleanup_mode="stop")
        server.psql("SELECT 1")
    except Exception as exc:
        message = f"pgserver (PostgreSQL with pgvector) could not start: {exc!r}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield "postgresql+psycopg://" + server.get_uri().split("://", 1)[1]
    finally:
        server.cleanup()
        shutil.rmtree(data_dir, ignore_errors=True)


def _new_database(admin_url: str) -> Iterator[str]:
    name = f"contextd_vec_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT", pool_pre_ping=True)
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    base, _, query = admin_url.partition("?")
    try:
        yield base.rsplit("/", 1)[0] + f"/{name}" + (f"?{query}" if query else "")
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def pg_url(pgvector_server: str) -> Iterator[str]:
    """A fresh, migrated database on the pgvector server."""
    for url in _new_database(pgvector_server):
        upgrade(url)
        yield url


class StubEmbedder:
    """Deterministic clustered unit vectors (a hash of the text picks the cluster and noise)."""

    def __init__(self, name: str, dim: int = DIM, clusters: int = 12) -> None:
        self.name = name
        self.dim = dim
        self._centers = np.random.default_rng(dim).normal(size=(clusters, dim))

    def vector(self, text: str) -> npt.NDArray[np.float32]:
        seed = int(hashlib.sha256(text.encode()).hexdigest()[:12], 16)
        rng = np.random.default_rng(seed)
        v: npt.NDArray[np.float64] = self._centers[seed % len(self._centers)] + rng.normal(
            0.0, 0.8, self.dim
        )
        return (v / np.linalg.norm(v)).astype(np.float32)

    def embed(self, texts: Sequence[str]) -> npt.NDArray[np.float32]:
        return (
            np.stack([self.vector(t) for t in texts])
            if texts
            else np.zeros((0, self.dim), np.float32)
        )


@dataclass
class Corpus:
    space_id: str
    other_space_id: str
    source_ids: list[str]
    collection_id: str
    pinned_id: str
    deleted_id: str


KINDS = ("turn", "section", "artifact", "snapshot")
ARTIFACT_TYPES = ("CODE", "DECISION", "FACT")
LANGUAGES = ("python", "sql", "rust")


def make_corpus(db: Database, chunks: int = CHUNKS) -> Corpus:
    """Chunks spread over 12 sources (one in a collection, one pinned, one deleted) with every
    filtered attribute varied, plus a second space with the same texts."""
    with db.session() as session:
        user = keys.ensure_user(session, "vec", f"{uuid.uuid4().hex}@example.test")
        space, other = Space(user_id=user.id, name="s"), Space(user_id=user.id, name="o")
        session.add_all([space, other])
        session.flush()
        collection = Collection(space_id=space.id, name="c")
        session.add(collection)
        session.flush()
        sources = [
            Source(
                user_id=user.id,
                space_id=space.id,
                type="CONTENT" if i % 2 else "URI",
                status="COMPLETED",
                name=str(i),
                collection_id=collection.id if i == 1 else None,
                pinned=i == 2,
                deleted_at=T0 if i == 3 else None,
            )
            for i in range(12)
        ]
        foreign = Source(user_id=user.id, space_id=other.id, type="CONTENT", status="COMPLETED")
        session.add_all([*sources, foreign])
        session.flush()
        rows = []
        for i in range(chunks):
            kind = KINDS[i % 4]
            rows.append(
                {
                    "space_id": space.id,
                    "source_id": sources[i % 12].id,
                    "kind": kind,
                    "text": f"chunk {i}",
                    "artifact_type": ARTIFACT_TYPES[i % 3] if kind == "artifact" else None,
                    "language": LANGUAGES[i % 5 % 3] if i % 5 < 3 else None,
                    "timestamp": T0 + timedelta(hours=i),
                    "source_revision": 0,
                }
            )
        rows += [{**r, "space_id": other.id, "source_id": foreign.id} for r in rows[:200]]
        session.execute(insert(Chunk), rows)
        return Corpus(
            space.id, other.id, [s.id for s in sources], collection.id, sources[2].id, sources[3].id
        )


def filter_cases(corpus: Corpus) -> dict[str, SearchFilters]:
    return {
        "none": SearchFilters(),
        "sources": SearchFilters(source_ids=tuple(corpus.source_ids[4:7])),
        "collection": SearchFilters(collection_id=corpus.collection_id),
        "source types": SearchFilters(source_types=("URI",)),
        "kinds": SearchFilters(kinds=("section", "artifact")),
        "artifact types": SearchFilters(artifact_types=("DECISION",)),
        "languages": SearchFilters(languages=("SQL",)),
        "time range": SearchFilters(after=T0 + timedelta(hours=100), before=T0 + timedelta(days=9)),
        "pinned": SearchFilters(pinned=True),
        "with deleted": SearchFilters(include_deleted=True, kinds=("turn",)),
        "combined": SearchFilters(kinds=("artifact",), languages=("python", "rust")),
    }


def queries(embedder: StubEmbedder, n: int = 8) -> list[npt.NDArray[np.float32]]:
    return [embedder.vector(f"query {i}") for i in range(n)]


def run(
    db: Database, index: VectorIndex, *args: object, force_index: bool = False
) -> list[tuple[int, float]]:
    """`index.search(session, *args)`; `force_index` forbids the planner sequential and bitmap
    scans, so that a small test table is searched through the HNSW index as a big one is."""
    with db.read_session() as session:
        if force_index:
            session.execute(text("SET LOCAL enable_seqscan = off"))
            session.execute(text("SET LOCAL enable_bitmapscan = off"))
        return index.search(session, *args)  # type: ignore[arg-type]


def test_hnsw_matches_the_numpy_scan_with_every_filter(pg_url: str) -> None:
    db = Database(pg_url)
    try:
        embedder = StubEmbedder("stub-a")
        corpus = make_corpus(db)
        index, reason = PgVectorIndex.open(db.engine, embedder.name, DIM)
        assert index is not None, reason
        assert embed_pending(db, embedder, None) == CHUNKS + 200
        numpy_index = NumpyVectorIndex(embedder.name, DIM)
        with db.engine.begin() as conn:  # planner statistics, as autovacuum would
            conn.execute(text("ANALYZE chunks"))
        for name, filters in filter_cases(corpus).items():
            for q in queries(embedder, 4):
                expected = run(db, numpy_index, corpus.space_id, q, filters, 20)
                assert expected, name
                for force in (False, True):
                    got = run(db, index, corpus.space_id, q, filters, 20, force_index=force)
                    assert [i for i, _ in got] == [i for i, _ in expected], (name, force)
                    assert np.allclose([s for _, s in got], [s for _, s in expected], atol=1e-5)
        # Every filtered chunk is returned when the limit allows (the exact fallback).
        filters = SearchFilters(languages=("rust",), kinds=("turn",))
        everything = run(db, numpy_index, corpus.space_id, queries(embedder)[0], filters, 10_000)
        for force in (False, True):
            got = run(db, index, corpus.space_id, queries(embedder)[0], filters, 10_000,
                      force_index=force)  # fmt: skip
            assert got == [pytest.approx(hit, abs=1e-5) for hit in everything]
        assert not run(db, index, str(uuid.uuid4()), queries(embedder)[0], SearchFilters(), 10)
    finally:
        db.dispose()


def test_the_hnsw_index_exists_and_serves_the_query(pg_url: str) -> None:
    db = Database(pg_url)
    try:
        embedder = StubEmbedder("stub-a")
        corpus = make_corpus(db, 300)
        index, _ = PgVectorIndex.open(db.engine, embedder.name, DIM)
        assert index is not None
        embed_pending(db, embedder, None)
        with db.engine.begin() as conn:
            definition = conn.scalar(
                text("SELECT indexdef FROM pg_indexes WHERE indexname = :name"),
                {"name": vectors.index_name(embedder.name, DIM)},
            )
            assert definition is not None
            assert "USING hnsw" in definition
            assert "vector_cosine_ops" in definition
            assert f"vector({DIM})" in definition
            assert "'stub-a'" in definition
            # The query the backend runs can use it (forbid the alternatives to see the plan).
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            conn.execute(text("SET LOCAL enable_bitmapscan = off"))
            statement = index._query(
                corpus.space_id, queries(embedder)[0], SearchFilters(), 10, exact=False
            )
            compiled = statement.compile(conn, compile_kwargs={"literal_binds": True})
            plan = "\n".join(conn.execute(text(f"EXPLAIN {compiled}")).scalars())
            assert vectors.index_name(embedder.name, DIM) in plan, plan
            # Same results as the numpy scan when the index certainly serves the query.
            got = [r[0] for r in conn.execute(statement)]
        with db.read_session() as session:
            expected = NumpyVectorIndex(embedder.name, DIM).search(
                session, corpus.space_id, queries(embedder)[0], SearchFilters(), 10
            )
        assert got == [i for i, _ in expected]
    finally:
        db.dispose()


def test_a_model_change_searches_only_the_new_models_vectors(pg_url: str) -> None:
    db = Database(pg_url)
    try:
        old, new = StubEmbedder("model-old"), StubEmbedder("model-new", dim=64)
        corpus = make_corpus(db, 240)
        old_index, _ = PgVectorIndex.open(db.engine, old.name, old.dim)
        assert old_index is not None
        embed_pending(db, old, None)
        q_old = old.vector("query 0")
        # 240 chunks in the space, 20 of them from the deleted source
        assert len(run(db, old_index, corpus.space_id, q_old, SearchFilters(), 500)) == 220

        new_index, _ = PgVectorIndex.open(db.engine, new.name, new.dim)
        assert new_index is not None
        q_new = new.vector("query 0")
        assert run(db, new_index, corpus.space_id, q_new, SearchFilters(), 10) == []
        first = corpus.source_ids[0]
        embed_pending(db, new, first)  # one source re-embedded so far
        with db.read_session() as session:
            first_ids = set(session.scalars(select(Chunk.id).where(Chunk.source_id == first)))
        hits = run(db, new_index, corpus.space_id, q_new, SearchFilters(), 500)
        assert {i for i, _ in hits} == first_ids
        numpy_hits = run(db, NumpyVectorIndex(new.name, new.dim), corpus.space_id, q_new,
                         SearchFilters(), 500)  # fmt: skip
        assert [i for i, _ in hits] == [i for i, _ in numpy_hits]
        # The old model no longer sees the re-embedded chunks; after the rest, nothing.
        assert not first_ids & {i for i, _ in run(db, old_index, corpus.space_id, q_old,
                                                  SearchFilters(), 500)}  # fmt: skip
        embed_pending(db, new, None)
        assert run(db, old_index, corpus.space_id, q_old, SearchFilters(), 10) == []
        assert len(run(db, new_index, corpus.space_id, q_new, SearchFilters(), 500)) == 220
        with db.engine.begin() as conn:
            assert conn.scalar(
                text("SELECT count(*) FROM chunks WHERE embedding_vec IS NOT NULL")
            ) == conn.scalar(text("SELECT count(*) FROM chunks WHERE embedding IS NOT NULL"))
    finally:
        db.dispose()


def test_vectors_stored_before_pgvector_are_carried_over(pg_url: str) -> None:
    db = Database(pg_url)
    try:
        embedder = StubEmbedder("stub-a")
        corpus = make_corpus(db, 120)
        with db.engine.begin() as conn:
            vectors.uninstall(conn)  # as if migrated where pgvector was not available
        embed_pending(db, embedder, None)  # bytes only
        with db.engine.begin() as conn:
            assert not vectors.column_present(conn)
        index, reason = PgVectorIndex.open(db.engine, embedder.name, DIM)
        assert index is not None, reason
        q = queries(embedder)[1]
        expected = run(db, NumpyVectorIndex(embedder.name, DIM), corpus.space_id, q,
                       SearchFilters(), 30)  # fmt: skip
        assert [i for i, _ in run(db, index, corpus.space_id, q, SearchFilters(), 30)] == [
            i for i, _ in expected
        ]
        # Stale model tags are left alone: re-embedding, not the copy, fixes those.
        with db.session() as session:
            session.execute(update(Chunk).values(embedding_model="other"))
        assert run(db, index, corpus.space_id, q, SearchFilters(), 30) == []
    finally:
        db.dispose()


def test_runtime_chooses_pgvector_and_the_schema_matches_the_models(
    pg_url: str, tmp_path: Path
) -> None:
    runtime = Runtime.build(make_settings(tmp_path / "data", pg_url, vector_backend="auto"))
    try:
        assert isinstance(runtime.vector_index, PgVectorIndex)
        embedder = StubEmbedder(runtime.embedding_model_name)
        corpus = make_corpus(runtime.db, 100)
        embed_pending(runtime.db, embedder, None)
        with runtime.db.read_session() as session:
            hits = run_search(
                session,
                corpus.space_id,
                "chunk 7",
                mode=SearchMode.VECTOR,
                top_k=5,
                filters=SearchFilters(),
                embedder=embedder,
                vectors=runtime.vector_index,
            ).hits
        assert hits[0].chunk.text == "chunk 7"
        assert hits[0].vector == pytest.approx(1.0, abs=1e-5)
        engine = create_engine(pg_url)
        try:
            with engine.connect() as conn:
                context = MigrationContext.configure(conn, opts={"include_object": include_object})
                assert compare_metadata(context, Base.metadata) == []
        finally:
            engine.dispose()
    finally:
        runtime.close()
    numpy_runtime = Runtime.build(make_settings(tmp_path / "d2", pg_url, vector_backend="numpy"))
    try:
        assert isinstance(numpy_runtime.vector_index, NumpyVectorIndex)
    finally:
        numpy_runtime.close()


def _engine(url: str) -> Engine:
    return create_engine(url)


def test_pgvector_where_it_cannot_run(tmp_path: Path) -> None:
    sqlite = _engine(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        assert isinstance(open_vector_index(sqlite, "m", DIM, "auto"), NumpyVectorIndex)
        with pytest.raises(VectorBackendError, match=r"CONTEXTD_VECTOR_BACKEND=pgvector.*sqlite"):
            open_vector_index(sqlite, "m", DIM, "pgvector")
    finally:
        sqlite.dispose()
    with pytest.raises(VectorBackendError, match="sqlite, not PostgreSQL"):
        Runtime.build(
            make_settings(
                tmp_path / "d", f"sqlite:///{tmp_path / 'y.db'}", vector_backend="pgvector"
            )
        )


def test_pgvector_required_on_a_postgresql_without_it(tmp_path: Path) -> None:
    """The machine's PostgreSQL (no pgvector package): auto falls back, pgvector refuses."""
    try:
        admin = create_engine(PG_ADMIN_URL)
        with admin.connect() as conn:
            available = conn.scalar(
                text("SELECT 1 FROM pg_available_extensions WHERE name = 'vector'")
            )
        admin.dispose()
    except Exception as exc:
        pytest.skip(f"no local PostgreSQL: {exc!r}")
    if available:
        pytest.skip("this PostgreSQL has pgvector")
    for url in _new_database(PG_ADMIN_URL):
        runtime = Runtime.build(make_settings(tmp_path / "a", url))
        try:
            assert isinstance(runtime.vector_index, NumpyVectorIndex)
        finally:
            runtime.close()
        with pytest.raises(VectorBackendError, match="no `vector` extension"):
            Runtime.build(make_settings(tmp_path / "b", url, vector_backend="pgvector"))
