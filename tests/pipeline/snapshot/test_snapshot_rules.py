"""The rules that make each line of a chat's snapshot carry a fact on its own.

The lines below are written for these tests in the manner of a long chat between two friends
(the LoCoMo development conversations are not quoted: their licence is the source's own).
"""

from __future__ import annotations

from datetime import datetime

from contextd.pipeline.snapshot import build_snapshot, update_snapshot
from contextd.pipeline.snapshot._dates import date_relative
from contextd.pipeline.snapshot._standalone import (
    leans_back,
    question_asked,
    strip_opener,
    thoughts,
)
from contextd.pipeline.types import Document, SnapshotDraft, Turn
from contextd.testing import FakeEmbedder

FAKE = FakeEmbedder()
SESSION = datetime(2023, 5, 8, 13, 56)  # "1:56 pm on 8 May, 2023"

# --- dates ---------------------------------------------------------------------------------


def test_a_day_named_relative_to_the_session_gets_its_date() -> None:
    said = "I went to a support group yesterday and it was so powerful."
    assert date_relative(said, SESSION) == (
        "I went to a support group yesterday (7 May 2023) and it was so powerful."
    )
    assert date_relative("I ran a charity race two days ago.", SESSION) == (
        "I ran a charity race two days ago (6 May 2023)."
    )


def test_a_week_or_a_weekday_is_said_relative_to_the_session() -> None:
    assert date_relative("Last week I went to a pride parade.", SESSION) == (
        "Last week (week before 8 May 2023) I went to a pride parade."
    )
    assert date_relative("Last Fri I took my kids to a pottery workshop.", SESSION) == (
        "Last Fri (Friday before 8 May 2023) I took my kids to a pottery workshop."
    )
    assert date_relative("We went camping two weekends ago.", SESSION) == (
        "We went camping two weekends ago (2 weekends before 8 May 2023)."
    )


def test_months_and_years_are_named() -> None:
    assert date_relative("We're going camping next month.", SESSION) == (
        "We're going camping next month (June 2023)."
    )
    assert date_relative("I read that book last year.", SESSION) == (
        "I read that book last year (2022)."
    )
    assert date_relative("I'm going to a conference this month.", SESSION) == (
        "I'm going to a conference this month (May 2023)."
    )


def test_a_span_up_to_the_session_gets_its_start() -> None:
    assert date_relative("Seven years now, and I still love painting.", SESSION) == (
        "Seven years now (since 2016), and I still love painting."
    )
    assert date_relative("I've known these friends for 4 years.", SESSION) == (
        "I've known these friends for 4 years (since 2019)."
    )
    assert date_relative("I've been running for the past three months.", SESSION) == (
        "I've been running for the past three months (since February 2023)."
    )
    said = "I've been painting for a few years."
    assert date_relative(said, SESSION) == said


def test_without_a_date_or_once_annotated_the_text_is_unchanged() -> None:
    said = "I went to a support group yesterday."
    assert date_relative(said, None) == said
    once = date_relative(said, SESSION)
    assert date_relative(once, datetime(2023, 6, 1)) == once
    assert date_relative("We may go in May.", SESSION) == "We may go in May."


# --- what points back ----------------------------------------------------------------------


def test_words_that_point_back_are_recognized() -> None:
    assert leans_back("They were an important part of my wedding decor.")
    assert leans_back("It's like a reminder of my roots.")
    assert leans_back("That's what keeps me going.")
    assert not leans_back("My sister is getting married in Porto.")
    assert not leans_back("Italy was beautiful.")


def test_a_reply_opener_is_cut_and_a_demonstrative_made_definite() -> None:
    assert strip_opener("Yeah, I'm really lucky to have friends like them.") == (
        "I'm really lucky to have friends like them."
    )
    assert strip_opener("Thanks, Mel! My friends are my rocks.") == "My friends are my rocks."
    assert strip_opener("And yup, I do- a guinea pig named Oscar.") == (
        "I do- a guinea pig named Oscar."
    )
    assert strip_opener("This necklace is a gift from my grandma in Sweden.") == (
        "The necklace is a gift from my grandma in Sweden."
    )
    assert strip_opener("That is great news.") == "That is great news."  # not a determiner
    assert strip_opener("Wow!") == "Wow!"  # nothing else: left as it is
    assert strip_opener("npm install fails on Node 18.") == "npm install fails on Node 18."
    assert strip_opener("Actually, we switch to PostgreSQL.") == (
        "Actually, we switch to PostgreSQL."  # a revision's cue is kept
    )


