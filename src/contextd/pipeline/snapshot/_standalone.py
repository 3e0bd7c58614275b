"""Make every line of a snapshot stand on its own: whole thoughts, no words that point back.

A snapshot line is read far from the chat it came from. "They were an important part of my
wedding decor." says nothing there; "We found these lovely flowers. They were an important part
of my wedding decor." does. So a turn's sentences are grouped into **thoughts** before they are
judged: a sentence that opens on a word pointing back into the conversation (it, that, they,
this, ...) joins the sentence before it in the same turn, and the two compete as one line. A
reply's opening noise is cut ("Yeah, I'm lucky" -> "I'm lucky"; "Wow, Mel, that's great" keeps
only what follows the interjection; "This necklace is a gift" becomes "The necklace is a
gift"). A reply that opens by pointing back is resolved by the question it answers, when the
other side's turn ended on one: `(to "Who performed?") It was Matt Patterson`. What still
points back, with nothing before it in the turn to lean on ("It was so special!" as a turn's
first sentence), is marked `leaning`: the engine drops it, as it drops a thought with too few
content words to carry a fact.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from contextd.pipeline.snapshot._salience import phatic
from contextd.pipeline.snapshot._selection import content_words

MIN_QUESTION_WORDS = 2  # content words a question needs to resolve a reply ...
MIN_NAMING_QUESTION_WORDS = 1  # ... or one asking for a name ("What concert was it?")
MAX_QUESTION_WORDS = 16  # a longer question makes a poor antecedent for a reply
SHORT_FORM = 3  # letters, at least, of a speaker's name cut short ("Mel" for Melanie)
MAX_THOUGHT_CHARS = 480  # a thought grows no longer than this (a few sentences)
MIN_CONTENT_WORDS = 3  # fewer content words than this: small talk, whatever the words
PLAIN_CONTENT_WORDS = 4  # ... and fewer than this, unless a name, number or date is among them
# "Actually" stays: it marks a revision (`_cues`).
_INTERJECTION = (
    r"(?:yes|yeah|yep|yup|no|nope|nah|sure|ok|okay|oh|ooh|wow|whoa|woah|aww+|haha\w*|hah|lol|hmm+"
    r"|well|so|anyway|totally|definitely|absolutely|exactly|right|true|agreed"
    r"|thanks(?: so much| a lot)?|thank you(?: so much)?"
    r"|hey|hi|hello|omg|yay|ah|aha|cool|awesome|great|nice|indeed|honestly|btw"
    r"|by the way|anyways?|oh well|of course|for sure|you know|i mean|guess what)"
)
_NAME = r"(?:[,\s]+[A-Z][\w'-]*)?"  # a vocative after the interjection: "Wow, Mel, ..."
_OPENER_RE = re.compile(rf"^(?:{_INTERJECTION}{_NAME}\s*[,!.…]+\s*)+", re.IGNORECASE)
_LINK_RE = re.compile(
    r"^(?:(?:and|but|plus|also)\b\s*,?\s*|so\s*,\s*|so\s+(?=(?:i|we|you|my|our|it|they|he|she)\b))",
    re.IGNORECASE,
)
# "This necklace is special" points at a photo or a word before; "The necklace ..." does not.
# Only a determiner before a noun is rewritten: "That is great" and "This was fun" are left.
_DETERMINER_RE = re.compile(r"^(?:this|that|these|those)\s+(?=([a-z][\w'-]*))", re.IGNORECASE)
_NOT_NOUN_TEXT = """is was are were be been being has have had will would can could should may might
must do does did made makes make sounds sound looks look seems seem means mean reminds remind
really so just all one ones too also sure totally definitely always never makes gives gave got
kind sort"""
_NOT_NOUN = frozenset(_NOT_NOUN_TEXT.split())
_BACK_TEXT = """it it's its itself that that's those these this they they're they've they'd
them their theirs he he's his him she she's her hers then there's same"""
BACK_WORDS = frozenset(_BACK_TEXT.split())
_FIRST_WORD_RE = re.compile(r"[a-z]+(?:'[a-z]+)?")
# "Sunflowers mean warmth, right?" states; the tag does not make it a question.
_TAG_RE = re.compile(
    r",\s*(?:right|huh|eh|isn't it|aren't they|don't you think|you know)\s*\?\s*$", re.IGNORECASE
)
# How a chat export writes a shared image: "[shares a photo of a cup with a dog face on it]".
_CAPTION_RE = re.compile(
    r"^\[shares? (?:an? )?(?:photo|photograph|photography|picture|image|pic)(?: of)?\s+(.+)\]$",
    re.IGNORECASE,
)
_SHOWING_RE = re.compile(
    r"\b(?:here's|here is|here are|this|look|pic|pics|photo|picture|check|show|shows)\b",
    re.IGNORECASE,
)
_VOCATIVE_END_RE = re.compile(r",\s*(?P<name>[A-Z][\w'-]*)(?=\s*[!.?…]*\s*$)")
_VOCATIVE_START_RE = re.compile(r"^(?P<name>[A-Z][\w'-]*)\s*[,!]+\s*")
# "I'm super thankful" says "I'm thankful" in fewer tokens; "not very good" keeps its "very".
_INTENSIFIER_RE = re.compile(
    r"(?<=\w )(?<!not )(?<!n't )"
    r"(?:really|super|totally|truly|very|extremely|incredibly|absolutely) (?=\w)"
)
_NAMING_RE = re.compile(r"^(?:what|which|who|where|when)\b", re.IGNORECASE)
_NAMED_RE = re.compile(r"\d|(?<!^)\b[A-Z][a-z]+")


