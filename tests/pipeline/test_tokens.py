"""Token counting: o200k_base counts, offline, on texts of any length."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable
from typing import TypeVar

import bpe_openai
import pytest

from contextd.pipeline import tokens
from contextd.pipeline.tokens import TOKENIZER_NAME, count_tokens, truncate_to_tokens

T = TypeVar("T")

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


@pytest.mark.parametrize(
    "text",
    [
        PROSE,
        "def f(x):\n    return {'k': [x ** 2 // 3]}  # 日本語 🙂\n\t\ttabs  and   runs\r\n",
        "<|endoftext|><|fim_prefix|> special tokens as text",
        "lone \ud800 surrogate \udfff kept countable",
        "   leading spaces, trailing spaces   \n\n\n",
        "١٢٣ العربية Ελληνικά русский हिन्दी 한국어",
    ],
)
def test_counts_are_the_wrappers_encode_ordinary(text: str) -> None:
    # The counter calls the Rust tokenizer without the Python wrapper (a worker's cold start);
    # it must count exactly what the wrapper does, lone surrogates included.
    assert count_tokens(text) == len(bpe_openai.get_encoding("o200k_base").encode_ordinary(text))


def _fresh_python(code: str) -> str:
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    return result.stdout.strip()


def test_counting_does_not_import_the_wrapper_and_the_wrapper_still_loads_after_it() -> None:
    # In a fresh process: `import bpe_openai` parses three vocabularies (about 0.9 CPU-s) and
    # counting must not pay it; truncating needs the wrapper's decode_bytes, which must then
    # load beside the extension already initialized (a PyO3 module cannot be initialized twice).
    out = _fresh_python(
        "import sys\n"
        "from contextd.pipeline import tokens\n"
        "tokens.load()\n"
        "print(tokens.count_tokens('hello world'), 'bpe_openai' in sys.modules)\n"
        "print(repr(tokens.truncate_to_tokens('one two three four', 2)))\n"
    )
    assert out.splitlines() == ["2 False", "'one two'"]


def test_the_counter_loads_after_the_wrapper() -> None:
    out = _fresh_python(
        "from contextd.pipeline import tokens\n"
        "print(repr(tokens.truncate_to_tokens('one two three four', 3)))\n"
        "print(tokens.count_tokens('Hello, world!'))\n"
    )
    assert out.splitlines() == ["'one two three'", "4"]


def _at_once(call: Callable[[], T], threads: int = 8) -> list[T]:
    """`call`'s results from `threads` threads released together."""
    results: list[T] = []
    start = threading.Barrier(threads)

    def worker() -> None:
        start.wait()
        results.append(call())

    running = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    return results


def _counted(function: Callable[..., T]) -> tuple[Callable[..., T], list[int]]:
    """`function`, and a list that gets one entry per call of it."""
    calls: list[int] = []

    def counting(*args: object) -> T:
        calls.append(1)
        return function(*args)

    return counting, calls


def _unload_counter(monkeypatch: pytest.MonkeyPatch) -> None:
    """The counter as a fresh process has it: not loaded yet."""
    monkeypatch.setattr(tokens, "_encoder", type(tokens._encoder)(tokens._load_encoder))


@pytest.fixture
def unloaded_counter(monkeypatch: pytest.MonkeyPatch) -> None:
    _unload_counter(monkeypatch)


def test_counter_is_loaded_once_even_under_concurrent_first_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    counting_load, loads = _counted(tokens._rust_tokenizer)
    monkeypatch.setattr(tokens, "_rust_tokenizer", counting_load)
    # Unloaded only now, with the counting loader in place: a thread another test left running
    # (a worker's model preload) that counts tokens between the two would otherwise load the
    # fresh counter with the real loader, and none of the loads would be seen.
    _unload_counter(monkeypatch)
    assert _at_once(lambda: count_tokens("hello world")) == [2] * 8
    assert len(loads) == 1


@pytest.mark.usefixtures("unloaded_counter")
def test_the_wrapper_counts_when_the_rust_tokenizer_cannot_be_loaded_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken() -> object:
        raise ImportError("another layout")

    monkeypatch.setattr(tokens, "_rust_tokenizer", broken)
    assert count_tokens("Hello, world!") == 4
    assert count_tokens("lone \ud800 surrogate") == len(
        bpe_openai.get_encoding("o200k_base").encode_ordinary("lone \ud800 surrogate")
    )


def test_encoding_is_loaded_once_even_under_concurrent_first_use(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(tokens, "_encoding", type(tokens._encoding)(tokens._load_encoding))
    counting_get_encoding, loads = _counted(bpe_openai.get_encoding)
    monkeypatch.setattr(bpe_openai, "get_encoding", counting_get_encoding)
    results = _at_once(lambda: truncate_to_tokens("one two three four", 2))
    assert results == ["one two"] * 8
    assert len(loads) == 1
