"""Token counting: o200k_base counts, offline, on texts of any length."""

from __future__ import annotations

import threading

import bpe_openai
import pytest

from contextd.pipeline import tokens
from contextd.pipeline.tokens import TOKENIZER_NAME, count_tokens, truncate_to_tokens

PROSE = (
    "We decided to keep the tokenizer offline. It must count exactly what the model counts.\n"
    "    indented line with   extra   spaces\n\n"
    "/path/after/newline and 数据🙂 emoji, numbers 1234567 and code `x = f(y)`.\n"
)


def test_the_encoding_is_o200k_base() -> None:
    assert TOKENIZER_NAME == "o200k_base"


def test_counts_match_known_o200k_values() -> None:
    assert count_tokens("") == 0
    assert count_tokens("hello world") == 2
    assert count_tokens("Hello, world!") == 4


def test_special_token_text_is_counted_as_plain_text() -> None:
    # A pasted "<|endoftext|>" is user text, not a control token, and must not raise.
    assert count_tokens("<|endoftext|>") == 7


def test_long_text_is_counted_in_pieces_without_changing_the_count() -> None:
    # 150k characters: too long for one piece (40k) but small enough for the library to encode
    # in one call, which gives the reference count.
    text = PROSE * (150_000 // len(PROSE))
    reference = len(bpe_openai.get_encoding("o200k_base").encode_ordinary(text))
    assert count_tokens(text) == reference


def test_text_beyond_the_library_limits_is_counted() -> None:
    # The wrapper refuses >= 1,000,000 characters or > 200,000 tokens in one call. This text has
    # no newline, so the pieces are cut between words.
    text = "word" + " word" * 299_999
    assert count_tokens(text) == 300_000


def test_truncate_returns_a_prefix_that_fits() -> None:
    text = PROSE * 20
    for limit in (1, 5, 17, 100, 333):
        result = truncate_to_tokens(text, limit)
        assert text.startswith(result)
        assert count_tokens(result) <= limit
        assert count_tokens(result) >= limit - 2  # it does not give away more than it must


def test_truncate_never_splits_a_character() -> None:
    text = "数据🙂 " * 50
    for limit in range(1, 20):
        result = truncate_to_tokens(text, limit)
        assert text.startswith(result)
        assert "\ufffd" not in result
        assert count_tokens(result) <= limit


def test_truncate_edge_cases() -> None:
    assert truncate_to_tokens("anything", 0) == ""
    assert truncate_to_tokens("", 10) == ""
    assert truncate_to_tokens("short text", 1_000) == "short text"


def test_truncate_a_huge_text_only_encodes_what_it_needs() -> None:
    text = "token " * 1_000_000
    assert truncate_to_tokens(text, 10) == "token " * 9 + "token"


def test_encoding_is_loaded_once_even_under_concurrent_first_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tokens, "_encoding", None)
    loads: list[int] = []
    real = bpe_openai.get_encoding

    def counting_get_encoding(name: str) -> object:
        loads.append(1)
        return real(name)

    monkeypatch.setattr(bpe_openai, "get_encoding", counting_get_encoding)
    results: list[int] = []
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        results.append(count_tokens("hello world"))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [2] * 8
    assert len(loads) == 1