@dataclass(frozen=True)
class Thought:
    """One line's worth of a turn: a sentence and those after it that lean on it."""

    text: str
    leaning: bool  # still opens on a word that points back, with nothing to lean on
    words: int  # content words: below `MIN_CONTENT_WORDS` (or `PLAIN_CONTENT_WORDS` with
    # nothing specific among them, which the caller judges) it is small talk

    def small(self, specific: bool) -> bool:
        """Too few content words to carry a fact; `specific`: it names something or a time."""
        return self.words < (MIN_CONTENT_WORDS if specific else PLAIN_CONTENT_WORDS)


def strip_opener(text: str) -> str:
    """`text` without the interjections and links it opens with, and with a demonstrative
    before a noun made definite ("This necklace" -> "The necklace"); unchanged if the opener
    is all there is."""
    rest = text
    for _ in range(3):  # "And yup, I do": a link, then an interjection
        stripped = _LINK_RE.sub("", _OPENER_RE.sub("", rest, count=1), count=1)
        if stripped == rest:
            break
        rest = stripped
    if not rest or not any(ch.isalnum() for ch in rest):
        return text
    determiner = _DETERMINER_RE.match(rest)
    if determiner is not None and determiner.group(1).lower() not in _NOT_NOUN:
        rest = "The " + rest[determiner.end() :]
    if rest == text:
        return text  # nothing cut: "npm install fails" keeps its case
    return rest[0].upper() + rest[1:] if rest[0].islower() else rest


def leans_back(text: str) -> bool:
    """Whether `text` opens on a word that points back into the conversation."""
    first = _FIRST_WORD_RE.match(text.lower().replace("\u2019", "'").lstrip(" \"'(*-"))
    return first is not None and first.group(0) in BACK_WORDS


def question_asked(sentences: Sequence[str]) -> str | None:
    """The last question of a turn, which a reply answers first: short, and not itself
    pointing back ("How did they handle it?" resolves nothing). A question followed by more
    talk counts ("What concert was it? The event was cool!" is still answered by the name)."""
    questions = [s for s in sentences if s.rstrip().endswith("?") and not _TAG_RE.search(s)]
    if not questions:
        return None
    question = strip_opener(questions[-1].strip())
    if leans_back(question) or len(question.split()) > MAX_QUESTION_WORDS:
        return None
    least = MIN_NAMING_QUESTION_WORDS if _NAMING_RE.match(question) else MIN_QUESTION_WORDS
    if len(content_words(question)) < least:
        return None  # "How did they handle it?": nothing to resolve a reply by
    return question


