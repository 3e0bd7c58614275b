"""magika's answer for languages the fitted model cannot name, and magika's label map.

The text model knows only its training classes; for VHDL, Vue, AutoHotkey, PostScript... the
only model that can name the block is magika, whose answer used to be thrown away (Verilog,
Prolog, Pascal, Smali, COBOL, Awk and VB.NET are classes of the model since the thirteenth
pass: it names them without magika). These
tests replace magika with a fake of known probabilities (the rule, not magika, is under test)
and run the real cues and text model.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contextd.pipeline.artifacts import (
    _langid,
    _magika,
    canonical_language,
    charlm,
    identify_language,
    langmodel,
    replay_decision,
)

# VHDL: magika names it, the text model has no class and no cue of ours reads it (CMake,
# the block these tests used first, is named from its own cues since the tenth pass; Verilog,
# the second, is a class of the model since the thirteenth).
VHDL = """\
library ieee;
use ieee.std_logic_1164.all;

entity counter is
  port (clk : in std_logic; q : out std_logic_vector(3 downto 0));
end entity;
"""

VERILOG = """\
module counter(input clk, input rst, output reg [3:0] q);
  always @(posedge clk) begin
    if (rst) q <= 4'b0;
    else q <= q + 1;
  end
endmodule
"""

PROLOG = """\
parent(tom, bob).
parent(bob, ann).
grandparent(X, Z) :- parent(X, Y), parent(Y, Z).
ancestor(X, Y) :- parent(X, Y).
ancestor(X, Y) :- parent(X, Z), ancestor(Z, Y).
"""

PYTHON = """\
import os
import sys


def main(argv):
    for path in argv[1:]:
        with open(path) as handle:
            print(handle.read())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
"""


@pytest.fixture
def fake_magika(monkeypatch: pytest.MonkeyPatch) -> dict[str, float]:
    """magika always asked, answering whatever the test puts in the returned dict."""
    answer: dict[str, float] = {}
    monkeypatch.setattr(_magika, "available", lambda: True)
    monkeypatch.setattr(_langid, "model_scores", lambda sample: dict(answer))
    monkeypatch.setattr(langmodel, "sure_threshold", lambda: 1.01)
    return answer


def test_magika_sure_of_a_language_the_model_cannot_name_is_answered(
    fake_magika: dict[str, float],
) -> None:
    assert "vhdl" not in langmodel.classes()
    fake_magika.update({"vhdl": 0.97, "bash": 0.02})
    assert identify_language(VHDL) == "vhdl"


def test_magika_unsure_of_it_is_not_enough(fake_magika: dict[str, float]) -> None:
    fake_magika.update({"vhdl": _langid.MAGIKA_ONLY_PROBABILITY - 0.05, "bash": 0.04})
    assert identify_language(VHDL) != "vhdl"


def test_languages_only_magika_named_are_named_by_the_model_without_it() -> None:
    # Verilog and Prolog (`.v`, `.pl`: no extension labels them) got classes from trees whose
    # language is given (`train_langid.py --tree-as`): no magika call is needed for them.
    assert {"verilog", "prolog", "pascal", "smali"} <= set(langmodel.classes())
    answers = _langid.identify_languages([VERILOG, PROLOG], model_budget=0)
    assert answers == ["verilog", "prolog"]


def test_a_strong_cue_of_a_language_the_model_knows_vetoes_it_when_a_veto_is_set(
    fake_magika: dict[str, float], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_langid, "MAGIKA_ONLY_RIVAL_CUES", 4.0)
    assert _langid.cue_scores(PYTHON)["python"] >= 4.0  # the premise of the test
    fake_magika.update({"dockerfile": 0.99})
    assert identify_language(PYTHON) == "python"
    monkeypatch.setattr(_langid, "MAGIKA_ONLY_RIVAL_CUES", 1e9)
    assert identify_language(PYTHON) == "dockerfile"


def test_magika_sure_of_a_language_the_model_knows_only_weighs_in(
    fake_magika: dict[str, float],
) -> None:
    # The rule is for languages the model cannot name; for the others magika's probability
    # is added to the text model's (here the text model is sure of Python and stays so).
    fake_magika.update({"ruby": 0.95})
    assert identify_language(PYTHON) == "python"


def test_the_replay_of_the_decision_agrees(fake_magika: dict[str, float]) -> None:
    # evals/langid_errors.py replays the decision from the evidence: it must give the answer
    # identify_languages gives, with the rule and without it.
    for block, answer in ((VHDL, {"vhdl": 0.97}), (VHDL, {"vhdl": 0.5, "c": 0.3})):
        fake_magika.clear()
        fake_magika.update(answer)
        scores = _langid.cue_scores(block)
        ranked = langmodel.with_magika(langmodel.rank(scores, None, block), answer)
        ranked = charlm.with_chars(ranked, block)  # asked with magika, as the product does
        assert replay_decision(block, scores, ranked, answer) == identify_language(block)


def _magika_labels() -> list[str]:
    magika = pytest.importorskip("magika")
    configs = sorted(Path(str(magika.__file__)).parent.glob("models/standard_v*/config.min.json"))
    if not configs:
        pytest.skip("no magika model in this installation")
    return [str(label) for label in json.loads(configs[-1].read_text())["target_labels_space"]]


def test_every_magika_label_maps_to_a_canonical_language_or_to_none() -> None:
    labels = _magika_labels()
    for label in labels:
        language = _langid._MAGIKA_LABELS.get(label, canonical_language(label))
        assert language is None or canonical_language(language) == language, label
    # the labels issue 14 found thrown away, and a binary format that is no language
    mapped = {
        label: _langid._MAGIKA_LABELS.get(label, canonical_language(label)) for label in labels
    }
    assert mapped["lisp"] == "lisp" and mapped["clojure"] == "clojure"
    assert mapped["cs"] == "csharp" and mapped["proto"] == "protobuf"
    assert mapped["matlab"] == "matlab" and mapped["powershell"] == "powershell"
    assert mapped["sqlite"] is None


def test_the_budget_still_bounds_the_blocks_magika_answers(
    fake_magika: dict[str, float],
) -> None:
    # Blocks are served in order: with a budget of one call only the first gets magika's word.
    fake_magika.update({"vhdl": 0.97})
    first, second = _langid.identify_languages([VHDL, VHDL], model_budget=1)
    assert first == "vhdl"
    assert second != "vhdl"
