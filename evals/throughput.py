"""Time and memory of the processing stages on a huge synthetic coding conversation.

Usage: `.venv/bin/python evals/throughput.py [--words 100000 1000000] [--no-model] [--tracemalloc]`

For each size a "User:"/"Assistant:" transcript of about that many words is generated (seeded,
so every run sees the same text): a user and an assistant building a service over many topics,
with decisions, revisions, errors, numbers, questions and a fenced code block every few
assistant turns; feature names are drawn from a made-up vocabulary that grows with the size, so
topics come and go as in real work. Its bytes then go through the stages the job runner runs:
`ingest` (conversion and turn parsing), `extract_artifacts` and `build_snapshot` (at the
default 4x ratio, with the real embedding model unless `--no-model`).

Printed per stage: wall-clock seconds, and with `--tracemalloc` the peak of Python allocations
during that stage (tracemalloc slows the stages down, so the seconds are then pessimistic).
Printed per size: the process's peak resident memory (`ru_maxrss`, which also holds the
embedding model's ~0.5 GB and the generated input). The tokenizer and the model are loaded
(and timed) once, before the first size. The snapshot stage's own peak staying
flat from 100k to 1M words (beyond the joined text it counts) is what "bounded memory" means
here: the candidate pool, word counts and embedded sentences are capped (see
`contextd.pipeline.snapshot`).
"""

from __future__ import annotations

import argparse
import gc
import random
import resource
import time
import tracemalloc
from collections.abc import Callable, Sequence
from typing import TypeVar

from contextd.pipeline.artifacts import extract_artifacts
from contextd.pipeline.embed import default_embedder
from contextd.pipeline.ingest import ingest
from contextd.pipeline.snapshot import MAX_EMBEDDED, build_snapshot
from contextd.pipeline.tokens import count_tokens
from contextd.pipeline.types import Fetched

T = TypeVar("T")

COMPONENTS = [
    "billing", "search", "auth", "exports", "webhooks", "reports", "invites", "sessions",
    "audit log", "notifications", "uploads", "rate limiter", "scheduler", "cache", "metrics",
]  # fmt: skip
TOOLS = [
    "PostgreSQL", "SQLite", "Redis", "Celery", "FastAPI", "SQLAlchemy", "Alembic", "nginx",
    "Docker", "pytest", "httpx", "Pydantic", "uvicorn", "Kafka", "MinIO",
]  # fmt: skip
ERRORS = ["KeyError", "TimeoutError", "IntegrityError", "ValueError", "ConnectionResetError"]


def _vocabulary(rng: random.Random, size: int) -> list[str]:
    """Made-up feature names ("kovat", "relunis"), so that topics come and go as in real work."""
    syllables = [c + v for c in "bdfgklmnprstvz" for v in "aeiou"]
    return sorted({"".join(rng.choices(syllables, k=rng.randint(2, 3))) for _ in range(size)})


def _part(rng: random.Random, names: list[str]) -> str:
    return f"{rng.choice(names)} {rng.choice(COMPONENTS)}"


def _user(rng: random.Random, i: int, names: list[str]) -> str:
    part, tool, other = _part(rng, names), rng.choice(TOOLS), rng.choice(TOOLS)
    n = rng.randint(2, 900)
    options = [
        f"Next I need the {part} endpoint. It must support pagination with at most {n} items "
        f"per page. How should we handle filtering by status?",
        f"I ran the {part} tests and got {rng.choice(ERRORS)} in handler_{i}. Can you fix it?",
        f"Let's use {tool} for the {part}, since we run everything on one VPS. Latency is about "
        f"{n} ms right now.",
        f"Actually, we have to switch the {part} from {other} to {tool} because we will run "
        f"{rng.randint(2, 16)} workers.",
        f"Thanks, that works. The {part} must not return deleted rows, and requests over "
        f"{n} KB should be rejected.",
        f"Should we keep the {part} in a background queue, or is a cron job enough?",
    ]
    return rng.choice(options)


