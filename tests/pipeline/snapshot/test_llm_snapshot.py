"""The optional LLM snapshot engine, against a real HTTP server speaking Chat Completions.

The fake model server is a Starlette app on uvicorn (loopback, a free port) implementing
`POST /v1/chat/completions` with the real request and response JSON shapes. It records each
request and answers from a script: content, an HTTP error, a delay or a raw body. The client is
the real `openai` package, so what is tested is what runs against Ollama, vLLM or a hosted API.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from contextd.domain.enums import ArtifactType
from contextd.pipeline.snapshot import (
    LLMConfig,
    LLMUnavailable,
    build_llm_snapshot,
    build_snapshot,
    snapshot_with_fallback,
)
from contextd.pipeline.tokens import TOKENIZER_NAME, count_tokens
from contextd.pipeline.types import ArtifactDraft, Document, SnapshotDraft, Turn
from tests.support.fake_openai import FakeModelServer, Reply, running_model_server

MODEL = "test-model"
KEY = "sk-test-0123456789"
SECTION_ORDER = [
    "## Goal",
    "## Current state",
    "## Decisions",
    "## Constraints and facts",
    "## Open questions",
    "## Next steps",
    "## Artifacts",
]
CITATION = re.compile(r" \[(t\d+(?:, t\d+)*)\]$")


@pytest.fixture(scope="module")
def model_server() -> Iterator[FakeModelServer]:
    with running_model_server() as fake:
        yield fake


@pytest.fixture
def server(model_server: FakeModelServer, monkeypatch: pytest.MonkeyPatch) -> FakeModelServer:
    model_server.reset()
    for name in ("OPENAI_API_KEY", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID", "OPENAI_CUSTOM_HEADERS"):
        monkeypatch.delenv(name, raising=False)
    return model_server


def config_for(server: FakeModelServer, **overrides: Any) -> LLMConfig:
    values: dict[str, Any] = {"base_url": server.url, "model": MODEL, "api_key": KEY}
    values.update(overrides)
    return LLMConfig(**values)


# --- a small conversation ------------------------------------------------------------------

TEXTS = [
    "I'm building a task tracking API with FastAPI for a team of 20 people. It must run offline "
    "on our internal network.",
    "Good plan. I suggest a thin handler layer and a repository module for the queries, with "
    "cursor pagination capped at 100 items per page.",
    "Let's use SQLite for the database, since everything runs on a single VPS.",
    "Here is the first route:\n\n```python\n@router.get('/tasks')\ndef list_tasks(cursor=None):\n"
    "    return repo.list_tasks(cursor)\n```",
    "I ran the tests and got a KeyError 'owner_id' in list_tasks. Can you fix it?",
    "Fixed: the serializer now reads owner_id from the joined row, and all 42 tests pass.",
    "Actually, we have to switch to PostgreSQL instead of SQLite, because we will run four "
    "workers behind nginx.",
    "Agreed. The settings now read DATABASE_URL and the migrations run with Alembic.",
    "Titles must not be longer than 200 characters, and deleted rows must never be returned.",
    "Understood: validation rejects longer titles and every query filters on deleted_at.",
    "Next step: add the retry worker for webhooks. Should the retries use a queue or cron?",
    "Both work; a queue gives back-pressure, cron is simpler. I would start with cron.",
]  # fmt: skip


def conversation(texts: list[str] = TEXTS) -> list[Turn]:
    return [
        Turn(i, "User" if i % 2 == 0 else "Assistant", "user" if i % 2 == 0 else "assistant", t)
        for i, t in enumerate(texts)
    ]


DOCUMENT = Document(text="", format="chatgpt", title="Task tracker API")
ARTIFACTS = [
    ArtifactDraft(ArtifactType.CODE, "list_tasks route", TEXTS[3], "python", (3,)),
    ArtifactDraft(
        ArtifactType.COMMAND, "alembic upgrade head", "alembic upgrade head", "bash", (7,)
    ),
]

GOOD_ANSWER = """\
## Goal
- Build a task tracking API with FastAPI for a team of 20 people. [t0]

## Current state
- The owner_id KeyError in list_tasks is fixed and all 42 tests pass. [t4, t5]

