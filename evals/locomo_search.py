"""Does contextd's search find the evidence turns of LoCoMo questions? (lexical, vector, hybrid)

    .venv/bin/python evals/locomo_search.py                          # SQLite, Markdown tables
    .venv/bin/python evals/locomo_search.py --backend postgresql     # a fresh PostgreSQL database
    .venv/bin/python evals/locomo_search.py --json                   # the same figures as JSON

Data: the LoCoMo development conversations in `../shared/evaldata/locomo-dev/` (or `--data`,
or `$CONTEXTD_LOCOMO_DIR`), read at run time and never copied into the repository. Without them
the script says so and exits 0.

How it runs. A real contextd service is started in this process exactly as the test suite
starts one (`Runtime.build` + `create_app` + uvicorn on a loopback port, embedded worker on) over
a fresh database: a temporary SQLite file, or with `--backend postgresql` a new database on the
local server (`$CONTEXTD_EVAL_PG_URL`, default postgres@127.0.0.1:5432), dropped afterwards.
One space is created, and each conversation is POSTed as one `CONTENT` source whose text is the
transcript, one "Speaker: text" line per turn (newlines inside a turn folded to spaces, a shared
image appended as "[shares <caption>]", as evals/locomo_retention.py does), so the service's
own transcript parser yields exactly one turn per `dia_id`; this is checked against
`GET /v1/sources/{id}/turns`, which gives the dia_id -> turn index map. The script waits until
every source is COMPLETED and every chunk has its embedding.

Each question (category 5, the adversarial ones, left out) is sent to
`POST /v1/spaces/{id}/search` with `mode` lexical, vector and hybrid, `top_k` 10 and
`filters.kinds = ["turn"]` (snapshot and artifact chunks do not count). By default the whole
space (all conversations) is searched; `--scope source` adds `filters.sourceIds` = the
question's conversation. A returned chunk *covers* an evidence turn when it belongs to the
question's source and its [turnStart, turnEnd] contains the turn's index.

- recall@k (any): share of questions with at least one evidence turn covered by the top k;
- recall@k (all): share with every evidence turn covered by the top k;
- MRR@10: mean of 1/rank of the first chunk covering an evidence turn (0 if none in the top 10).

With a rerank endpoint (`--rerank-url` and `--rerank-model`: an API root serving
`POST /rerank`, the Cohere/Jina/vLLM protocol; or `$CONTEXTD_RERANK_URL` and
`$CONTEXTD_RERANK_MODEL`), a fourth method is measured: hybrid with `rerank: true` (the best 50
fused candidates reordered by the endpoint). The other modes send `rerank: false`.

Baseline, same run, same chunks: rank-bm25's `BM25Okapi` over the texts of exactly the turn
chunks the service stored (read from its database), tokenized as lower-case `\\w+` words, with
the same scope as the searches.

Tuning hygiene: the conversations are split into a dev part (the first two files) and a
held-out part (the rest); search changes were judged on dev only, and the held-out figures are
printed separately so any overfitting would show.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

DEFAULT_DIR = ROOT.parent / "shared" / "evaldata" / "locomo-dev"  # beside the repository
PG_ADMIN_URL = os.environ.get(
    "CONTEXTD_EVAL_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
MODES = ("lexical", "vector", "hybrid")
METHODS: tuple[str, ...] = ("bm25", *MODES)  # plus "rerank" when a rerank endpoint is given
TOP_K = 10
DEV_FILES = 2
_SESSION = re.compile(r"^session_(\d+)$")
_WORD = re.compile(r"\w+")


# --- data ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Question:
    text: str
    evidence: tuple[str, ...]  # dia_ids
    category: int


@dataclass(frozen=True)
class Conversation:
    name: str
    dia_ids: tuple[str, ...]  # in turn order
    speakers: tuple[str, ...]
    transcript: str
    questions: tuple[Question, ...]


def load(path: Path) -> Conversation:
    raw = json.loads(path.read_text())
    data = raw.get("conversation", raw)
    sessions = sorted(
        (int(m.group(1)), key)
        for key in data
        if (m := _SESSION.match(key)) and isinstance(data[key], list)
    )
    dia_ids: list[str] = []
    speakers: list[str] = []
    lines: list[str] = []
    for _, key in sessions:
        for item in data[key]:
            text = " ".join(str(item.get("text", "")).split())
            caption = item.get("blip_caption")
            if caption:
                text = f"{text} [shares {' '.join(str(caption).split())}]".strip()
            speaker = " ".join(str(item.get("speaker", "Unknown")).split())
            dia_ids.append(str(item["dia_id"]))
            speakers.append(speaker)
            lines.append(f"{speaker}: {text}")
    questions = tuple(
        Question(
            str(q["question"]), tuple(str(e) for e in q.get("evidence", [])), int(q["category"])
        )
        for q in raw.get("qa", [])
        if int(q.get("category", 0)) != 5
    )
    return Conversation(path.stem, tuple(dia_ids), tuple(speakers), "\n".join(lines), questions)


# --- a real service, in this process ---------------------------------------------------------


@contextmanager
def database(backend: str, folder: Path) -> Iterator[str]:
    if backend == "sqlite":
        yield f"sqlite:///{folder / 'contextd.db'}"
        return
    from contextd.testing import scratch_database

    with scratch_database(PG_ADMIN_URL, "contextd_eval") as url:
        yield url


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# --- indexing --------------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredChunk:
    id: int
    source_id: str
    turn_start: int
    turn_end: int
    text: str
    title: str | None


@dataclass
class Indexed:
    space_id: str
    sources: dict[str, str]  # conversation name -> source id
    turn_of: dict[str, dict[str, int]]  # conversation name -> dia_id -> turn index
    chunks: list[StoredChunk]
    seconds: float


def index_all(client: Any, runtime: Any, conversations: Sequence[Conversation]) -> Indexed:
    from sqlalchemy import func, select

    from contextd.domain.enums import JobStatus
    from contextd.jobs import queue
    from contextd.store.tables import Chunk, Job

    started = time.perf_counter()
    response = client.post("/v1/spaces", json={"name": "locomo"})
    response.raise_for_status()
    space_id = str(response.json()["id"])
    sources: dict[str, str] = {}
    for conversation in conversations:
        body = {
            "type": "CONTENT",
            "name": conversation.name,
            "instructions": {},
            "initial_data": {"data": conversation.transcript},
        }
        response = client.post(f"/v1/spaces/{space_id}/sources", json=body)
        if response.status_code != 201:
            raise RuntimeError(f"creating {conversation.name}: {response.text}")
        sources[conversation.name] = str(response.json()["id"])
    for conversation in conversations:
        source_id = sources[conversation.name]
        deadline = time.monotonic() + 900
        while True:
            status = client.get(f"/v1/sources/{source_id}").json()
            if status["status"] in {"COMPLETED", "FAILED", "CANCELED"}:
                break
            if time.monotonic() > deadline:
                raise RuntimeError(f"{conversation.name} still {status['status']}")
            time.sleep(0.2)
        if status["status"] != "COMPLETED":
            raise RuntimeError(f"{conversation.name}: {status['status']} {status.get('message')}")
        log(f"  {conversation.name}: COMPLETED after {time.perf_counter() - started:.0f} s")
    turn_of: dict[str, dict[str, int]] = {}
    for conversation in conversations:
        turns = _turns(client, sources[conversation.name])
        speakers = tuple(t["speaker"] for t in turns)
        if speakers != conversation.speakers:
            raise RuntimeError(
                f"{conversation.name}: the parser found {len(turns)} turns, "
                f"expected {len(conversation.dia_ids)} (one per dia_id)"
            )
        turn_of[conversation.name] = {
            dia: int(t["index"]) for dia, t in zip(conversation.dia_ids, turns, strict=True)
        }
    # Embeddings come from their own jobs, queued when chunks are written.
    deadline = time.monotonic() + 1800
    while True:
        with runtime.db.read_session() as session:
            missing = session.scalar(
                select(func.count(Chunk.id)).where(
                    Chunk.space_id == space_id, Chunk.embedding.is_(None)
                )
            )
            pending = session.scalar(
                select(func.count(Job.id)).where(
                    Job.kind == queue.EMBED_CHUNKS,
                    Job.status.in_((JobStatus.QUEUED, JobStatus.RUNNING)),
                )
            )
        if not missing and not pending:
            break
        if time.monotonic() > deadline:
            raise RuntimeError(f"{missing} chunks still without embeddings")
        time.sleep(0.5)
    with runtime.db.read_session() as session:
        rows = session.execute(
            select(
                Chunk.id, Chunk.source_id, Chunk.turn_start, Chunk.turn_end, Chunk.text, Chunk.title
            )
            .where(Chunk.space_id == space_id, Chunk.kind == "turn")
            .order_by(Chunk.id)
        ).all()
    chunks = [
        StoredChunk(int(r[0]), str(r[1]), int(r[2]), int(r[3]), str(r[4]), r[5])
        for r in rows
        if r[2] is not None and r[3] is not None
    ]
    return Indexed(space_id, sources, turn_of, chunks, time.perf_counter() - started)


def _turns(client: Any, source_id: str) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    page = 1
    while True:
        body = client.get(
            f"/v1/sources/{source_id}/turns", params={"page": page, "per_page": 100}
        ).json()
        found += body["turns"]
        if len(body["turns"]) < 100:
            return found
        page += 1


# --- scoring ---------------------------------------------------------------------------------


@dataclass
class Tally:
    questions: int = 0
    any5: int = 0
    any10: int = 0
    all5: int = 0
    all10: int = 0
    rr: float = 0.0

    def add(
        self, ranked: Sequence[tuple[str, int, int]], source_id: str, evidence: set[int]
    ) -> None:
        """`ranked`: (source id, turn start, turn end) of the returned chunks, best first."""
        self.questions += 1
        first: int | None = None
        for k in (5, 10):
            covered = {
                turn
                for src, start, end in ranked[:k]
                if src == source_id
                for turn in evidence
                if start <= turn <= end
            }
            setattr(self, f"any{k}", getattr(self, f"any{k}") + bool(covered))
            setattr(self, f"all{k}", getattr(self, f"all{k}") + (covered == evidence))
        for rank, (src, start, end) in enumerate(ranked[:TOP_K], 1):
            if src == source_id and any(start <= t <= end for t in evidence):
                first = rank
                break
        self.rr += 1.0 / first if first else 0.0

    def merge(self, other: Tally) -> None:
        for name in ("questions", "any5", "any10", "all5", "all10", "rr"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    def figures(self) -> dict[str, float]:
        n = max(1, self.questions)
        return {
            "recall@5": 100 * self.any5 / n,
            "recall@10": 100 * self.any10 / n,
            "all@5": 100 * self.all5 / n,
            "all@10": 100 * self.all10 / n,
            "mrr@10": self.rr / n,
        }


@dataclass
class Results:
    # conversation name -> method -> tally
    tallies: dict[str, dict[str, Tally]] = field(default_factory=dict)
    unmapped: int = 0
    query_seconds: dict[str, float] = field(default_factory=dict)


def tokens(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def evaluate(
    client: Any, indexed: Indexed, conversations: Sequence[Conversation], scope: str
) -> Results:
    import numpy as np
    from rank_bm25 import BM25Okapi  # type: ignore[import-untyped]

    chunks = indexed.chunks
    bm25 = BM25Okapi([tokens(f"{c.title}\n{c.text}" if c.title else c.text) for c in chunks])
    chunk_sources = np.array([c.source_id for c in chunks])
    results = Results(query_seconds=dict.fromkeys(METHODS, 0.0))
    done = 0
    total = sum(len(c.questions) for c in conversations)
    for conversation in conversations:
        source_id = indexed.sources[conversation.name]
        turn_of = indexed.turn_of[conversation.name]
        tallies = results.tallies.setdefault(conversation.name, {m: Tally() for m in METHODS})
        filters: dict[str, Any] = {"kinds": ["turn"]}
        if scope == "source":
            filters["sourceIds"] = [source_id]
        for question in conversation.questions:
            evidence = {turn_of[e] for e in question.evidence if e in turn_of}
            done += 1
            if not evidence:
                results.unmapped += 1
                continue
            started = time.perf_counter()
            scores = bm25.get_scores(tokens(question.text))
            if scope == "source":
                scores = np.where(chunk_sources == source_id, scores, -np.inf)
            best = np.argsort(-scores, kind="stable")[:TOP_K]
            results.query_seconds["bm25"] += time.perf_counter() - started
            tallies["bm25"].add(
                [(chunks[i].source_id, chunks[i].turn_start, chunks[i].turn_end) for i in best],
                source_id,
                evidence,
            )
            for method in METHODS[1:]:
                mode, rerank = ("hybrid", True) if method == "rerank" else (method, False)
                body = {"query": question.text, "mode": mode, "top_k": TOP_K, "filters": filters}
                started = time.perf_counter()
                response = client.post(
                    f"/v1/spaces/{indexed.space_id}/search", json={**body, "rerank": rerank}
                )
                results.query_seconds[method] += time.perf_counter() - started
                if response.status_code != 200:
                    raise RuntimeError(f"search failed: {response.status_code} {response.text}")
                if rerank and not response.json()["reranked"]:
                    raise RuntimeError(f"not reranked: {response.json()['rerank_error']}")
                ranked = [
                    (r["sourceId"], int(r["turnStart"]), int(r["turnEnd"]))
                    for r in response.json()["results"]
                    if r["turnStart"] is not None and r["turnEnd"] is not None
                ]
                tallies[method].add(ranked, source_id, evidence)
            if done % 200 == 0:
                log(f"  {done}/{total} questions")
    return results


# --- running ---------------------------------------------------------------------------------


def run(
    backend: str,
    scope: str,
    conversations: Sequence[Conversation],
    rerank: tuple[str, str] | None = None,
) -> dict[str, Any]:
    import httpx

    from contextd.api.app import create_app
    from contextd.config import Settings
    from contextd.runtime import Runtime
    from contextd.services import keys
    from contextd.testing import ThreadedServer

    started = time.perf_counter()
    with (
        tempfile.TemporaryDirectory(prefix="contextd-locomo-") as tmp,
        database(backend, Path(tmp)) as url,
    ):
        settings = Settings(
            data_dir=Path(tmp) / "data",
            database_url=url,
            rate_limit_per_minute=1_000_000,
            job_poll_seconds=0.05,
            worker_concurrency=2,
            secret_key="locomo-eval",
            rerank_url=rerank[0] if rerank else None,
            rerank_model=rerank[1] if rerank else None,
        )
        runtime = Runtime.build(settings)
        try:
            with runtime.db.session() as session:
                user = keys.ensure_user(session, "eval", "eval@example.test")
                raw_key = keys.create_key(session, user, "eval", None).raw
            with (
                ThreadedServer(create_app(runtime)) as server,
                httpx.Client(
                    base_url=server.url, headers={"Authorization": f"Bearer {raw_key}"}, timeout=120
                ) as client,
            ):
                log(f"[{backend}] indexing {len(conversations)} conversations at {server.url}")
                indexed = index_all(client, runtime, conversations)
                log(
                    f"[{backend}] indexed in {indexed.seconds:.0f} s "
                    f"({len(indexed.chunks)} turn chunks); querying"
                )
                results = evaluate(client, indexed, conversations, scope)
        finally:
            runtime.close()
    return summarize(backend, scope, conversations, indexed, results, time.perf_counter() - started)


def summarize(
    backend: str,
    scope: str,
    conversations: Sequence[Conversation],
    indexed: Indexed,
    results: Results,
    seconds: float,
) -> dict[str, Any]:
    names = [c.name for c in conversations]
    splits = {"dev": names[:DEV_FILES], "held-out": names[DEV_FILES:], "all": names}
    figures: dict[str, dict[str, Any]] = {}
    for split, members in splits.items():
        if not members:
            continue
        merged = {m: Tally() for m in METHODS}
        for name in members:
            for method in METHODS:
                merged[method].merge(results.tallies[name][method])
        figures[split] = {
            "conversations": members,
            "questions": merged["bm25"].questions,
            "methods": {m: merged[m].figures() for m in METHODS},
        }
    turns_covered = [c.turn_end - c.turn_start + 1 for c in indexed.chunks]
    queries = figures["all"]["questions"]
    return {
        "backend": backend,
        "scope": scope,
        "top_k": TOP_K,
        "turns": sum(len(c.dia_ids) for c in conversations),
        "turn_chunks": len(indexed.chunks),
        "turns_per_chunk": sum(turns_covered) / max(1, len(turns_covered)),
        "questions_without_known_evidence": results.unmapped,
        "index_seconds": indexed.seconds,
        "mean_query_ms": {m: 1000 * s / max(1, queries) for m, s in results.query_seconds.items()},
        "seconds": seconds,
        "splits": figures,
    }


LABELS = {
    "bm25": "BM25 baseline (rank-bm25)",
    "lexical": "contextd lexical",
    "vector": "contextd vector",
    "hybrid": "contextd hybrid",
    "rerank": "contextd hybrid + rerank",
}


def table(result: dict[str, Any]) -> str:
    out = [
        f"### LoCoMo search, backend `{result['backend']}`, scope `{result['scope']}`",
        "",
        f"{result['turns']} turns in {result['turn_chunks']} turn chunks "
        f"({result['turns_per_chunk']:.2f} turns per chunk); "
        f"{result['questions_without_known_evidence']} questions skipped (evidence names no "
        f"turn); indexing {result['index_seconds']:.0f} s, run {result['seconds']:.0f} s.",
    ]
    for split, data in result["splits"].items():
        out += [
            "",
            f"**{split}** ({', '.join(data['conversations'])}; {data['questions']} questions)",
            "",
            "| method | recall@5 | recall@10 | all@5 | all@10 | MRR@10 |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for method, f in data["methods"].items():
            out.append(
                f"| {LABELS[method]} | {f['recall@5']:.1f} | {f['recall@10']:.1f} | "
                f"{f['all@5']:.1f} | {f['all@10']:.1f} | {f['mrr@10']:.3f} |"
            )
        methods = data["methods"]
        gain = methods["hybrid"]["recall@10"] - methods["bm25"]["recall@10"]
        out.append("")
        out.append(
            f"hybrid recall@10 - BM25 recall@10 = **{gain:+.1f} points** "
            f"(target +10: {'met' if gain >= 10 else 'missed'})"
        )
        if "rerank" in methods:
            gain = methods["rerank"]["recall@10"] - methods["bm25"]["recall@10"]
            out.append(f"hybrid + rerank recall@10 - BM25 recall@10 = **{gain:+.1f} points**")
    ms = result["mean_query_ms"]
    out += [
        "",
        "Mean time per query (client side, incl. HTTP; BM25 in-process): "
        + ", ".join(f"{m} {ms[m]:.1f} ms" for m in METHODS),
    ]
    return "\n".join(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--data", type=Path, default=None)
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--scope",
        choices=("space", "source"),
        default="space",
        help="search the whole space (default) or only the question's conversation",
    )
    parser.add_argument("--only", default=None, help="one conversation, e.g. conv-26")
    parser.add_argument("--json", action="store_true", help="print JSON instead of tables")
    parser.add_argument(
        "--rerank-url",
        default=os.environ.get("CONTEXTD_RERANK_URL"),
        help="API root of a /rerank endpoint: also measure hybrid + rerank",
    )
    parser.add_argument("--rerank-model", default=os.environ.get("CONTEXTD_RERANK_MODEL"))
    args = parser.parse_args(argv)

    folder = args.data or Path(os.environ.get("CONTEXTD_LOCOMO_DIR", DEFAULT_DIR))
    files = sorted(folder.glob("conv-*.json")) if folder.is_dir() else []
    if args.only:
        files = [f for f in files if f.stem == args.only]
    if not files:
        print(f"LoCoMo data not found in {folder} (conv-*.json); nothing to evaluate.")
        return 0
    rerank = None
    if args.rerank_url and args.rerank_model:
        global METHODS
        METHODS = (*METHODS, "rerank")
        rerank = (args.rerank_url, args.rerank_model)
    result = run(args.backend, args.scope, [load(f) for f in files], rerank)
    print(json.dumps(result, indent=2) if args.json else table(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
