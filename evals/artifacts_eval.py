"""How well does contextd find code that lost its fences, and name its language?

    .venv/bin/python evals/artifacts_eval.py            # Markdown table (held-out half)
    .venv/bin/python evals/artifacts_eval.py --json     # the same numbers as JSON
    .venv/bin/python evals/artifacts_eval.py --split dev   # the half used while tuning

The labelled set (`evals/data/artifacts/`, see PROVENANCE.md) is real Markdown: READMEs and docs
that packages ship. Gold labels come from the documents' own fences: every fenced block whose
label normalizes to a known language is a gold code span with that language. The evaluation
**removes the fence lines** (keeping the code, indentation included) and asks the detector to
find the code again in the fence-less text, then to name the language of each gold span
without its label. The LoCoMo conversations (real dialogues, no code) are added as negatives
when `../shared/evaldata/locomo-dev/` (beside the repository) is present; they are read there,
never copied.

Scoring (all counts over non-blank lines):

* lines that were inside a fence whose label is unknown or not code (``text``, ``bibtex``,
  MyST directives) and indented code blocks (Markdown code without fences, unlabelled by
  nature) are *ignored*: they count neither for nor against a detector;
* **line level**: precision / recall / F1 of the lines predicted as code against gold code lines;
* **span level**: a gold span is *found* when at least 50% of its lines fall inside one
  predicted span; a predicted span is *correct* when at least 50% of its (non-ignored) lines
  are gold code lines. Precision = correct / predicted, recall = found / gold;
* **language accuracy**: on every gold span, the predicted language equals the gold one, after
  folding variants that no reader could tell apart from the text alone (jsx->javascript,
  tsx->typescript, and the node docs' mjs/cjs labels are javascript already).

Baselines, computed in the same run on the same texts:

* language: pygments' ``guess_lexer`` on each gold span's text, its lexer's aliases normalized
  with the same table as the fence labels;
* spans: the text is cut into paragraphs at blank lines and ``guess_lexer`` classifies each
  paragraph; a paragraph is predicted code when the lexer maps to a known programming or data
  language (anything but text/Markdown/reStructuredText).

Documents are split into a dev half (used while building the detector) and a held-out half by
a hash of their file name; the reported numbers are the held-out half's.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib
import json
import re
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from contextd.pipeline.artifacts import (
    canonical_language,
    find_code_spans,
    identify_languages,
)

ROOT = Path(__file__).resolve().parents[1]

DATA = ROOT / "evals" / "data" / "artifacts"
LOCOMO = ROOT.parent / "shared" / "evaldata" / "locomo-dev"
NOT_CODE = frozenset({"text", "markdown"})
FOLD = {"jsx": "javascript", "tsx": "typescript"}

_OPEN = re.compile(
    r"^(?P<indent>[ \t]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?)(?P<fence>`{3,}|~{3,})(?P<info>[^`]*)$"
)
_CLOSE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})[ \t]*$")

CODE, PROSE, IGNORE = "code", "prose", "ignore"


@dataclass
class Sample:
    """A fence-less text with a label per line, and its gold spans."""

    name: str
    kind: str  # "doc" or "conversation"
    lines: list[str]
    labels: list[str]
    gold: list[tuple[int, int, str]] = field(default_factory=list)  # [start, end), language


def strip_fences(name: str, text: str) -> Sample:
    """Remove fence lines; label the kept lines (see the module docstring)."""
    lines: list[str] = []
    labels: list[str] = []
    gold: list[tuple[int, int, str]] = []
    source = text.splitlines()
    i = 0
    while i < len(source):
        line = source[i]
        opening = _OPEN.match(line)
        if opening is None:
            lines.append(line)
            labels.append(PROSE)
            i += 1
            continue
        fence = opening.group("fence")
        info = opening.group("info").strip().split()
        word = info[0].strip("{}").split(",")[0] if info else ""
        language = canonical_language(word)
        language = FOLD.get(language or "", language)
        j = i + 1
        while j < len(source):
            close = _CLOSE.match(source[j])
            if (
                close
                and close.group("fence")[0] == fence[0]
                and len(close.group("fence")) >= len(fence)
            ):
                break
            j += 1
        body = source[i + 1 : j]
        start = len(lines)
        lines.extend(body)
        keep = language is not None and language not in NOT_CODE
        labels.extend([CODE if keep else IGNORE] * len(body))
        if keep and any(b.strip() for b in body):
            gold.append((start, len(lines), str(language)))
        i = j + 1
    _ignore_indented_code(lines, labels)
    _ignore_blank(lines, labels)
    return Sample(name, "doc", lines, labels, gold)


def _ignore_indented_code(lines: list[str], labels: list[str]) -> None:
    """Markdown's indented code blocks are code without a label: neither gold nor negative."""
    previous_blank = True
    in_block = False
    for index, line in enumerate(lines):
        if labels[index] != PROSE:
            previous_blank = False
            in_block = False
            continue
        blank = not line.strip()
        indented = line.startswith("    ") or line.startswith("\t")
        if indented and not blank and (in_block or previous_blank):
            in_block = True
        elif not blank:
            in_block = False
        if in_block and not blank:
            labels[index] = IGNORE
        previous_blank = blank


