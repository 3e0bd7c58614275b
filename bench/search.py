"""Search at scale: indexing rate against the raw embedding model, and query latency.

    .venv/bin/python bench/search.py                      # 100,000 chunks, SQLite and PostgreSQL
    .venv/bin/python bench/search.py --chunks 20000 --embed-sample 2000 --queries 100
    .venv/bin/python bench/search.py --backends sqlite --json
    .venv/bin/python bench/search.py --embed-sample 0     # embed every chunk for real (slow)

What runs, per backend, in a fresh database (a temporary SQLite file, or a new PostgreSQL
database on `$CONTEXTD_BENCH_PG_URL`, default postgres@127.0.0.1:5432, dropped afterwards),
migrated and opened by `Runtime.build` as the server does:

1. Synthetic notes: `--chunks` short sections (one or two generated sentences under a heading,
   from a fixed vocabulary with Zipf-like word frequencies, names, places, dates, ticket ids),
   100 per source document. Every backend gets the same text (seeded).
2. Indexing rate, on the first `--embed-sample` chunks (default 5,000): the sample's sources go
   through the real path, `index_text` (chunking and inserting, one transaction per source as
   the processing job does) then `embed_pending(db, embedder, source_id)` (the embedding job),
   timed end to end. The raw model rate is `embedder.embed` on exactly the texts
   `embed_pending` sends (title and text), in the same batch size (`EMBED_BATCH`). The two are
   measured interleaved, block by block, so both see the same machine load. The figure to
   watch is indexing rate / raw rate (target >= 0.8).
3. The other chunks are indexed with `index_text` too (timed: the rate without embedding), but
   their vectors are NOT computed by the model: each gets the vector of a sample chunk plus
   small Gaussian noise, renormalized, written straight into `chunks.embedding`. That keeps the
   run bounded (the model does ~100 texts/s on 2 cores) while every chunk has a vector for the
   latency part. `--embed-sample 0` embeds every chunk through the real path instead.
4. On PostgreSQL, `VACUUM ANALYZE` (as autovacuum would after a bulk load: without planner
   statistics a full-text query is planned as a nested loop over every source).
5. Query latency with a warm cache: `run_search()` (the function the API route calls) in a read
   session per query, for `--queries` generated queries (half keyword lists, half questions),
   top_k 10, for lexical, vector and hybrid, plus hybrid with a `kinds` filter. Vector and hybrid
   include embedding the query (its own latency is printed too). The first query of each mode is
   not timed; the cold load of the space's vector matrix is printed on its own.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from search_engines import bare_lexical, bare_vector
from search_load import bulk_load, log
from search_text import PER_SOURCE, documents, queries

from contextd.config import Settings
from contextd.domain.enums import SearchMode
from contextd.pipeline.embed import Embedder, default_embedder
from contextd.pipeline.types import Document
from contextd.runtime import Runtime
from contextd.search.filters import SearchFilters
from contextd.search.hybrid import run_search
from contextd.search.index import EMBED_BATCH, EMBED_CHARS, embed_pending, index_text
from contextd.services import keys
from contextd.store.tables import Chunk, Source, Space
from contextd.testing import FakeEmbedder, scratch_database

PG_ADMIN_URL = os.environ.get(
    "CONTEXTD_BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BARE = ("bare lexical", "bare vector")
NOISE = 0.05


@contextmanager
def database(backend: str, folder: Path, keep: str | None = None) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'contextd.db'}"
        return
    if keep:  # a named database, created if missing and never dropped (--keep-db)
        from sqlalchemy import create_engine, make_url, text

        admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": keep}):
                conn.execute(text(f'CREATE DATABASE "{keep}"'))
        admin.dispose()
        yield make_url(PG_ADMIN_URL).set(database=keep).render_as_string(hide_password=False)
        return
    with scratch_database(PG_ADMIN_URL, "contextd_bench") as url:
        yield url


def existing_space(runtime: Runtime, chunks: int) -> str | None:
    """The space of an earlier run kept with --keep-db, if it holds exactly `chunks` chunks."""
    from sqlalchemy import func, select

    with runtime.db.read_session() as session:
        for space_id in session.scalars(select(Space.id).where(Space.name == "bench")):
            count = session.scalar(select(func.count(Chunk.id)).where(Chunk.space_id == space_id))
            if count == chunks:
                return str(space_id)
    return None


def new_sources(runtime: Runtime, count: int) -> tuple[str, list[str]]:
    with runtime.db.session() as session:
        user = keys.ensure_user(session, "bench", f"{uuid.uuid4().hex}@example.test")
        space = Space(user_id=user.id, name="bench")
        session.add(space)
        session.flush()
        sources = [
            Source(
                user_id=user.id, space_id=space.id, type="CONTENT", status="COMPLETED", name=f"{i}"
            )
            for i in range(count)
        ]
        session.add_all(sources)
        session.flush()
        return space.id, [s.id for s in sources]


def index_sources(runtime: Runtime, source_ids: Sequence[str], docs: Sequence[Document]) -> None:
    """`index_text`, one transaction per source as the processing job does."""
    for source_id, document in zip(source_ids, docs, strict=True):
        with runtime.db.session() as session:
            source = session.get_one(Source, source_id)
            index_text(session, source, (), document, append=False)


def embed_texts(runtime: Runtime, source_ids: Sequence[str]) -> list[str]:
    """The texts `embed_pending` sends for these sources' chunks, in its order."""
    from sqlalchemy import select

    texts: list[str] = []
    with runtime.db.read_session() as session:
        for source_id in source_ids:
            rows = session.execute(
                select(Chunk.title, Chunk.text)
                .where(Chunk.source_id == source_id)
                .order_by(Chunk.id)
            ).all()
            texts += [(f"{t}\n{x}" if t else x)[:EMBED_CHARS] for t, x in rows]
    return texts


