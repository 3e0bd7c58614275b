"""`evals/langid_errors.py` replays `identify_languages` on out-of-fold evidence; the replay
must answer what the product answers, or its per-language figures describe another decision.

Checked on real blocks (the gold spans of the artifacts eval's dev half: chat answers and
documentation), with the product's own text model and magika in place of the out-of-fold
probabilities: same evidence in, same language out, block by block.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from types import ModuleType

from contextd.pipeline.artifacts import _langid, _magika, identify_languages, langmodel

EVALS = Path(__file__).resolve().parents[3] / "evals"
SAMPLE = 160  # blocks: enough to cross every branch (certain cues, cue-only, magika, none)


def _evals_module(name: str) -> ModuleType:
    if str(EVALS) not in sys.path:
        sys.path.insert(0, str(EVALS))
    return importlib.import_module(name)


def _dev_blocks() -> list[str]:
    ev = _evals_module("artifacts_eval")
    blocks = []
    for sample in ev.load_docs() + ev.load_conversations():
        if ev.split_of(sample) != "dev":
            continue
        blocks += ["\n".join(sample.lines[start:end]) for start, end, _ in sample.gold]
    # plus the shapes the spans lack: prose, a drawing, one command, a near-empty block
    blocks += ["See the notes above.", "├── src\n│   └── main.py", "npm install", "x"]
    return blocks[:SAMPLE] + blocks[-4:]


def test_the_replayed_decision_is_the_products_decision() -> None:
    errors = _evals_module("langid_errors")
    sure = langmodel.sure_threshold()
    weight = langmodel._fitted().magika_weight
    blocks = _dev_blocks()
    asked = 0
    for block, answer in zip(blocks, identify_languages(blocks), strict=True):
        scores, _, sample = _langid.language_evidence(block, use_model=False)
        ranked = langmodel.rank(scores, None, sample)
        magika = None
        # identify_languages asks magika only for these (budget unlimited here)
        if (
            ranked[0][1] < sure
            and len(sample.strip()) >= _langid._MIN_MAGIKA_CHARS
            and _magika.available()
        ):
            magika = _langid.model_scores(sample)
            asked += 1
        assert errors.replay(block, ranked, scores, magika, (weight, sure)) == answer, block[:200]
    assert len(blocks) > 100
    if _magika.available():
        assert asked > 0  # the magika branch was replayed too
