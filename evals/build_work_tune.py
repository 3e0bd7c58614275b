"""How `evals/data/work_tune/` was built: a tune set of work chats, apart from the report set.

    .venv/bin/python evals/build_work_tune.py --repo PATH/TO/entireio-cli.git [--check]

`evals/snapshot_work.py` reports on ten BookMinder chats that must never be tuned on; the
engine's rules for work chats are chosen on this set instead. The chats are Claude Code sessions
of the development of the `entire` CLI (entireio/cli, MIT), committed by that tool to the
branch `entire/checkpoints/v1` (one `full.jsonl` per checkpoint). A session is taken when it
has a compaction boundary with its `isCompactSummary` record; the chat is what came before the
first boundary, and the summary is the **reference**: the facts Claude Code itself chose to
carry the work on, written before (and without) any snapshot of ours.

A turn is what a person reads, as in `build_work_chats.py`: the developer's prompts (speaker
`Developer`; slash commands, command output, interruptions and system reminders left out) and
the assistant's text blocks (speaker `Assistant`); tool calls, their results and thinking are
left out. The facts are the summary's bullets and numbered points outside code blocks, one a
fact, a long one cut at its sentences; the section "All user messages" is left out (it copies
the prompts), and so are facts of fewer than `MIN_WORDS` or more than `MAX_WORDS` content
words. A fact is kept only when the chat can carry it at all: one turn holds 2/3 of its content
words (the judge's rule for an answer; the summary also draws on tool output, which the turns
do not show). That turn is its evidence. The category follows the summary's section: requests
and pending tasks (4), errors, fixes and problem solving (3), current work and next step (1),
the rest (2, facts). The choice of sessions, the rules and the filter are mechanical and were
fixed before any snapshot of these chats was run.

The sessions of `evals/data/agent_sessions/SOURCE.md` (another evaluation) are excluded, by
checkpoint and by session id, as are sessions whose prose is under `MIN_TOKENS` or over
`MAX_TOKENS` tokens (BookMinder's chats hold 5k-29k). `--check` rebuilds in memory and compares.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

from _data import write_or_check
from _judge import ANSWER_SHARE, content_words

from contextd.pipeline.tokens import count_tokens

OUT = Path(__file__).resolve().parent / "data" / "work_tune"
SOURCE = "entireio/cli"
BRANCH = "entire/checkpoints/v1"
LICENSE = "MIT (Copyright (c) 2026 Entire Inc.)"
EXCLUDED = (  # the checkpoints of evals/data/agent_sessions (another evaluation)
    "2a/075ef186b4",
    "89/7eb280e769",
    "34/66ad9d7461",
    "77/8aa463e2ba",
    "9b/04c3d92e38",
    "54/48526d1c9e",
    "76/74489fb0a9",
    "34/c37819391d",
    "38/ecf75f2f1d",
    "8e/a9e4a4e751",
    "63/bd3f9b02f2",
    "6a/71b2542fc4",
    "91/b42542f24f",
    "9f/d2fc39aa5f",
    "37/995ebed6e4",
    "bc/cc3b2d7e10",
    "4d/e153fa6df6",
)
CHATS = 8  # sessions kept, in path order
MIN_TOKENS, MAX_TOKENS = 4_000, 30_000
MIN_WORDS, MAX_WORDS = 4, 24
_SKIPPED_SECTIONS = ("all user messages",)
_BOILERPLATE = ("If you need specific details from before compaction",)
_CATEGORY_OF = (
    ("request", 4),
    ("pending", 4),
    ("error", 3),
    ("fix", 3),
    ("problem", 3),
    ("current work", 1),
    ("next step", 1),
)
_TAG_RE = re.compile(r"<(system-reminder|ide_[a-z_]+)>.*?</\1>", re.DOTALL)
_COMMAND_RE = re.compile(r"^\s*<(?:command-|local-command-)|^Caveat: |^\[Request interrupted")
_SECTION_RE = re.compile(r"^\s*(?:#+\s*)?\d+\.\s+(?:\*\*)?([A-Z][A-Za-z /&-]{2,60}):(?:\*\*)?\s*$")
_ITEM_RE = re.compile(r"^\s*(?:(?:[-*]|\d+[.)])\s+)?(.+[^:])\s*$")
_SENTENCE_RE = re.compile(r"(?<=[.!?])\s+(?=[A-Z`\"'(])")


def _git(repo: Path, *args: str) -> str:
    """The output of a git command; empty when it fails (the snapshot may lack a large blob)."""
    result = subprocess.run(["git", f"--git-dir={repo}", *args], check=False, capture_output=True)
    return result.stdout.decode("utf-8", "replace") if result.returncode == 0 else ""


def _text_of(content: object) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n\n".join(
            str(b.get("text", ""))
            for b in content
            if isinstance(b, dict) and b.get("type") == "text"
        )
    return ""


def parse(lines: list[str]) -> tuple[list[dict[str, str]], str | None, str]:
    """The turns before the first compaction, its summary (or None) and the session id."""
    turns: list[dict[str, str]] = []
    session = ""
    for raw in lines:
        try:
            record = json.loads(raw)
        except ValueError:
            continue
        session = session or str(record.get("sessionId") or "")
        message = record.get("message")
        if record.get("isCompactSummary"):
            return turns, _text_of(message.get("content") if message else ""), session
        if record.get("type") not in ("user", "assistant") or not isinstance(message, dict):
            continue
        if record.get("isMeta") or record.get("isSidechain"):
            continue
        content = message.get("content")
        if record["type"] == "user":
            if isinstance(content, list) and any(
                isinstance(b, dict) and b.get("type") == "tool_result" for b in content
            ):
                continue
            text = _TAG_RE.sub("", _text_of(content)).strip()
            if text and not _COMMAND_RE.match(text):
                turns.append({"speaker": "Developer", "text": text})
        else:
            text = _text_of(content).strip()
            if text:
                turns.append({"speaker": "Assistant", "text": text})
    return turns, None, session


def facts(summary: str, turns: list[dict[str, str]]) -> list[dict[str, object]]:
    """The summary's facts that one turn can carry (see the module docstring)."""
    turn_words = [content_words(t["text"]) for t in turns]
    result: list[dict[str, object]] = []
    section = ""
    fenced = False
    start = summary.find("\nSummary:")
    for line in summary[start if start >= 0 else 0 :].splitlines():
        if line.strip().startswith("```"):
            fenced = not fenced
            continue
        if fenced:
            continue
        heading = _SECTION_RE.match(line)
        if heading is not None:
            section = heading.group(1).strip()
            continue
        item = _ITEM_RE.match(line)
        if item is None or not section or section.lower().startswith(_SKIPPED_SECTIONS):
            continue
        text = re.sub(r"\*\*|`", "", item.group(1)).strip()
        if text.startswith(_BOILERPLATE):
            continue
        pieces = [text] if len(content_words(text)) <= MAX_WORDS else _SENTENCE_RE.split(text)
        for piece in pieces:
            words = content_words(piece)
            if not MIN_WORDS <= len(words) <= MAX_WORDS:
                continue
            overlap = [len(words & w) for w in turn_words]
            best = max(range(len(turns)), key=lambda i: overlap[i], default=-1)
            if best < 0 or overlap[best] < ANSWER_SHARE * len(words) - 1e-9:
                continue  # no turn carries it: the summary read it in tool output
            category = next((c for key, c in _CATEGORY_OF if key in section.lower()), 2)
            result.append(
                {"question": section, "answer": piece, "evidence": [best], "category": category}
            )
    return result


