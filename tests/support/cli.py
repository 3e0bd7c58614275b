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


OPERATOR_SETTINGS = ("CONTEXTD_ALLOW_PRIVATE_URLS", "CONTEXTD_ALLOWED_NETWORKS")


def run_offline(
    *args: str, input: bytes | str | None = None, code: int | None = 0, **env: str
) -> Result:
    """`contextd ...` for a command that needs no server (`extract`), in-process. The operator's
    network settings are unset unless the test gives them, so the default policy is tested."""
    environment: dict[str, str | None] = dict.fromkeys(OPERATOR_SETTINGS)
    environment.update(env)
    result = CliRunner().invoke(app, list(args), input=input, env=environment)
    if code is not None:
        assert result.exit_code == code, (
            f"exit {result.exit_code}\nstdout: {result.stdout}\nstderr: {result.stderr}\n"
            f"{result.exception!r}"
        )
    return result


def json_lines(result: Result) -> list[dict[str, Any]]:
    """Each line of stdout parsed as one JSON object."""
    return [json.loads(line) for line in result.stdout.splitlines()]
