"""`contextd.extract()`: the library entry point on bytes, paths and URLs, and its typed results."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import contextd
from contextd.config import Settings
from contextd.extraction import (
    PARTS,
    ExtractedTurn,
    ExtractError,
    Extractor,
    Link,
    extract,
    links_of,
)
from contextd.pipeline.types import Document
from tests.support.factories import chatgpt_export, transcript
from tests.support.pages import PageServer

CODE = "SELECT id, body\n  FROM notes\n WHERE body LIKE '%todo%';"
NOTES = f"# Queries\n\nThe one that finds open items:\n\n```sql\n{CODE}\n```\n"


def test_bytes_give_typed_turns_and_artifacts() -> None:
    result = extract(chatgpt_export(turns=4).encode(), parts=("turns", "artifacts"))

    assert result.input == "-"
    assert result.format == "chatgpt"
    assert result.title == "Export test"
    assert result.turns == (
        ExtractedTurn(0, result.turns[0].speaker, "user", "message 0 from user"),
        ExtractedTurn(1, result.turns[1].speaker, "assistant", "message 1 from assistant"),
        ExtractedTurn(2, result.turns[2].speaker, "user", "message 2 from user"),
        ExtractedTurn(3, result.turns[3].speaker, "assistant", result.turns[3].text),
    )
    assert result.turns[3].text.startswith("message 3 from assistant\n\n```sql\n")
    assert result.artifacts is not None
    sql = [a for a in result.artifacts if a.language == "sql"]
    assert [(a.turns, a.content) for a in sql] == [
        ((3,), "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);")
    ]
    assert result.text == "" and result.snapshot is None  # not asked for


def test_a_path_keeps_its_code_byte_for_byte(tmp_path: Path) -> None:
    path = tmp_path / "queries.md"
    path.write_text(NOTES)

    result = extract(path, parts=("text", "artifacts"))

    assert result.input == str(path)
    assert (result.format, result.title, result.text) == ("markdown", "Queries", NOTES)
    assert result.artifacts is not None
    assert [(a.language, a.content) for a in result.artifacts] == [("sql", CODE)]
    assert result.to_json()["artifacts"] == [
        {
            "type": "CODE",
            "language": "sql",
            "title": result.artifacts[0].title,
            "content": CODE,
            "turns": [],
        }
    ]


def test_to_json_holds_the_parts_asked_for_and_no_error() -> None:
    said = transcript(turns=6).encode()

    every = extract(said, parts=PARTS, budget=80).to_json()
    turns = extract(said, parts="turns").to_json()

    assert list(every) == [
        "input", "format", "title", "text", "links", "turns", "artifacts", "snapshot", "error"
    ]  # fmt: skip
    assert every["error"] is None
    assert every["snapshot"]["budget"] == 80
    assert list(turns) == ["input", "format", "title", "turns", "error"]


def test_the_snapshot_is_titled_with_the_file_name_when_the_text_has_no_title(
    tmp_path: Path,
) -> None:
    path = tmp_path / "planning.txt"
    path.write_text(transcript(turns=30))

    result = extract(path, parts=("snapshot",), budget=200)

    assert result.snapshot is not None
    assert result.snapshot.content.startswith("# Context snapshot: planning.txt\n")
    assert result.snapshot.budget == 200
    assert result.snapshot.tokens_before > 200 >= result.snapshot.tokens_after


def test_one_extractor_serves_many_inputs_and_a_bad_one_raises_typed(tmp_path: Path) -> None:
    extractor = Extractor(parts=("text",), settings=Settings())
    garbage = tmp_path / "image.png"
    garbage.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200))

    texts = [extractor(f"User: {i}\nAssistant: ok\n".encode()).text for i in range(3)]
    with pytest.raises(ExtractError) as bad:
        extractor(garbage)
    with pytest.raises(ExtractError) as missing:
        extractor(tmp_path / "absent.md")
    with pytest.raises(ExtractError) as folder:
        extractor(tmp_path)
    with pytest.raises(ExtractError) as scheme:
        extractor("ftp://example.org/file.txt")

    assert texts == [f"User: {i}\nAssistant: ok\n" for i in range(3)]
    assert bad.value.input == str(garbage) and "PNG" in bad.value.message
    assert missing.value.to_json() == {
        "input": str(tmp_path / "absent.md"),
        "error": missing.value.message,
    }
    assert "folder" in folder.value.message
    assert "http" in scheme.value.message


def test_urls_follow_the_operators_network_policy(pages: PageServer) -> None:
    url = pages.add("/library/notes", NOTES, content_type="text/markdown")

    with pytest.raises(ExtractError) as refused:
        extract(url, parts=("text",), settings=Settings(allow_private_urls=False))
    allowed = extract(url, parts=("text",), settings=Settings(allowed_networks=["127.0.0.2/32"]))

    assert "not allowed" in refused.value.message
    assert allowed.text == NOTES


@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        ({"parts": ("text", "summary")}, "parts"),
        ({"parts": ()}, "parts"),
        ({"ratio": 2.0, "budget": 100}, "not both"),
        ({"ratio": 0.0}, "ratio"),
        ({"budget": 0}, "budget"),
    ],
)
def test_invalid_options_are_refused_before_any_work(
    options: dict[str, object], complaint: str
) -> None:
    with pytest.raises(ValueError, match=complaint):
        Extractor(settings=Settings(), **options)  # type: ignore[arg-type]


def test_links_come_from_the_documents_metadata_when_a_converter_records_them() -> None:
    meta: dict[str, object] = {
        "links": [
            {"url": "https://example.org/a", "text": "A"},
            {"url": "https://example.org/b"},
            {"text": "no target"},
            "not a link",
        ]
    }

    found = links_of(Document(text="", format="html", meta=meta))

    assert found == (Link("https://example.org/a", "A"), Link("https://example.org/b", ""))
    assert links_of(Document(text="", format="html")) == ()


def test_the_package_exports_extract_lazily() -> None:
    code = (
        "import sys, contextd\n"
        "before = sorted(m for m in sys.modules if m.startswith('contextd.'))\n"
        "contextd.extract\n"
        "print(before, 'contextd.extraction' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout

    assert out.strip() == "[] True"
    assert contextd.extract is extract
    assert contextd.ExtractError is ExtractError
    with pytest.raises(AttributeError):
        _ = contextd.no_such_name