def thoughts(
    sentences: Iterable[str], asked: str | None = None, names: frozenset[str] = frozenset()
) -> list[Thought]:
    """Group one turn's sentences into thoughts (in order), openers stripped.

    `asked` is the question the other side's previous turn asked last (`question_asked`): a
    reply whose first thought points back ("It was Matt Patterson!") or only names something
    ("Luna and Oliver!") is resolved by it, `(to "Who performed at the concert?") It was Matt
    Patterson!`. A sentence that is only an opener ("Thanks, Mel!") is no thought and nothing
    to lean on. A shared photo's caption joins the sentence that shows it (`_caption`).
    `names` are the speakers' lower-case names: said to the other speaker ("The bowl is
    awesome, Mel!") a name is cut, and names nothing. Intensifiers inside a sentence ("really",
    "super") are cut: they cost tokens and carry no fact.
    """
    groups: list[list[str]] = []
    caption: str | None = None
    for raw in sentences:
        shown = _caption(raw)
        if shown is not None:
            caption = shown if caption is None else f"{caption} {shown}"
            continue
        sentence = _TAG_RE.sub(".", strip_opener(_unaddressed(raw, names)))
        sentence = _INTENSIFIER_RE.sub("", sentence)
        if _OPENER_RE.sub("", sentence).strip(" ,!.?…") == "":
            continue  # "Thanks, Mel!", "Yep!": no thought
        current = groups[-1] if groups else None
        if current is not None and leans_back(sentence) and _comment(sentence):
            continue  # "It was so special.": a comment on the thought before, not a fact
        if (
            current is not None
            and leans_back(sentence)
            and not _empty(current)
            and sum(len(s) + 1 for s in current) + len(sentence) <= MAX_THOUGHT_CHARS
        ):
            current.append(sentence)
        else:
            groups.append([sentence])
    if caption is not None:
        _attach(groups, caption)
    result: list[Thought] = []
    for number, group in enumerate(groups):
        text = " ".join(group)
        words = len(content_words(text))
        if number == 0 and asked is not None and _resolvable(group[0], words):
            # The reply must say something itself: "Nah, I haven't." is no answer to keep.
            named = _NAMED_RE.search(text) is not None
            said = words >= PLAIN_CONTENT_WORDS - 1 or (named and words > 0)
            text = f'(to "{asked}") {text}'
            result.append(Thought(text, not said, len(content_words(text))))
            continue
        result.append(Thought(text, leans_back(group[0]), words))
    return result


def _unaddressed(sentence: str, names: frozenset[str]) -> str:
    """`sentence` without the speaker it is said to ("Gina! ...", "..., Mel!")."""
    if not names:
        return sentence
    for pattern in (_VOCATIVE_END_RE, _VOCATIVE_START_RE):
        match = pattern.search(sentence)
        if match is not None and speaker_named(match.group("name").lower(), names):
            rest = (sentence[: match.start()] + sentence[match.end() :]).strip()
            if any(ch.isalnum() for ch in rest):
                sentence = rest[0].upper() + rest[1:]
    return sentence


def speaker_named(word: str, names: frozenset[str]) -> bool:
    """Whether lower-case `word` is one of the speakers' `names` or its short form ("mel"
    for "melanie", "caro" for "caroline"; three letters at least)."""
    return word in names or (
        len(word) >= SHORT_FORM and any(name.startswith(word) for name in names)
    )


def _comment(sentence: str) -> bool:
    """A short remark that names nothing: "It was so special.", "That made me happy!" (not
    "They made this!", which shows a photo)."""
    return (
        len(content_words(sentence)) < PLAIN_CONTENT_WORDS
        and not _NAMED_RE.search(sentence)
        and not _SHOWING_RE.search(sentence)
    )


def _resolvable(sentence: str, words: int) -> bool:
    """Whether a reply's first thought needs the question it answers to be read: it points
    back, or it is a short answer naming something ("Luna and Oliver!", "Since 2016.")."""
    if leans_back(sentence):
        return True
    return words < PLAIN_CONTENT_WORDS and _NAMED_RE.search(sentence) is not None


def _caption(sentence: str) -> str | None:
    """A shared photo's caption as a short bracket ("[photo: a cup with a dog face]"), or None
    when `sentence` is not one."""
    match = _CAPTION_RE.match(sentence.strip())
    return f"[photo: {match.group(1).strip()}]" if match is not None else None


def _attach(groups: list[list[str]], caption: str) -> None:
    """Join `caption` to the thought that shows the photo ("Here's one I did", "they made
    this!"), else to the turn's last statement; alone when there is none (or no room)."""
    statements = [g for g in groups if not g[-1].rstrip().endswith("?")]
    showing = [g for g in statements if _SHOWING_RE.search(" ".join(g))]
    candidates = showing or statements
    target = candidates[-1] if candidates else None
    if target is None or sum(len(s) + 1 for s in target) + len(caption) > MAX_THOUGHT_CHARS:
        groups.append([caption])
    else:
        target.append(caption)


def _empty(group: list[str]) -> bool:
    """A group with nothing to lean on: praise or cheering ("Awesome!", "Sounds fun!"). A
    short statement is something ("The kids loved it! They made this cup." reads whole)."""
    return phatic(" ".join(group))
