"""The LLM snapshot engine against a real model server, by content, beside the built-in engine.

Usage:
    .venv/bin/python bench/llm_snapshot.py --url http://127.0.0.1:8080/v1 --model NAME \
        [--context 8192] [--conversation conv-26] [--turns N] [--ratio 4] [--timeout 600]

Any OpenAI-compatible server works (llama.cpp's `llama-server`, Ollama, vLLM,
llama-cpp-python's `python -m llama_cpp.server`); `--context` must be the window the server
runs with. The conversation is a LoCoMo development conversation from
`../shared/evaldata/locomo-dev/` (`--data` to point elsewhere; without it the script says so and
exits 0), `--turns` keeps only its first N turns (a slow model on a small machine).

What is printed, for the built-in engine, the LLM engine and every turn (the ceiling), each at
the same token budget (the built-in rule: tokens / `--ratio`, at least 200): the share of the
conversation's questions (category 5, unanswerable, left out; with `--turns`, only questions
whose evidence lies in the kept turns) whose answer is **kept in one line**: some line of the
snapshot (for the ceiling, some turn) holds at least two thirds of the answer's content words.
This is a tiny judge written for this script (lower-cased words of two letters or more, a short
stop-word list, numbers kept); evals/ holds the full content evaluation. It also prints which
engine actually wrote the LLM snapshot (a fallback says so), its requests and seconds.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from collections.abc import Iterable, Sequence
from datetime import datetime
from pathlib import Path

from contextd.pipeline.snapshot import LLMConfig, build_snapshot, snapshot_with_fallback
from contextd.pipeline.tokens import count_tokens
from contextd.pipeline.types import Document, Turn

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIR = ROOT.parent / "shared" / "evaldata" / "locomo-dev"
KEEP = 2 / 3  # share of the answer's content words one line must hold
_WORD_RE = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STOP_TEXT = """a an the and or but of to in on at by for with from as is are was were be been it
its this that these those i you he she we they me him her us them my your his our their not no do
did does have has had will would can could should about into than then so too very just also"""
_STOP = frozenset(_STOP_TEXT.split())
_SESSION_RE = re.compile(r"^session_(\d+)$")


def words(text: str) -> set[str]:
    return {w for w in _WORD_RE.findall(text.lower()) if w not in _STOP and len(w) > 1}


def kept(answer: str, lines: Iterable[str]) -> bool:
    """Whether one line holds two thirds of the answer's content words."""
    wanted = words(answer)
    if not wanted:
        return False
    need = math.ceil(len(wanted) * KEEP)
    return any(len(wanted & words(line)) >= need for line in lines)


def load(path: Path) -> tuple[list[Turn], list[tuple[str, tuple[int, ...]]]]:
    """The turns (dated by session, an image's caption appended) and (answer, evidence) pairs."""
    data = json.loads(path.read_text())
    talk = data.get("conversation", data)
    numbers = sorted(int(m.group(1)) for k in talk if (m := _SESSION_RE.match(k)))
    turns: list[Turn] = []
    by_id: dict[str, int] = {}
    for number in numbers:
        when = talk.get(f"session_{number}_date_time")
        try:
            stamp = datetime.strptime(" ".join(str(when).split()), "%I:%M %p on %d %B, %Y")
        except ValueError:
            stamp = None
        for item in talk[f"session_{number}"]:
            text = str(item.get("text", "")).strip()
            if item.get("blip_caption"):
                text = f"{text} [shares {item['blip_caption']}]"
            by_id[str(item.get("dia_id"))] = len(turns)
            speaker = str(item.get("speaker", "?"))
            turns.append(Turn(len(turns), speaker, "user", text, stamp))
    questions = []
    for item in data.get("qa", []):
        if int(item.get("category", 0)) == 5 or "answer" not in item:
            continue
        evidence = tuple(by_id[e] for e in item.get("evidence", []) if e in by_id)
        if evidence:
            questions.append((str(item["answer"]), evidence))
    return turns, questions


def lines_of(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("- ")]


def share(questions: Sequence[tuple[str, tuple[int, ...]]], lines: Sequence[str]) -> str:
    hits = sum(kept(answer, lines) for answer, _ in questions)
    return f"{hits}/{len(questions)} = {hits / max(1, len(questions)):.1%}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--model", required=True)
    parser.add_argument("--api-key", default=os.environ.get("CONTEXTD_LLM_API_KEY"))
    parser.add_argument("--context", type=int, default=8192)
    parser.add_argument("--timeout", type=float, default=600.0)
    parser.add_argument(
        "--data", type=Path, default=Path(os.environ.get("CONTEXTD_LOCOMO_DIR", DEFAULT_DIR))
    )
    parser.add_argument("--conversation", default="conv-26")
    parser.add_argument("--turns", type=int, default=0, help="keep only the first N turns")
    parser.add_argument("--ratio", type=float, default=4.0)
    args = parser.parse_args(argv)

    path = args.data / f"{args.conversation}.json"
    if not path.exists():
        print(f"no LoCoMo data at {path}: nothing to measure")
        return 0
    turns, questions = load(path)
    if args.turns:
        turns = turns[: args.turns]
        questions = [q for q in questions if max(q[1]) < len(turns)]
    document = Document(text="", format="locomo", title=args.conversation)
    tokens = count_tokens("\n\n".join(t.text for t in turns))
    print(f"{args.conversation}: {len(turns)} turns, {tokens} tokens, {len(questions)} questions")

    builtin = build_snapshot(turns, document, [], ratio=args.ratio)
    config = LLMConfig(
        base_url=args.url, model=args.model, api_key=args.api_key, timeout=args.timeout,
        context_tokens=args.context,
    )  # fmt: skip
    started = time.monotonic()
    llm, failure = snapshot_with_fallback(turns, document, [], config=config, ratio=args.ratio)
    seconds = time.monotonic() - started

    print(f"budget {builtin.budget} tokens (ratio {args.ratio:g}); answers kept in one line:")
    print(f"  builtin engine      {share(questions, lines_of(builtin.markdown))}")
    print(f"  LLM engine          {share(questions, lines_of(llm.markdown))}")
    print(f"  every turn (ceiling) {share(questions, [t.text for t in turns])}")
    print(f"LLM snapshot: engine {llm.engine!r}, {llm.tokens_after} tokens, {seconds:.0f} s")
    if llm.note:
        print(f"  {llm.note}")
    if failure:
        print(f"  the LLM engine failed: {failure}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
