"""What a sentence of a document is worth in its snapshot: the facts that carry a section.

A conversation's lines are chosen by the kind of work they record (`_cues`: decisions, next
steps...); a specification, an article or a PEP has none of that. What a reader of its snapshot
needs is what the document *states*:

- **Requirements**, with their key word kept verbatim: the BCP 14 words in capitals (MUST,
  SHOULD NOT, REQUIRED, MAY...) are the document's own marking of what is normative, so they
  weigh most; "must"/"is required" in lower case count a little.
- **Definitions**: "A wheel is a ZIP-format archive...", "X means...", "X is defined as...".
- **Specifics**: numbers, names, identifiers and code spans (`_salience`), and words rare in
  this document (its own subject matter rather than filler).
- **Examples named**: "for example", "e.g.", "such as" introduce the concrete case.

Lines that do not carry a fact lose: link-only lines ("See [the matrix](...)"), directives and
field lists, markup debris, sentences that only point elsewhere ("This section defines...",
"as described below"; "This document describes X" stays: it says what the document is), and a
sentence that only introduces what follows ("Example showing an image manifest:"), unless it is
a requirement. A sentence that opens on a word pointing back ("It", "This", "They") loses a
little, as its reader may miss what it refers to. A property list's entry ("`schemaVersion`
int") is not a line of its own: a line of its description that points back ("this", "it",
"the value") is prefixed with the property's name instead (`subject`), so "this MUST be `2`"
says what must be 2.
"""

from __future__ import annotations

import re

from contextd.pipeline.snapshot._salience import TermStats, salience
from contextd.pipeline.snapshot._selection import content_words

BCP14_WEIGHT = 1.2
SOFT_REQUIREMENT_WEIGHT = 0.25
DEFINITION_WEIGHT = 0.8
EXAMPLE_WEIGHT = 0.3
BACK_REFERENCE_FACTOR = 0.8
META_FACTOR = 0.35
MIN_CONTENT_WORDS = 3
TERM_SCORE = 0.1

_BCP14_RE = re.compile(
    r"\b(?:MUST(?: NOT)?|SHALL(?: NOT)?|SHOULD(?: NOT)?|(?:NOT )?RECOMMENDED|REQUIRED|MAY"
    r"|OPTIONAL)\b"
)
_SOFT_RE = re.compile(
    r"\b(?:must|shall|should|required|requires|mandatory|forbidden|not allowed|only if)\b"
)
_DEFINITION_RE = re.compile(
    r"\b(?:is defined as|are defined as|means|refers to|denotes|stands for|is called|are called"
    r"|is known as|hereafter|in this (?:document|specification)\b.{0,40}\b(?:is|are|means))\b"
    r"|^(?:an?|the)\s+[\w`\"'.+-]+(?:\s+[\w`\"'.+-]+){0,3}\s+(?:is|are)\s+(?:an?|the)\s",
    re.IGNORECASE,
)
_TERM_RE = re.compile(r"^`[^`]{1,60}`(?:\s+\*?[\w\[\]<>,. -]{1,40}\*?)?$")
_EXAMPLE_RE = re.compile(r"\b(?:for example|for instance|e\.g\.|such as|example)\b", re.IGNORECASE)
_META_RE = re.compile(
    r"^(?:this (?:section|chapter)\s+(?:describes|defines|covers|outlines|specifies|contains"
    r"|explains)|see (?:also|the|\[)|the following\b|as (?:described"
    r"|shown|noted) (?:below|above|in)|note:?$|table of contents|\.\. )",
    re.IGNORECASE,
)
_FIELD_RE = re.compile(r"^:?[A-Z][\w-]{1,30}: \S")  # "Status: Final", ":pep:`376`"-free headers
_BACK_RE = re.compile(
    r"^(?:it|its|this|these|those|that|they|them|such|here|there|also|however|thus|hence"
    r"|therefore|so|then|otherwise)\b",
    re.IGNORECASE,
)
_PROPERTY_BACK_RE = re.compile(
    r"^(?:this|the)\s+(?:(?:REQUIRED|OPTIONAL|RECOMMENDED)\s+)?(?:property|field|member"
    r"|attribute|key|value|parameter|element|header|option)\b",
)
RARE_WEIGHT = 0.1
_POINTING_RE = re.compile(
    r"\b(?:this|it|its|the (?:value|field|property|array|object|key))\b", re.IGNORECASE
)
_LETTER_RE = re.compile(r"[A-Za-z]")
_REFERENCE_LINK_RE = re.compile(r"\[([^\]\n]{1,200})\]\[[^\]\n]{0,100}\]")
INTRODUCES_FACTOR = 0.5


def requirement(text: str) -> bool:
    """Whether `text` states a requirement in BCP 14 capitals (MUST, SHOULD NOT, MAY...)."""
    return _BCP14_RE.search(text) is not None


def is_term(text: str) -> bool:
    """A property list's entry: "`schemaVersion` int", the subject of the lines below it."""
    return _TERM_RE.match(text.strip()) is not None


def term_name(text: str) -> str:
    """The name a property list's entry defines ("schemaVersion"), "" for other lines."""
    if not is_term(text):
        return ""
    return text.split("`")[1].strip()


def subject(text: str, name: str) -> str:
    """`text` prefixed with the property `name` it describes when it points back to it.

    "For this version of the specification, this MUST be `2`" under `schemaVersion` says nothing
    on its own; "`schemaVersion`: For this version ... MUST be `2`" does.
    """
    if not name or f"`{name}`" in text:
        return text
    if not _POINTING_RE.search(text):
        return text  # "Implementations MUST NOT error on an unknown `artifactType`" stands alone
    distinct = not (name.isalpha() and name.islower())  # "schemaVersion", "os.version"
    if distinct and re.search(rf"(?<![\w.]){re.escape(name)}(?![\w])", text):
        return text
    return f"`{name}`: {text}"  # "architecture" in "the CPU architecture" is not the property


def clean(text: str) -> str:
    """`text` without reference-style link targets: "[RFC 6838][rfc6838]" reads "RFC 6838"."""
    return _REFERENCE_LINK_RE.sub(r"\1", text)


def worth(text: str, stats: TermStats) -> float:
    """The score of one sentence of a document (0 for lines that carry no fact)."""
    if not _LETTER_RE.search(text) or _FIELD_RE.match(text):
        return 0.0
    words = content_words(text)
    binding = requirement(text)
    if is_term(text):
        return TERM_SCORE  # the lines below it carry its meaning, prefixed with its name
    if len(words) < MIN_CONTENT_WORDS and not binding:
        return 0.0
    measured = salience(text, stats)
    score = (
        0.2
        + RARE_WEIGHT * min(measured.rare, 6.0)
        + 0.2 * min(measured.names, 3)
        + 0.25 * min(measured.specifics, 2)
    )
    if binding:
        score += BCP14_WEIGHT
    elif _SOFT_RE.search(text):
        score += SOFT_REQUIREMENT_WEIGHT
    if _DEFINITION_RE.search(text):
        score += DEFINITION_WEIGHT
    if _EXAMPLE_RE.search(text):
        score += EXAMPLE_WEIGHT
    if text.rstrip().endswith(":"):  # it introduces a list or an example shown apart
        if not binding:
            return 0.0  # "Example showing an image manifest:"
        score *= INTRODUCES_FACTOR  # "Implementations MUST support the following types:"
    if _META_RE.match(text):
        score *= META_FACTOR
    elif _BACK_RE.match(text) and not _PROPERTY_BACK_RE.match(text):
        score *= BACK_REFERENCE_FACTOR
    return score
