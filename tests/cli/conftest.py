"""CLI fixtures: the client commands run in-process (typer's CliRunner) against a real server.

The CLI is a thin layer over the SDK, which its own tests run on both backends; these run on
SQLite only (CONTEXTD_TEST_CLI_BACKEND=postgresql to switch), to stay quick.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from contextd.api.threaded import ThreadedServer
from contextd.cli.main import app
from contextd.runtime import Runtime
from contextd.store.scratch import scratch_database
from tests.conftest import Client as HttpClient
from tests.conftest import Service, make_settings

CLI_BACKEND = os.environ.get("CONTEXTD_TEST_CLI_BACKEND", "sqlite")


@pytest.fixture(scope="session")
def cli_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """One server for the whole CLI suite (each test still gets its own user)."""
    if CLI_BACKEND == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('cli-sqlite') / 'contextd.db'}"
        yield from _serve(tmp_path_factory, url)
        return
    from tests.conftest import PG_ADMIN_URL

    with scratch_database(PG_ADMIN_URL, "contextd_cli") as url:
        yield from _serve(tmp_path_factory, url)


def _serve(factory: pytest.TempPathFactory, database_url: str) -> Iterator[Service]:
    from contextd.api.app import create_app

    runtime = Runtime.build(make_settings(factory.mktemp("cli-data"), database_url))
    with ThreadedServer(create_app(runtime)) as server:
        runtime.settings = runtime.settings.model_copy(update={"public_url": server.url})
        yield Service(runtime, server.url)
    runtime.close()


@dataclass
class Cli:
    """Runs `contextd ...` as the test's user; `json()` runs with --json and parses stdout."""

    url: str
    key: str
    config_home: Path
    http: HttpClient

    def env(self, **extra: str) -> dict[str, str]:
        return {
            "CONTEXTD_URL": self.url,
            "CONTEXTD_API_KEY": self.key,
            "CONTEXTD_BASE_URL": "",
            "XDG_CONFIG_HOME": str(self.config_home),
            "COLUMNS": "200",
            **extra,
        }

    def __call__(
        self, *args: str, input: str | None = None, code: int | None = 0, **env: str
    ) -> Result:
        result = CliRunner().invoke(app, list(args), input=input, env=self.env(**env))
        if code is not None:
            assert result.exit_code == code, (
                f"exit {result.exit_code}\nstdout: {result.stdout}\nstderr: {result.stderr}\n"
                f"{result.exception!r}"
            )
        return result

    def json(self, *args: str, input: str | None = None, code: int | None = 0) -> Any:
        result = self(*args, "--json", input=input, code=code)
        return json.loads(result.stdout)


@pytest.fixture
def cli(cli_service: Service, tmp_path: Path) -> Iterator[Cli]:
    with cli_service.client("cli user") as http:
        yield Cli(cli_service.url, http.key, tmp_path / "config", http)