def test_a_sentence_that_points_back_joins_the_one_before_it() -> None:
    found = thoughts(
        [
            "We found these lovely sunflowers at the market.",
            "They were an important part of my wedding decor.",
            "My daughter turns seven next week.",
        ]
    )
    assert [t.text for t in found] == [
        "We found these lovely sunflowers at the market. "
        "They were an important part of my wedding decor.",
        "My daughter turns seven next week.",
    ]
    assert not any(t.leaning for t in found)


def test_what_points_back_with_nothing_to_lean_on_is_marked() -> None:
    found = thoughts(["Wow, that's great!", "It was so special having these moments together."])
    assert [t.leaning for t in found] == [True, True]


def test_a_reply_leaning_on_a_question_is_resolved_by_it() -> None:
    asked = question_asked(["That sounds fun!", "Who performed at the birthday concert?"])
    assert asked == "Who performed at the birthday concert?"
    found = thoughts(["It was Matt Patterson, he is so talented!"], asked)
    assert found[0].text == (
        '(to "Who performed at the birthday concert?") It was Matt Patterson, he is so talented!'
    )
    assert not found[0].leaning
    assert question_asked(["How did they handle it?"]) is None  # resolves nothing
    assert question_asked(["I painted a lake."]) is None


def test_a_question_followed_by_more_talk_is_still_the_one_answered() -> None:
    asked = question_asked(["Sounds lovely!", "Which band was it?", "My week was calm."])
    assert asked == "Which band was it?"  # asks for a name: one content word is enough
    found = thoughts(["Thanks, Ana!", "It was the Blue Tides, they were great."], asked)
    assert [t.text for t in found] == [
        '(to "Which band was it?") It was the Blue Tides, they were great.'
    ]  # "Thanks, Ana!" is only an opener: no thought, and nothing to lean on
    assert question_asked(["How did they handle it?"]) is None  # resolves nothing


def test_a_short_answer_naming_something_is_resolved_and_a_bare_one_dropped() -> None:
    found = thoughts(["Rex and Biscuit!"], "What are their names?")
    assert found[0].text == '(to "What are their names?") Rex and Biscuit!'
    assert not found[0].leaning
    bare = thoughts(["Nah, I haven't."], "Have you tried the new bakery?")
    assert not bare or bare[0].leaning or bare[0].small(specific=False)


def test_a_photo_caption_joins_the_sentence_that_shows_it() -> None:
    found = thoughts(
        [
            "The kids loved the class!",
            "They made this in an hour.",
            "What are you up to?",
            "[shares a photo of a clay cup with a cat face on it]",
        ]
    )
    assert found[0].text == (
        "The kids loved the class! They made this in an hour. "
        "[photo: a clay cup with a cat face on it]"
    )
    alone = thoughts(["[shares a photograph of a red kite over a beach]"])
    assert [t.text for t in alone] == ["[photo: a red kite over a beach]"]


def test_a_short_remark_after_a_thought_is_dropped() -> None:
    found = thoughts(["We hiked up Mount Tamsin with my dad on Sunday.", "It was so special!"])
    assert [t.text for t in found] == ["We hiked up Mount Tamsin with my dad on Sunday."]
    kept = thoughts(["We found sunflowers.", "They were an important part of my wedding decor."])
    assert len(kept) == 1 and "wedding decor" in kept[0].text  # says something: joined


def test_a_tag_question_states_and_a_vocative_is_cut() -> None:
    names = frozenset({"mel", "ana"})
    found = thoughts(["Poppies mean remembrance, right?", "The bowl is lovely, Mel!"], None, names)
    assert found[0].text == "Poppies mean remembrance."
    assert [t.text for t in found][1] == "The bowl is lovely!"
    assert thoughts(["Ana! We moved to Ghent in March."], None, names)[0].text == (
        "We moved to Ghent in March."
    )
    assert thoughts(["I'm super thankful for my really kind neighbours."])[0].text == (
        "I'm thankful for my kind neighbours."
    )
    assert thoughts(["The trail was not very steep at all."])[0].text == (
        "The trail was not very steep at all."
    )
    assert thoughts(["I went to Paris, Ana."], None, frozenset())[0].text == (
        "I went to Paris, Ana."  # no speakers known: a name is left alone
    )


