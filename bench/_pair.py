"""Two checkouts of contextd measured in turn, each in a long-lived process of its own.

On a shared machine a single run's CPU per request drifts by more than most changes (see
bench/README.md, `api_pair.py`); two processes answering batches in alternation see the same
drift, so their paired figures compare. Used by bench/api_pair.py and bench/worker_books.py:
each runs itself with `--serve` under the checkout's `src`, prints "ready", then answers one
line per request line.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path


def pair_parser(doc: str | None) -> argparse.ArgumentParser:
    """The options every paired script takes: the two checkouts, and `--serve` (the mode
    `checkout_processes` starts each checkout's process in)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    parser.add_argument("--src", default="src", help="the checkout under test (its src)")
    parser.add_argument("--baseline-src", required=False, help="the checkout to compare with")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    return parser


def checkouts(
    parser: argparse.ArgumentParser, args: argparse.Namespace, serve: Callable[[], None]
) -> dict[str, str] | None:
    """In `--serve` mode, serve and return None; else the two checkouts (name -> its src)."""
    if args.serve:
        serve()
        return None
    if not args.baseline_src:
        parser.error("--baseline-src is required")
    return {"this": args.src, "baseline": args.baseline_src}


@contextmanager
def checkout_processes(
    script: str, sources: Mapping[str, str]
) -> Iterator[dict[str, subprocess.Popen[str]]]:
    """`script --serve` once per checkout (name -> its src), each ready to answer."""
    here = str(Path(script).resolve().parent)
    processes: dict[str, subprocess.Popen[str]] = {}
    try:
        for name, src in sources.items():
            env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(src).resolve()), here])}
            processes[name] = subprocess.Popen(
                [sys.executable, script, "--serve"],
                env=env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                text=True,
            )
        for process in processes.values():
            assert process.stdout is not None and process.stdout.readline().strip() == "ready"
        yield processes
    finally:
        for process in processes.values():
            if process.stdin is not None:
                process.stdin.close()
            process.wait(timeout=60)


def ask(process: subprocess.Popen[str], line: str) -> str:
    """Send one request line; its one answer line."""
    stdin, stdout = process.stdin, process.stdout
    assert stdin is not None and stdout is not None
    stdin.write(line + "\n")
    stdin.flush()
    return stdout.readline().strip()
