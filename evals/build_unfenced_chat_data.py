"""Rebuild `evals/data/unfenced_chat/answers.jsonl`, the chat answers of `unfenced_precision.py`.

    .venv/bin/python evals/build_unfenced_chat_data.py PATH_TO_FASTCHAT_GIT_DIR

Real chat answers: the MT-Bench answers of GPT-4o (80 questions, two turns each; commit 4026da0c
"Added llm-judge support for GPT-4o" of lm-sys/FastChat), GPT-4's reference answers (30 math,
reasoning and coding questions, two turns each) and Llama-2-chat-13B's answers (commit 477eb276,
a contributor's baseline run), all under the repository's Apache-2.0 licence. Each turn is one
record: question id, category, model, turn, text, copied unchanged.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "evals" / "data" / "unfenced_chat" / "answers.jsonl"
FILES = (
    ("4026da0c2bf4b1cf2331a56d668d60550e3743f1", "model_answer/gpt-4o.jsonl"),
    ("HEAD", "reference_answer/gpt-4.jsonl"),
    ("477eb2765ce91c02d8f21bba1814d912f393689c", "model_answer/llama-2-chat13b.jsonl"),
)
BASE = "fastchat/llm_judge/data/mt_bench/"


def show(git_dir: str, commit: str, path: str) -> str:
    return subprocess.run(
        ["git", "--git-dir", git_dir, "show", f"{commit}:{BASE}{path}"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout


def main() -> None:
    git_dir = sys.argv[1]
    categories = {
        q["question_id"]: q["category"]
        for q in map(json.loads, show(git_dir, "HEAD", "question.jsonl").splitlines())
    }
    records = []
    for commit, path in FILES:
        for answer in map(json.loads, show(git_dir, commit, path).splitlines()):
            for turn, text in enumerate(answer["choices"][0]["turns"]):
                records.append(
                    {
                        "question_id": answer["question_id"],
                        "category": categories[answer["question_id"]],
                        "model": answer["model_id"],
                        "turn": turn,
                        "text": text,
                    }
                )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    with OUT.open("w", encoding="utf-8") as out:
        for record in records:
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
    print(f"{len(records)} answers -> {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
