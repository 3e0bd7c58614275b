"""How `evals/data/work_chats/` was built: work chats (coding and planning) from public data.

    .venv/bin/python evals/build_work_chats.py --repo PATH/TO/BookMinder.git [--check]

The chats are the Claude Code terminal logs that palimondo/BookMinder (MIT License, Copyright
(c) 2025 Pavol Vaskovic) commits under `claude-dev-log-diary/day-NNN.md`: a developer and the
assistant planning, writing specs and debugging a Python tool over several days. They are read
from a local git copy of that repository (`--repo`, a git directory) at a fixed commit, and
each is written as `<name>.json`: the provenance (repository, commit, path, licence) and the
turns. A turn is what a person reads in the chat, not what the tools printed:

* a prompt of the developer (a block opening on `> `), speaker `Developer`;
* a paragraph block of the assistant (opening on `⏺ ` and not a tool call such as
  `⏺ Bash(...)` or `⏺ Update Todos`), speaker `Assistant`;
* tool calls, their output (`⎿` blocks), the thinking marks and the banner are left out, and
  so are slash commands (`/cost`) and the summaries Claude Code pastes in as a prompt when it
  continues a session that ran out of context (a summary is what a snapshot competes with, not
  part of the chat).

Continuation lines keep their text, the two-space indent of the terminal removed. The questions
(`questions.json`) were written by hand from these turns, before any snapshot of them was run.
`--check` rebuilds every chat in memory and says whether the files match.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from pathlib import Path

from _data import write_or_check

OUT = Path(__file__).resolve().parent / "data" / "work_chats"
SOURCE = "palimondo/BookMinder"
COMMIT = "451791e291c7635cc77e2256163847e946546eb5"
LICENSE = "MIT (Copyright (c) 2025 Pavol Vaskovic)"
DAYS = ("002", "003", "004", "005", "006", "007", "008", "009", "010", "017")
_TOOL_RE = re.compile(r"^[A-Z][A-Za-z]*(?:\(|$)|^(?:Read|Update) Todos\b|^Call\(")
_SKIPPED_RE = re.compile(r"^/[a-z-]+(?:\s|$)|^This session is being continued from a previous")
_USER_MARK = "> "
_ASSISTANT_MARK = "\u23fa "  # the record mark
_OUTPUT_MARK = "\u23bf"  # the tool output mark


def parse(text: str) -> list[dict[str, str]]:
    """The turns of one log (see the module docstring)."""
    turns: list[dict[str, str]] = []
    speaker: str | None = None  # the block being read; None: a block left out
    lines: list[str] = []

    def close() -> None:
        body = "\n".join(lines).strip()
        body = re.sub(r"\n{3,}", "\n\n", body)
        if speaker and body and not _SKIPPED_RE.match(body):
            turns.append({"speaker": speaker, "text": body})
        lines.clear()

    for raw in text.splitlines():
        line = raw.rstrip()
        if line.startswith(_USER_MARK):
            close()
            speaker = "Developer"
            lines.append(line[len(_USER_MARK) :])
        elif line.startswith(_ASSISTANT_MARK):
            close()
            head = line[len(_ASSISTANT_MARK) :]
            speaker = None if _TOOL_RE.match(head) else "Assistant"
            lines.append(head)
        elif line.lstrip().startswith(_OUTPUT_MARK) or (line and not line.startswith(" ")):
            close()  # tool output, a banner, a status line: the end of the block
            speaker = None
        elif speaker:
            lines.append(line[2:] if line.startswith("  ") else line.strip())
    close()
    return turns


def build(repo: Path, day: str) -> dict[str, object]:
    path = f"claude-dev-log-diary/day-{day}.md"
    text = subprocess.run(
        ["git", f"--git-dir={repo}", "show", f"{COMMIT}:{path}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return {
        "name": f"bookminder-day-{day}",
        "source": {"repository": SOURCE, "commit": COMMIT, "path": path, "license": LICENSE},
        "turns": parse(text),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repo", type=Path, required=True, help="git directory of the source")
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    chats = [build(args.repo, day) for day in DAYS]
    files = {f"{chat['name']}.json": chat for chat in chats}
    return write_or_check(OUT, files, check=args.check, described=_turns)


def _turns(chat: object) -> str:
    assert isinstance(chat, dict)
    return f"{len(chat['turns'])} turns"


if __name__ == "__main__":
    sys.exit(main())
