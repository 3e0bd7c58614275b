"""How many unfenced artifacts of real chat answers are code, before and after this branch?

    .venv/bin/python evals/unfenced_precision.py               # test half, before and after
    .venv/bin/python evals/unfenced_precision.py --split dev   # the half used while tuning
    .venv/bin/python evals/unfenced_precision.py --only        # this checkout only (no "before")
    .venv/bin/python evals/unfenced_precision.py --alpaca-eval DIR   # + AlpacaEval answers
    .venv/bin/python evals/unfenced_precision.py --errors      # print the wrong artifacts

`--alpaca-eval DIR` (a checkout of tatsu-lab/alpaca_eval; CC BY-NC, so it is read where it is
and never copied here) adds the answers of three models to 805 instructions, labelled by their
fences alone (code of a labelled fence is code, everything else prose): none of them was read
while tuning. Real code an answer left unfenced counts as wrong there, so its precision is a
lower bound; read the errors with `--errors`.

Data: 380 real chat answers, the MT-Bench answers of GPT-4o and Llama-2-chat-13B and GPT-4's
reference answers (`evals/data/unfenced_chat/`, see PROVENANCE.md): writing, roleplay,
reasoning, math (arithmetic, formulas, equations), coding, extraction (key: value lists), STEM
and humanities. Each answer's fence lines are removed, as `artifacts_eval.py` does, and the
whole pipeline stage runs on the fence-less text (`extract_artifacts`); only the artifacts it
marks `unfenced` count.

Labels: lines that were inside a fence labelled with a code language are code; lines of other
fences (no label, `text`) are ignored; everything else is prose, except the lines listed in
`labels.json`, which were read by hand (every unfenced artifact predicted on the dev half,
before and after, was read; a line is listed there when it is code a reader would copy, e.g. a
shell command written as a paragraph). An artifact is **correct** when at least half of its
non-ignored lines are code (one made only of ignored lines is not counted); a gold block is
**found** when at least half of its lines are inside one unfenced artifact. The same figures are
given on the documentation set of `artifacts_eval.py` (its split), where all code is real code
with its fences removed: that is the recall that must not drop.

"Before" is the branch point (`git merge-base HEAD main`), unpacked to a temporary directory and
run in a subprocess on the same data in the same run. Questions are split into halves by a hash
of their id: `dev` was used while tuning, `test` was not.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from artifacts_eval import CODE, IGNORE, Sample, load_docs, split_of, strip_fences

from contextd.pipeline.artifacts import extract_artifacts
from contextd.pipeline.types import Document

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "evals" / "data" / "unfenced_chat"
# AlpacaEval answers (805 instructions each): a model that fences its code, one that often
# does not, and a third family.
ALPACA_MODELS = ("gpt-4o-2024-05-13", "llama-2-70b-chat-hf", "claude-3-opus-20240229")


@dataclass
class Counts:
    predicted: int = 0
    correct: int = 0
    gold: int = 0
    found: int = 0

    def add(self, other: Counts) -> None:
        self.predicted += other.predicted
        self.correct += other.correct
        self.gold += other.gold
        self.found += other.found

    def figures(self) -> dict[str, float | int]:
        return {
            "predicted": self.predicted,
            "correct": self.correct,
            "precision": round(self.correct / self.predicted, 4) if self.predicted else 1.0,
            "gold": self.gold,
            "found": self.found,
            "recall": round(self.found / self.gold, 4) if self.gold else 1.0,
        }


def answer_id(record: dict[str, object]) -> str:
    return f"{record['question_id']}-{record['model']}-{record['turn']}"


def chat_split(record: dict[str, object]) -> str:
    digest = hashlib.sha256(str(record["question_id"]).encode()).digest()
    return "dev" if digest[0] % 2 == 0 else "test"


def load_chat(split: str) -> list[Sample]:
    labels = json.loads((DATA / "labels.json").read_text())
    samples = []
    for line in (DATA / "answers.jsonl").read_text().splitlines():
        record = json.loads(line)
        if chat_split(record) != split:
            continue
        sample = strip_fences(answer_id(record), str(record["text"]))
        for start, end in labels.get(sample.name, []):
            for index in range(start, end):
                if sample.lines[index].strip():
                    sample.labels[index] = CODE
        samples.append(sample)
    return samples


def predicted_spans(sample: Sample) -> list[tuple[int, int]]:
    """The line range of each unfenced artifact, found back in the sample's lines."""
    text = "\n".join(sample.lines)
    artifacts = extract_artifacts(Document(text=text, format="markdown"), [])
    spans = []
    stripped = [line.strip() for line in sample.lines]
    for artifact in artifacts:
        if not artifact.meta.get("unfenced"):
            continue
        content = [line.strip() for line in artifact.content.split("\n") if line.strip()]
        if not content:
            continue
        span = _locate(stripped, content)
        if span is not None:
            spans.append(span)
    return spans


