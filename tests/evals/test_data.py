"""The shared write-or-check loop of the data-set builders (`evals/_data.py`).

A builder's `--check` must fail when the committed copy differs from what its rules give today,
or is missing, and must write nothing; without `--check` it writes the files it then accepts.
Checked on real files in a temporary folder.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

import pytest

EVALS = Path(__file__).resolve().parents[2] / "evals"


def _write_or_check(
    folder: Path, files: dict[str, object], *, check: bool, capsys: pytest.CaptureFixture[str]
) -> tuple[int, list[str]]:
    if str(EVALS) not in sys.path:
        sys.path.insert(0, str(EVALS))
    data = importlib.import_module("_data")
    status: int = data.write_or_check(folder, files, check=check, described=lambda d: "built")
    return status, capsys.readouterr().out.splitlines()


def test_written_files_then_check_as_the_same(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files: dict[str, object] = {"a.json": {"turns": ["héllo"]}, "b.json": {"chats": {}}}
    folder = tmp_path / "set"
    assert _write_or_check(folder, files, check=False, capsys=capsys) == (
        0,
        ["a.json: built", "b.json: built"],
    )
    assert (folder / "a.json").read_text() == '{\n "turns": [\n  "héllo"\n ]\n}\n'
    assert _write_or_check(folder, files, check=True, capsys=capsys) == (
        0,
        ["a.json: same", "b.json: same"],
    )


def test_check_fails_on_a_changed_or_missing_file_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "a.json").write_text('{\n "turns": []\n}\n')
    files: dict[str, object] = {"a.json": {"turns": [1]}, "b.json": {}}
    assert _write_or_check(tmp_path, files, check=True, capsys=capsys) == (
        1,
        ["a.json: DIFFERS", "b.json: DIFFERS"],
    )
    assert (tmp_path / "a.json").read_text() == '{\n "turns": []\n}\n'
    assert not (tmp_path / "b.json").exists()