def _ignore_blank(lines: list[str], labels: list[str]) -> None:
    for index, line in enumerate(lines):
        if not line.strip():
            labels[index] = IGNORE


def load_docs() -> list[Sample]:
    manifest = json.loads((DATA / "manifest.json").read_text())
    return [strip_fences(entry["id"], (DATA / entry["file"]).read_text()) for entry in manifest]


def load_conversations() -> list[Sample]:
    """Each LoCoMo session as a pasted transcript: one "Speaker: text" line per turn."""
    samples: list[Sample] = []
    if not LOCOMO.is_dir():
        return samples
    for path in sorted(LOCOMO.glob("conv-*.json")):
        data = json.loads(path.read_text())
        conversation = data.get("conversation", data)
        sessions = sorted(
            (k for k in conversation if re.fullmatch(r"session_\d+", k)),
            key=lambda k: int(k.split("_")[1]),
        )
        lines: list[str] = []
        for key in sessions:
            lines.append(
                f"{key.replace('_', ' ').title()} — {conversation.get(key + '_date_time', '')}"
            )
            lines.append("")
            for turn in conversation[key]:
                lines.append(f"{turn['speaker']}: {turn['text']}")
                lines.append("")
        labels = [PROSE if line.strip() else IGNORE for line in lines]
        samples.append(Sample(f"locomo/{path.name}", "conversation", lines, labels))
    return samples


def split_of(sample: Sample) -> str:
    """ "dev" or "heldout", fixed per document by a hash of the name it was split under.

    Documents were first stored as `docs/<id>.md`; that name is still what is hashed, so the
    halves never change (the files are `.txt` now, to keep formatters off their code blocks).
    """
    name = sample.name if sample.kind == "conversation" else f"docs/{sample.name}.md"
    digest = hashlib.sha256(name.encode()).digest()
    return "dev" if digest[0] % 2 == 0 else "heldout"


# --- scoring -------------------------------------------------------------------------------


