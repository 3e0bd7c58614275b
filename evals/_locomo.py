"""What the LoCoMo evaluations of the snapshot share: the conversations as turns, and the baselines.

`locomo_retention.py` (citations, a diagnostic now) and `snapshot_content.py` (content kept,
judged line by line) read the same conversations and give their baselines the same budget, so
both live here once: loading the development conversations, the cached embedding model, and the
baseline selections (whole turns at random, the first and the last turns, random sentences),
each filling exactly the snapshot's token budget. The data are read at run time from
`../shared/evaldata/locomo-dev/` (or `--data`, or `$CONTEXTD_LOCOMO_DIR`), never copied here.
"""

from __future__ import annotations

import json
import os
import pickle
import random
import re
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import numpy as np
from _judge import Judge, Question, Score, turn_lines

from contextd.pipeline.artifacts import extract_artifacts
from contextd.pipeline.embed import Embedder, Vectors, default_embedder
from contextd.pipeline.ingest.conversations import speaker_role
from contextd.pipeline.snapshot import build_snapshot, split_sentences, update_snapshot
from contextd.pipeline.tokens import count_tokens
from contextd.pipeline.types import Document, SnapshotDraft, Turn

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DIR = ROOT.parent / "shared" / "evaldata" / "locomo-dev"  # beside the repository
TUNE = ("conv-26", "conv-30", "conv-41")  # thresholds are chosen on these only
REPORT = ("conv-42", "conv-43")  # ... and reported on these apart
SEPARATOR_TOKENS = 1  # "\n\n" between two turns
_SESSION_RE = re.compile(r"^session_(\d+)$")


