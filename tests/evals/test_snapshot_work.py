"""The work-chat evaluation (`evals/snapshot_work.py`) and the judge it shares with LoCoMo's.

`evals/` is a folder of scripts, not a package, so its modules are imported from their folder
here, and the script itself is run as a process on a tiny chat written for the tests
(`tests/fixtures/work_chats/`): the loader must read the chat and its questions, the judge
must keep an answer only when one line holds it, and the report must give every method's
figures at the asked ratio.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.support.evals import run_eval

ROOT = Path(__file__).resolve().parents[2]
EVALS = ROOT / "evals"
FIXTURE = ROOT / "tests" / "fixtures" / "work_chats"


def _module(name: str) -> ModuleType:
    if str(EVALS) not in sys.path:
        sys.path.insert(0, str(EVALS))
    return importlib.import_module(name)


def test_the_loader_reads_the_turns_with_roles_and_the_questions() -> None:
    work = _module("snapshot_work")
    (chat,) = work.load_chats(FIXTURE)
    assert chat.name == "tiny-chat"
    assert len(chat.turns) == 12
    assert [t.role for t in chat.turns[:2]] == ["user", "assistant"]
    assert [t.index for t in chat.turns] == list(range(12))
    assert len(chat.questions) == 5
    assert chat.questions[1].evidence == (4,)
    assert chat.questions[1].category == 2
    assert work.load_chats(FIXTURE, only="another-chat") == []
    assert work.load_chats(FIXTURE / "missing") == []


def test_the_loader_refuses_evidence_outside_the_chat(tmp_path: Path) -> None:
    (tmp_path / "tiny-chat.json").write_text((FIXTURE / "tiny-chat.json").read_text())
    questions = json.loads((FIXTURE / "questions.json").read_text())
    questions["chats"]["tiny-chat"][0]["evidence"] = [12]
    (tmp_path / "questions.json").write_text(json.dumps(questions))
    with pytest.raises(ValueError, match="outside 12 turns"):
        _module("snapshot_work").load_chats(tmp_path)


def test_the_judge_keeps_an_answer_only_when_one_line_holds_it() -> None:
    judge_module = _module("_judge")
    (chat,) = _module("snapshot_work").load_chats(FIXTURE)
    judge = judge_module.Judge(chat.turns, chat.questions)
    assert judge.unjudged == 1  # "Yes" has no content word
    whole = judge.score(["Developer: the runner has no Apple Books database at all"])
    assert whole.answers == {1: 0.0, 2: 0.0, 3: 1.0, 4: 0.0}
    split = judge.score(["the runner is slow", "no Apple Books here", "a database"])
    assert split.answers[3] == 0.0
    # the stricter judge asks for the subject too: "test" or "fail" beside the answer
    assert whole.anchored[3] == 0.0
    anchored = judge.score(["the test failed: the runner has no Apple Books database"])
    assert anchored.anchored[3] == 1.0
    # an evidence turn is kept by half its content words in one line
    evidence = judge.score(["Use click for the command line; the project depends on click."])
    assert evidence.evidence[1] == 1.0
    assert evidence.answers[1] == 0.0  # the answer "click, not argparse" needs both words


def test_lines_that_lean_on_the_chat_do_not_stand_alone() -> None:
    judge_module = _module("_judge")
    assert not judge_module.stands_alone("It works now.")
    assert not judge_module.stands_alone("OK.")
    assert judge_module.stands_alone("The CLI reads reading progress from the BKLibrary database.")
    assert judge_module.snapshot_lines("# Title\n- Assistant: a line [t3, t4]\n") == [
        "Assistant: a line"
    ]


@pytest.mark.slow
def test_the_evaluation_reports_every_method_at_the_asked_ratio() -> None:
    result = run_eval(
        "snapshot_work.py",
        "--data",
        str(FIXTURE),
        "--ratios",
        "2",
        "--seeds",
        "2",
        "--json",
    )
    assert result["chats"] == ["tiny-chat"]
    figures = result["ratios"]["2"]
    methods = figures["methods"]
    assert set(methods) == {
        "snapshot",
        "random_turns",
        "first_last",
        "random_sentences",
        "ceiling",
    }
    assert methods["ceiling"]["answers"] == 1.0  # every answer is in a turn
    for values in methods.values():
        for key in ("answers", "anchored", "evidence", "not_standalone"):
            assert 0.0 <= values[key] <= 1.0
    assert figures["strongest_baseline"] in ("random_turns", "first_last", "random_sentences")
    assert figures["of_ceiling"] == methods["snapshot"]["answers"]
