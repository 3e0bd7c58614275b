"""The LoCoMo content evaluation (`evals/snapshot_content.py`) with the LLM engine beside the
builtin one, against a local server speaking the OpenAI protocol (no model needed).

The script runs as a process, as a user runs it, on a tiny LoCoMo-shaped conversation written
here; the fake model notes each turn's first sentence, so its snapshot must keep the answers
that such sentences hold, and the same judge must read it as it reads the builtin snapshot.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.evals import run_eval
from tests.support.fake_openai import FakeModelServer, Reply, note_taker, running_model_server

FACTS = [
    ("Caroline", "I adopted a grey cat named Pepper last spring. She sleeps all day."),
    ("Melanie", "My sister Lucy moved to Lisbon for a nursing job. We miss her."),
    ("Caroline", "The pottery class meets every Thursday evening downtown. It is fun."),
    ("Melanie", "I ran the Boston marathon in four hours and ten minutes. Exhausting."),
    ("Caroline", "Our book club is reading Middlemarch by George Eliot. Slow going."),
    ("Melanie", "My favourite dish is spicy lentil soup with lemon. Every winter."),
]
QUESTIONS = [
    ("What is the name of Caroline's cat?", "Pepper", "D1:1"),
    ("Where did Lucy move?", "Lisbon", "D1:2"),
    ("Which book is the club reading?", "Middlemarch by George Eliot", "D2:2"),
    ("What is Melanie's favourite dish?", "spicy lentil soup", "D2:3"),
]


def _conversation(folder: Path) -> Path:
    """Two sessions of filler and facts, in LoCoMo's JSON shape."""
    sessions: dict[str, object] = {"speaker_a": "Caroline", "speaker_b": "Melanie"}
    filler = "Anyway, how was your week? Mine was calm, with long walks by the river."
    for number, facts in ((1, FACTS[:3]), (2, FACTS[3:])):
        turns = []
        for k, (speaker, text) in enumerate(facts):
            turns.append({"speaker": speaker, "dia_id": f"D{number}:{k + 1}", "text": text})
        for k in range(8):
            speaker = "Caroline" if k % 2 else "Melanie"
            turns.append({"speaker": speaker, "dia_id": f"D{number}:{k + 10}", "text": filler})
        sessions[f"session_{number}_date_time"] = f"1:56 pm on {number + 7} May, 2023"
        sessions[f"session_{number}"] = turns
    qa = [{"question": q, "answer": a, "evidence": [e], "category": 4} for q, a, e in QUESTIONS]
    path = folder / "conv-99.json"
    path.write_text(json.dumps({**sessions, "qa": qa}))
    return folder


@pytest.fixture
def model() -> Iterator[FakeModelServer]:
    with running_model_server() as fake:
        yield fake


@pytest.mark.slow
def test_the_llm_engine_is_judged_beside_the_builtin_one(
    model: FakeModelServer, tmp_path: Path
) -> None:
    model.responder = note_taker()
    data = _conversation(tmp_path)
    result = run_eval(
        "snapshot_content.py", "--data", str(data), "--seeds", "2", "--parts", "1",
        "--llm-url", model.url, "--llm-model", "fake", "--llm-context", "8192", "--json",
    )  # fmt: skip
    assert result["conversations"] == ["conv-99"]
    methods = result["methods"]
    assert {"snapshot", "llm", "random_turns", "ceiling"} <= set(methods)
    assert methods["ceiling"]["answers"] == 1.0
    run = result["llm"]["conv-99"]
    assert run["engine"] == "llm:fake"
    assert run["failure"] is None
    assert model.requests, "the engine asked the model"
    # the fake model's notes hold each turn's first sentence: the facts fit in the budget
    assert methods["llm"]["answers"] > methods["random_turns"]["answers"]


@pytest.mark.slow
def test_a_failing_model_is_reported_as_a_fallback_and_turns_can_be_cut(
    model: FakeModelServer, tmp_path: Path
) -> None:
    model.responder = lambda body: Reply(status=400)
    data = _conversation(tmp_path)
    result = run_eval(
        "snapshot_content.py", "--data", str(data), "--seeds", "2", "--parts", "1",
        "--turns", "11", "--llm-url", model.url, "--llm-model", "fake", "--json",
    )  # fmt: skip
    run = result["llm"]["conv-99"]
    assert run["engine"] == "builtin (fallback from llm:fake)"
    assert "400" in run["failure"]
    # the first 11 turns are session 1: only its two questions whose evidence lies there
    assert result["methods"]["ceiling"]["answers"] == 1.0
    assert result["questions"]["conv-99"] == 2
