"""The batch the throughput benchmarks send: generated work conversations, created over HTTP.

`workers.py`, `postbacks.py`, `api.py` and `cores.py` send the same conversations (a plain
User/Assistant transcript with fenced code in about every other answer, deterministic for a
seed), so their figures are about the same work; `create_all` posts them as CONTENT sources from
a few client threads, and `bench_key` makes the bench user's key straight in the database.
"""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

CREATE_THREADS = 4

# --- the conversations ---------------------------------------------------------------------------

TOPICS = [
    "the ingestion pipeline",
    "the job queue",
    "rate limiting",
    "the search index",
    "blob storage",
    "the migration plan",
    "authentication",
    "the deployment",
    "caching",
    "the billing export",
]
SENTENCES = [
    "We should keep {t} simple enough that a new engineer can read it in an afternoon.",
    "The main risk with {t} is that failures stay invisible until a customer notices.",
    "Let's measure {t} under load before we change anything, otherwise we are guessing.",
    "I checked the logs for {t} and the slow requests all share the same query plan.",
    "For {t} we decided to store timestamps in UTC and convert only at the edges.",
    "The previous attempt at {t} broke because two workers wrote the same row.",
    "A feature flag lets us roll out {t} to ten percent of the traffic first.",
    "We agreed that {t} must be idempotent, so a retry never duplicates work.",
    "The open question about {t} is whether the batch size should depend on memory.",
    "Documentation for {t} lives next to the code so that reviews catch drift.",
]
CODE = [
    (
        "python",
        "def {n}(rows, limit={k}):\n"
        '    """Return the first rows that pass the check."""\n'
        "    out = []\n"
        "    for row in rows:\n"
        "        if row.get('ok') and len(out) < limit:\n"
        "            out.append(row)\n"
        "    return out\n",
    ),
    (
        "bash",
        "#!/usr/bin/env bash\nset -euo pipefail\nexport BATCH={k}\n"
        'psql "$DATABASE_URL" -c \'VACUUM ANALYZE jobs\'\n./scripts/{n}.sh --batch "$BATCH"\n',
    ),
    (
        "sql",
        "CREATE INDEX CONCURRENTLY ix_{n} ON jobs (status, run_after)\n"
        "  WHERE status = 'queued';\nSELECT count(*) FROM jobs WHERE attempts > {k};\n",
    ),
    (
        "json",
        '{{\n  "name": "{n}",\n  "retries": {k},\n  "backoff": "exponential",\n'
        '  "targets": ["eu-west-1", "us-east-1"]\n}}\n',
    ),
]


def conversation(seed: int, words: int) -> str:
    """A plain User/Assistant transcript of about `words` words; about every other answer has
    a fenced code block (Python, Bash, SQL or JSON). Deterministic for a seed."""
    rng = random.Random(seed)
    parts: list[str] = []
    count = turn = 0
    while count < words:
        topic = rng.choice(TOPICS)
        if turn % 2 == 0:
            said = " ".join(rng.choice(SENTENCES).format(t=topic) for _ in range(rng.randint(1, 3)))
            part = f"User: How should we handle {topic}? {said}"
        else:
            said = " ".join(rng.choice(SENTENCES).format(t=topic) for _ in range(rng.randint(4, 9)))
            part = f"Assistant: {said}"
            if rng.random() < 0.5:
                lang, code = rng.choice(CODE)
                body = code.format(n=f"step_{seed}_{turn}", k=rng.randint(2, 500))
                part += f"\n\n```{lang}\n{body}```"
        parts.append(part)
        count += len(part.split())
        turn += 1
    return "\n\n".join(parts) + "\n"


def create_all(
    client_args: dict[str, Any],
    space: str,
    bodies: list[str],
    instructions: dict[str, Any] | None = None,
) -> list[str]:
    def create(body: str) -> str:
        with httpx.Client(**client_args) as client:
            response = client.post(
                f"/v1/spaces/{space}/sources",
                json={
                    "type": "CONTENT",
                    "instructions": instructions or {},
                    "initial_data": {"data": body},
                },
            )
            response.raise_for_status()
            return str(response.json()["id"])

    with ThreadPoolExecutor(CREATE_THREADS) as pool:
        return list(pool.map(create, bodies))


def bench_key(url: str) -> str:
    """A new API key of the bench's user, made straight in the database at `url`."""
    from contextd.services import keys
    from contextd.store.db import Database

    database = Database(url)
    try:
        with database.session() as session:
            user = keys.ensure_user(session, "bench", "bench@example.test")
            return keys.create_key(session, user, "bench", None).raw
    finally:
        database.dispose()