def test_a_vocative_by_a_short_form_of_a_speakers_name_is_cut() -> None:
    names = frozenset({"melanie", "caroline"})  # as `_candidates.speaker_names` gives them
    assert thoughts(["The bowl is lovely, Mel!"], None, names)[0].text == "The bowl is lovely!"
    assert thoughts(["Caro! We moved to Ghent in March."], None, names)[0].text == (
        "We moved to Ghent in March."
    )
    # Two letters are no short form: "Al" is left alone.
    assert thoughts(["I went there with Al, Me."], None, names)[0].text == (
        "I went there with Al, Me."
    )


# --- the snapshot of a chat ----------------------------------------------------------------

SMALL_TALK = (
    "Wow, that's so awesome!",
    "Thanks so much, you're the best!",
    "Haha, totally!",
    "That sounds like so much fun!",
)
FACTS = (
    "I went to a pottery workshop in Tallinn yesterday with my two kids.",
    "We adopted a beagle named Max from the shelter on Pine Street.",
    "My brother Tom is moving to Osaka for a nursing job in July.",
    "I signed up for the Denver half marathon on 3 September.",
)


def _chat(rounds: int = 12) -> list[Turn]:
    """Ana tells a fact, Ben answers with small talk, and again; sessions a week apart."""
    turns: list[Turn] = []
    for i in range(rounds):
        stamp = datetime(2023, 5, 1 + i % 4 * 7, 18, 0)
        fact = FACTS[i % len(FACTS)].replace("Max", f"Max{i}").replace("Tom", f"Tom{i}")
        turns.append(Turn(len(turns), "Ana", "other", fact, stamp))
        turns.append(Turn(len(turns), "Ben", "other", SMALL_TALK[i % len(SMALL_TALK)], stamp))
    return turns


def _bullets(draft: SnapshotDraft) -> list[str]:
    """The lines of a snapshot, its index of names aside (`test_snapshot_names.py`)."""
    return [
        line
        for line in draft.markdown.splitlines()
        if line.startswith("- ") and not line.startswith("- Names mentioned: ")
    ]


def test_a_chat_snapshot_spends_nothing_on_small_talk_and_dates_its_facts() -> None:
    turns = _chat()
    draft = build_snapshot(turns, Document("", "text", "Catching up"), [], embedder=FAKE)
    bullets = _bullets(draft)
    assert bullets
    for phrase in SMALL_TALK:
        assert phrase not in draft.markdown
    assert all(line.startswith("- Ana: ") for line in bullets)
    assert "- Ana: I went to a pottery workshop in Tallinn yesterday (30 April 2023) " in (
        draft.markdown
    )
    assert draft.tokens_after <= draft.budget


def test_every_line_stands_alone() -> None:
    chatter = [  # small talk: room in the budget, and no line of its own
        Turn(i, "Mia" if i % 2 else "Leo", "other", SMALL_TALK[i % len(SMALL_TALK)])
        for i in range(24)
    ]
    exchange = [
        Turn(0, "Mia", "other", "What did you bring back from the market?"),
        Turn(
            1,
            "Leo",
            "other",
            "Oh, nice! We found these lovely sunflowers at the market. "
            "They were an important part of my wedding decor.",
        ),
        Turn(2, "Mia", "other", "Who played at your sister's party last night?"),
        Turn(3, "Leo", "other", "It was a jazz trio from Lisbon, they were so talented!"),
        Turn(4, "Mia", "other", "Yes! It was so special."),
    ]
    turns = [Turn(i, t.speaker, t.role, t.text) for i, t in enumerate([*chatter, *exchange])]
    draft = build_snapshot(turns, Document("", "text", "Catching up"), [], embedder=FAKE)
    lines = [line.split(": ", 1)[1] for line in _bullets(draft)]
    assert len(lines) == 2
    assert (
        "We found these lovely sunflowers at the market. They were an important part of my "
        "wedding decor. [t25]"
    ) in lines
    assert (
        '(to "Who played at your sister\'s party last night?") It was a jazz trio from Lisbon, '
        "they were so talented! [t27]"
    ) in lines
    assert not any("so special" in line for line in lines)  # points back, nothing to lean on


def test_a_fast_forward_keeps_the_dated_lines_without_dating_them_twice() -> None:
    turns = _chat()
    document = Document("", "text", "Catching up")
    half = len(turns) // 2
    first = build_snapshot(turns[:half], document, [], embedder=FAKE)
    forwarded = update_snapshot(first, turns[half:], document, [], embedder=FAKE)
    assert "yesterday (30 April 2023)" in forwarded.markdown
    assert ") (" not in forwarded.markdown
