"""A misconfigured server refuses to start with one readable paragraph, not a traceback.

Run as a real process (`python -m contextd`), since what matters is what an operator sees on the
terminal and the exit status a supervisor gets.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


@pytest.mark.parametrize("command", [["serve"], ["worker"], ["migrate"]])
def test_a_bad_combination_stops_the_server_commands_with_a_message(
    command: list[str], tmp_path: Path
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONTEXTD_")}
    data_dir = tmp_path / "data"
    env |= {
        "CONTEXTD_DATA_DIR": str(data_dir),
        "CONTEXTD_SNAPSHOT_ENGINE": "llm",
        "CONTEXTD_LLM_URL": "http://127.0.0.1:9/v1",
    }
    done = subprocess.run(
        [sys.executable, "-m", "contextd", *command],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    message = done.stderr.strip()
    assert message.startswith("contextd cannot start: the configuration is not valid. ")
    assert "CONTEXTD_SNAPSHOT_ENGINE=llm needs the model's endpoint: set CONTEXTD_LLM_MODEL" in (
        message
    )
    assert "\n" not in message
    assert not data_dir.exists()  # refused before anything was created