def _assistant(rng: random.Random, i: int, names: list[str]) -> str:
    part, tool = _part(rng, names), rng.choice(TOOLS)
    name = part.replace(" ", "_")
    parts = [
        f"For the {part} we should keep the handler thin and move the queries into the "
        f"repository layer, so {tool} stays behind one interface.",
        f"The function `list_{name}` takes a cursor and a limit and returns the next cursor "
        f"with the page; the index on ({name}.status, {name}.created_at) keeps it under "
        f"{rng.randint(2, 40)} ms for {rng.randint(1, 50)}M rows.",
    ]
    if i % 3 == 0:
        parts.append(
            f"Create `app/{name}_{i % 40}.py`:\n\n```python\nfrom fastapi import APIRouter\n\n"
            f"router = APIRouter()\n\n\n@router.get('/{name}')\n"
            f"def list_{name}(cursor: str | None = None, limit: int = 50):\n"
            f"    return repo.list_{name}(cursor=cursor, limit=min(limit, {i % 500 + 10}))\n```"
        )
    if i % 5 == 1:
        parts.append(
            f"I fixed the {rng.choice(ERRORS)}: the serializer now reads `owner_id` from the "
            f"joined row, so handler_{i} works again. Next step: add a regression test."
        )
    parts.append("Let me know if you want me to add more tests!")
    return "\n\n".join(parts)


def transcript(words: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    names = _vocabulary(rng, max(50, words // 200))
    chunks: list[str] = []
    count = 0
    i = 0
    while count < words:
        text = _user(rng, i, names) if i % 2 == 0 else _assistant(rng, i, names)
        chunk = f"{'User' if i % 2 == 0 else 'Assistant'}: {text}\n\n"
        chunks.append(chunk)
        count += len(chunk.split())
        i += 1
    return "".join(chunks)


def _stage(name: str, trace: bool, work: Callable[[], T], rows: list[tuple[str, float, int]]) -> T:
    gc.collect()
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    result = work()
    seconds = time.perf_counter() - started
    peak = 0
    if trace:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    rows.append((name, seconds, peak))
    return result


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def run(words: int, *, trace: bool, max_embedded: int) -> None:
    text = transcript(words)
    data = text.encode()
    print(f"\n{len(text.split()):,} words, {len(data) / 2**20:.1f} MiB of transcript")
    rows: list[tuple[str, float, int]] = []
    fetched = Fetched(content=data, content_type="text/plain", filename="chat.txt")
    ingested = _stage("ingest", trace, lambda: ingest(fetched), rows)
    turns = ingested.turns
    artifacts = _stage(
        "extract_artifacts", trace, lambda: extract_artifacts(ingested.document, turns), rows
    )
    snapshot = _stage(
        "build_snapshot",
        trace,
        lambda: build_snapshot(turns, ingested.document, artifacts, max_embedded=max_embedded),
        rows,
    )
    print(f"{len(turns):,} turns, {len(artifacts):,} artifacts")
    compression = snapshot.tokens_before / max(1, snapshot.tokens_after)
    print(
        f"snapshot: {snapshot.tokens_before:,} -> {snapshot.tokens_after:,} tokens "
        f"(budget {snapshot.budget:,}, {compression:.2f}x), "
        f"{len(snapshot.turn_indexes):,} turns cited"
    )
    header = f"{'stage':18} {'seconds':>8}"
    if trace:
        header += f" {'peak Python MiB':>16}"
    print(header)
    for name, seconds, peak in rows:
        line = f"{name:18} {seconds:8.1f}"
        if trace:
            line += f" {peak / 2**20:16.1f}"
        print(line)
    print(f"{'total':18} {sum(r[1] for r in rows):8.1f}")
    print(f"process peak RSS so far: {_rss_mib():,.0f} MiB")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--words", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--no-model", action="store_true", help="lexical snapshot engine only")
    parser.add_argument("--tracemalloc", action="store_true", help="peak Python memory per stage")
    args = parser.parse_args(argv)
    max_embedded = 0 if args.no_model else MAX_EMBEDDED
    started = time.perf_counter()
    count_tokens("warm up")
    print(f"tokenizer loaded in {time.perf_counter() - started:.1f} s")
    if not args.no_model:
        started = time.perf_counter()
        default_embedder().embed(["warm up"])
        print(f"embedding model loaded in {time.perf_counter() - started:.1f} s")
        print(f"process peak RSS after loading: {_rss_mib():,.0f} MiB")
    for words in args.words:
        run(words, trace=args.tracemalloc, max_embedded=max_embedded)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
