"""Context snapshots: a budgeted, cited Markdown brief of a conversation or document."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest

from contextd.pipeline.artifacts import extract_artifacts
from contextd.pipeline.embed import Vectors
from contextd.pipeline.snapshot import MIN_BUDGET, build_snapshot
from contextd.pipeline.snapshot import builtin as snapshot_module
from contextd.pipeline.snapshot._semantic import PHATIC_PROTOTYPES as PROTOTYPES
from contextd.pipeline.tokens import TOKENIZER_NAME, count_tokens
from contextd.pipeline.types import Document, SnapshotDraft, Turn
from contextd.testing import FakeEmbedder as HashingEmbedder
from tests.support.conversations import CITATION, PHATIC, chat, conversation, section

FAKE = HashingEmbedder()

SECTION_ORDER = [
    "## Goal",
    "## Current state",
    "## Decisions",
    "## Constraints and facts",
    "## Open questions",
    "## Next steps",
    "## Artifacts",
]


def snapshot_of(
    turns: list[Turn], *, budget_tokens: int | None = None, ratio: float = 4.0
) -> SnapshotDraft:
    document = Document(text="", format="chatgpt", title="Task tracker API")
    artifacts = extract_artifacts(document, turns)
    return build_snapshot(
        turns, document, artifacts, budget_tokens=budget_tokens, ratio=ratio, embedder=FAKE
    )


@pytest.fixture(scope="module")
def turns() -> list[Turn]:
    return conversation()


@pytest.fixture(scope="module")
def snapshot(turns: list[Turn]) -> SnapshotDraft:
    return snapshot_of(turns)


# --- accounting ----------------------------------------------------------------------------


def test_default_ratio_gives_a_quarter_of_the_tokens_or_less(
    turns: list[Turn], snapshot: SnapshotDraft
) -> None:
    assert snapshot.tokens_before == count_tokens("\n\n".join(t.text for t in turns))
    assert snapshot.budget == snapshot.tokens_before // 4
    assert 0 < snapshot.tokens_after <= snapshot.budget
    assert snapshot.tokens_after == count_tokens(snapshot.markdown)
    assert snapshot.tokenizer == TOKENIZER_NAME == "o200k_base"
    assert snapshot.engine == "builtin"


@pytest.mark.parametrize("budget", [200, 350, 800, 2_000])
def test_an_explicit_budget_is_never_exceeded(turns: list[Turn], budget: int) -> None:
    result = snapshot_of(turns, budget_tokens=budget)
    assert result.budget == budget
    assert result.tokens_after <= budget


def test_a_higher_ratio_gives_a_smaller_snapshot(turns: list[Turn]) -> None:
    result = snapshot_of(turns, ratio=20.0)
    assert result.budget == result.tokens_before // 20
    assert result.tokens_after <= result.budget


def test_the_budget_has_a_floor_but_never_exceeds_the_source() -> None:
    short = [Turn(0, "User", "user", "We decided to use PostgreSQL 16 for storage.")]
    result = snapshot_of(short)
    assert result.budget == result.tokens_before < MIN_BUDGET
    assert result.tokens_after <= result.budget

    medium = conversation(20)
    result = snapshot_of(medium, ratio=100.0)
    assert result.budget == MIN_BUDGET
    assert result.tokens_after <= MIN_BUDGET


def test_invalid_options_are_rejected(turns: list[Turn]) -> None:
    with pytest.raises(ValueError):
        snapshot_of(turns, ratio=0)
    with pytest.raises(ValueError):
        snapshot_of(turns, budget_tokens=-5)


def test_an_empty_source_gives_an_empty_snapshot() -> None:
    result = build_snapshot([], Document(text="", format="text"), [])
    assert (result.markdown, result.tokens_before, result.tokens_after, result.budget) == (
        "",
        0,
        0,
        0,
    )


# --- shape ---------------------------------------------------------------------------------


def test_sections_appear_in_order_under_the_title(snapshot: SnapshotDraft) -> None:
    markdown = snapshot.markdown
    assert markdown.startswith("# Context snapshot: Task tracker API\n")
    headings = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert headings == SECTION_ORDER


def test_empty_sections_are_omitted_and_background_ranks_last() -> None:
    background = " The notes app began as a weekend project and grew slowly over the years." * 10
    turns = [
        Turn(0, "User", "user", "I'm building a CLI that syncs notes to S3." + background),
        Turn(1, "Assistant", "assistant", "We'll use boto3 with multipart uploads." + background),
    ]
    tight = snapshot_of(turns, budget_tokens=60).markdown
    headings = [line for line in tight.splitlines() if line.startswith("## ")]
    assert headings == ["## Goal", "## Decisions"]
    assert "weekend project" not in tight  # says nothing about the state of the work
    # With room to spare it may appear, but its twenty copies make one line.
    assert snapshot_of(turns).markdown.count("weekend project") <= 1


def test_every_line_cites_its_turns(snapshot: SnapshotDraft) -> None:
    bullets = [line for line in snapshot.markdown.splitlines() if line.startswith("- ")]
    assert bullets
    cited: set[int] = set()
    for bullet in bullets:
        match = CITATION.search(bullet)
        assert match, bullet
        cited.update(int(ref[1:]) for ref in match.group(1).split(", "))
    assert snapshot.turn_indexes == tuple(sorted(cited))


def test_code_is_linked_as_artifacts_not_copied(snapshot: SnapshotDraft) -> None:
    assert "```" not in snapshot.markdown
    artifacts = section(snapshot.markdown, "## Artifacts")
    assert "- app/routes/teams.py (code, python) [t133, t163, t193]" in artifacts
    assert "- tasks table (schema, sql) [t3]" in artifacts
    assert "- alembic upgrade head (command, bash) [t151]" in artifacts
    assert len(artifacts.splitlines()) <= 30


# --- content -------------------------------------------------------------------------------


def test_the_goal_comes_from_the_first_user_turn(snapshot: SnapshotDraft) -> None:
    goal = section(snapshot.markdown, "## Goal")
    assert "I'm building a task tracking API with FastAPI" in goal
    assert "[t0]" in goal


def test_a_revised_decision_keeps_only_the_revision(snapshot: SnapshotDraft) -> None:
    decisions = section(snapshot.markdown, "## Decisions")
    assert "switch the database to PostgreSQL instead of SQLite" in decisions
    assert "[t150]" in decisions
    assert "Let's use SQLite" not in snapshot.markdown


def test_constraints_questions_and_next_steps_are_kept(snapshot: SnapshotDraft) -> None:
    markdown = snapshot.markdown
    # A work chat's paragraph is one line, a whole thought (`_work`): the task, its goal and
    # "It must ...", which leans on the sentence before it.
    assert (
        "- I'm building a task tracking API with FastAPI for a small team of 20 people. "
        "The goal is to replace our spreadsheet with a REST service we can host on one VPS. "
        "It must run offline on our internal network. [t0]"
    ) in section(markdown, "## Goal")
    assert "background queue, or is a cron job enough? [t199]" in section(
        markdown, "## Open questions"
    )
    next_steps = section(markdown, "## Next steps")
    assert "Next step: add the retry worker" in next_steps
    assert "TODO: document the DATABASE_URL variable in the README. [t198]" in next_steps


def test_old_answered_questions_and_pleasantries_are_left_out(snapshot: SnapshotDraft) -> None:
    assert "Can you fix it?" not in snapshot.markdown
    assert "Let me know" not in snapshot.markdown
    assert "Good question" not in snapshot.markdown


def test_near_duplicates_become_one_line_citing_several_turns(snapshot: SnapshotDraft) -> None:
    markdown = snapshot.markdown
    lines = [line for line in markdown.splitlines() if "must not return deleted rows" in line]
    assert len(lines) == 1
    match = CITATION.search(lines[0])
    assert match is not None
    assert len(match.group(1).split(", ")) > 1


def test_the_same_input_gives_the_same_snapshot(turns: list[Turn]) -> None:
    assert snapshot_of(turns) == snapshot_of(list(conversation()))


# --- documents -----------------------------------------------------------------------------


def test_a_document_cites_paragraph_numbers() -> None:
    background = "The team met twice a week and wrote everything down in a shared notebook. " * 16
    text = (
        "# Storage design\n\n"
        "This document describes how contextd stores snapshots.\n\n"
        "```sql\nCREATE TABLE snapshots (id TEXT PRIMARY KEY);\n```\n\n"
        "We decided to keep blobs on disk rather than in the database.\n\n"
        "Snapshots must never exceed 50 MB. Should we compress them?\n\n"
        f"{background}\n"
    )
    document = Document(text=text, format="markdown", title="Storage design")
    artifacts = extract_artifacts(document, [])
    result = build_snapshot([], document, artifacts, budget_tokens=100, embedder=FAKE)
    markdown = result.markdown
    assert "This document describes how contextd stores snapshots. [p2]" in markdown
    assert "We decided to keep blobs on disk rather than in the database. [p4]" in markdown
    assert "Snapshots must never exceed 50 MB. [p5]" in markdown
    assert "- snapshots table (schema, sql)" in markdown
    assert markdown.count("shared notebook") <= 1  # a repeated sentence is shown once
    assert result.turn_indexes == ()
    assert result.tokens_after <= result.budget == 100


def test_a_million_words_fit_the_budget() -> None:
    """Scale without a clock: the time is `bench/paste.py`'s to measure, not a test's."""
    paragraph = (
        "We decided to cache the report {i} for 10 minutes. The export job {i} must finish "
        "within 30 seconds. Should the job {i} retry on timeouts? Next step: profile job {i}.\n\n"
    )
    text = "".join(paragraph.format(i=i) for i in range(1_000_000 // 31 + 1))
    assert len(text.split()) >= 1_000_000
    document = Document(text=text, format="text", title="Load test")
    result = build_snapshot([], document, [], embedder=FAKE)
    assert result.tokens_after <= result.budget


# --- multi-party chat ----------------------------------------------------------------------


def test_a_multi_party_chat_keeps_facts_named_by_speaker() -> None:
    turns = chat()
    result = build_snapshot(turns, Document("", "text", "Catching up"), [], embedder=FAKE)
    markdown = result.markdown
    assert result.tokens_after <= result.budget
    bullets = [line for line in markdown.splitlines() if line.startswith("- ")]
    index = [line for line in bullets if line.startswith("- Names mentioned: ")]  # `_names`
    bullets = [line for line in bullets if line not in index]
    assert bullets and all(line.startswith(("- Ana: ", "- Ben: ")) for line in bullets)
    assert len(index) <= 1
    assert sum("Ana: " in line for line in [*bullets, *index]) >= 8  # the index names hers
    for phatic in PHATIC:
        assert phatic not in markdown
    # Only the last question is open: everything earlier got a reply from someone else.
    assert section(markdown, "## Open questions").strip() == (
        f"- Ben: Are you coming to my party on Sunday? [t{len(turns) - 1}]"
    )


def test_the_model_is_not_loaded_when_there_is_nothing_to_choose() -> None:
    counting = HashingEmbedder()
    short = conversation(8)
    build_snapshot(short, Document("", "text"), [], embedder=counting, budget_tokens=150)
    assert counting.calls == []  # fewer candidates than MIN_MODEL_CANDIDATES
    fitting = conversation(200)
    build_snapshot(fitting, Document("", "text"), [], embedder=counting, ratio=1.0)
    assert counting.calls == []  # everything fits: no choice to make


def test_the_embedding_work_is_capped(turns: list[Turn]) -> None:
    counting = HashingEmbedder()
    document = Document(text="", format="chatgpt", title="Task tracker API")
    # a tight budget, so that there is a choice to make (whole paragraphs are fewer lines)
    build_snapshot(turns, document, [], embedder=counting, max_embedded=50, budget_tokens=600)
    assert counting.calls and max(counting.calls) <= 50
    lexical = build_snapshot(turns, document, [], embedder=counting, max_embedded=0)
    assert lexical.tokens_after <= lexical.budget
    assert "switch the database to PostgreSQL instead of SQLite" in lexical.markdown


def test_the_embedded_tokens_are_capped(turns: list[Turn], monkeypatch: pytest.MonkeyPatch) -> None:
    """Past `MAX_EMBEDDED_TOKENS` the model sees only the best candidates that fit in it."""

    class Recording(HashingEmbedder):
        def __init__(self) -> None:
            super().__init__()
            self.texts: list[str] = []

        def embed(self, texts: Sequence[str]) -> Vectors:
            self.texts += texts
            return super().embed(texts)

    document = Document(text="", format="chatgpt", title="Task tracker API")
    whole, capped = Recording(), Recording()
    build_snapshot(turns, document, [], embedder=whole, budget_tokens=150)
    sentences = [t for t in whole.texts if t not in PROTOTYPES]
    limit = sum(count_tokens(t) for t in sentences) // 2
    monkeypatch.setattr(snapshot_module, "MAX_EMBEDDED_TOKENS", limit)
    result = build_snapshot(turns, document, [], embedder=capped, budget_tokens=150)
    kept = [t for t in capped.texts if t not in PROTOTYPES]
    assert 0 < len(kept) < len(sentences)
    assert set(kept) <= set(sentences)
    assert sum(count_tokens(t) for t in kept) <= limit  # a text costs less than its bullet
    assert result.tokens_after <= result.budget


def test_a_failing_embedder_leaves_the_lexical_snapshot(turns: list[Turn]) -> None:
    class Unreachable(HashingEmbedder):
        def embed(self, texts: Sequence[str]) -> Vectors:
            raise ConnectionError("embeddings endpoint unreachable")

    document = Document(text="", format="chatgpt", title="Task tracker API")
    failed = build_snapshot(turns, document, [], embedder=Unreachable())
    assert failed == build_snapshot(turns, document, [], max_embedded=0)


def test_with_the_real_model_small_talk_is_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    """The one test that loads all-MiniLM-L6-v2 (about 10 s): the default embedder."""
    used: list[bool] = []
    embed = snapshot_module._embed

    def spy(*args: Any, **kwargs: Any) -> Any:
        vectors = embed(*args, **kwargs)
        used.append(vectors is not None)
        return vectors

    monkeypatch.setattr(snapshot_module, "_embed", spy)
    turns = chat()
    result = build_snapshot(turns, Document("", "text", "Catching up"), [], ratio=2.0)
    assert used == [True]
    markdown = result.markdown
    assert result.tokens_after <= result.budget
    facts = sum(1 for t in turns if t.speaker == "Ana" and t.text in markdown)
    assert facts >= 15
    for phatic in PHATIC:
        assert phatic not in markdown
