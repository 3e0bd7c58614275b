"""CLI fixtures: the client commands run in-process (typer's CliRunner) against a real server.

The CLI is a thin layer over the SDK, which its own tests run on both backends; these run on
SQLite only (CONTEXTD_TEST_CLI_BACKEND=postgresql to switch), to stay quick.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from contextd.runtime import Runtime
from contextd.testing import ThreadedServer, scratch_database
from tests.support.cli import Cli
from tests.support.service import Service
from tests.support.settings import make_settings

CLI_BACKEND = os.environ.get("CONTEXTD_TEST_CLI_BACKEND", "sqlite")


@pytest.fixture(scope="session")
def cli_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """One server for the whole CLI suite (each test still gets its own user)."""
    if CLI_BACKEND == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('cli-sqlite') / 'contextd.db'}"
        yield from _serve(tmp_path_factory, url)
        return
    from tests.support.settings import PG_ADMIN_URL

    with scratch_database(PG_ADMIN_URL, "contextd_cli") as url:
        yield from _serve(tmp_path_factory, url)


def _serve(factory: pytest.TempPathFactory, database_url: str) -> Iterator[Service]:
    from contextd.api.app import create_app

    runtime = Runtime.build(make_settings(factory.mktemp("cli-data"), database_url))
    with ThreadedServer(create_app(runtime)) as server:
        runtime.settings = runtime.settings.model_copy(update={"public_url": server.url})
        yield Service(runtime, server.url)
    # The server warms the embedding model in a thread at startup; a short session (one test)
    # would otherwise end while it loads, and the interpreter's shutdown aborts the load.
    _ = runtime.embedder
    runtime.close()


@contextmanager
def cli_user(service: Service, folder: Path, name: str = "cli user") -> Iterator[Cli]:
    """The CLI as a new user of `service`, its config kept under `folder`."""
    with service.client(name) as http:
        yield Cli(service.url, http.key, folder / "config", http)


@pytest.fixture
def cli(cli_service: Service, tmp_path: Path) -> Iterator[Cli]:
    with cli_user(cli_service, tmp_path) as cli:
        yield cli
