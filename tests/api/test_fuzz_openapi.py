"""Schemathesis against the real server, on each backend: every check, every phase (examples,
coverage, fuzzing, and the stateful phase that follows the document's `links`), a fixed seed
and a bounded number of examples per operation. Zero failures means the OpenAPI document and
the behaviour agree: every status, header, media type and body the server sends is documented,
schema-valid input is accepted and invalid input refused, and nothing answers 500.

It runs the `st` CLI (the same command as in the README) in a subprocess, with the settings in
`schemathesis.toml` next to this file. Deselect it with `-m "not fuzz"`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.service import Service

# The run's own limit is the subprocess timeout below; pytest's default (300 s) is shorter than
# a run takes on a loaded machine.
pytestmark = [pytest.mark.fuzz, pytest.mark.timeout(660)]

CONFIG = Path(__file__).with_name("schemathesis.toml")
ST = Path(sys.executable).with_name("st")
# SQLite, the embedded default, gets the whole budget of `schemathesis.toml`. PostgreSQL gets every
# operation and every phase again (the coverage phase's boundary values are where the backends
# differ: NUL bytes, integer widths, collations) with half the random examples per operation:
# the application code those examples reach is the same on both, and SQLite fuzzes it fully.
MAX_EXAMPLES = {"postgresql": 5}


def test_schemathesis_finds_nothing(backend: str, service: Service, tmp_path: Path) -> None:
    # The run is about the API, not a cold start (test_startup.py is): its first search must not
    # wait out the model's first export (the run comes first in the suite, tests/support/
    # schedule.py) and time out at schemathesis' request timeout.
    service.runtime.warm_embedders()
    _user, key = service.new_user("fuzzer")
    env = {**os.environ, "NO_COLOR": "1"}
    command = [
        str(ST),
        "--config-file",
        str(CONFIG),
        "run",
        f"{service.url}/openapi.json",
        "--header",
        f"Authorization: Bearer {key}",
    ]
    if backend in MAX_EXAMPLES:
        command += ["--max-examples", str(MAX_EXAMPLES[backend])]
    result = subprocess.run(
        command, env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600, check=False
    )
    output = result.stdout + result.stderr
    (tmp_path / "schemathesis.log").write_text(output)
    assert result.returncode == 0, output[-20_000:]