def candidates(repo: Path) -> list[str]:
    listing = _git(repo, "ls-tree", "-r", "--name-only", BRANCH).splitlines()
    paths = [p for p in listing if p.endswith("/full.jsonl")]
    return sorted(p for p in paths if "/".join(p.split("/")[:2]) not in EXCLUDED)


def _excluded_sessions(repo: Path, commit: str) -> set[str]:
    """The session ids of the excluded checkpoints: another checkpoint may hold them too."""
    listing = _git(repo, "ls-tree", "-r", "--name-only", BRANCH).splitlines()
    ids: set[str] = set()
    for path in listing:
        if path.endswith("/full.jsonl") and "/".join(path.split("/")[:2]) in EXCLUDED:
            for raw in _git(repo, "show", f"{commit}:{path}").splitlines()[:50]:
                match = re.search(r'"sessionId":"([^"]+)"', raw)
                if match:
                    ids.add(match.group(1))
                    break
    return ids


def build(repo: Path) -> tuple[list[dict[str, object]], dict[str, list[dict[str, object]]]]:
    commit = _git(repo, "rev-parse", BRANCH).strip()
    chats: list[dict[str, object]] = []
    questions: dict[str, list[dict[str, object]]] = {}
    seen = _excluded_sessions(repo, commit)
    for path in candidates(repo):
        text = _git(repo, "show", f"{commit}:{path}")
        if '"isCompactSummary":true' not in text:
            continue
        turns, summary, session = parse(text.splitlines())
        if summary is None or session in seen:
            continue
        tokens = count_tokens("\n\n".join(f"{t['speaker']}: {t['text']}" for t in turns))
        if not MIN_TOKENS <= tokens <= MAX_TOKENS:
            continue
        found = facts(summary, turns)
        if not found:
            continue
        seen.add(session)
        name = "entire-" + path.removesuffix("/full.jsonl").replace("/", "-")
        source = {"repository": SOURCE, "commit": commit, "path": path, "license": LICENSE}
        chats.append({"name": name, "source": source, "session": session, "turns": turns})
        questions[name] = found
        if len(chats) == CHATS:
            break
    return chats, questions


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repo", type=Path, required=True, help="git directory of the source")
    parser.add_argument("--check", action="store_true", help="compare, do not write")
    args = parser.parse_args(argv)
    chats, questions = build(args.repo)
    files = {f"{c['name']}.json": c for c in chats}
    files["questions.json"] = {"chats": questions}
    return write_or_check(OUT, files, check=args.check, described=_items)


def _items(data: object) -> str:
    assert isinstance(data, dict)
    return f"{len(data['turns'] if 'turns' in data else data['chats'])} items"


if __name__ == "__main__":
    sys.exit(main())