class CachingEmbedder:
    """The default model, remembering vectors in a file between runs (for quick iteration)."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._model: Embedder | None = None
        self._cache: dict[str, Vectors] = {}
        if path.exists():
            with path.open("rb") as handle:
                self._cache = pickle.load(handle)
        self.name = "all-MiniLM-L6-v2 (cached)"
        self.dim = 384

    def embed(self, texts: Sequence[str]) -> Vectors:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            if self._model is None:
                self._model = default_embedder()
            for text, vector in zip(missing, self._model.embed(missing), strict=True):
                self._cache[text] = vector
        return (
            np.stack([self._cache[t] for t in texts])
            if texts
            else np.zeros((0, self.dim), np.float32)
        )

    def save(self) -> None:
        with self._path.open("wb") as handle:
            pickle.dump(self._cache, handle)


@dataclass(frozen=True)
class Conversation:
    name: str
    turns: tuple[Turn, ...]
    questions: tuple[Question, ...]
    unmapped: int  # questions whose evidence ids name no turn


def data_files(data: Path | None, only: str | None = None) -> tuple[Path, list[Path]]:
    """The folder looked in and the conversations found there (`only`: some of them by name,
    comma separated, or "tune" / "report" for a split)."""
    folder = data or Path(os.environ.get("CONTEXTD_LOCOMO_DIR", DEFAULT_DIR))
    files = sorted(folder.glob("conv-*.json")) if folder.is_dir() else []
    if only:
        splits = {"tune": TUNE, "report": REPORT}
        names = {n for part in only.split(",") for n in splits.get(part, (part,))}
        files = [f for f in files if f.stem in names]
    return folder, files


def _timestamp(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        return datetime.strptime(" ".join(text.split()), "%I:%M %p on %d %B, %Y")
    except ValueError:
        return None


def load(path: Path) -> Conversation:
    """Turns in order (speaker = the person's name, an image shared in the turn appended as
    "[shares a photo of ...]", timestamp = the session's date and time) and the questions
    (category 5, the adversarial ones without an answer, excluded)."""
    raw = json.loads(path.read_text())
    data = raw.get("conversation", raw) if "session_1" not in raw else raw
    sessions = sorted(
        (int(m.group(1)), key)
        for key in data
        if (m := _SESSION_RE.match(key)) and isinstance(data[key], list)
    )
    turns: list[Turn] = []
    by_id: dict[str, int] = {}
    for number, key in sessions:
        stamp = _timestamp(data.get(f"session_{number}_date_time"))
        for item in data[key]:
            text = str(item.get("text", "")).strip()
            caption = item.get("blip_caption")
            if caption:
                text = f"{text} [shares {caption}]".strip()
            speaker = str(item.get("speaker", "Unknown"))
            by_id[str(item.get("dia_id"))] = len(turns)
            turns.append(Turn(len(turns), speaker, speaker_role(speaker), text, stamp))
    questions: list[Question] = []
    unmapped = 0
    for item in raw.get("qa", []):
        category = int(item.get("category", 0))
        if category == 5:
            continue
        evidence = tuple(sorted({by_id[e] for e in item.get("evidence", []) if e in by_id}))
        if not evidence:
            unmapped += 1
            continue
        answer = str(item.get("answer", ""))
        questions.append(Question(evidence, category, str(item.get("question", "")), answer))
    return Conversation(path.stem, tuple(turns), tuple(questions), unmapped)


def document_of(name: str, turns: Sequence[Turn]) -> Document:
    """The conversation as the service would hold it: "speaker: text" turns, blank-line joined."""
    return Document(
        text="\n\n".join(f"{t.speaker}: {t.text}" for t in turns),
        format="text",
        title=f"LoCoMo {name}",
    )


# --- baselines at the snapshot's budget ----------------------------------------------------


def turn_costs(turns: Sequence[Turn]) -> list[int]:
    """A turn costs the tokens of its text plus the blank line that separates turns."""
    return [count_tokens(t.text) + SEPARATOR_TOKENS for t in turns]


def fill(order: Sequence[int], costs: Sequence[int], budget: int) -> set[int]:
    """Take turns in `order`, skipping any that no longer fits, until nothing else fits."""
    kept: set[int] = set()
    used = 0
    smallest = min(costs, default=0)
    for i in order:
        if used + costs[i] <= budget:
            kept.add(i)
            used += costs[i]
        if budget - used < smallest:
            break
    return kept


def prefix(order: Sequence[int], costs: Sequence[int], budget: int) -> set[int]:
    """Take turns in `order` until the next one no longer fits."""
    kept: set[int] = set()
    used = 0
    for i in order:
        if used + costs[i] > budget:
            break
        kept.add(i)
        used += costs[i]
    return kept


def random_turns(costs: Sequence[int], budget: int, seed: int) -> set[int]:
    order = list(range(len(costs)))
    random.Random(seed).shuffle(order)
    return fill(order, costs, budget)


def random_sentences(
    turns: Sequence[Turn], budget: int, seed: int, *, labelled: bool = False
) -> list[tuple[int, str]]:
    """Random sentences (the snapshot's own splitter) rendered as the snapshot renders a line
    (`- text [t12]`, with `Speaker: ` first when `labelled`), until the budget is spent.
    Returns (turn index, line text without the bullet and citation), in source order."""
    pieces: list[tuple[int, int, str, int]] = []
    for turn in turns:
        label = f"{turn.speaker}: " if labelled else ""
        for s in split_sentences(turn.text):
            line = label + s.text
            pieces.append(
                (turn.index, len(pieces), line, count_tokens(f"- {line} [t{turn.index}]\n"))
            )
    random.Random(seed).shuffle(pieces)
    kept: list[tuple[int, int, str]] = []
    used = 0
    for index, position, line, cost in pieces:
        if used + cost <= budget:
            kept.append((index, position, line))
            used += cost
    return [(index, line) for index, _, line in sorted(kept, key=lambda piece: piece[1])]


def random_baselines(
    judge: Judge,
    turns: Sequence[Turn],
    costs: Sequence[int],
    budget: int,
    seeds: int,
    counts_from: Score,
) -> dict[str, Score]:
    """Whole turns and labelled sentences drawn at random to the snapshot's budget, averaged
    over `seeds`; the question counts (`counts_from`, the snapshot's) are not averaged."""
    scores = {"random_turns": Score(), "random_sentences": Score()}
    for seed in range(seeds):
        chosen = turn_lines(turns, random_turns(costs, budget, seed))
        scores["random_turns"].merge(judge.score(chosen), 1 / seeds)
        sentences = random_sentences(turns, budget, seed, labelled=True)
        scores["random_sentences"].merge(judge.score([line for _, line in sentences]), 1 / seeds)
    for score in scores.values():
        score.questions = dict(counts_from.questions)
    return scores


def timed_snapshot(
    turns: Sequence[Turn], document: Document, *, ratio: float, embedder: Embedder | None
) -> tuple[SnapshotDraft, float]:
    """The builtin snapshot of a chat as the service builds it (artifacts first), and the
    seconds it took."""
    started = time.perf_counter()
    snapshot = build_snapshot(
        list(turns),
        document,
        extract_artifacts(document, list(turns)),
        ratio=ratio,
        embedder=embedder,
    )
    return snapshot, time.perf_counter() - started


def forward(
    turns: Sequence[Turn],
    parts: int,
    *,
    ratio: float,
    embedder: Embedder | None,
    document: Callable[[Sequence[Turn]], Document],
) -> SnapshotDraft:
    """The snapshot of `turns` fed in `parts` parts, merged by `update_snapshot` (the
    fast-forward); `document` gives the source as the service holds it after each part."""
    bounds = [round(k * len(turns) / parts) for k in range(parts + 1)]
    snapshot: SnapshotDraft | None = None
    for k in range(parts):
        seen = list(turns[: bounds[k + 1]])
        source = document(seen)
        artifacts = extract_artifacts(source, seen)
        if snapshot is None:
            snapshot = build_snapshot(seen, source, artifacts, ratio=ratio, embedder=embedder)
        else:
            new = list(turns[bounds[k] : bounds[k + 1]])
            snapshot = update_snapshot(
                snapshot, new, source, artifacts, ratio=ratio, embedder=embedder
            )
    assert snapshot is not None
    return snapshot
