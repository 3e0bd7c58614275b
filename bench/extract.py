"""What `contextd extract` costs: a command's start, each stage, and the snapshot's model load.

Usage: `.venv/bin/python bench/extract.py [--turns 400] [--repeat 3] [--json]`

Why this design:

- **Measured as a user runs it**: each case is `python -m contextd ...` in a child process, on
  files written to a temporary folder, timed from start to exit (the best of `--repeat` runs, so
  a busy neighbour on the machine inflates no figure). `contextd --help` in the same run is the
  floor: what any `contextd` command costs to start, so the difference is what extract adds.
- **One stage at a time**: `--parts text` (conversion and turns), `text,artifacts`, then
  `snapshot`, whose built-in engine may load the embedding model (once per run, however many
  inputs: the last case runs three inputs to show it).
- Generated inputs (a Markdown page with code, a plain transcript of `--turns` turns), so the
  figures depend on nothing outside this script.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from pathlib import Path

from contextd.testing import contextd_argv

CODE = "def area(r):\n    return 3.14159 * r ** 2\n"


def markdown() -> str:
    sections = [
        f"## Part {i}\n\nThe function below computes the area; part {i} explains the radius.\n\n"
        f"```python\n{CODE.replace('area', f'area_{i}')}```\n"
        for i in range(20)
    ]
    return "# Circles\n\n" + "\n".join(sections)


def transcript(turns: int) -> str:
    lines = []
    for i in range(turns):
        if i % 2 == 0:
            lines.append(f"User: Turn {i}. How should the cache for report {i} expire?")
        else:
            body = f"Assistant: Turn {i}. Expire report {i} after {i % 7 + 1} hours; purge on edit."
            if i % 10 == 1:
                body += f"\n\n```python\ncache.set('report-{i}', data, ttl={i % 7 + 1} * 3600)\n```"
            lines.append(body)
    return "\n\n".join(lines) + "\n"


def timed(argv: list[str], repeat: int) -> float:
    """Best wall time of `repeat` runs, in seconds; the command must succeed."""
    best = float("inf")
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, env=env)
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=400)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        page = folder / "page.md"
        page.write_text(markdown())
        chats = []
        for i in range(3):
            chat = folder / f"chat-{i}.txt"
            chat.write_text(transcript(args.turns + i))
            chats.append(str(chat))
        cases = [
            ("contextd --help (floor)", ["--help"]),
            ("page.md --parts text", ["extract", "--parts", "text", str(page)]),
            ("page.md --parts text,artifacts", ["extract", "--parts", "text,artifacts", str(page)]),
            ("chat --parts text,turns", ["extract", "--json", "--parts", "text,turns", chats[0]]),
            ("chat --parts artifacts", ["extract", "--json", "--parts", "artifacts", chats[0]]),
            ("chat --parts snapshot", ["extract", "--parts", "snapshot", chats[0]]),
            ("3 chats --parts snapshot", ["extract", "--parts", "snapshot", *chats]),
        ]
        rows = [(name, timed(contextd_argv(*argv), args.repeat)) for name, argv in cases]
    floor = rows[0][1]
    if args.json:
        print(json.dumps({name: round(seconds, 3) for name, seconds in rows}))
        return
    print(f"{'case':34} {'seconds':>8} {'minus floor':>12}")
    for name, seconds in rows:
        print(f"{name:34} {seconds:8.2f} {seconds - floor:12.2f}")
    print(f"(best of {args.repeat}; transcripts of {args.turns}+ turns)")


if __name__ == "__main__":
    main()
