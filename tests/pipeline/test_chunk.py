"""Chunking follows the structure: turns (short ones windowed), headings, whole artifacts."""

from __future__ import annotations

from contextd.domain.enums import ArtifactType
from contextd.pipeline.chunk import (
    chunk_artifacts,
    chunk_document,
    chunk_snapshot,
    chunk_source,
    chunk_turns,
)
from contextd.pipeline.types import ArtifactDraft, Document, Turn


def turn(i: int, text: str, speaker: str = "User") -> Turn:
    return Turn(i, speaker, "user" if speaker == "User" else "assistant", text)


def test_short_turns_are_windowed_and_keep_their_range_and_speakers() -> None:
    turns = [turn(0, "hi"), turn(1, "hello there", "Assistant"), turn(2, "ok")]
    [chunk] = chunk_turns(turns)
    assert (chunk.turn_start, chunk.turn_end) == (0, 2)
    assert chunk.speaker == "User, Assistant"
    assert chunk.text == "User: hi\nAssistant: hello there\nUser: ok"


def test_a_long_turn_is_its_own_chunk_split_on_paragraphs_not_inside_code() -> None:
    code = "```python\n" + "\n\n".join(f"x{i} = {i}" for i in range(200)) + "\n```"
    long_text = "\n\n".join(["word " * 150, code, "tail " * 150])
    chunks = list(chunk_turns([turn(0, "short"), turn(1, long_text, "Assistant"), turn(2, "bye")]))
    assert chunks[0].text == "short" and chunks[-1].text == "bye"
    middle = chunks[1:-1]
    assert len(middle) >= 2
    assert all(c.turn_start == c.turn_end == 1 for c in middle)
    assert any(c.text.startswith("```python") and c.text.endswith("```") for c in middle)


def test_documents_split_on_headings_with_the_heading_path_as_title() -> None:
    text = (
        "# Guide\n\nIntro.\n\n## Install\n\nRun it.\n\n"
        "```bash\n# not a heading\nmake\n```\n\n## Use\n\nCall it."
    )
    chunks = list(chunk_document(Document(text, "markdown", "Guide")))
    assert [(c.title, c.text) for c in chunks] == [
        ("Guide", "Intro."),
        ("Guide > Install", "Run it.\n\n```bash\n# not a heading\nmake\n```"),
        ("Guide > Use", "Call it."),
    ]


def test_code_artifacts_are_whole_and_snapshots_are_sectioned() -> None:
    code = ArtifactDraft(ArtifactType.CODE, "app.py", "def f():\n    return 1\n", "python", (4, 9))
    context = ArtifactDraft(ArtifactType.CONTEXT, "snap", "# x", "markdown")
    [chunk] = chunk_artifacts([code, context])
    assert (chunk.title, chunk.text, chunk.turn_start, chunk.turn_end) == (
        "app.py",
        code.content,
        4,
        9,
    )
    assert chunk.artifact_index == 0
    sections = list(
        chunk_snapshot(
            "# Context snapshot: x\n\n## Goal\n\n- ship [t1]\n\n## Next steps\n\n- test [t2]"
        )
    )
    assert [c.title for c in sections] == [
        "Context snapshot: x > Goal",
        "Context snapshot: x > Next steps",
    ]


def test_chunk_source_prefers_turns() -> None:
    doc = Document("User: a\nAssistant: b", "text")
    assert chunk_source([turn(0, "a")], doc)[0].kind == "turn"
    assert chunk_source([], Document("para one\n\npara two", "text"))[0].kind == "section"
