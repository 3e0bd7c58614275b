"""The coding-agent session evaluation (`evals/agent_sessions.py`) runs end to end and measures.

The evaluation is a plain script (it is not a package), so it is run as a process on a small
real-shaped fixture: a Claude Code session with a `Write`, an `Edit`, a thinking signature, a
base64 image and a compaction boundary. Its measures must see the written code, find no
bookkeeping in the snapshot and score the summary's named things.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.evals import run_eval

ROOT = Path(__file__).resolve().parents[3]
FIXTURE = ROOT / "tests" / "fixtures" / "sessions" / "claude_code" / "agent_session.jsonl"


@pytest.mark.slow
def test_the_session_evaluation_measures_a_compacted_session() -> None:
    result = run_eval("agent_sessions.py", "--json", "--no-throughput", "--files", str(FIXTURE))
    (row,) = result["sessions"]
    assert row["boundary"] is True
    assert row["turns"] > 0
    assert row["blobs"]["blobs"] >= 2  # the Write and the Edit before the boundary
    assert row["blobs"]["recovered"] == row["blobs"]["blobs"]
    assert row["junk"] == {"record_ids": 0, "json_keys": 0, "api_ids": 0, "base64": 0}
    assert row["snapshot_tokens"] <= row["summary_tokens"]
    assert row["names"] > 0
    for key in ("named", "named_first", "named_last", "named_random"):
        assert 0.0 <= row[key] <= 1.0
    assert result["total"]["recovered"] == 1.0
