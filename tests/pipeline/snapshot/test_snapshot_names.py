"""A chat's index of the names each speaker mentioned: one line that holds a list said over
many sessions ("Coco" in May, "Shadow" in July), which no line of one turn can hold.

The chat below is written for these tests in the manner of a long chat between two friends; one
test reads a LoCoMo development conversation (skipped when the data are not there).
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from contextd.pipeline.snapshot import build_snapshot, update_snapshot
from contextd.pipeline.snapshot._names import NameIndex, names_in, pastimes_in
from contextd.pipeline.types import Document, Turn
from contextd.testing import FakeEmbedder
from tests.support.settings import SHARED

FAKE = FakeEmbedder()
SPEAKERS = frozenset({"maria", "john"})
LOCOMO = SHARED / "evaldata" / "locomo-dev" / "conv-41.json"


def test_names_inside_a_sentence_are_found_and_sentence_openers_are_not() -> None:
    said = (
        'Hey John! I loved reading "Charlotte\'s Web" as a kid. We flew to Paris. Then we saw '
        "the Grand Canyon with my cousin Jean on Friday, OK? It was Matt Patterson's show."
    )
    assert names_in(said, SPEAKERS) == [
        "Charlotte's Web",
        "Paris",
        "Grand Canyon",
        "Jean",
        "Matt Patterson",
    ]
    # The speakers and their short forms ("Mari" for Maria) name nobody new.
    assert names_in("I told Mari and John about Oregon and Florida.", SPEAKERS) == [
        "Oregon",
        "Florida",
    ]
    assert names_in("We went there last Tuesday in May.", SPEAKERS) == []
    # A shared photo's caption is not what the speaker said.
    assert names_in("Look! [shares a photo of a dog in Central Park]", SPEAKERS) == []


def test_a_pastime_is_a_word_in_ing_said_as_a_noun() -> None:
    said = (
        "We went camping in the forest and I love painting. I love seeing the kids smile. "
        "John got into kickboxing lately, and I'm going to the store. Doing great!"
    )
    assert pastimes_in(said) == ["camping", "painting", "kickboxing"]


def _chat() -> list[Turn]:
    """Maria names one dog in May and the other in July, between talk that names nothing."""
    filler = [
        ("John", "How have you been lately? Anything new with the shelter work?"),
        ("Maria", "Busy but good, the volunteers keep me going every single week."),
        ("John", "That's great to hear, I should come by and help out sometime soon."),
        ("Maria", "You should! We always need more hands on the weekends there."),
    ]
    said = [
        ("Maria", "I adopted a puppy last week, her name is Coco and she loves the beach."),
        ("John", "Our trip to Oregon was wonderful, the waterfalls were stunning."),
        ("Maria", "Big news: I adopted a second dog, a shy mutt we named Shadow."),
        ("John", "My son Kyle just turned one and my daughter Sara started school."),
        ("Maria", "I went hiking with the church group, and I started swimming again!"),
    ]
    turns: list[Turn] = []
    for session, (speaker, text) in enumerate(said):
        stamp = datetime(2023, 5 + session, 10, 18, 0)
        for who, chatter in [*filler, (speaker, text), *filler]:
            turns.append(Turn(len(turns), who, "other", chatter, stamp))
    return turns


def _index_lines(markdown: str, kind: str = "Names") -> list[str]:
    return [line for line in markdown.splitlines() if line.startswith(f"- {kind} mentioned: ")]


def test_a_list_said_over_sessions_is_held_by_one_line() -> None:
    turns = _chat()
    draft = build_snapshot(turns, Document("", "text", "Catching up"), [], embedder=FAKE)
    assert draft.tokens_after <= draft.budget
    (line,) = _index_lines(draft.markdown)
    # Speakers in the order they first spoke, names in the order first said.
    assert line.startswith("- Names mentioned: John: Oregon, Kyle, Sara; Maria: Coco, Shadow [t")
    cited = [int(ref) for ref in line.rsplit("[", 1)[1].strip("]").replace("t", "").split(", ")]
    assert all("Coco" in turns[i].text or "Oregon" in turns[i].text for i in cited[:2])
    (pastimes,) = _index_lines(draft.markdown, "Pastimes")
    assert pastimes.startswith("- Pastimes mentioned: Maria: hiking, swimming [t")


def test_a_fast_forward_merges_the_index_with_the_new_names() -> None:
    turns = _chat()
    document = Document("", "text", "Catching up")
    cut = next(t.index for t in turns if "Kyle" in t.text)  # Kyle and Sara come after it
    first = build_snapshot(turns[:cut], document, [], embedder=FAKE)
    # John has named one place only so far: a speaker is listed from two names on.
    assert [line.split(" [")[0] for line in _index_lines(first.markdown)] == [
        "- Names mentioned: Maria: Coco, Shadow"
    ]
    forwarded = update_snapshot(first, turns[cut:], document, [], embedder=FAKE)
    (line,) = _index_lines(forwarded.markdown)
    assert line.startswith("- Names mentioned: Maria: Coco, Shadow; John: Kyle, Sara [t")


def test_a_chat_between_a_user_and_an_assistant_gets_no_index() -> None:
    turns = [
        Turn(i, "User" if i % 2 == 0 else "Assistant", "user" if i % 2 == 0 else "assistant", t)
        for i, t in enumerate(
            [
                "We deploy the API to Fly and the worker to Render, both from GitHub Actions.",
                "Then keep the secrets in GitHub and pass them to Fly and Render at deploy time.",
            ]
            * 6
        )
    ]
    draft = build_snapshot(turns, Document("", "text", "Deploy"), [], embedder=FAKE)
    assert _index_lines(draft.markdown) == []


def test_a_locomo_chat_names_both_dogs_in_one_line() -> None:
    if not LOCOMO.exists():
        pytest.skip(f"LoCoMo development data not found at {LOCOMO}")
    raw = json.loads(LOCOMO.read_text())
    data = raw.get("conversation", raw)
    turns: list[Turn] = []
    for number in range(1, 100):
        for item in data.get(f"session_{number}", []):
            turns.append(Turn(len(turns), item["speaker"], "other", item["text"]))
    index = NameIndex(frozenset(t.speaker.lower() for t in turns))
    index.add_turns(turns)
    line = index.line(max_tokens=1_000)
    assert line is not None
    text, cited, count = line
    maria = next(part for part in text.split("; ") if "Maria: " in part)
    assert "Coco" in maria and "Shadow" in maria  # named months apart
    assert count >= 10 and all(0 <= i < len(turns) for i in cited)