def _locate(stripped: Sequence[str], content: Sequence[str]) -> tuple[int, int] | None:
    """Where the artifact's lines are: all of them in a row (blank lines aside), else in order.

    Matching only the first and the last line cut a program at its first `}` (the last line
    of most C-like code); matching in order with gaps alone would stretch a block repeated
    later in the answer over the prose between the repeats. Gaps are allowed only when no
    run matches (a command whose output lines were dropped).
    """
    nonblank = [index for index, line in enumerate(stripped) if line]
    width = len(content)
    for position in range(len(nonblank) - width + 1):
        run = nonblank[position : position + width]
        if all(_same(stripped[i], line) for i, line in zip(run, content, strict=True)):
            return run[0], run[-1] + 1
    for start, line in enumerate(stripped):
        if not _same(line, content[0]):
            continue
        index = start
        for expected in content[1:]:
            index += 1
            while index < len(stripped) and not _same(stripped[index], expected):
                index += 1
            if index == len(stripped):
                break
        else:
            return start, index + 1
    return None


def _same(line: str, content: str) -> bool:
    """A content line equals its source line, or the source line with a prompt marker."""
    return line == content or (line[:2] in _PROMPTS and line[2:].strip() == content)


_PROMPTS = frozenset({"$ ", "# ", "> ", "% "})


def score(sample: Sample) -> Counts:
    counts = Counts(gold=len(sample.gold))
    spans = predicted_spans(sample)
    for start, end in spans:
        kept = [label for label in sample.labels[start:end] if label != IGNORE]
        if not kept:
            continue  # only lines of unlabelled fences: neither right nor wrong
        counts.predicted += 1
        counts.correct += kept.count(CODE) * 2 >= len(kept)
    gold_spans = [(s, e) for s, e, _ in sample.gold]
    gold_spans += _labelled_spans(sample)
    counts.gold = len(gold_spans)
    for start, end in gold_spans:
        lines = [i for i in range(start, end) if sample.lines[i].strip()]
        counts.found += any(sum(s <= i < e for i in lines) * 2 >= len(lines) for s, e in spans)
    return counts


def _labelled_spans(sample: Sample) -> list[tuple[int, int]]:
    """Hand-labelled code outside fences, as gold blocks (runs of CODE lines not in a fence)."""
    inside = {i for s, e, _ in sample.gold for i in range(s, e)}
    spans = []
    start: int | None = None
    for index, label in enumerate([*sample.labels, IGNORE]):
        code = label == CODE and index not in inside
        if code and start is None:
            start = index
        elif not code and label != IGNORE and start is not None:
            spans.append((start, index))
            start = None
    if start is not None:
        spans.append((start, len(sample.labels)))
    return spans


def load_alpaca(directory: Path, models: Sequence[str]) -> list[tuple[str, Sample]]:
    """AlpacaEval answers (`results/<model>/model_outputs.json` of a tatsu-lab/alpaca_eval
    checkout), labelled by their fences only: no line of them was read while tuning."""
    samples = []
    for model in models:
        path = directory / "results" / model / "model_outputs.json"
        for index, record in enumerate(json.loads(path.read_text())):
            samples.append((model, strip_fences(f"{model}-{index}", str(record["output"]))))
    return samples


