"""Held-out plumbing of `evals/language_id.py` and `evals/score_heldout.sh`.

A held-out set is only worth something if it is fixed before any figure is seen and if two
checkouts are scored on the very same blocks: `--no-score` must cut and save without calling
`identify_languages`, `--load-pairs` must score exactly the saved blocks, and the shell script
must print one line per saved set for a checkout. Real files in a temporary folder.
"""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parents[2]
EVALS = ROOT / "evals"

PY_BLOCK = "import os\nfor i in range({n}):\n    print(os.getcwd(), i)"
JSON_BLOCK = '{{\n  "a": {n},\n  "b": [1, 2]\n}}'


def _evals(name: str) -> ModuleType:
    if str(EVALS) not in sys.path:
        sys.path.insert(0, str(EVALS))
    return importlib.import_module(name)


def _language_id() -> ModuleType:
    return _evals("language_id")


def _score_heldout(folder: Path, **env: str) -> tuple[list[list[str]], str]:
    """`score_heldout.sh` on this checkout and `folder`: (set, system) of each line, stderr."""
    done = subprocess.run(
        ["bash", str(EVALS / "score_heldout.sh"), str(ROOT), str(folder)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHON": sys.executable, **env},
        check=True,
    )
    systems = [line.split()[:2] for line in done.stdout.splitlines() if "accuracy" in line]
    return systems, done.stderr


def _corpus(root: Path) -> Path:
    """Two repositories' Markdown: 12 Python and 8 JSON fences, short fences, prose fences."""
    docs = root / "docs"
    for repo, languages in (("a+one", ("python", "json")), ("b+two", ("python",))):
        folder = docs / repo
        folder.mkdir(parents=True)
        for index in range(8 if repo == "a+one" else 4):
            parts = [f"# page {index}\n"]
            for language in languages:
                template = PY_BLOCK if language == "python" else JSON_BLOCK
                n = index + (100 if repo == "b+two" else 0)
                parts.append(f"```{language}\n{template.format(n=n)}\n```\n")
            parts.append("```python\nx = 1\n```\n")  # under 3 lines: not a block
            parts.append("```text\nnot\ncode\nat all\n```\n")
            (folder / f"page{index}.md").write_text("\n".join(parts))
    return docs


def test_no_score_saves_the_cut_without_identifying(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    language_id = _language_id()

    def refuse(blocks: Sequence[str]) -> list[str | None]:
        raise AssertionError("a set being fixed must not be scored")

    monkeypatch.setattr(language_id, "identify_languages", refuse)
    docs = _corpus(tmp_path)
    pairs_path = tmp_path / "pairs.json"
    cut = ["--per-file", "3", "--per-source", "15", "--per-language", "40"]
    status = language_id.main(
        [
            *("--kind", "docs", *cut, "--corpus"),
            *(str(p) for p in sorted(docs.iterdir())),
            *("--save-pairs", str(pairs_path), "--no-baselines", "--no-score"),
        ]
    )
    out = capsys.readouterr().out
    assert status == 0
    assert "20 blocks, 2 languages" in out
    assert "json 8, python 12" in out
    pairs = json.loads(pairs_path.read_text())
    assert sorted(block for language, block in pairs if language == "python") == sorted(
        PY_BLOCK.format(n=n) for n in [*range(8), 100, 101, 102, 103]
    )
    assert sorted(block for language, block in pairs if language == "json") == sorted(
        JSON_BLOCK.format(n=n) for n in range(8)
    )


def test_load_pairs_scores_exactly_the_saved_blocks(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    language_id = _language_id()
    pairs = [("python", PY_BLOCK.format(n=n)) for n in range(8)]
    pairs += [("json", JSON_BLOCK.format(n=n)) for n in range(8)]
    pairs_path = tmp_path / "pairs.json"
    pairs_path.write_text(json.dumps(pairs))
    seen: list[str] = []

    def always_python(blocks: Sequence[str]) -> list[str | None]:
        seen.extend(blocks)
        return ["python"] * len(blocks)

    monkeypatch.setattr(language_id, "identify_languages", always_python)
    status = language_id.main(
        ["--kind", "docs", "--load-pairs", str(pairs_path), "--no-baselines", "--json"]
    )
    out = capsys.readouterr().out
    assert status == 0
    assert seen == [block for _, block in pairs]
    (result,) = json.loads(out[out.index("[") :])
    assert result["accuracy"] == 0.5
    assert result["per_language"] == {"json": [0, 8], "python": [8, 8]}


def test_score_heldout_prints_one_line_per_saved_set(tmp_path: Path) -> None:
    pairs = [("python", PY_BLOCK.format(n=n)) for n in range(8)]
    pairs += [("json", JSON_BLOCK.format(n=n)) for n in range(8)]
    (tmp_path / "docs.json").write_text(json.dumps(pairs))
    (tmp_path / "rosetta.json").write_text(json.dumps(pairs[:8]))
    done = subprocess.run(
        ["bash", str(EVALS / "score_heldout.sh"), str(ROOT), str(tmp_path)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHON": sys.executable},
        check=True,
    )
    lines = [line.split() for line in done.stdout.splitlines()]
    scored = {words[0]: words for words in lines if "accuracy" in words}
    assert sorted(scored) == ["docs", "rosetta"]
    assert scored["docs"][1:7] == ["contextd", "16", "blocks", "2", "languages", "accuracy"]
    assert scored["rosetta"][2] == "8"
    assert "fresh2: no" in done.stderr and "fresh: no" in done.stderr


@pytest.mark.parametrize(
    "args",
    [["CHECKOUT_IS_TMP", "PAIRS_ARE_TMP"], ["ROOT"], ["ROOT", "NO_SUCH_DIR"]],
    ids=["no package", "no pairs folder", "missing pairs folder"],
)
def test_score_heldout_refuses_bad_arguments(tmp_path: Path, args: list[str]) -> None:
    given = {
        "CHECKOUT_IS_TMP": str(tmp_path),
        "PAIRS_ARE_TMP": str(tmp_path),
        "ROOT": str(ROOT),
        "NO_SUCH_DIR": str(tmp_path / "missing"),
    }
    done = subprocess.run(
        ["bash", str(EVALS / "score_heldout.sh"), *(given[a] for a in args)],
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "usage" in done.stderr


DOCUMENT = """---
title: notes
---
# Setup

Put this in `app.py`:

```python
print(1)
```
```json
{"a": 1}
```
Then run it:
   
~~~bash
python app.py
~~~
"""


def test_the_prose_before_each_fence_and_its_intro() -> None:
    walk = _evals("fence_walk")
    found = list(walk.fences_with_before(DOCUMENT))
    assert [(line, info, body) for line, info, body, _ in found] == list(walk.fences(DOCUMENT))
    befores = [before for *_, before in found]
    assert befores == [
        "---\ntitle: notes\n---\n# Setup\n\nPut this in `app.py`:\n",
        "",  # right after another fence: no prose of its own
        "Then run it:\n   ",
    ]
    assert [walk.intro_of(b) for b in befores] == [
        "Put this in `app.py`:",
        None,
        "Then run it:",
    ]
    long = "word " * 300 + "\nSave it as `main.go`:\n```go\npackage main\n```\n"
    ((_, _, _, before),) = walk.fences_with_before(long)
    assert len(before) == 600 and before.endswith("`main.go`:")
    assert walk.intro_of(before) == "Save it as `main.go`:"
    assert walk.intro_of(None) is None


def test_save_pairs_writes_an_aligned_sidecar_read_by_with_context(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    language_id = _language_id()
    docs = _corpus(tmp_path)
    pairs_path = tmp_path / "docs.json"
    cut = ["--per-file", "3", "--per-source", "15", "--per-language", "40"]
    status = language_id.main(
        [
            *("--kind", "docs", *cut, "--corpus"),
            *(str(p) for p in sorted(docs.iterdir())),
            *("--save-pairs", str(pairs_path), "--no-baselines", "--no-score"),
        ]
    )
    assert status == 0
    pairs = json.loads(pairs_path.read_text())
    befores = json.loads((tmp_path / "docs.before.json").read_text())
    assert len(befores) == len(pairs) == 20
    for (language, _), before in zip(pairs, befores, strict=True):
        # each page: a heading, then a Python fence, then a JSON fence right after it
        expected = None if language == "json" else before.strip()
        assert language_id.intro_of(before) == expected
        assert language == "json" or before.startswith("# page ")
    capsys.readouterr()
    seen: list[list[str | None] | None] = []
    seen_contexts: list[list[str | None] | None] = []

    def python_if_introduced(
        blocks: Sequence[str],
        intros: Sequence[str | None] | None = None,
        contexts: Sequence[str | None] | None = None,
    ) -> list[str | None]:
        seen.append(None if intros is None else list(intros))
        seen_contexts.append(None if contexts is None else list(contexts))
        if intros is None:
            return ["python"] * len(blocks)
        return ["python" if intro else "json" for intro in intros]

    monkeypatch.setattr(language_id, "identify_languages", python_if_introduced)
    status = language_id.main(
        ["--kind", "docs", "--load-pairs", str(pairs_path), "--no-baselines", "--with-context"]
    )
    out = capsys.readouterr().out
    assert status == 0
    assert seen == [[language_id.intro_of(b) for b in befores], None]  # context, block-only
    # the mention rule reads the prose as the pipeline passes it: stripped, its last characters
    assert seen_contexts == [[language_id.context_of(b) for b in befores], None]
    assert "contextd+context: accuracy 1.0" in out and "contextd: accuracy 0.6" in out
    assert "has an intro 12" in out and "answer changed by context 8" in out
    assert "changed: now right 8" in out


def test_cut_code_gets_no_sidecar_and_context_needs_one(tmp_path: Path) -> None:
    language_id = _language_id()
    for index in range(8):
        body = "\n".join(f"print({index}, {n})" for n in range(6))
        (tmp_path / f"task{index}.md").write_text(
            f"=={{{{header|Python}}}}==\n```python\n{body}\n```\n"
        )
    pairs_path = tmp_path / "out" / "rosetta.json"
    pairs_path.parent.mkdir()
    argv = ["--kind", "fences", "--corpus", str(tmp_path), "--per-file", "1"]
    assert language_id.main([*argv, "--save-pairs", str(pairs_path), "--no-score"]) == 0
    assert sorted(p.name for p in pairs_path.parent.iterdir()) == ["rosetta.json"]
    with pytest.raises(FileNotFoundError):
        language_id.main(["--kind", "docs", "--load-pairs", str(pairs_path), "--with-context"])


def test_score_heldout_with_context_scores_both_and_says_which_set_has_none(
    tmp_path: Path,
) -> None:
    pairs = [("python", PY_BLOCK.format(n=n)) for n in range(8)]
    (tmp_path / "docs.json").write_text(json.dumps(pairs))
    (tmp_path / "docs.before.json").write_text(json.dumps(["Save it as `run.py`:\n"] * 8))
    (tmp_path / "rosetta.json").write_text(json.dumps(pairs))
    systems, stderr = _score_heldout(tmp_path, CONTEXT="1")
    assert systems == [["docs", "contextd+context"], ["docs", "contextd"], ["rosetta", "contextd"]]
    assert "rosetta: no rosetta.before.json, scored without context" in stderr


def test_context_counts_say_what_the_intros_offer() -> None:
    language_id = _language_id()
    pairs = [
        ("python", "x = 1\ny = 2\nprint(x)"),
        ("r", "d <- read.csv('data.csv')\nsummary(d)\nplot(d)"),
        ("go", "package main\nfunc main() {}\n// end"),
        ("json", '{\n"a": 1\n}'),
    ]
    intros = [
        "Save this Python code as `app.py`:",
        "Read `data.csv`:",
        "Let's go on: make sure it builds.",  # English words, no language named
        None,
    ]
    counts = language_id.context_counts(
        pairs, intros, ["python", None, "go", "json"], ["python", "r", "go", "json"]
    )
    assert counts["blocks"] == 4 and counts["has an intro"] == 3
    assert counts["intro names a file"] == 2  # app.py, data.csv
    assert counts["intro names a file of the block's language"] == 1
    assert counts["intro names a language"] == 1
    assert counts["intro names the block's language and no other"] == 1
    assert counts["answer changed by context"] == 1 and counts["changed: was right"] == 1
    assert counts["changed r: r -> none"] == 1


def test_save_documents_keeps_the_pairs_and_records_each_blocks_document(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    language_id = _language_id()
    docs = _corpus(tmp_path)
    cut = ["--kind", "docs", "--per-file", "3", "--per-source", "15", "--per-language", "40"]
    corpora = ["--corpus", *(str(p) for p in sorted(docs.iterdir()))]
    plain, with_documents = tmp_path / "plain" / "docs.json", tmp_path / "docs.json"
    plain.parent.mkdir()
    for path, more in ((plain, []), (with_documents, ["--save-documents"])):
        argv = [*cut, *corpora, "--save-pairs", str(path), "--no-score", *more]
        assert language_id.main(argv) == 0
    assert with_documents.read_bytes() == plain.read_bytes()  # the same blocks, same sha256
    assert not (plain.parent / "docs.document.json").exists()
    pairs = json.loads(with_documents.read_text())
    documents = json.loads((tmp_path / "docs.document.json").read_text())
    assert len(documents) == len(pairs) == 20
    for (language, block), document in zip(pairs, documents, strict=True):
        # every fence of the page with a body, in order: the block's own, the short Python
        # fence and the text fence, which are not blocks but are neighbours all the same
        bodies = [body for body, _ in document["fences"]]
        assert len(bodies) in (3, 4)  # a+one's pages have a JSON fence too
        assert bodies[document["at"]] == block
        assert bodies[-2:] == ["x = 1", "not\ncode\nat all"]
        assert language == ("json" if document["at"] == 1 else "python")
    capsys.readouterr()
    argv = ["--kind", "docs", "--load-pairs", str(with_documents), "--no-baselines"]
    assert language_id.main([*argv, "--with-document", "--json"]) == 0
    results = json.loads(capsys.readouterr().out.split("\n", 1)[1])
    assert [r["system"] for r in results] == ["contextd+document", "contextd"]
    assert all(r["accuracy"] == 1.0 for r in results)
    with pytest.raises(SystemExit):  # the sidecar is written at the cut, from the corpus
        language_id.main([*argv, "--save-pairs", str(tmp_path / "x.json"), "--save-documents"])


def test_score_heldout_with_document_names_which_set_has_none(tmp_path: Path) -> None:
    pairs = [("python", PY_BLOCK.format(n=n)) for n in range(8)]
    (tmp_path / "docs.json").write_text(json.dumps(pairs))
    install = ["pip install x", "Install it:\n"]
    documents = [{"fences": [[block, "Prose.\n"], install], "at": 0} for _, block in pairs]
    (tmp_path / "docs.document.json").write_text(json.dumps(documents))
    (tmp_path / "rosetta.json").write_text(json.dumps(pairs))
    systems, stderr = _score_heldout(tmp_path, DOCUMENT="1")
    assert systems == [["docs", "contextd+document"], ["docs", "contextd"], ["rosetta", "contextd"]]
    assert "rosetta: no rosetta.document.json, scored without its document" in stderr


def test_guesslang_labels_are_contextd_names() -> None:
    guesslang = _evals("guesslang")
    language_id = _language_id()
    for label, language in guesslang.LABELS.items():
        assert language_id.fold(language) == language, label


def test_guesslang_names_blocks_when_node_and_the_package_are_there(tmp_path: Path) -> None:
    package = os.environ.get("CONTEXTD_GUESSLANG")
    if not package or not Path(package, "dist", "lib", "index.js").exists():
        pytest.skip("guesslang is installed by hand (evals/guesslang.py); CONTEXTD_GUESSLANG unset")
    guesslang = _evals("guesslang")
    rust = 'fn main() {\n    let x = 5;\n    println!("{}", x);\n}'
    assert guesslang.guesslang_languages([rust, ""], Path(package)) == ["rust", None]
