"""The CLI run in-process (typer's CliRunner) as one test user."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from typer.testing import CliRunner, Result

from contextd.cli.main import app
from tests.support.service import Client as HttpClient


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
