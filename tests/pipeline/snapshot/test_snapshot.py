"""Context snapshots: a budgeted, cited Markdown brief of a conversation or document."""

from __future__ import annotations

import re
import time
from collections.abc import Sequence
from typing import Any

import pytest

from contextd.pipeline.artifacts import extract_artifacts
from contextd.pipeline.embed import Vectors
from contextd.pipeline.snapshot import MIN_BUDGET, build_snapshot
from contextd.pipeline.snapshot import builtin as snapshot_module
from contextd.pipeline.tokens import TOKENIZER_NAME, count_tokens
from contextd.pipeline.types import Document, SnapshotDraft, Turn
from tests.pipeline.fake_embedder import HashingEmbedder

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
CITATION = re.compile(r"\[(t\d+(?:, t\d+)*)\]$")

# --- a realistic 200-turn conversation -----------------------------------------------------

TOPICS = [
    "tasks", "projects", "users", "comments", "labels", "attachments", "teams", "webhooks",
    "reports", "invites", "sessions", "audit logs", "exports", "notifications", "search",
]  # fmt: skip


def _user_turn(i: int, topic: str) -> str:
    name = topic.replace(" ", "_")
    variants = [
        f"Next I need the {topic} endpoint. It should support pagination with at most 100 "
        f"items per page. How do we handle filtering by status?",
        f"I ran the {topic} tests and got an error: KeyError 'owner_id' in list_{name}. "
        "Can you fix it?",
        f"Can we add caching to the {topic} list? Response time is about {120 + i} ms now.",
        f"Thanks, that works. The {topic} endpoint must not return deleted rows.",
        f"What about validation for {topic}? Titles should not be longer than 200 characters.",
    ]
    return variants[(i // 2) % len(variants)]


def _assistant_turn(i: int, topic: str) -> str:
    k = i // 2
    name = topic.replace(" ", "_")
    parts = [
        f"Good question. For {topic} we should keep the handler thin and move the queries into "
        "the repository layer.",
        f"The repository function `list_{name}` takes a cursor and a limit and returns the "
        "following cursor together with the page.",
    ]
    if k % 3 == 0:
        parts.append(
            f"Create `app/routes/{name}.py`:\n\n```python\nfrom fastapi import APIRouter\n\n"
            f"router = APIRouter()\n\n\n@router.get('/{name}')\n"
            f"def list_{name}(cursor: str | None = None, limit: int = 50):\n"
            f"    return repo.list_{name}(cursor=cursor, limit=min(limit, 100))\n```"
        )
    if k % 4 == 1:
        parts.append(f"Run the tests again:\n\n```bash\n$ pytest -q tests/test_{name}.py\n```")
    if k % 5 == 2:
        parts.append(
            f"I fixed the KeyError: the serializer now reads `owner_id` from the joined row, "
            f"so list_{name} works again."
        )
    parts.append(
        f"Filtering by status uses an index on ({name}.status, {name}.created_at), so the "
        "query stays under 10 ms for 1M rows."
    )
    parts.append("Let me know if you want me to add more tests!")
    return "\n\n".join(parts)


SPECIAL_TURNS = {
    0: (
        "I'm building a task tracking API with FastAPI for a small team of 20 people. "
        "The goal is to replace our spreadsheet with a REST service we can host on one VPS. "
        "It must run offline on our internal network."
    ),
    3: (
        "Let's use SQLite for the database, since everything runs on a single VPS. "
        "We'll keep the schema in one migration file.\n\n"
        "```sql\nCREATE TABLE tasks (\n  id INTEGER PRIMARY KEY,\n  title TEXT NOT NULL,\n"
        "  status TEXT NOT NULL DEFAULT 'open'\n);\n```"
    ),
    150: (
        "Actually, we have to switch the database to PostgreSQL instead of SQLite, because we "
        "will run four workers behind nginx."
    ),
    151: (
        "Agreed, PostgreSQL it is. I updated the connection settings to read DATABASE_URL, and "
        "the migrations now run with Alembic.\n\n```bash\n$ alembic upgrade head\n```"
    ),
    198: (
        "Next step: add the retry worker and write integration tests for the webhook delivery. "
        "TODO: document the DATABASE_URL variable in the README."
    ),
    199: "Should we put the webhook retries in a background queue, or is a cron job enough?",
}


def conversation(turns: int = 200) -> list[Turn]:
    """A user and an assistant building an API: questions, answers, code, a revised decision."""
    result = []
    for i in range(turns):
        user = i % 2 == 0
        topic = TOPICS[(i // 2) % len(TOPICS)]
        text = SPECIAL_TURNS.get(i) or (_user_turn(i, topic) if user else _assistant_turn(i, topic))
        result.append(
            Turn(
                index=i,
                speaker="User" if user else "Assistant",
                role="user" if user else "assistant",
                text=text,
            )
        )
    return result


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


def section(markdown: str, heading: str) -> str:
    """The body of one section ("" if absent)."""
    match = re.search(rf"^{re.escape(heading)}\n(.*?)(?=^## |\Z)", markdown, re.M | re.S)
    return match.group(1) if match else ""


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
    assert "It must run offline on our internal network. [t0]" in section(
        markdown, "## Constraints and facts"
    )
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
    assert "Should we compress them? [p5]" in markdown
    assert "- snapshots table (schema, sql)" in markdown
    assert "shared notebook" not in markdown
    assert result.turn_indexes == ()
    assert result.tokens_after <= result.budget == 100


def test_a_million_words_fit_in_bounded_time() -> None:
    paragraph = (
        "We decided to cache the report {i} for 10 minutes. The export job {i} must finish "
        "within 30 seconds. Should the job {i} retry on timeouts? Next step: profile job {i}.\n\n"
    )
    text = "".join(paragraph.format(i=i) for i in range(1_000_000 // 31 + 1))
    assert len(text.split()) >= 1_000_000
    document = Document(text=text, format="text", title="Load test")
    started = time.perf_counter()
    result = build_snapshot([], document, [], embedder=FAKE)
    assert time.perf_counter() - started < 120
    assert result.tokens_after <= result.budget


# --- multi-party chat ----------------------------------------------------------------------

PHATIC = [
    "Wow, that's so awesome, I'm really happy for you!",
    "Thanks so much, your support means the world to me.",
    "You're doing amazing, keep it up!",
    "Haha, that sounds like so much fun!",
    "I'm always here for you, you know that.",
]
FACT_TEMPLATES = [
    "Last Saturday I adopted a {pet} named {name} from the shelter on {street} Street.",
    "I started a {craft} class at the {venue} in {month}.",
    "My sister {name} is getting married in {city} on {day} {month}.",
    "We drove to {city} last weekend and hiked the {street} Trail with {name}.",
    "I finally passed my {exam} exam yesterday after failing it twice in {year}.",
    "The {craft} studio I opened near {street} Street sold out by noon on Friday.",
]
FILLERS = [
    {"pet": "beagle", "name": "Max", "street": "Pine", "craft": "pottery", "venue": "library",
     "month": "March", "city": "Porto", "day": "14", "exam": "driving", "year": "2022"},
    {"pet": "kitten", "name": "Luna", "street": "Elm", "craft": "woodwork", "venue": "college",
     "month": "April", "city": "Denver", "day": "3", "exam": "nursing", "year": "2021"},
    {"pet": "parrot", "name": "Kiwi", "street": "Oak", "craft": "glassblowing",
     "venue": "town hall", "month": "May", "city": "Osaka", "day": "22", "exam": "piano",
     "year": "2020"},
    {"pet": "gecko", "name": "Zed", "street": "Maple", "craft": "quilting", "venue": "museum",
     "month": "August", "city": "Lyon", "day": "30", "exam": "diving", "year": "2018"},
    {"pet": "rabbit", "name": "Pip", "street": "Cedar", "craft": "origami", "venue": "church",
     "month": "June", "city": "Quito", "day": "17", "exam": "bar", "year": "2017"},
    {"pet": "hamster", "name": "Bo", "street": "Birch", "craft": "welding", "venue": "YMCA",
     "month": "July", "city": "Tallinn", "day": "9", "exam": "sommelier", "year": "2019"},
]  # fmt: skip


def chat() -> list[Turn]:
    """Two friends catching up: a distinct fact in every other turn, small talk in between."""
    facts = [t.format(**f) for f in FILLERS for t in FACT_TEMPLATES]
    turns: list[Turn] = []
    for i in range(2 * len(facts)):
        speaker = "Ana" if i % 2 == 0 else "Ben"
        text = facts[i // 2] if i % 2 == 0 else PHATIC[(i // 2) % len(PHATIC)]
        turns.append(Turn(i, speaker, "other", text))
    turns.append(Turn(len(turns), "Ben", "other", "Are you coming to my party on Sunday?"))
    return turns


def test_a_multi_party_chat_keeps_facts_named_by_speaker() -> None:
    turns = chat()
    result = build_snapshot(turns, Document("", "text", "Catching up"), [], embedder=FAKE)
    markdown = result.markdown
    assert result.tokens_after <= result.budget
    bullets = [line for line in markdown.splitlines() if line.startswith("- ")]
    assert bullets and all(line.startswith(("- Ana: ", "- Ben: ")) for line in bullets)
    assert sum("Ana: " in line for line in bullets) >= 8
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
    build_snapshot(turns, document, [], embedder=counting, max_embedded=50)
    assert counting.calls and max(counting.calls) <= 50
    lexical = build_snapshot(turns, document, [], embedder=counting, max_embedded=0)
    assert lexical.tokens_after <= lexical.budget
    assert "switch the database to PostgreSQL instead of SQLite" in lexical.markdown


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
