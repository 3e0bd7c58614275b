"""Running an evaluation script of `evals/` as a user does: it is a plain script, not a package,
so a test runs it as a process (with the package on its path) and reads its `--json` report."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
EVALS = ROOT / "evals"


def run_eval(script: str, *args: str, timeout: float = 240) -> dict[str, Any]:
    """`python evals/SCRIPT ARGS...`, which must exit 0; its stdout parsed as JSON."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run(
        [sys.executable, str(EVALS / script), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return result