def measure(
    split: str, alpaca: Path | None = None, models: Sequence[str] = ()
) -> dict[str, object]:
    chat = Counts()
    per_category: dict[str, Counts] = {}
    records = [json.loads(line) for line in (DATA / "answers.jsonl").read_text().splitlines()]
    groups = {answer_id(r): (str(r["category"]), str(r["model"])) for r in records}
    for sample in load_chat(split):
        counts = score(sample)
        chat.add(counts)
        for group in groups[sample.name]:
            per_category.setdefault(group, Counts()).add(counts)
    doc_split = "dev" if split == "dev" else "heldout"
    docs = Counts()
    for sample in load_docs():
        if split_of(sample) == doc_split:
            docs.add(score(sample))
    result: dict[str, object] = {
        "chat": chat.figures(),
        "categories": {name: c.figures() for name, c in sorted(per_category.items())},
        "docs": docs.figures(),
    }
    if alpaca is not None:
        per_model: dict[str, Counts] = {}
        for model, sample in load_alpaca(alpaca, models):
            per_model.setdefault(model, Counts()).add(score(sample))
        total = Counts()
        for counts in per_model.values():
            total.add(counts)
        result["alpaca"] = {
            "all": total.figures(),
            **{model: counts.figures() for model, counts in per_model.items()},
        }
    return result


def errors(split: str, alpaca: Path | None, models: Sequence[str]) -> None:
    """Print every wrong unfenced artifact, for reading (chat answers, then AlpacaEval)."""
    samples = [("chat", sample) for sample in load_chat(split)]
    if alpaca is not None:
        samples += load_alpaca(alpaca, models)
    for _, sample in samples:
        for start, end in predicted_spans(sample):
            kept = [label for label in sample.labels[start:end] if label != IGNORE]
            if kept and kept.count(CODE) * 2 < len(kept):
                print(f"--- {sample.name} lines {start}-{end}")
                for index in range(start, end):
                    print(f"{sample.labels[index]:>6} | {sample.lines[index]}")


def before(split: str, extra: Sequence[str] = ()) -> dict[str, object]:
    """The same measure with the source tree of the branch point, in a subprocess."""
    base = subprocess.run(
        ["git", "-C", str(ROOT), "merge-base", "HEAD", "main"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", base, "src"], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
        env = {**os.environ, "PYTHONPATH": str(Path(tmp) / "src")}
        out = subprocess.run(
            [sys.executable, __file__, "--only", "--json", "--split", split, *extra],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        ).stdout
    result: dict[str, object] = json.loads(out)
    result["commit"] = base[:10]
    return result


def _row(name: str, figures: object) -> str:
    assert isinstance(figures, dict)
    return (
        f"| {name} | {figures['predicted']} | {figures['correct']} | {figures['precision']:.3f}"
        f" | {figures['gold']} | {figures['found']} | {figures['recall']:.3f} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--split", choices=("dev", "test"), default="test")
    parser.add_argument("--only", action="store_true", help="this checkout only")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--alpaca-eval",
        type=Path,
        metavar="DIR",
        help="a tatsu-lab/alpaca_eval checkout: also score its models' answers (fences only)",
    )
    parser.add_argument(
        "--alpaca-models",
        default=",".join(ALPACA_MODELS),
        help="comma-separated directories of DIR/results (default: %(default)s)",
    )
    parser.add_argument("--errors", action="store_true", help="print the wrong artifacts")
    args = parser.parse_args()
    models = [m for m in args.alpaca_models.split(",") if m]
    if args.errors:
        errors(args.split, args.alpaca_eval, models)
        return
    after = measure(args.split, args.alpaca_eval, models)
    extra = []
    if args.alpaca_eval is not None:
        extra = [
            "--alpaca-eval",
            str(args.alpaca_eval.resolve()),
            "--alpaca-models",
            ",".join(models),
        ]
    if args.json:
        print(
            json.dumps(
                after if args.only else {"after": after, "before": before(args.split, extra)}
            )
        )
        return
    runs = (
        [("after", after)]
        if args.only
        else [("before", before(args.split, extra)), ("after", after)]
    )
    print(f"split: {args.split}")
    print("| run | set | predicted | correct | precision | gold | found | recall |")
    print("|---|---|---|---|---|---|---|---|")
    for run, result in runs:
        print(_row(f"{run} | chat answers", result["chat"]))
        print(_row(f"{run} | docs ({'dev' if args.split == 'dev' else 'heldout'})", result["docs"]))
        if "alpaca" in result:
            alpaca = result["alpaca"]
            assert isinstance(alpaca, dict)
            for name, figures in alpaca.items():
                print(_row(f"{run} | AlpacaEval {name}", figures))
    print("\nper category and per model (chat answers):")
    for run, result in runs:
        categories = result["categories"]
        assert isinstance(categories, dict)
        for name, figures in categories.items():
            print(_row(f"{run} | {name}", figures))


if __name__ == "__main__":
    main()