def raw_embed(embedder: Embedder, texts: Sequence[str]) -> npt.NDArray[np.float32]:
    parts = [embedder.embed(texts[i : i + EMBED_BATCH]) for i in range(0, len(texts), EMBED_BATCH)]
    return np.concatenate(parts) if parts else np.zeros((0, embedder.dim), np.float32)


# --- measuring -------------------------------------------------------------------------------


@dataclass
class Latency:
    p50: float
    p99: float
    mean: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> Latency:
        ms = sorted(1000 * s for s in seconds)
        p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
        return cls(statistics.median(ms), p99, statistics.fmean(ms))


def run_backend(
    backend: str, args: argparse.Namespace, embedder: Embedder, docs: Sequence[Document]
) -> dict[str, Any]:
    chunks = args.chunks
    sample = chunks if args.embed_sample <= 0 else min(args.embed_sample, chunks)
    sample_sources = max(1, -(-sample // PER_SOURCE))
    result: dict[str, Any] = {"backend": backend, "chunks": chunks}
    with (
        tempfile.TemporaryDirectory(prefix="contextd-bench-") as tmp,
        database(backend, Path(tmp), args.keep_db) as url,
    ):
        runtime = Runtime.build(
            Settings(data_dir=Path(tmp) / "data", database_url=url, secret_key="bench")
        )
        try:
            kept = existing_space(runtime, chunks) if args.keep_db else None
            if kept is not None:
                log(f"[{backend}] reusing the {chunks} chunks kept in {args.keep_db}")
                result["latency"] = latencies(backend, args, runtime, embedder, kept)
                return result
            space_id, source_ids = new_sources(runtime, len(docs))
            sampled, rest = source_ids[:sample_sources], source_ids[sample_sources:]

            # Indexing rate against the raw model, interleaved source by source.
            log(f"[{backend}] indexing + embedding {sample} chunks, raw model on the same texts")
            raw_seconds = index_seconds = 0.0
            seed_vectors: list[npt.NDArray[np.float32]] = []
            embedded = 0
            for n, (source_id, document) in enumerate(zip(sampled, docs, strict=False), 1):
                started = time.perf_counter()
                index_sources(runtime, [source_id], [document])
                embedded += embed_pending(runtime.db, embedder, source_id)
                index_seconds += time.perf_counter() - started
                texts = embed_texts(runtime, [source_id])
                started = time.perf_counter()
                seed_vectors.append(raw_embed(embedder, texts))
                raw_seconds += time.perf_counter() - started
                if n % 10 == 0 or n == len(sampled):
                    log(
                        f"  {embedded}/{sample} chunks: indexing {embedded / index_seconds:.1f}/s,"
                        f" raw model {embedded / raw_seconds:.1f}/s"
                    )
            raw_rate = embedded / raw_seconds
            index_rate = embedded / index_seconds
            result["indexing"] = {
                "sample_chunks": embedded,
                "raw_model_per_s": raw_rate,
                "indexing_per_s": index_rate,
                "ratio": index_rate / raw_rate,
                "batch": EMBED_BATCH,
            }

            # The rest: the same path (index_text + embed_pending) with a stub model whose
            # vectors are copies of the sample's: what the pipeline itself costs per chunk.
            rest_chunks = chunks - embedded
            if args.bulk_load:
                log(f"[{backend}] the other {rest_chunks} chunks: COPY, derived vectors")
                started = time.perf_counter()
                bulk_load(
                    runtime,
                    rest,
                    docs[sample_sources:],
                    np.concatenate(seed_vectors),
                    embedder.name,
                    args.seed,
                )
                result["bulk"] = {
                    "chunks": rest_chunks,
                    "copy_and_index_s": time.perf_counter() - started,
                }
            else:
                log(f"[{backend}] the other {rest_chunks} chunks: same path, stub model")
                result["bulk"] = stubbed_rest(
                    runtime, rest, docs[sample_sources:], seed_vectors, raw_rate, embedder.name
                )

            if backend == "postgresql":
                # What autovacuum does after a bulk load; without statistics the planner picks
                # nested loops over every source for a full-text query.
                log(f"[{backend}] VACUUM ANALYZE")
                autocommit = runtime.db.engine.execution_options(isolation_level="AUTOCOMMIT")
                with autocommit.connect() as conn:
                    conn.exec_driver_sql("VACUUM ANALYZE chunks, sources")
            result["latency"] = latencies(backend, args, runtime, embedder, space_id)
        finally:
            runtime.close()
    return result


def stubbed_rest(
    runtime: Runtime,
    rest: Sequence[str],
    docs: Sequence[Document],
    seed_vectors: list[npt.NDArray[np.float32]],
    raw_rate: float,
    model: str,
) -> dict[str, Any]:
    """The same path (index_text + embed_pending) with a stub model whose vectors are copies of
    the sample's: what the pipeline itself costs per chunk."""
    stub = FakeEmbedder(model, like=np.concatenate(seed_vectors), noise=NOISE)
    started = time.perf_counter()
    step = 50
    chunks = 0
    for b in range(0, len(rest), step):
        batch_ids = rest[b : b + step]
        index_sources(runtime, batch_ids, docs[b:][:step])
        for source_id in batch_ids:
            chunks += embed_pending(runtime.db, stub, source_id)
        if (b // step) % 4 == 3:
            log(f"  {min(len(rest), b + step) * PER_SOURCE} chunks")
    pipeline_seconds = time.perf_counter() - started - stub.seconds
    overhead = pipeline_seconds / chunks if chunks else None
    return {
        "chunks": chunks,
        "pipeline_ms_per_chunk": 1000 * overhead if overhead is not None else None,
        # If the model ran at the raw rate and this were the only other cost:
        "expected_ratio": 1 / (1 + overhead * raw_rate) if overhead is not None else None,
    }


def latencies(
    backend: str, args: argparse.Namespace, runtime: Runtime, embedder: Embedder, space_id: str
) -> dict[str, Any]:
    from sqlalchemy import func, select

    with runtime.db.read_session() as session:
        count = session.scalar(select(func.count(Chunk.id)).where(Chunk.space_id == space_id))
    vectors = runtime.vector_index
    texts = queries(args.queries, seed=args.seed + 1)
    started = time.perf_counter()
    with runtime.db.read_session() as session:
        run_search(
            session,
            space_id,
            texts[0],
            mode=SearchMode.VECTOR,
            top_k=10,
            filters=SearchFilters(),
            embedder=embedder,
            vectors=vectors,
        )
    cold = time.perf_counter() - started
    log(f"[{backend}] {count} chunks in the space; cold vector query {cold:.2f} s; querying")
    cases: dict[str, tuple[SearchMode, SearchFilters]] = {
        "lexical": (SearchMode.LEXICAL, SearchFilters()),
        "vector": (SearchMode.VECTOR, SearchFilters()),
        "hybrid": (SearchMode.HYBRID, SearchFilters()),
        "hybrid, kinds filter": (SearchMode.HYBRID, SearchFilters(kinds=("section",))),
    }
    query_vectors = embedder.embed(texts)
    timings: dict[str, list[float]] = {name: [] for name in [*BARE, *cases]}
    hits = dict.fromkeys(cases, 0)
    # Interleaved: every query runs through each case in turn, so that load from elsewhere on
    # the machine falls on all of them alike. The first query is a warm-up, not timed.
    for i, query in enumerate([texts[0], *texts]):
        vector = query_vectors[max(0, i - 1)]
        for name in BARE:
            started = time.perf_counter()
            with runtime.db.read_session() as session:
                if name == "bare lexical":
                    bare_lexical(session, query)
                else:
                    bare_vector(session, vectors, space_id, vector)
            if i:
                timings[name].append(time.perf_counter() - started)
        for name, (mode, filters) in cases.items():
            started = time.perf_counter()
            with runtime.db.read_session() as session:
                found = run_search(
                    session,
                    space_id,
                    query,
                    mode=mode,
                    top_k=10,
                    filters=filters,
                    embedder=embedder,
                    vectors=vectors,
                ).hits
            if i:
                timings[name].append(time.perf_counter() - started)
                hits[name] += len(found)
        if i % 50 == 0:
            log(f"  {i}/{len(texts)} queries")
    out: dict[str, Any] = {"space_chunks": count, "cold_vector_query_s": cold, "modes": {}}
    for name, seconds in timings.items():
        out["modes"][name] = {
            **Latency.of(seconds).__dict__,
            "mean_hits": hits[name] / len(seconds) if name in hits else None,
        }
        log(f"  {name}: p50 {out['modes'][name]['p50']:.1f} ms")
    modes = out["modes"]
    bare = {q: modes["bare lexical"][q] + modes["bare vector"][q] for q in ("p50", "p99")}
    out["ratio"] = {q: modes["hybrid"][q] / bare[q] for q in ("p50", "p99")}
    embed_timings = []
    for query in texts:
        started = time.perf_counter()
        embedder.embed([query])
        embed_timings.append(time.perf_counter() - started)
    out["query_embedding"] = Latency.of(embed_timings).__dict__
    if backend == "postgresql":
        out["lexical_overlap"] = lexical_overlap(runtime, space_id, texts[: args.overlap_queries])
    return out


def lexical_overlap(runtime: Runtime, space_id: str, texts: Sequence[str]) -> float | None:
    """Mean share of the bounded PostgreSQL ranking's top 10 that the exhaustive one (every
    matching row ranked, the caps lifted) also has: what bounding costs in ranking quality."""
    from contextd.search import lexical

    if not texts:
        return None
    shares = []
    for query in texts:
        with runtime.db.read_session() as session:
            bounded = lexical.lexical_search(session, space_id, query, SearchFilters(), 10)
        caps = (lexical.DF_CAP, lexical.SPACE_CAP)
        lexical.DF_CAP = lexical.SPACE_CAP = 10**12
        try:
            with runtime.db.read_session() as session:
                full = lexical.lexical_search(session, space_id, query, SearchFilters(), 10)
        finally:
            lexical.DF_CAP, lexical.SPACE_CAP = caps
        if full:
            shares.append(len({i for i, _ in bounded} & {i for i, _ in full}) / len(full))
    return statistics.fmean(shares) if shares else None


def table(results: Sequence[dict[str, Any]], args: argparse.Namespace) -> str:
    out = latency_table(results, args)
    indexed = [r for r in results if "indexing" in r]
    if not indexed:
        return "\n".join(out)
    results = indexed
    out += ["### Indexing rate against the raw embedding model", ""]
    out += [
        "| backend | sample chunks | raw model chunks/s | indexing chunks/s | ratio | "
        "pipeline ms/chunk (stub model) | ratio expected from it |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        i, b = r["indexing"], r["bulk"]
        ms = b.get("pipeline_ms_per_chunk")  # not with --bulk-load
        expected = b.get("expected_ratio")
        out.append(
            f"| {r['backend']} | {i['sample_chunks']} | {i['raw_model_per_s']:.1f} | "
            f"{i['indexing_per_s']:.1f} | **{i['ratio']:.2f}** | "
            f"{f'{ms:.3f}' if ms is not None else '-'} | "
            f"{f'{expected:.2f}' if expected is not None else '-'} |"
        )
    stubbed = results[0]["bulk"]["chunks"] if results else 0
    out += [
        "",
        "Indexing = `index_text` + `embed_pending` per source; raw = `embedder.embed` on the same "
        f"texts in batches of {EMBED_BATCH}; the two alternate source by source (100 chunks). "
        + (
            f"**{stubbed} of {args.chunks} chunks did not go through the model**: they went "
            "through `index_text` + `embed_pending` with a stub model returning sample vectors "
            f"plus Gaussian noise (sigma {NOISE}), renormalized; that run gives the pipeline's "
            "own cost per chunk (stub time excluded) and the ratio it implies at the raw rate "
            "(1 / (1 + cost x raw rate)), which other load on the machine does not skew."
            if stubbed
            else "Every chunk was embedded by the model."
        ),
    ]
    return "\n".join(out)


def latency_table(results: Sequence[dict[str, Any]], args: argparse.Namespace) -> list[str]:
    out = [
        f"### Query latency, warm, {args.queries} queries, top_k 10 (ms)",
        "",
        "| backend | chunks | mode | p50 | p99 | mean |",
        "|---|---:|---|---:|---:|---:|",
    ]
    for r in results:
        lat = r["latency"]
        for mode, m in lat["modes"].items():
            out.append(
                f"| {r['backend']} | {lat['space_chunks']} | {mode} | {m['p50']:.1f} | "
                f"{m['p99']:.1f} | {m['mean']:.1f} |"
            )
    out.append("")
    for r in results:
        lat = r["latency"]
        q = lat["query_embedding"]
        ratio = lat["ratio"]
        overlap = lat.get("lexical_overlap")
        out.append(
            f"- {r['backend']}: **hybrid / (bare lexical + bare vector): p50 {ratio['p50']:.2f}, "
            f"p99 {ratio['p99']:.2f}** (target p99 <= 2). Embedding one query p50 "
            f"{q['p50']:.1f} ms / p99 {q['p99']:.1f} ms (inside vector and hybrid, not in the "
            f"bare figures); cold first vector query {lat['cold_vector_query_s']:.1f} s."
            + (
                f" Bounded lexical top 10 vs exhaustive: {100 * overlap:.0f}% overlap."
                if overlap is not None
                else ""
            )
        )
    out.append("")
    return out


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument(
        "--embed-sample",
        type=int,
        default=5_000,
        help="chunks embedded through the real path (0 = all); the rest get copied vectors",
    )
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--overlap-queries",
        type=int,
        default=20,
        help="PostgreSQL: queries whose bounded lexical top 10 is compared with the exhaustive",
    )
    parser.add_argument(
        "--keep-db",
        metavar="NAME",
        help="PostgreSQL: use database NAME, keep it, and reuse its chunks when it has --chunks",
    )
    parser.add_argument(
        "--bulk-load",
        action="store_true",
        help="write the chunks past the sample directly (COPY on PostgreSQL), with derived "
        "vectors, not through index_text + embed_pending; for millions of chunks",
    )
    args = parser.parse_args(argv)
    backends = [b for b in args.backends.split(",") if b]
    if not set(backends) <= {"sqlite", "postgresql"} or args.chunks < 1 or args.queries < 1:
        parser.error("backends: sqlite,postgresql; --chunks and --queries at least 1")

    started = time.perf_counter()
    log("loading the embedding model")
    embedder = default_embedder()
    embedder.embed(["warm up"] * EMBED_BATCH)
    docs = documents(args.chunks, args.seed)
    load_before = os.getloadavg()
    results = [run_backend(backend, args, embedder, docs) for backend in backends]
    elapsed = time.perf_counter() - started
    load_after = os.getloadavg()
    load = {"before": load_before, "after": load_after, "cpus": os.cpu_count()}
    if args.json:
        print(json.dumps({"results": results, "seconds": elapsed, "load": load}, indent=2))
    else:
        print(table(results, args))
        print(
            f"\nTotal run time {elapsed:.0f} s. Load average (1, 5, 15 min) before "
            f"{', '.join(f'{x:.1f}' for x in load_before)}, after "
            f"{', '.join(f'{x:.1f}' for x in load_after)} on {os.cpu_count()} CPUs: "
            "other work on the machine slows the rates and the latencies."
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
