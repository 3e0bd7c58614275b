"""The character n-gram model: a second opinion where the text model is unsure (`charlm`)."""

from __future__ import annotations

import fnmatch
import tomllib
from pathlib import Path

import pytest

from contextd.pipeline.artifacts import charlm, identify_language

RUST = """fn main() {
    let mut total = 0;
    for value in values.iter() {
        total += *value;
    }
    println!("{}", total);
}"""

KOTLIN = """fun greet(name: String): String {
    val message = "Hello, $name!"
    println(message)
    return message
}"""

# The end of a Java class: the text model and magika read it as C#; the order of its
# characters is Java's.
JAVA_END = """    }
    public int size() { return 10; }
}"""


def test_the_shipped_table_has_the_text_models_languages() -> None:
    assert charlm.available()
    scores = charlm.mean_log_probabilities(RUST, ["rust", "python", "no-such-language"])
    assert set(scores) == {"rust", "python"}  # a language the table lacks is not scored
    assert scores["rust"] > scores["python"]
    assert all(score < 0 for score in scores.values())  # mean log-probabilities a character


def test_each_language_prefers_its_own_code() -> None:
    scores = charlm.mean_log_probabilities(KOTLIN, ["kotlin", "swift", "scala", "java"])
    assert max(scores, key=lambda k: scores[k]) == "kotlin"


def test_with_chars_moves_the_candidate_whose_characters_fit() -> None:
    ranked = [("swift", 0.5), ("kotlin", 0.45), ("python", 0.05)]
    assert charlm.with_chars(ranked, KOTLIN)[0][0] == "kotlin"
    # probabilities again, summing to one, every language kept
    combined = charlm.with_chars(ranked, KOTLIN)
    assert {k for k, _ in combined} == {"swift", "kotlin", "python"}
    assert sum(p for _, p in combined) == pytest.approx(1.0)


def test_languages_past_the_candidates_fall_behind(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(charlm, "CANDIDATES", 1)
    ranked = [("python", 0.5), ("rust", 0.5)]
    # only Python is scored: Rust, not scored, is `_FAR` nats a character behind
    assert charlm.with_chars(ranked, RUST)[0][0] == "python"
    monkeypatch.setattr(charlm, "CANDIDATES", 0)  # nothing scored: the ranking unchanged
    assert charlm.with_chars(ranked, RUST) == ranked


def test_the_product_asks_it_where_the_text_model_is_unsure(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert identify_language(JAVA_END) == "java"
    monkeypatch.setattr(charlm, "CANDIDATES", 0)
    assert identify_language(JAVA_END) == "csharp"  # without it


def test_a_built_table_looks_up_its_own_grams_and_no_other() -> None:
    grams = {"a\tb": {1: 10}, "x\ny": {1: 11}, "\\d": {0: 12}, "\x02\x02\x02i": {0: 13, 1: 3}}
    settings = {"order": 4, "backoff": -2.0, "floor": -5.3, "scale": 0.1}
    table = charlm.load(charlm.build(grams, ["go", "rust"], settings))
    rows = charlm.lookup(table, [*grams, "never"])
    assert [list(table.values[row]) for row in rows] == [
        [charlm._UNSEEN, 10], [charlm._UNSEEN, 11], [12, charlm._UNSEEN], [13, 3],
        [charlm._UNSEEN, charlm._UNSEEN],  # not in the table
    ]  # fmt: skip
    assert table.languages == {"go": 0, "rust": 1} and table.order == 4


def test_the_table_is_package_data() -> None:
    # a wheel without it would run with no second opinion (`available()` False), silently
    config = tomllib.loads((Path(__file__).parents[3] / "pyproject.toml").read_text())
    patterns = config["tool"]["setuptools"]["package-data"]["contextd"]
    shipped = f"pipeline/artifacts/{charlm.FILE}"
    assert any(fnmatch.fnmatch(shipped, pattern) for pattern in patterns)