## Decisions
- PostgreSQL instead of SQLite for four workers; migrations run with Alembic. [t6, t7]
- Cursor pagination capped at 100 items per page. [t1]

## Constraints and facts
- Runs offline on the internal network. [t0]
- Titles are at most 200 characters; deleted rows are never returned. [t8, t9]

## Open questions
- Webhook retries: queue or cron (cron suggested to start)? [t10, t11]

## Next steps
- Add the retry worker for webhooks. [t10]
"""


def bullets(markdown: str) -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith("- ")]


def section(markdown: str, heading: str) -> str:
    match = re.search(rf"^{re.escape(heading)}\n(.*?)(?=^## |\Z)", markdown, re.M | re.S)
    return match.group(1) if match else ""


def cited_turns(markdown: str) -> set[int]:
    cited: set[int] = set()
    for line in bullets(markdown):
        match = CITATION.search(line)
        assert match, line
        cited.update(int(ref[1:]) for ref in match.group(1).split(", "))
    return cited


# --- good answers --------------------------------------------------------------------------


def test_a_good_answer_becomes_a_cited_snapshot_within_budget(server: FakeModelServer) -> None:
    turns = conversation(TEXTS * 2)
    server.answer(GOOD_ANSWER)
    result = build_llm_snapshot(
        turns, DOCUMENT, ARTIFACTS, config=config_for(server), budget_tokens=300
    )

    markdown = result.markdown
    assert markdown.startswith("# Context snapshot: Task tracker API\n")
    headings = [line for line in markdown.splitlines() if line.startswith("## ")]
    assert headings == SECTION_ORDER
    assert (
        "- PostgreSQL instead of SQLite for four workers; migrations run with Alembic. [t6, t7]"
        in (section(markdown, "## Decisions"))
    )
    artifacts = section(markdown, "## Artifacts")
    assert "- list_tasks route (code, python) [t3]" in artifacts
    assert "- alembic upgrade head (command, bash) [t7]" in artifacts
    assert result.turn_indexes == tuple(sorted(cited_turns(markdown)))
    assert result.engine == f"llm:{MODEL}"
    assert result.tokenizer == TOKENIZER_NAME
    assert result.budget == 300
    assert result.tokens_before == count_tokens("\n\n".join(t.text for t in turns))
    assert result.tokens_after == count_tokens(markdown) <= result.budget

    (request,) = server.requests
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.headers["content-type"] == "application/json"
    assert request.body["model"] == MODEL
    system, user = request.body["messages"]
    assert (system["role"], user["role"]) == ("system", "user")
    for heading in SECTION_ORDER[:-1]:
        assert heading in system["content"]
    assert "[t12, t40]" in system["content"]  # the citation format
    assert "Title: Task tracker API" in user["content"]
    assert "[t0] User: I'm building a task tracking API" in user["content"]
    assert "[t23] Assistant: Both work;" in user["content"]
    assert "- list_tasks route (code, python) [t3]" in user["content"]
    assert "shortened" not in user["content"]  # it all fit


def test_the_default_budget_follows_the_builtin_rule(server: FakeModelServer) -> None:
    turns = conversation()
    server.answer(GOOD_ANSWER)
    result = build_llm_snapshot(turns, DOCUMENT, [], config=config_for(server), ratio=4.0)
    builtin = build_snapshot(turns, DOCUMENT, [], ratio=4.0)
    assert result.budget == builtin.budget == min(200, result.tokens_before)
    assert result.tokens_after <= result.budget


def test_a_loosely_formatted_answer_is_normalised(server: FakeModelServer) -> None:
    server.answer(
        "<think>The user wants a snapshot. Let me see.</think>\n"
        "```markdown\n"
        "# Context snapshot: whatever the model calls it\n"
        "Here is the snapshot you asked for.\n\n"
        "### 3. Decisions:\n"
        "* Switch to PostgreSQL (t6)\n"
        "1. Keep handlers thin [T1][t7]\n"
        "**Goal**\n"
        "- Build a task tracker API [t0]\n"
        "## Summary\n"
        "- A summary section that is not ours [t0]\n"
        "## Artifacts\n"
        "- some invented file.py [t3]\n"
        "## Next steps\n"
        "- Add the retry worker [t10]\n"
        "```python\nprint('code is skipped [t3]')\n```\n"
        "- Add the retry worker [t10]\n"
        "```\n"
    )
    result = build_llm_snapshot(
        conversation(), DOCUMENT, [], config=config_for(server), budget_tokens=300
    )
    assert result.markdown == (
        "# Context snapshot: Task tracker API\n"
        "\n## Goal\n- Build a task tracker API [t0]\n"
        "\n## Decisions\n- Switch to PostgreSQL [t6]\n- Keep handlers thin [t1]\n"
        "\n## Next steps\n- Add the retry worker [t10]\n"
    )
    # t7 (settings and migrations) says nothing of handlers: its citation is removed
    assert result.turn_indexes == (0, 1, 6, 10)


def test_without_a_key_no_authorization_is_sent(
    server: FakeModelServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-from-the-environment")
    server.answer(GOOD_ANSWER)
    build_llm_snapshot(conversation(), DOCUMENT, [], config=config_for(server, api_key=None))
    (request,) = server.requests
    assert "authorization" not in request.headers
    assert "sk-from-the-environment" not in str(request.headers)


def test_a_document_follows_its_own_outline_cited_by_paragraph(server: FakeModelServer) -> None:
    text = (
        "# Storage design\n\n"
        "This document describes how contextd stores snapshots.\n\n"
        "## Blobs\n\n"
        "We decided to keep blobs on disk rather than in the database.\n\n"
        "```sql\nCREATE TABLE snapshots (id TEXT PRIMARY KEY);\n```\n\n"
        "### Limits\n\n"
        "Snapshots must never exceed 50 MB. Should we compress them?\n\n"
        "## Team\n\n"
        + "The team met twice a week and wrote everything down in a shared notebook. "
        * 12
    )
    document = Document(text=text, format="markdown", title="Storage design")
    server.answer(  # out of order, a work section the document does not have, a loose level
        "## Limits\n- Snapshots must never exceed 50 MB. [p7] [t1]\n"
        "## Decisions\n- Keep blobs on disk. [p4]\n"
        "# Blobs\n- Blobs live on disk, not in the database. [p4]\n- Invented. [p99]\n"
        "## Opening\n- The document describes how contextd stores snapshots. [p2]\n"
    )
    result = build_llm_snapshot([], document, [], config=config_for(server), budget_tokens=200)
    assert result.markdown == (
        "# Context snapshot: Storage design\n"
        "\n- The document describes how contextd stores snapshots. [p2]\n"
        "\n## Blobs\n- Blobs live on disk, not in the database. [p4]\n"
        "\n### Limits\n- Snapshots must never exceed 50 MB. [p7]\n"
    )
    assert result.turn_indexes == ()
    system, user = (m["content"] for m in server.requests[0].body["messages"])
    assert "## Blobs\n### Limits\n## Team\n" in system  # the outline, levels kept
    assert "## Decisions" not in system and "## Goal" not in system
    assert "## Opening" in system  # the text before the first heading has its place
    assert "[p2] This document describes how contextd stores snapshots." in user
    assert "[p4] We decided to keep blobs on disk" in user
    assert "CREATE TABLE" not in user  # code is in artifacts; its paragraph number is kept


def test_a_document_without_headings_is_a_flat_list_of_facts(server: FakeModelServer) -> None:
    text = (
        "We decided to keep blobs on disk rather than in the database.\n\n"
        + "Snapshots must never exceed 50 MB, and the team reviews the limit every month. " * 8
    )
    document = Document(text=text, format="text", title="Storage notes")
    server.answer("## Facts\n- Blobs are kept on disk. [p1]\n- Snapshots stay under 50 MB. [p2]\n")
    result = build_llm_snapshot([], document, [], config=config_for(server), budget_tokens=200)
    assert result.markdown == (
        "# Context snapshot: Storage notes\n"
        "\n- Blobs are kept on disk. [p1]\n- Snapshots stay under 50 MB. [p2]\n"
    )
    system = server.requests[0].body["messages"][0]["content"]
    assert "has no headings" in system and "## Goal" not in system


def test_a_document_of_code_only_lists_its_artifacts_without_asking(
    server: FakeModelServer,
) -> None:
    code = "def handler(event):\n    return {'status': 200, 'body': event['body'].upper()}\n"
    document = Document(text=f"```python\n{code * 30}```\n", format="markdown", title="Lambda")
    artifact = ArtifactDraft(ArtifactType.CODE, "handler.py", code * 30, "python")
    result = build_llm_snapshot([], document, [artifact], config=config_for(server))
    assert result.markdown == (
        "# Context snapshot: Lambda\n\n## Artifacts\n- handler.py (code, python)\n"
    )
    assert result.engine == f"llm:{MODEL}"
    assert server.requests == []


# --- validation ----------------------------------------------------------------------------


def test_bullets_citing_unknown_turns_are_dropped(server: FakeModelServer) -> None:
    server.answer(
        "## Goal\n- Build a task tracking API. [t0]\n"
        "## Decisions\n"
        "- Use MongoDB. [t99]\n"
        "- PostgreSQL instead of SQLite. [t6, t120]\n"
        "- A decision with no citation at all.\n"
        "- Cite a negative turn. [t-1]\n"
        "## Next steps\n- Ship it. [t12]\n"
    )
    result = build_llm_snapshot(
        conversation(), DOCUMENT, [], config=config_for(server), budget_tokens=300
    )
    assert bullets(result.markdown) == [
        "- Build a task tracking API. [t0]",
        "- PostgreSQL instead of SQLite. [t6]",
    ]
    assert "MongoDB" not in result.markdown
    assert "## Next steps" not in result.markdown  # its only bullet cited t12, which is absent
    assert result.turn_indexes == (0, 6)


def test_an_over_budget_answer_is_trimmed_by_whole_bullets(server: FakeModelServer) -> None:
    turns = conversation(TEXTS * 4)  # 48 turns, enough source for the budget below
    # each fact restates its turn, so that its citation checks out
    words = [[w for w in turn.text.split() if w.isalpha()] for turn in turns]
    facts = [f"- Fact {i}: {' '.join(words[i][:9])} [t{i}]" for i in range(40)]
    answer = (
        "## Goal\n- Build a task tracking API with FastAPI. [t0]\n"
        "## Decisions\n- PostgreSQL instead of SQLite. [t6]\n"
        "- Cron is simpler than a queue. [t11]\n"
        "## Constraints and facts\n" + "\n".join(facts) + "\n"
        "## Next steps\n- Add the retry worker for webhooks. [t10]\n"
        "- Run the webhook retries from cron. [t46]\n"
    )
    assert count_tokens(answer) > 600
    server.answer(answer)
    result = build_llm_snapshot(turns, DOCUMENT, [], config=config_for(server), budget_tokens=250)

    assert result.tokens_after == count_tokens(result.markdown) <= 250
    answer_lines = set(answer.splitlines())
    for line in bullets(result.markdown):
        assert line in answer_lines  # whole lines, never cut mid-line
    kept_facts = bullets(section(result.markdown, "## Constraints and facts"))
    assert kept_facts == facts[: len(kept_facts)]  # dropped from the end
    assert 1 <= len(kept_facts) < len(facts)
    # the more important sections are untouched
    assert len(bullets(section(result.markdown, "## Decisions"))) == 2
    assert len(bullets(section(result.markdown, "## Next steps"))) == 2
    assert "- Build a task tracking API with FastAPI. [t0]" in result.markdown
    assert result.turn_indexes == tuple(sorted(cited_turns(result.markdown)))


# --- failures and the fallback -------------------------------------------------------------


def refused_url() -> str:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # nothing listens there now
    return f"http://127.0.0.1:{port}/v1"


FAILURES: dict[str, tuple[Reply | None, dict[str, Any], str]] = {
    "http-500": (Reply(status=500), {}, "HTTP 500: scripted failure 500"),
    "http-429": (Reply(status=429), {}, "HTTP 429"),
    "timeout": (Reply(GOOD_ANSWER, delay=1.0), {"timeout": 0.3}, "timed out after 0.3 s"),
    "refused": (None, {"base_url": refused_url}, "connection failed"),
    "not-json": (Reply(raw=b"<html>bad gateway</html>"), {}, "invalid response"),
    "no-choices": (Reply(raw=b'{"id": "x", "choices": []}'), {}, "invalid response: no choices"),
    "null-content": (Reply(None), {}, "empty answer"),
    "empty": (Reply("   \n"), {}, "empty answer"),
    "only-thinking": (Reply("<think>hmm, the snapshot"), {}, "empty answer"),
    "garbage": (Reply("Sorry, I can't help with that."), {}, "invalid answer: none of the"),
    "no-valid-bullet": (
        Reply("## Goal\n- Something invented. [t500]\n"),
        {},
        "invalid answer: no section line cites a known turn",
    ),
}


@pytest.mark.parametrize("case", list(FAILURES))
def test_failures_raise_and_fall_back_to_the_builtin_engine(
    server: FakeModelServer, case: str
) -> None:
    reply, overrides, reason = FAILURES[case]
    overrides = {k: v() if callable(v) else v for k, v in overrides.items()}
    config = config_for(server, **overrides)
    turns = conversation()

    if reply is not None:
        server.answer(reply)
    with pytest.raises(LLMUnavailable) as raised:
        build_llm_snapshot(turns, DOCUMENT, ARTIFACTS, config=config, budget_tokens=250)
    assert raised.value.reason.startswith(reason), raised.value.reason
    assert KEY not in raised.value.reason

    if reply is not None:
        server.answer(reply)
    draft, why = snapshot_with_fallback(
        turns, DOCUMENT, ARTIFACTS, config=config, budget_tokens=250
    )
    assert why == raised.value.reason
    builtin = build_snapshot(turns, DOCUMENT, ARTIFACTS, budget_tokens=250)
    assert draft.engine == f"builtin (fallback from llm:{MODEL})"
    assert draft.markdown == builtin.markdown
    assert (draft.tokens_after, draft.budget, draft.turn_indexes) == (
        builtin.tokens_after,
        builtin.budget,
        builtin.turn_indexes,
    )


def test_a_key_echoed_in_an_error_is_not_repeated(server: FakeModelServer) -> None:
    body = b'{"error": {"message": "Incorrect API key provided: sk-test-0123456789", "type": "x"}}'
    server.answer(Reply(status=401, raw=body))
    with pytest.raises(LLMUnavailable) as raised:
        build_llm_snapshot(conversation(), DOCUMENT, [], config=config_for(server))
    assert raised.value.reason == "HTTP 401: Incorrect API key provided: ***"


def test_the_fallback_passes_a_good_llm_answer_through(server: FakeModelServer) -> None:
    server.answer(GOOD_ANSWER)
    draft, why = snapshot_with_fallback(
        conversation(), DOCUMENT, [], config=config_for(server), budget_tokens=300
    )
    assert why is None
    assert draft.engine == f"llm:{MODEL}"
    assert "## Decisions" in draft.markdown


def test_without_a_configuration_the_builtin_engine_is_used(server: FakeModelServer) -> None:
    calls: list[int | None] = []

    def builtin(
        turns: Any, document: Document, artifacts: Any, *, budget_tokens: int | None = None,
        ratio: float = 4.0,
    ) -> SnapshotDraft:  # fmt: skip
        calls.append(budget_tokens)
        return build_snapshot(turns, document, artifacts, budget_tokens=budget_tokens, ratio=ratio)

    draft, why = snapshot_with_fallback(
        conversation(), DOCUMENT, [], config=None, budget_tokens=250, builtin=builtin
    )
    assert (draft.engine, why, calls) == ("builtin", None, [250])
    assert server.requests == []


def test_no_request_is_made_for_invalid_options_or_an_empty_source(
    server: FakeModelServer,
) -> None:
    config = config_for(server)
    with pytest.raises(ValueError):
        build_llm_snapshot(conversation(), DOCUMENT, [], config=config, ratio=0)
    with pytest.raises(ValueError):
        snapshot_with_fallback(conversation(), DOCUMENT, [], config=config, budget_tokens=-1)
    empty = build_llm_snapshot([], Document(text="", format="text"), [], config=config)
    assert (empty.markdown, empty.tokens_before, empty.tokens_after, empty.budget) == ("", 0, 0, 0)
    assert server.requests == []
