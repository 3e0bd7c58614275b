"""Vector search backends at 100,000 chunks: the numpy scan, sqlite-vec, pgvector (HNSW).

    .venv/bin/python bench/vectors.py                         # 100,000 vectors, all backends
    .venv/bin/python bench/vectors.py --chunks 20000 --queries 100 --backends numpy,sqlite-vec
    .venv/bin/python bench/vectors.py --json

Needs, beside the dev dependencies: `pip install sqlean.py==3.50.4.5 sqlite-vec==0.1.9` for
sqlite-vec (Python's own sqlite3 cannot load extensions), and pgserver (a dev dependency:
PostgreSQL 16 with pgvector) for pgvector. A backend whose packages are missing is skipped.

Data: `--chunks` unit vectors of 384 dimensions (all-MiniLM-L6-v2's size) in 64 Gaussian
clusters, in one space, as rows of contextd's real schema (migrated), with their float32 bytes
in `chunks.embedding`. Queries: `--queries` perturbed copies of stored vectors; k = 50, the
candidate pool `search()` asks the vector side for at top_k 10. Every figure is warm (the first
query of each backend is not timed) and one query per read transaction, as the API does.

- numpy: `NumpyVectorIndex.search` on a SQLite database (the embedded default), the path the API
  takes; `numpy floor` is the bare matrix product + top-k on the same matrix.
- sqlite-vec: a `vec0` table (cosine, `space_id` as partition key) in the same SQLite file,
  opened with sqlean.py; `SELECT rowid, distance ... WHERE embedding MATCH ? AND k = 50 AND
  space_id = ?`. It has no filters on sources, so the real path would add a join and a
  second pass like pgvector's.
- pgvector: `PgVectorIndex.search` on pgserver (PostgreSQL 16, pgvector as bundled there), after
  `vectors.backfill` (bytes -> `embedding_vec`, what switching an existing database costs) and
  the HNSW build (`PgVectorIndex.open`, maintenance_work_mem raised to 1 GB as an operator
  would for a bulk build). `pgvector exact` is the same query ordered so that the index cannot
  serve it (the fallback for short answers).

Recall@10 and @50 are against the exact numpy ranking. Ratios are p50 / numpy p50, same run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import create_engine, insert, text

from contextd.search.filters import SearchFilters
from contextd.search.numpy_index import NumpyVectorIndex
from contextd.search.pgvector_index import PgVectorIndex
from contextd.services import keys
from contextd.store import vectors
from contextd.store.db import Database
from contextd.store.migrate import upgrade
from contextd.store.tables import Chunk, Source, Space

DIM = 384
K = 50
MODEL = "bench-model"
Vectors = npt.NDArray[np.float32]


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def dataset(n: int, queries: int, seed: int) -> tuple[Vectors, Vectors]:
    rng = np.random.default_rng(seed)
    centers = rng.normal(size=(64, DIM)).astype(np.float32)
    data = centers[rng.integers(0, 64, n)] + rng.normal(0, 0.9, (n, DIM)).astype(np.float32)
    data /= np.linalg.norm(data, axis=1, keepdims=True)
    picks = data[rng.integers(0, n, queries)] + rng.normal(0, 0.05, (queries, DIM))
    picks /= np.linalg.norm(picks, axis=1, keepdims=True)
    return data.astype(np.float32), picks.astype(np.float32)


def load(db: Database, data: Vectors) -> tuple[str, list[int]]:
    """One space, 100 chunks per source, each chunk with its vector's bytes; (space, ids)."""
    with db.session() as session:
        user = keys.ensure_user(session, "bench", f"{uuid.uuid4().hex}@example.test")
        space = Space(user_id=user.id, name="bench")
        session.add(space)
        session.flush()
        sources = [
            Source(user_id=user.id, space_id=space.id, type="CONTENT", status="COMPLETED")
            for _ in range(-(-len(data) // 100))
        ]
        session.add_all(sources)
        session.flush()
        space_id, source_ids = space.id, [s.id for s in sources]
    for start in range(0, len(data), 5000):
        with db.session() as session:
            session.execute(
                insert(Chunk),
                [
                    {
                        "space_id": space_id,
                        "source_id": source_ids[i // 100],
                        "kind": "section",
                        "text": f"chunk {i}",
                        "source_revision": 0,
                        "embedding": data[i].tobytes(),
                        "embedding_model": MODEL,
                    }
                    for i in range(start, min(len(data), start + 5000))
                ],
            )
    with db.read_session() as session:
        ids = list(session.scalars(text("SELECT id FROM chunks ORDER BY id")))
    return space_id, ids


def timed(
    queries: Vectors, run: Callable[[Vectors], list[int]]
) -> tuple[list[float], list[list[int]]]:
    run(queries[0])  # warm-up
    seconds, results = [], []
    for q in queries:
        started = time.perf_counter()
        results.append(run(q))
        seconds.append(time.perf_counter() - started)
    return seconds, results


def stats(seconds: Sequence[float]) -> dict[str, float]:
    ms = sorted(1000 * s for s in seconds)
    return {
        "p50": statistics.median(ms),
        "p99": ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))],
        "mean": statistics.fmean(ms),
    }