@dataclass
class Counts:
    tp_lines: int = 0
    fp_lines: int = 0
    fn_lines: int = 0
    gold_spans: int = 0
    found_spans: int = 0
    predicted_spans: int = 0
    correct_spans: int = 0
    fp_conversation_lines: int = 0
    conversation_lines: int = 0

    def add(self, sample: Sample, spans: Sequence[tuple[int, int]]) -> None:
        predicted = [False] * len(sample.lines)
        for start, end in spans:
            for index in range(start, end):
                predicted[index] = True
        for label, hit in zip(sample.labels, predicted, strict=True):
            if label == IGNORE:
                continue
            if label == CODE:
                self.tp_lines += hit
                self.fn_lines += not hit
            else:
                self.fp_lines += hit
                if sample.kind == "conversation":
                    self.fp_conversation_lines += hit
            if sample.kind == "conversation":
                self.conversation_lines += 1
        for start, end, _ in sample.gold:
            lines = [i for i in range(start, end) if sample.labels[i] == CODE]
            if not lines:
                continue
            self.gold_spans += 1
            best = max((sum(1 for i in lines if s <= i < e) for s, e in spans), default=0)
            self.found_spans += best * 2 >= len(lines)
        for start, end in spans:
            scored = [sample.labels[i] for i in range(start, end) if sample.labels[i] != IGNORE]
            if not scored:
                continue
            self.predicted_spans += 1
            self.correct_spans += scored.count(CODE) * 2 >= len(scored)

    def line_prf(self) -> tuple[float, float, float]:
        return prf(self.tp_lines, self.tp_lines + self.fp_lines, self.tp_lines + self.fn_lines)

    def span_prf(self) -> tuple[float, float, float]:
        precision = self.correct_spans / self.predicted_spans if self.predicted_spans else 0.0
        recall = self.found_spans / self.gold_spans if self.gold_spans else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return precision, recall, f1


def prf(tp: int, predicted: int, gold: int) -> tuple[float, float, float]:
    precision = tp / predicted if predicted else 0.0
    recall = tp / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


# --- the baseline --------------------------------------------------------------------------

_BASELINE_NOT_CODE = frozenset({"text", "markdown", "rst"})


def pygments_language(text: str) -> str | None:
    lexers = importlib.import_module("pygments.lexers")
    util = importlib.import_module("pygments.util")
    try:
        lexer = lexers.guess_lexer(text)
    except util.ClassNotFound:
        return None
    for alias in [*lexer.aliases, lexer.name]:
        language = canonical_language(alias)
        if language is not None:
            return FOLD.get(language, language)
    return None


def baseline_spans(lines: Sequence[str]) -> list[tuple[int, int]]:
    spans = []
    start = None
    for index, line in enumerate([*lines, ""]):
        if line.strip():
            if start is None:
                start = index
            continue
        if start is not None:
            language = pygments_language("\n".join(lines[start:index]))
            if language is not None and language not in _BASELINE_NOT_CODE:
                spans.append((start, index))
            start = None
    return spans


# --- running -------------------------------------------------------------------------------


def run(
    split: str, with_baseline: bool, with_model: bool = True, document: bool = False
) -> dict[str, object]:
    samples = [s for s in load_docs() + load_conversations() if split_of(s) == split]
    ours, base = Counts(), Counts()
    timings = {"detector_s": 0.0, "language_s": 0.0, "baseline_s": 0.0}
    gold_texts: list[str] = []
    gold_languages: list[str] = []
    per_sample: list[int] = []  # how many gold spans each sample has, in order
    for sample in samples:
        per_sample.append(len(sample.gold))
        started = time.perf_counter()
        spans = [(s.start, s.end) for s in find_code_spans(sample.lines)]
        timings["detector_s"] += time.perf_counter() - started
        ours.add(sample, spans)
        if with_baseline:
            started = time.perf_counter()
            base.add(sample, baseline_spans(sample.lines))
            timings["baseline_s"] += time.perf_counter() - started
        for start, end, language in sample.gold:
            gold_texts.append("\n".join(sample.lines[start:end]).strip("\n"))
            gold_languages.append(language)
    started = time.perf_counter()
    budget = None if with_model else 0  # every span may use magika, as the first blocks do
    if document:  # each sample's spans together: one document whose fences all lost labels
        answers: list[str | None] = []
        offset = 0
        for count in per_sample:
            group = gold_texts[offset : offset + count]
            answers += identify_languages(group, model_budget=budget, document=[True] * count)
            offset += count
    else:
        answers = identify_languages(gold_texts, model_budget=budget)
    predicted = [FOLD.get(p or "", p) for p in answers]
    timings["language_s"] = time.perf_counter() - started
    correct = sum(p == g for p, g in zip(predicted, gold_languages, strict=True))
    confusion = Counter(
        (g, p or "none") for p, g in zip(predicted, gold_languages, strict=True) if p != g
    )
    result: dict[str, object] = {
        "split": split,
        "documents": sum(s.kind == "doc" for s in samples),
        "conversations": sum(s.kind == "conversation" for s in samples),
        "gold_spans": ours.gold_spans,
        "gold_languages": dict(Counter(gold_languages).most_common()),
        "contextd": _summary(ours, correct, len(gold_languages)),
        "timings": {k: round(v, 2) for k, v in timings.items()},
        "language_errors": [f"{g}->{p}: {n}" for (g, p), n in confusion.most_common(15)],
    }
    if with_baseline:
        started = time.perf_counter()
        base_predicted = [pygments_language(t) for t in gold_texts]
        timings["baseline_s"] += time.perf_counter() - started
        base_correct = sum(p == g for p, g in zip(base_predicted, gold_languages, strict=True))
        result["pygments_baseline"] = _summary(base, base_correct, len(gold_languages))
        result["timings"] = {k: round(v, 2) for k, v in timings.items()}
    return result


