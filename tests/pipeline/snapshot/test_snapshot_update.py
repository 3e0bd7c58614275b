"""Fast-forwarding a snapshot with appended turns, without reading the old turns again."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest

from contextd.pipeline.artifacts import extract_artifacts
from contextd.pipeline.snapshot import Sentence, build_snapshot, split_sentences, update_snapshot
from contextd.pipeline.types import Document, SnapshotDraft, Turn
from contextd.testing import FakeEmbedder as HashingEmbedder
from tests.support.conversations import CITATION, chat, conversation, section

FAKE = HashingEmbedder()
DOCUMENT = Document(text="", format="chatgpt", title="Task tracker API")


def build(turns: list[Turn]) -> SnapshotDraft:
    return build_snapshot(turns, DOCUMENT, extract_artifacts(DOCUMENT, turns), embedder=FAKE)


def stored(draft: SnapshotDraft) -> SnapshotDraft:
    """What a caller rebuilds from the database: the Markdown and the token counts only."""
    return SnapshotDraft(
        markdown=draft.markdown,
        tokens_before=draft.tokens_before,
        tokens_after=draft.tokens_after,
        tokenizer=draft.tokenizer,
        budget=draft.budget,
    )


@pytest.fixture(scope="module")
def turns() -> list[Turn]:
    return conversation()


@pytest.fixture(scope="module")
def forwarded(turns: list[Turn]) -> SnapshotDraft:
    previous = build(turns[:150])
    return update_snapshot(
        stored(previous), turns[150:], DOCUMENT, extract_artifacts(DOCUMENT, turns), embedder=FAKE
    )


def test_the_accounting_matches_a_full_rebuild(turns: list[Turn], forwarded: SnapshotDraft) -> None:
    full = build(turns)
    # Counting the new turns apart can differ by a token where the join merges into one.
    assert abs(forwarded.tokens_before - full.tokens_before) <= 1
    assert forwarded.budget == forwarded.tokens_before // 4
    assert 0 < forwarded.tokens_after <= forwarded.budget
    assert forwarded.engine == "builtin"


def test_old_lines_are_kept_and_new_ones_added(forwarded: SnapshotDraft) -> None:
    markdown = forwarded.markdown
    assert "I'm building a task tracking API with FastAPI" in section(markdown, "## Goal")
    assert "It must run offline on our internal network. [t0]" in markdown
    assert "TODO: document the DATABASE_URL variable in the README. [t198]" in section(
        markdown, "## Next steps"
    )
    assert "background queue, or is a cron job enough? [t199]" in section(
        markdown, "## Open questions"
    )
    assert "- alembic upgrade head (command, bash) [t151]" in section(markdown, "## Artifacts")


def test_new_content_supersedes_old_lines(turns: list[Turn], forwarded: SnapshotDraft) -> None:
    previous = build(turns[:150])
    assert "Let's use SQLite" in previous.markdown
    assert "Let's use SQLite" not in forwarded.markdown
    decisions = section(forwarded.markdown, "## Decisions")
    assert "switch the database to PostgreSQL instead of SQLite" in decisions


def test_every_line_cites_turns_and_the_index_lists_them(forwarded: SnapshotDraft) -> None:
    cited: set[int] = set()
    for line in forwarded.markdown.splitlines():
        if line.startswith("- "):
            match = CITATION.search(line)
            assert match, line
            cited.update(int(ref[1:]) for ref in match.group(1).split(", "))
    assert forwarded.turn_indexes == tuple(sorted(cited))
    assert any(i >= 150 for i in cited) and any(i < 150 for i in cited)


def test_only_the_new_turns_are_read(turns: list[Turn], monkeypatch: pytest.MonkeyPatch) -> None:
    previous = build(turns[:150])
    read: list[str] = []

    def counting(text: str) -> Iterator[Sentence]:
        read.append(text)
        return split_sentences(text)

    monkeypatch.setattr("contextd.pipeline.snapshot._candidates.split_sentences", counting)
    update_snapshot(previous, turns[150:], DOCUMENT, [], embedder=FAKE)
    assert read == [turn.text for turn in turns[150:]]


def test_an_answered_question_leaves_the_open_questions() -> None:
    asked = [
        *conversation(20),
        Turn(20, "User", "user", "Should the backups be encrypted with age or with GPG?"),
    ]
    previous = build(asked)
    assert "age or with GPG? [t20]" in section(previous.markdown, "## Open questions")
    answer = Turn(
        21, "Assistant", "assistant", "Let's encrypt the backups with age: it is simpler than GPG."
    )
    forwarded = update_snapshot(previous, [answer], DOCUMENT, [], embedder=FAKE)
    assert "age or with GPG?" not in forwarded.markdown
    assert "encrypt the backups with age" in section(forwarded.markdown, "## Decisions")
    assert "I'm building a task tracking API" in forwarded.markdown


def test_an_explicit_budget_is_respected(turns: list[Turn]) -> None:
    previous = build(turns[:150])
    result = update_snapshot(previous, turns[150:], DOCUMENT, [], budget_tokens=300, embedder=FAKE)
    assert result.budget == 300 and result.tokens_after <= 300


def test_without_new_turns_the_snapshot_is_kept(turns: list[Turn]) -> None:
    previous = build(turns[:60])
    artifacts = extract_artifacts(DOCUMENT, turns[:60])
    again = update_snapshot(stored(previous), [], DOCUMENT, artifacts, embedder=FAKE)
    assert again.tokens_before == previous.tokens_before
    assert again.markdown == previous.markdown


def test_an_empty_previous_snapshot_is_a_first_build(turns: list[Turn]) -> None:
    empty = build_snapshot([], Document(text="", format="text"), [])
    forwarded = update_snapshot(empty, turns[:40], DOCUMENT, [], embedder=FAKE)
    assert forwarded == build_snapshot(turns[:40], DOCUMENT, [], embedder=FAKE)


def test_a_document_snapshot_cannot_be_merged() -> None:
    text = "We decided to keep blobs on disk.\n\nSnapshots must never exceed 50 MB.\n\n" * 30
    document = Document(text=text, format="markdown", title="Storage design")
    previous = build_snapshot([], document, [], embedder=FAKE)
    assert re.search(r"\[p\d+", previous.markdown)
    with pytest.raises(ValueError):
        update_snapshot(previous, conversation(4), DOCUMENT, [], embedder=FAKE)


def test_invalid_options_are_rejected(turns: list[Turn]) -> None:
    previous = build(turns[:20])
    with pytest.raises(ValueError):
        update_snapshot(previous, turns[20:], DOCUMENT, [], ratio=0, embedder=FAKE)
    with pytest.raises(ValueError):
        update_snapshot(previous, turns[20:], DOCUMENT, [], budget_tokens=-1, embedder=FAKE)


def test_in_a_chat_a_question_stays_open_until_someone_else_speaks() -> None:
    turns = chat()
    document = Document(text="", format="text", title="Catching up")
    previous = build_snapshot(turns, document, [], embedder=FAKE)
    question = f"- Ben: Are you coming to my party on Sunday? [t{len(turns) - 1}]"
    assert question in previous.markdown
    n = len(turns)
    more = Turn(n, "Ben", "other", "I booked the rooftop of the Alder Hotel for 40 people.")
    still = update_snapshot(previous, [more], document, [], embedder=FAKE)
    assert question in section(still.markdown, "## Open questions")
    reply = Turn(n + 1, "Ana", "other", "Yes, I will be there with Kiwi at 8 pm!")
    answered = update_snapshot(still, [reply], document, [], embedder=FAKE)
    assert "Are you coming to my party" not in answered.markdown
