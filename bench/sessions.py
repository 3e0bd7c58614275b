"""Memory and time of ingesting large JSONL: an unknown JSONL and a Claude Code session.

Usage: `.venv/bin/python bench/sessions.py [--jsonl-mb 300] [--session-mb 30] [--json]`

Why this design:

- **What is measured is what ingest adds.** A source's bytes are in memory as they arrive
  (`Fetched.content`), so the input's size is the floor. Each case runs in its own child process
  and reports its peak resident set (`resource.getrusage(RUSAGE_SELF).ru_maxrss`) before and
  after `ingest()`: the difference is what reading, parsing and rendering cost. For an unknown
  JSONL it must stay bounded (the rendering stops at `RENDER_MAX`, the rest is counted, not
  parsed), whatever the file's size; a session's turns are its content, so they grow with it.
- **Generated inputs, in temporary files only**, written line by line so that generating them
  costs no memory; the child reads the file whole, as an upload is.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _write_jsonl(path: Path, megabytes: int) -> int:
    """Log-like records of ~200 bytes, with one malformed line in every 10,000."""
    target = megabytes << 20
    written = 0
    count = 0
    with path.open("w", encoding="utf-8") as out:
        while written < target:
            if count % 10_000 == 9_999:
                line = '{"event": "truncated\n'
            else:
                record = {
                    "ts": 1_700_000_000 + count,
                    "event": "request",
                    "path": f"/v1/items/{count}",
                }
                record["headers"] = {"user-agent": "bench", "x-request-id": f"req-{count:012d}"}
                record["status"] = 200 if count % 7 else 503
                line = json.dumps(record) + "\n"
            out.write(line)
            written += len(line)
            count += 1
    return count


def _write_session(path: Path, megabytes: int) -> int:
    """A Claude Code session: prompt, assistant with an Edit and a Bash call, their results."""
    target = megabytes << 20
    written = 0
    count = 0
    base = {"isSidechain": False, "userType": "external", "cwd": "/work/app"}
    base |= {"sessionId": "bench-session", "version": "2.0.46", "gitBranch": "main"}
    parent: str | None = None
    with path.open("w", encoding="utf-8") as out:
        while written < target:
            n = count
            records: list[dict[str, object]] = [
                {"type": "user", "message": {"role": "user", "content": f"Step {n}: fix f{n}."}},
                {
                    "type": "assistant",
                    "message": {
                        "id": f"msg_{n}",
                        "role": "assistant",
                        "model": "claude-sonnet-4-5-20250929",
                        "content": [
                            {"type": "thinking", "thinking": "Plan. " * 40, "signature": "s" * 200},
                            {"type": "text", "text": f"Fixing f{n} in mod{n % 50}.py."},
                            {
                                "type": "tool_use",
                                "id": f"toolu_e{n}",
                                "name": "Edit",
                                "input": {
                                    "file_path": f"/work/app/mod{n % 50}.py",
                                    "old_string": f"def f{n}(x):\n    return x\n",
                                    "new_string": f"def f{n}(x):\n    return x + 1\n",
                                },
                            },
                            {
                                "type": "tool_use",
                                "id": f"toolu_b{n}",
                                "name": "Bash",
                                "input": {"command": "pytest -q"},
                            },
                        ],
                        "usage": {"input_tokens": 3, "output_tokens": 90},
                    },
                },
                {
                    "type": "user",
                    "message": {
                        "role": "user",
                        "content": [
                            {"type": "tool_result", "tool_use_id": f"toolu_e{n}", "content": "ok"},
                            {
                                "type": "tool_result",
                                "tool_use_id": f"toolu_b{n}",
                                "content": "." * 3000 + "\n1 passed",
                            },
                        ],
                    },
                },
            ]
            for number, record in enumerate(records):
                uuid = f"{n:08d}-0000-4000-8000-{number:012d}"
                line = json.dumps({"parentUuid": parent, **base, "uuid": uuid, **record}) + "\n"
                parent = uuid
                out.write(line)
                written += len(line)
            count += 1
    return count


def _child(kind: str, path: str) -> None:
    from contextd.pipeline.ingest import ingest
    from contextd.pipeline.types import Fetched

    content = Path(path).read_bytes()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    ingested = ingest(Fetched(content, filename=Path(path).name))
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    meta = ingested.document.meta
    print(
        json.dumps(
            {
                "case": kind,
                "input_mb": round(len(content) / (1 << 20), 1),
                "format": ingested.document.format,
                "turns": len(ingested.turns),
                "text_mb": round(len(ingested.document.text) / (1 << 20), 2),
                "skipped_lines": meta.get("skipped_lines"),
                "records_cut": meta.get("records_cut"),
                "seconds": round(seconds, 2),
                "peak_rss_mb_before": round(before / 1024, 1),
                "peak_rss_mb_after": round(after / 1024, 1),
                "added_mb": round((after - before) / 1024, 1),
            }
        )
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--jsonl-mb", type=int, default=300)
    parser.add_argument("--session-mb", type=int, default=30)
    parser.add_argument("--json", action="store_true", help="one JSON object per case")
    parser.add_argument("--child", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        _child(*args.child)
        return 0
    results = []
    with tempfile.TemporaryDirectory(prefix="contextd-bench-") as tmp:
        cases = (
            ("unknown-jsonl", args.jsonl_mb, _write_jsonl),
            ("claude-code", args.session_mb, _write_session),
        )
        for kind, megabytes, write in cases:
            if megabytes <= 0:
                continue
            path = Path(tmp) / f"{kind}.jsonl"
            write(path, megabytes)
            run = subprocess.run(
                [sys.executable, __file__, "--child", kind, str(path)],
                capture_output=True,
                text=True,
                check=True,
                env=os.environ.copy(),
            )
            results.append(json.loads(run.stdout.strip().splitlines()[-1]))
            path.unlink()
    for result in results:
        if args.json:
            print(json.dumps(result))
        else:
            print(
                f"{result['case']}: {result['input_mb']} MB in {result['seconds']} s, "
                f"{result['turns']} turns, text {result['text_mb']} MB, "
                f"peak RSS {result['peak_rss_mb_before']} -> {result['peak_rss_mb_after']} MB "
                f"(+{result['added_mb']} MB), skipped {result['skipped_lines']}, "
                f"cut {result['records_cut']}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