def _summary(counts: Counts, correct: int, total: int) -> dict[str, float | int]:
    lp, lr, lf = counts.line_prf()
    sp, sr, sf = counts.span_prf()
    return {
        "line_precision": round(lp, 3),
        "line_recall": round(lr, 3),
        "line_f1": round(lf, 3),
        "span_precision": round(sp, 3),
        "span_recall": round(sr, 3),
        "span_f1": round(sf, 3),
        "predicted_spans": counts.predicted_spans,
        "language_accuracy": round(correct / total, 3) if total else 0.0,
        "conversation_false_positive_lines": counts.fp_conversation_lines,
        "conversation_lines": counts.conversation_lines,
    }


def table(result: dict[str, object]) -> str:
    ours = result["contextd"]
    base = result.get("pygments_baseline")
    assert isinstance(ours, dict)
    rows = [
        ("span precision", "span_precision"),
        ("span recall", "span_recall"),
        ("**span F1**", "span_f1"),
        ("line precision", "line_precision"),
        ("line recall", "line_recall"),
        ("line F1", "line_f1"),
        ("**language accuracy** (gold spans)", "language_accuracy"),
        ("predicted spans", "predicted_spans"),
        ("false-positive lines in conversations", "conversation_false_positive_lines"),
    ]
    heading = "held-out half (not used for tuning)" if result["split"] == "heldout" else "dev half"
    out = [
        f"Artifact extraction on the {heading}: {result['documents']} documents, "
        f"{result['conversations']} conversations ({ours['conversation_lines']} lines), "
        f"{result['gold_spans']} gold code spans",
        "",
        "| metric | contextd | pygments guess_lexer |",
        "|---|---:|---:|",
    ]
    for title, key in rows:
        theirs = base[key] if isinstance(base, dict) else "—"
        out.append(f"| {title} | {ours[key]} | {theirs} |")
    out.append("")
    out.append(f"languages named by: {result.get('model', 'cues + magika')}")
    out.append(f"gold languages: {result['gold_languages']}")
    out.append(f"timings (s): {result['timings']}")
    out.append(f"most frequent language errors: {', '.join(result['language_errors']) or 'none'}")  # type: ignore[arg-type]
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--json", action="store_true", help="print JSON instead of a table")
    parser.add_argument("--split", choices=["heldout", "dev"], default="heldout")
    parser.add_argument("--no-baseline", action="store_true", help="skip pygments (faster)")
    parser.add_argument(
        "--no-model", action="store_true", help="name languages from syntax cues alone (no magika)"
    )
    parser.add_argument(
        "--document",
        action="store_true",
        help="name each document's spans together, each with the others as a prior",
    )
    args = parser.parse_args()
    result = run(
        args.split,
        with_baseline=not args.no_baseline,
        with_model=not args.no_model,
        document=args.document,
    )
    result["model"] = "cues only" if args.no_model else "cues + magika"
    print(json.dumps(result, indent=2) if args.json else table(result))


if __name__ == "__main__":
    main()
