"""The LLM engine on sources longer than the model's window: map-reduce, against a real server.

The fake model (tests/support/fake_openai.py) answers each request from what it was sent, as a
model would: a map request ("You take notes") gets one note per turn it saw, quoting the turn;
a merge request keeps the first notes it was given. So what is checked is the engine's side:
how it cuts the source, that every request fits the window, how notes travel to the snapshot,
and that citations are checked against the source on the way.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest

from contextd.pipeline.snapshot import (
    LLMConfig,
    LLMUnavailable,
    build_llm_snapshot,
    build_snapshot,
    snapshot_with_fallback,
)
from contextd.pipeline.tokens import count_tokens
from contextd.pipeline.types import Document, Turn
from tests.support.fake_openai import (
    FakeModelServer,
    Reply,
    note_taker,
    request_kind,
    running_model_server,
    seen_turns,
)

MODEL = "local-model"
CONTEXT = 2048
TITLE = Document(text="", format="chatgpt", title="Webhook service")

TOPICS = [
    "The webhook service stores deliveries in PostgreSQL 16 on the host db-{n}.",
    "Retries back off from 2 to 64 seconds, and delivery {n} gave up after five attempts.",
    "Alice decided that payloads above {n} kilobytes are rejected with HTTP 413.",
    "The signing secret for tenant {n} rotates every 30 days with HMAC-SHA256.",
    "Bob reported that the dashboard shows delivery {n} as pending although it succeeded.",
]
FILLER = (
    " The team compared this with the previous release, went through the logs of the last "
    "deployment and agreed to write it down so that nobody has to ask again later."
)


def long_conversation(count: int = 60) -> list[Turn]:
    """`count` turns of about 60 tokens each: far more than one 2,048-token window holds."""
    return [
        Turn(i, "Alice" if i % 2 == 0 else "Bob", "user" if i % 2 == 0 else "assistant",
             TOPICS[i % len(TOPICS)].format(n=i) + FILLER)
        for i in range(count)
    ]  # fmt: skip


def cited(markdown: str) -> set[int]:
    return {int(n) for n in re.findall(r"t(\d+)", " ".join(re.findall(r"\[t[^\]]*\]", markdown)))}


@pytest.fixture(scope="module")
def model_server() -> Iterator[FakeModelServer]:
    with running_model_server() as fake:
        yield fake


@pytest.fixture
def server(model_server: FakeModelServer, monkeypatch: pytest.MonkeyPatch) -> FakeModelServer:
    model_server.reset()
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    return model_server


def config_for(server: FakeModelServer, **overrides: Any) -> LLMConfig:
    values: dict[str, Any] = {"base_url": server.url, "model": MODEL, "context_tokens": CONTEXT}
    values.update(overrides)
    return LLMConfig(**values)


def merge_notes(server: FakeModelServer) -> str:
    """The notes every merge request was sent, joined."""
    return "\n".join(
        r.body["messages"][1]["content"] for r in server.requests if request_kind(r.body) != "map"
    )


def assert_each_request_fits(server: FakeModelServer, window: int = CONTEXT) -> None:
    for recorded in server.requests:
        body = recorded.body
        prompt = sum(count_tokens(m["content"]) for m in body["messages"])
        assert prompt + body["max_tokens"] <= window, request_kind(body)
        assert "authorization" not in recorded.headers  # a local server needs no key


def test_a_long_conversation_is_mapped_in_sections_and_reduced_once(
    server: FakeModelServer,
) -> None:
    turns = long_conversation()
    assert count_tokens("\n\n".join(t.text for t in turns)) > CONTEXT
    server.responder = note_taker()
    result = build_llm_snapshot(turns, TITLE, [], config=config_for(server), budget_tokens=300)

    kinds = [request_kind(r.body) for r in server.requests]
    assert kinds.count("map") >= 3 and kinds[-1] == "final" and kinds.count("final") == 1
    assert set(kinds) == {"map", "final"}  # the notes fit one merge
    assert_each_request_fits(server)
    maps = [seen_turns(r.body) for r in server.requests if request_kind(r.body) == "map"]
    assert [n for part in maps for n in part] == [t.index for t in turns]  # each turn once
    # the merge saw the notes of every part, cited as the source is
    notes = server.requests[-1].body["messages"][1]["content"]
    for part in maps:
        assert cited(notes) & set(part)
    assert "- The webhook service stores deliveries in PostgreSQL 16 on the host db-0. [t0]" in (
        notes
    )

    assert result.engine == f"llm:{MODEL}"
    assert result.tokens_after == count_tokens(result.markdown) <= 300
    assert result.markdown.startswith("# Context snapshot: Webhook service\n\n## Constraints")
    assert "<think>" not in result.markdown
    assert result.turn_indexes == tuple(sorted(cited(result.markdown)))
    assert result.note == (
        f"map-reduce: {len(maps)} sections mapped, 1 reduce step, {len(maps) + 1} requests"
    )


def test_a_wrong_or_invented_citation_is_recited_or_dropped(server: FakeModelServer) -> None:
    def mistakes(turns: list[tuple[int, str]]) -> list[str]:
        first, last = turns[0][0], turns[-1][0]
        return [
            # the fact is the last turn's, the citation the first's: re-cited
            f"- Noted again: {turns[-1][1].split('. ')[0]}. [t{first}]",
            # nothing of it is in the conversation: dropped
            f"- The cluster runs Kubernetes on three Raspberry Pi boards. [t{first}, t{last}]",
            # cites a turn this part never showed (a later part): re-cited within the part
            f"- Repeated: {turns[0][1].split('. ')[0]}. [t{last + 1}]",
        ]

    server.responder = note_taker(keep=1000, map_extra=mistakes)
    turns = long_conversation()
    result = build_llm_snapshot(turns, TITLE, [], config=config_for(server), budget_tokens=2000)

    notes = merge_notes(server)
    assert "Kubernetes" not in notes
    maps = [seen_turns(r.body) for r in server.requests if request_kind(r.body) == "map"]
    for part in maps:
        first, last = part[0], part[-1]
        fact = TOPICS[last % len(TOPICS)].format(n=last).split(". ")[0].rstrip(".")
        assert f"- Noted again: {fact}. [t{last}]" in notes
        fact = TOPICS[first % len(TOPICS)].format(n=first).split(". ")[0].rstrip(".")
        assert f"- Repeated: {fact}. [t{first}]" in notes
    assert result.note is not None
    assert f"citations fixed: {2 * len(maps)} re-cited, {len(maps)} dropped" in result.note
    for line in result.markdown.splitlines():
        if line.startswith("- "):
            (n,) = cited(line)  # every kept line cites the one turn it comes from
            assert turns[n].text.split(".")[0].split()[-1] in line


def test_notes_too_long_for_one_merge_are_condensed_first(server: FakeModelServer) -> None:
    def verbose(turns: list[tuple[int, str]]) -> list[str]:
        return [f"- Also: {text[:200]} [t{n}]" for n, text in turns]

    server.responder = note_taker(keep=8, map_extra=verbose)
    turns = long_conversation(90)
    result = build_llm_snapshot(turns, TITLE, [], config=config_for(server), budget_tokens=500)

    kinds = [request_kind(r.body) for r in server.requests]
    assert kinds.count("condense") >= 2 and kinds[-1] == "final" and kinds.count("final") == 1
    assert_each_request_fits(server)
    assert result.tokens_after <= 500
    assert result.turn_indexes


def test_a_budget_larger_than_one_answer_is_written_in_shares(server: FakeModelServer) -> None:
    server.responder = note_taker(keep=1000)
    turns = long_conversation(90)
    # one answer may hold a quarter of the window (512 tokens); the budget is more than that
    result = build_llm_snapshot(turns, TITLE, [], config=config_for(server), budget_tokens=1200)

    kinds = [request_kind(r.body) for r in server.requests]
    assert kinds.count("final") >= 3
    assert_each_request_fits(server)
    assert 512 < result.tokens_after <= 1200


@pytest.mark.parametrize(
    ("failure", "overrides", "reason"),
    [
        (Reply(status=500), {}, "HTTP 500"),
        (Reply("## Goal\n- late [t1]", delay=1.0), {"timeout": 0.3}, "timed out after 0.3 s"),
    ],
    ids=["http-500", "timeout"],
)
def test_a_failed_section_falls_back_to_the_builtin_engine(
    server: FakeModelServer, failure: Reply, overrides: dict[str, Any], reason: str
) -> None:
    respond = note_taker()
    calls = 0

    def second_map_fails(body: dict[str, Any]) -> Reply | str:
        nonlocal calls
        calls += 1
        return failure if calls == 2 else respond(body)

    server.responder = second_map_fails
    turns = long_conversation()
    config = config_for(server, **overrides)
    with pytest.raises(LLMUnavailable) as raised:
        build_llm_snapshot(turns, TITLE, [], config=config, budget_tokens=300)
    assert raised.value.reason.startswith(reason)
    assert len(server.requests) == 2  # no request after the failure

    calls = 0
    draft, why = snapshot_with_fallback(turns, TITLE, [], config=config, budget_tokens=300)
    assert why is not None and why.startswith(reason)
    assert draft.engine == f"builtin (fallback from llm:{MODEL})"
    assert draft.markdown == build_snapshot(turns, TITLE, [], budget_tokens=300).markdown


def test_fast_forward_maps_only_the_new_turns(server: FakeModelServer) -> None:
    server.responder = note_taker(keep=1000)
    turns = long_conversation(80)
    config = config_for(server)
    first = build_llm_snapshot(turns[:50], TITLE, [], config=config, budget_tokens=400)
    assert cited(first.markdown)
    server.reset()
    server.responder = note_taker(keep=1000)

    result = build_llm_snapshot(
        turns, TITLE, [], config=config, budget_tokens=400, previous=first, new_turns=turns[50:]
    )
    kinds = [request_kind(r.body) for r in server.requests]
    assert kinds[-1] == "final" and "whole" not in kinds
    maps = [r.body for r in server.requests if request_kind(r.body) == "map"]
    mapped = {n for body in maps for n in seen_turns(body)}
    assert mapped == {t.index for t in turns[50:]}  # the old turns are not read again
    notes = merge_notes(server)
    for line in first.markdown.splitlines():
        if line.startswith("- "):
            assert line in notes  # the previous snapshot's lines are the old notes
    assert max(cited(notes)) >= 50  # with the new turns' notes
    assert_each_request_fits(server)
    assert result.tokens_after <= 400
    assert result.tokens_before == count_tokens("\n\n".join(t.text for t in turns))
    assert result.note is not None and result.note.startswith("fast-forward: ")


def test_a_short_conversation_is_sent_whole_even_on_fast_forward(
    server: FakeModelServer,
) -> None:
    server.responder = note_taker()
    turns = long_conversation(8)
    config = config_for(server, context_tokens=8192)
    first = build_llm_snapshot(turns[:5], TITLE, [], config=config)
    result = build_llm_snapshot(
        turns, TITLE, [], config=config, previous=first, new_turns=turns[5:]
    )
    assert [request_kind(r.body) for r in server.requests] == ["whole", "whole"]
    assert seen_turns(server.requests[-1].body) == list(range(8))
    assert result.note is None


def test_an_answer_is_capped_near_its_budget_not_at_the_window(server: FakeModelServer) -> None:
    """A model that ignores the budget is stopped after about twice it: on a local CPU model,
    writing until an 8k window is full takes minutes."""
    server.responder = note_taker()
    turns = long_conversation(8)
    build_llm_snapshot(turns, TITLE, [], config=config_for(server, context_tokens=8192),
                       budget_tokens=150)  # fmt: skip
    (whole,) = server.requests
    prompt = sum(count_tokens(m["content"]) for m in whole.body["messages"])
    assert 150 <= whole.body["max_tokens"] <= 3 * 150
    assert whole.body["max_tokens"] < (8192 - prompt) // 4


def test_every_answer_of_a_map_reduce_is_capped_near_what_it_was_asked(
    server: FakeModelServer,
) -> None:
    server.responder = note_taker()
    build_llm_snapshot(long_conversation(), TITLE, [], config=config_for(server),
                       budget_tokens=300)  # fmt: skip
    final = [r for r in server.requests if request_kind(r.body) == "final"]
    assert final and all(300 <= r.body["max_tokens"] <= 3 * 300 for r in final)
    assert_each_request_fits(server)


def test_too_small_a_window_is_refused_before_any_request(server: FakeModelServer) -> None:
    config = config_for(server, context_tokens=600)
    with pytest.raises(LLMUnavailable) as raised:
        build_llm_snapshot(long_conversation(), TITLE, [], config=config, budget_tokens=300)
    assert "leaves no room" in raised.value.reason
    assert server.requests == []


def outline_reader(body: dict[str, Any]) -> str:
    """A model that, mapping, notes each paragraph's first sentence under the heading of the
    outline it was given that precedes it in the part (the heading's own paragraph says which,
    or the heading the part is said to begin under), and, merging, writes the notes back."""
    system, user = (str(m["content"]) for m in body["messages"])
    if request_kind(body) == "map":
        headings = dict(re.findall(r"^(#{2,7}) (.+)$", system, re.M))
        levels = {name: marks for marks, name in headings.items()}
        begins = re.search(r"^This part begins under the heading (#+ .+)\.$", user, re.M)
        lines: list[str] = [begins.group(1)] if begins else []
        for n, text in re.findall(r"^\[p(\d+)\] (.*)$", user, re.M):
            if text in levels:
                lines.append(f"{levels[text]} {text}")
            elif lines:
                lines.append(f"- {text.split('. ')[0].rstrip('.')}. [p{n}]")
        return "\n".join(lines)
    return user.split("<notes>\n")[1].split("\n</notes>")[0]


def test_a_long_document_keeps_its_outline_through_map_reduce(server: FakeModelServer) -> None:
    chapters = []
    for number in range(1, 7):
        topics = (TOPICS[(number + k) % len(TOPICS)] for k in range(8))
        body = "\n\n".join(topic.format(n=number) + FILLER for topic in topics)
        chapters.append(f"## Chapter {number}\n\n{body}\n\n### Notes {number}\n\n{body}")
    document = Document(text="\n\n".join(chapters), format="markdown", title="Webhook handbook")
    assert count_tokens(document.text) > 2 * CONTEXT
    server.responder = outline_reader
    result = build_llm_snapshot([], document, [], config=config_for(server), budget_tokens=600)

    kinds = [request_kind(r.body) for r in server.requests]
    assert kinds.count("map") >= 3 and kinds[-1] == "final"
    assert_each_request_fits(server)
    system = server.requests[0].body["messages"][0]["content"]
    assert "## Chapter 1\n### Notes 1\n## Chapter 2\n" in system and "## Goal" not in system
    maps = [r.body for r in server.requests if request_kind(r.body) == "map"]
    assert any("This part begins under the heading #" in m["messages"][1]["content"] for m in maps)
    headings = re.findall(r"^(#{2,3} .+)$", result.markdown, re.M)
    assert headings and "## Chapter 1" in headings
    order = [f"## Chapter {n}" if k == 0 else f"### Notes {n}" for n in range(1, 7) for k in (0, 1)]
    assert headings == [h for h in order if h in headings]  # the document's order and levels
    assert count_tokens(result.markdown) <= 600
