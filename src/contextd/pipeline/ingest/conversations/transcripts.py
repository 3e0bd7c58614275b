"""Plain-text transcripts: "User: ..." / "Assistant: ..." lines, headings or bold names.

Pasted or converted transcripts only have "Speaker:" lines. `parse_transcript` accepts a text
as a conversation only on evidence (several turns, several speakers, little text outside the
turns), because wrongly chopping an ordinary document into "turns" by its "Note:" lines is
worse than treating a conversation as one document. Linear in the size of the input:
transcripts of a million words are normal.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime

from contextd.pipeline._fences import trim_blank_lines
from contextd.pipeline.ingest.conversations._speakers import (
    is_known_speaker,
    parse_timestamp,
    speaker_role,
)
from contextd.pipeline.types import Conversation, Turn

_LABELS = """
    a address advantages answer appendix args arguments attention author background bcc bonus
    case caution caveat cc chapter conclusion cons context cost danger date definition
    description details disadvantages disclaimer edit email error errors example examples
    exception exercise figure fix fixme from goal goals hint important info information input
    introduction issue label lesson location name nb note notes notice option options output
    overview p.s params parameters part phone price problem prerequisites pros ps q question
    raises re reason requirements result results return returns rule section see solution source
    sources status step steps subject summary table task tip tips title tl;dr tldr to todo total
    update usage version warning yields
    attribute callback class constant constructor enum event field function hook interface method
    module namespace property static struct type at by for in on with
"""
_NOT_NAMES = frozenset(_LABELS.split())

# A speaker's name: up to 40 characters of letters, digits, spaces and . ' - _ starting with a
# letter. Every part of the pattern is bounded, so a line costs the same whatever follows.
_NAME = r"[^\W\d_][\w.'\u2019\- ]{0,39}?"
_CORE = re.compile(
    r"(?:\[(?P<pre>[^\[\]]{1,40})\][ \t]*)?"  # [12:01] Alice:
    rf"(?P<name>{_NAME})"
    r"(?:[ \t]*\((?P<paren>[^()]{1,40})\))?"  # User (2024-01-02 10:00):
    r"(?:[ \t]+·[ \t]+(?P<dot>[^·]{1,40}?))?"  # ### User · 2024-01-02T10:00:00Z
    r"(?P<said>[ \t]+said)?"  # ChatGPT said:
    r"[ \t]*(?:(?P<colon>:)(?:[ \t]+(?P<rest>.*))?)?"
)
_BOLD = re.compile(r"(\*\*|__)([^*_]{1,100}?)\1(.*)")
_PROMPT = re.compile(r">>>[ \t]*(.*)")
_FENCE = re.compile(r"(`{3,}|~{3,})(.*)")


@dataclass(frozen=True)
class _Head:
    """A line that may start a turn."""

    line: int
    style: str
    speaker: str
    known: bool
    timestamp: datetime | None
    stamped: bool  # a timestamp was written, even one that gives no datetime ("12:01")
    rest: str


def _looks_like_time(value: str) -> bool:
    return any(ch.isdigit() for ch in value) and all(
        ch.isalnum() or ch in " :/.,-+" for ch in value
    )


def _plausible_name(name: str, *, lenient: bool) -> bool:
    """A person's name or handle rather than a label such as "Note" or "Step 2"."""
    words = name.split()
    if not 1 <= len(words) <= 3:
        return False
    if words[0].lower().rstrip(".") in _NOT_NAMES or name.lower() in _NOT_NAMES:
        return False
    # Without a timestamp to vouch for it, "The answer:" is prose: names are capitalised (or
    # written in a script without case).
    return lenient or all(word[0].isalpha() and not word[0].islower() for word in words)


def _read_core(text: str, style: str, line: int) -> _Head | None:
    """Parse "[time] Name (time) · time said: rest" once the style's markup is removed."""
    m = _CORE.fullmatch(text)
    if m is None:
        return None
    speaker = m["name"].strip()
    known = is_known_speaker(speaker)
    prefix = m["pre"]
    if prefix is not None and not _looks_like_time(prefix):
        return None
    if not m["colon"] and (style == "plain" or not (known or m["dot"])):
        return None  # "## Introduction" is a section, "User" alone on a line is a word
    if m["said"] and not known:
        return None  # "Alice said: ..." is prose
    if not known and not _plausible_name(speaker, lenient=prefix is not None):
        return None
    stamp = next((s for s in (prefix, m["paren"], m["dot"]) if s), None)
    timestamp = parse_timestamp(stamp) if stamp else None
    return _Head(line, style, speaker, known, timestamp, stamp is not None, m["rest"] or "")


def _heading_text(line: str) -> str | None:
    """The text of an ATX heading ("## Title ##" -> "Title"), without a regex: headings are long."""
    level = len(line) - len(line.lstrip("#"))
    if not 1 <= level <= 6 or line[level : level + 1] not in (" ", "\t"):
        return None
    text = line[level:].strip()
    closing = text.rstrip("#")
    if closing != text and (not closing or closing[-1] in " \t"):
        text = closing.rstrip()
    return text


