"""Where the suite's databases are and how its servers are configured."""

from __future__ import annotations

import os
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from contextd.config import Settings, env_name
from contextd.testing import scratch_database

PG_ADMIN_URL = os.environ.get(
    "CONTEXTD_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
BACKENDS = [
    b for b in os.environ.get("CONTEXTD_TEST_BACKENDS", "sqlite,postgresql").split(",") if b
]
# Loopback addresses the test server may fetch from; everything else private stays blocked.
ALLOWED_TEST_NET = "127.0.0.2/32"
# Set by conftest to a directory in pytest's cache: the ONNX model is exported once, not per test.
MODEL_DIR_ENV = env_name("model_dir")
# The data shared beside the repository (evaluation sets); tests that need it skip without it.
SHARED = Path(__file__).resolve().parents[3] / "shared"


def own_database(backend: str, tmp_path: Path, name: str) -> AbstractContextManager[str]:
    """The URL of a database of the test's own, where no other worker runs (the suite's shared
    databases have the API tests' embedded workers): a SQLite file in `tmp_path`, or a scratch
    PostgreSQL database `contextd_<name>` for the PostgreSQL backends, dropped afterwards."""
    if backend == "sqlite":
        return nullcontext(f"sqlite:///{tmp_path / f'{name}.db'}")
    return scratch_database(PG_ADMIN_URL, f"contextd_{name}")


def make_settings(data_dir: Path, database_url: str, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "data_dir": data_dir,
        "database_url": database_url,
        "allowed_networks": [ALLOWED_TEST_NET],
        "rate_limit_per_minute": 100_000,
        # An enqueue in the server wakes its workers at once (Worker.notify); the poll only finds
        # jobs queued for later (a retry's back-off). Every idle worker thread polls, in every
        # server the session keeps (one per backend): at 0.05 s an idle server cost 18% of a
        # core, at 0.2 s about a third of that.
        "job_poll_seconds": 0.2,
        "job_lease_seconds": 10.0,
        "worker_concurrency": 2,
        "postback_backoff_seconds": 0.2,
        "secret_key": "test-secret",
        # In-thread servers keep the worker in their process: tests patch handlers and read its
        # state; the child process is tested with real `contextd serve` processes.
        "worker_process": False,
    }
    values.update(overrides)
    return Settings(**values)