def recall(got: Sequence[Sequence[int]], truth: Sequence[Sequence[int]], k: int) -> float:
    return statistics.fmean(
        len(set(g[:k]) & set(t[:k])) / k for g, t in zip(got, truth, strict=True)
    )


@contextmanager
def pgserver_database(tmp: Path) -> Iterator[str]:
    import pgserver

    server = pgserver.get_server(tmp / "pgdata", cleanup_mode="stop")
    try:
        admin_url = "postgresql+psycopg://" + server.get_uri().split("://", 1)[1]
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text('CREATE DATABASE "bench"'))
            conn.execute(text("ALTER DATABASE bench SET maintenance_work_mem = '1GB'"))
        admin.dispose()
        base, _, query = admin_url.partition("?")
        yield base.rsplit("/", 1)[0] + "/bench?" + query
    finally:
        server.cleanup()


def run(args: argparse.Namespace) -> dict[str, Any]:
    backends = [b for b in args.backends.split(",") if b]
    data, queries = dataset(args.chunks, args.queries, args.seed)
    out: dict[str, Any] = {"chunks": args.chunks, "dim": DIM, "k": K, "backends": {}}
    with tempfile.TemporaryDirectory(prefix="contextd-vectors-") as tmp_name:
        tmp = Path(tmp_name)
        path = tmp / "contextd.db"
        url = f"sqlite:///{path}"
        upgrade(url)
        db = Database(url)
        log(f"loading {args.chunks} vectors into SQLite")
        space_id, ids = load(db, data)
        id_array = np.asarray(ids, dtype=np.int64)

        # numpy: the real index, and its floor.
        index = NumpyVectorIndex(MODEL, DIM)

        def numpy_search(q: Vectors) -> list[int]:
            with db.read_session() as session:
                return [i for i, _ in index.search(session, space_id, q, SearchFilters(), K)]

        started = time.perf_counter()
        numpy_search(queries[0])
        cold = time.perf_counter() - started
        seconds, truth = timed(queries, numpy_search)
        out["backends"]["numpy"] = {**stats(seconds), "cold_load_s": cold, "recall@10": 1.0}

        def floor(q: Vectors) -> list[int]:
            scores = data @ q
            best = np.argpartition(-scores, K - 1)[:K]
            return [int(id_array[i]) for i in best[np.argsort(-scores[best])]]

        seconds, _ = timed(queries, floor)
        out["backends"]["numpy floor"] = stats(seconds)
        log(f"  numpy p50 {out['backends']['numpy']['p50']:.1f} ms")

        if "sqlite-vec" in backends:
            out["backends"]["sqlite-vec"] = sqlite_vec(path, data, ids, space_id, queries, truth)
        db.dispose()

        if "pgvector" in backends:
            out["backends"].update(pgvector(tmp, data, queries, truth, args))
    numpy_p50 = out["backends"]["numpy"]["p50"]
    for figures in out["backends"].values():
        figures["ratio_vs_numpy"] = figures["p50"] / numpy_p50
    return out


def sqlite_vec(
    path: Path, data: Vectors, ids: list[int], space_id: str, queries: Vectors, truth: Any
) -> dict[str, Any]:
    try:
        import sqlean
        import sqlite_vec as vec
    except ImportError as exc:
        log(f"sqlite-vec skipped: {exc}")
        return {"skipped": str(exc), "p50": float("nan")}
    conn = sqlean.connect(str(path))
    conn.enable_load_extension(True)
    vec.load(conn)
    conn.enable_load_extension(False)
    conn.execute(
        "CREATE VIRTUAL TABLE chunks_vec USING vec0("
        f"space_id text partition key, embedding float[{DIM}] distance_metric=cosine)"
    )
    log(f"loading {len(data)} vectors into sqlite-vec")
    started = time.perf_counter()
    conn.executemany(
        "INSERT INTO chunks_vec(rowid, space_id, embedding) VALUES (?, ?, ?)",
        ((i, space_id, v.tobytes()) for i, v in zip(ids, data, strict=True)),
    )
    conn.commit()
    load_s = time.perf_counter() - started

    def search(q: Vectors) -> list[int]:
        rows = conn.execute(
            "SELECT rowid, distance FROM chunks_vec WHERE embedding MATCH ? AND k = ? "
            "AND space_id = ?",
            (q.tobytes(), K, space_id),
        ).fetchall()
        return [r[0] for r in rows]

    seconds, got = timed(queries, search)
    conn.close()
    figures = {**stats(seconds), "load_s": load_s, "recall@10": recall(got, truth, 10)}
    log(f"  sqlite-vec p50 {figures['p50']:.1f} ms")
    return figures