def _read_head(text: str, line: int) -> _Head | None:
    """Recognise one (stripped) line as a speaker line in any supported style, or None."""
    first = text[:1]
    if first == "#":
        heading = _heading_text(text)
        return _read_core(heading, "heading", line) if heading else None
    if first in ("*", "_"):
        m = _BOLD.fullmatch(text)
        if m is None:
            return None
        inner, after = m[2].rstrip(), m[3]
        if not inner.endswith(":"):
            after = after.lstrip(" \t")  # "**User**: hi"
            if after and after[0] != ":":
                return None
        return _read_core(inner + after, "bold", line)
    if first == ">":
        m = _PROMPT.fullmatch(text)
        return _read_core(m[1], "prompt", line) if m else None
    if ":" not in text[:100]:
        return None  # the common case: a line of prose, rejected without a regex
    return _read_core(text, "plain", line)


def _fenced_lines(lines: Sequence[str]) -> list[bool]:
    """Which lines sit inside ``` or ~~~ fences (fence lines included).

    A fence that is never closed is treated as text: one stray ``` in a pasted answer must not
    swallow every later turn.
    """
    opens: list[tuple[int, str, int]] = []  # (line, char, length)
    closers: dict[str, list[tuple[int, int]]] = {"`": [], "~": []}
    for i, line in enumerate(lines):
        if "```" not in line and "~~~" not in line:
            continue
        m = _FENCE.fullmatch(line.strip())
        if m is None or (m[1][0] == "`" and "`" in m[2]):
            continue  # not a fence, or ```inline code``` on one line
        marker, info = m[1], m[2]
        opens.append((i, marker[0], len(marker)))
        if not info.strip():
            closers[marker[0]].append((i, len(marker)))
    closer_lines = {char: [c[0] for c in found] for char, found in closers.items()}
    inside = [False] * len(lines)
    position = 0
    for start, char, length in opens:
        if start < position:
            continue
        candidates = closers[char]
        k = bisect.bisect_right(closer_lines[char], start)
        while k < len(candidates) and candidates[k][1] < length:
            k += 1
        if k == len(candidates):
            continue
        end = candidates[k][0]
        inside[start : end + 1] = [True] * (end + 1 - start)
        position = end + 1
    return inside


def _heads(lines: Sequence[str]) -> Iterator[_Head]:
    inside = _fenced_lines(lines)
    for i, line in enumerate(lines):
        if inside[i]:
            continue
        if line.startswith(("    ", "\t")):
            continue  # an indented code block
        text = line.strip()
        if text and (head := _read_head(text, i)) is not None:
            yield head


def _select(heads: list[_Head]) -> list[_Head]:
    """Keep the speaker lines that belong to the conversation's own layout.

    A transcript is written in one style; speaker-looking lines in another style are content
    (an answer's "**Example:**"). The style is the one most of the known speaker names use.
    When at least two known speakers (User, Assistant, ...) take part, other names are content
    too (an example dialogue inside an answer).
    """
    if not heads:
        return []
    styles = Counter(h.style for h in heads if h.known) or Counter(h.style for h in heads)
    style = styles.most_common(1)[0][0]
    heads = [h for h in heads if h.style == style]
    if len({h.speaker.lower() for h in heads if h.known}) >= 2:
        return [h for h in heads if h.known]
    if any(h.known for h in heads):
        return heads
    # Only names nobody knows, as in a chat between people. People speak more than once, while the
    # labels of a "Name: value" list do not repeat; a timestamp on every line vouches by itself.
    if len(heads) > len({h.speaker for h in heads}) or all(h.stamped for h in heads):
        return heads
    return []


# Text before the first turn (a title, a pasted intro) may be at most this share of the whole,
# unless it is shorter than _SMALL_PREAMBLE characters.
_MAX_PREAMBLE_SHARE = 0.4
_SMALL_PREAMBLE = 200


def parse_transcript(text: str) -> Conversation | None:
    """Split a plain-text transcript into turns, or return None when it is not a conversation.

    A speaker line starts a turn and the lines until the next speaker line belong to it; lines
    inside code fences never start turns. Evidence required: two or more turns, two or more
    distinct speakers, and most of the text inside turns (a title or a short intro may precede).
    """
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    heads = _select(list(_heads(lines)))
    if len(heads) < 2 or len({h.speaker.lower() for h in heads}) < 2:
        return None
    preamble = lines[: heads[0].line]
    outside = sum(len(line.strip()) for line in preamble)
    total = outside + sum(len(line.strip()) for line in lines[heads[0].line :])
    if outside > max(_SMALL_PREAMBLE, _MAX_PREAMBLE_SHARE * total):
        return None
    turns: list[Turn] = []
    bounds = [h.line for h in heads[1:]] + [len(lines)]
    for head, end in zip(heads, bounds, strict=True):
        body = trim_blank_lines([head.rest, *lines[head.line + 1 : end]])
        role = speaker_role(head.speaker)
        turns.append(Turn(len(turns), head.speaker, role, body, head.timestamp))
    return Conversation(_title(preamble), tuple(turns))


def _title(preamble: Sequence[str]) -> str | None:
    for line in preamble:
        heading = _heading_text(line.strip())
        if heading:
            return heading
    return None