def pgvector(
    tmp: Path, data: Vectors, queries: Vectors, truth: Any, args: argparse.Namespace
) -> dict[str, Any]:
    try:
        server = pgserver_database(tmp)
        url = server.__enter__()
    except Exception as exc:
        log(f"pgvector skipped: {exc!r}")
        return {"pgvector": {"skipped": repr(exc), "p50": float("nan")}}
    try:
        upgrade(url)
        db = Database(url)
        log(f"loading {len(data)} vectors into PostgreSQL (pgserver)")
        space_id, _ = load(db, data)
        started = time.perf_counter()
        with db.engine.begin() as conn:
            copied = vectors.backfill(conn)
        backfill_s = time.perf_counter() - started
        log(f"  backfill (bytes -> vector) of {copied} rows {backfill_s:.1f} s; building HNSW")
        started = time.perf_counter()
        index, reason = PgVectorIndex.open(db.engine, MODEL, DIM)
        build_s = time.perf_counter() - started
        if index is None:
            raise RuntimeError(reason)
        with db.engine.begin() as conn:
            version = ".".join(map(str, vectors.extension_version(conn)))
            conn.execute(text("ANALYZE chunks"))
        log(f"  HNSW build {build_s:.1f} s (pgvector {version})")

        def search(q: Vectors) -> list[int]:
            with db.read_session() as session:
                return [i for i, _ in index.search(session, space_id, q, SearchFilters(), K)]

        def exact(q: Vectors) -> list[int]:
            with db.read_session() as session:
                statement = index._query(space_id, q, SearchFilters(), K, exact=True)
                return [r[0] for r in session.execute(statement)]

        out: dict[str, Any] = {}
        default_factor = index.ef_search_factor
        for factor in (default_factor, *(f for f in args.ef_factors if f != default_factor)):
            index.ef_search_factor = factor
            seconds, got = timed(queries, search)
            name = f"pgvector HNSW, ef_search {min(1000, max(40, factor * K))}"
            out[name + (" (default)" if factor == default_factor else "")] = figures = {
                **stats(seconds),
                "recall@10": recall(got, truth, 10),
                "recall@50": recall(got, truth, K),
                "backfill_s": backfill_s,
                "hnsw_build_s": build_s,
                "pgvector_version": version,
            }
            log(f"  {name}: p50 {figures['p50']:.1f} ms, recall@10 {figures['recall@10']:.3f}")
        index.ef_search_factor = default_factor
        few = queries[: max(2, len(queries) // 10)]
        seconds, got = timed(few, exact)
        out["pgvector exact"] = {
            **stats(seconds),
            "recall@10": recall(got, truth[: len(few)], 10),
            "queries": len(few),
        }
        log(f"  pgvector exact p50 {out['pgvector exact']['p50']:.1f} ms")
        db.dispose()
        return out
    finally:
        server.__exit__(None, None, None)


def table(result: dict[str, Any]) -> str:
    lines = [
        f"### Vector search, {result['chunks']} vectors of {DIM} dims, k {K}, warm (ms)",
        "",
        "| backend | p50 | p99 | mean | p50 / numpy p50 | recall@10 | notes |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for name, f in result["backends"].items():
        if "skipped" in f:
            lines.append(f"| {name} | - | - | - | - | - | skipped: {f['skipped']} |")
            continue
        notes = []
        if "cold_load_s" in f:
            notes.append(f"first query loads the matrix: {f['cold_load_s']:.1f} s")
        if "load_s" in f:
            notes.append(f"insert {f['load_s']:.1f} s")
        if "hnsw_build_s" in f:
            notes.append(
                f"pgvector {f['pgvector_version']}, recall@50 {f['recall@50']:.3f}, "
                f"backfill {f['backfill_s']:.0f} s, HNSW build {f['hnsw_build_s']:.0f} s"
            )
        if "queries" in f:
            notes.append(f"{f['queries']} queries")
        rec = f"{f['recall@10']:.3f}" if "recall@10" in f else "-"
        lines.append(
            f"| {name} | {f['p50']:.1f} | {f['p99']:.1f} | {f['mean']:.1f} | "
            f"{f['ratio_vs_numpy']:.2f} | {rec} | {'; '.join(notes)} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--backends", default="numpy,sqlite-vec,pgvector")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--ef-factors",
        default="4,2,8",
        help="pgvector: hnsw.ef_search = factor x k, each measured (the default factor first)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    args.ef_factors = [int(f) for f in args.ef_factors.split(",") if f]
    started = time.perf_counter()
    load_before = os.getloadavg()
    result = run(args)
    result["seconds"] = time.perf_counter() - started
    result["load"] = {"before": load_before, "after": os.getloadavg(), "cpus": os.cpu_count()}
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(table(result))
        print(
            f"\nTotal {result['seconds']:.0f} s; load average before "
            f"{', '.join(f'{x:.1f}' for x in load_before)}, after "
            f"{', '.join(f'{x:.1f}' for x in result['load']['after'])} on {os.cpu_count()} CPUs."
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
