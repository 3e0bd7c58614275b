"""A character n-gram model of each language: a second opinion where the text model is unsure.

The text model (`langmodel`) weighs which tokens a block has, not in what order its characters
come; magika reads bytes but was trained on whole files. On short blocks of code the model was
not trained on, both leave close candidates (Kotlin or Swift, C# or Java, C or C++), and how
plausible the block's character sequence is in each of them separates many of those: out of
fold on documentation and code cuts of 31 repositories the model never saw, the blocks it is
asked about gained 1 to 3 points (RESULTS.md, "Fourteenth pass").

For each language, a backoff model of the table's order (4) over the block's characters (runs
of spaces and tabs squeezed, digits as 0): the log-probability of each character after the 3
before it, from the longest of its n-grams the language's training code holds
(Witten-Bell-interpolated when fitted, n-grams seen fewer than 3 times dropped), minus a fixed
backoff penalty for each shorter n-gram tried. A block's score in a language is its mean
log-probability a character; `with_chars` adds `WEIGHT` times each candidate's distance to the
best one to the ranking, as magika's probabilities are added (`langmodel.combine`).

It is asked only when magika is (the text model not sure), for the `CANDIDATES` most probable
languages; the others fall `_FAR` nats a character behind. The table (`langid_chargrams.npz`,
5.2 MB compressed, ~23 MB in memory: the n-grams' keys, and for each a byte a language, its
log-probability in tenths of a nat) is written by evals/train_charlm.py from the text model's
training code and read once (`_once`, ~0.06 s). A block's n-grams are looked up all at once
(numpy), ~1 ms a block.
"""

from __future__ import annotations

import io
import json
import re
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

import numpy as np

from contextd.pipeline._once import Once
from contextd.pipeline.artifacts import langmodel

FILE = "langid_chargrams.npz"
# Nats a character added to the ranking's log-probabilities per nat of mean log-probability a
# character behind the best candidate. Chosen by evals/train_charlm.py's evaluation (the tune
# half of the documentation and code cuts).
WEIGHT = 1.0
CANDIDATES = 8  # the text model's most probable languages that are scored
_FAR = -5.0  # a language not scored: this far behind the best, a character
_UNSEEN = 255  # a language's byte in a row: it has no such n-gram
_SAMPLE_CHARS = 4_000
_SPACE_RE = re.compile(r"[ \t]+")
_DIGIT_RE = re.compile(r"[0-9]")


@dataclass(frozen=True)
class _Table:
    order: int
    backoff: float  # log-probability added for each shorter n-gram tried
    floor: float  # a character no n-gram of the language holds
    scale: float  # a stored byte v is a log-probability of -v * scale
    languages: dict[str, int]  # language -> its column in `values`
    keys: np.ndarray  # the n-grams' 64-bit keys (`_keys`), sorted
    values: np.ndarray  # uint8, a row a key and one more of `_UNSEEN` for a missing n-gram


def normalize(text: str, order: int) -> str:
    """What both training and scoring read: the sample, spaces squeezed, digits as 0, after
    `order - 1` start marks (so the first characters have a context)."""
    squeezed = _DIGIT_RE.sub("0", _SPACE_RE.sub(" ", text[:_SAMPLE_CHARS]))
    return "\x02" * (order - 1) + squeezed


def _keys(grams: list[str]) -> np.ndarray:
    """A 64-bit key an n-gram (two checksums of its UTF-8): the table holds keys, not strings,
    so that it takes ~23 MB in memory rather than ~100 (the chance that an n-gram a language
    lacks takes another's key is about one in ten thousand a lookup)."""
    encoded = [gram.encode("utf-8") for gram in grams]
    return np.fromiter(
        ((zlib.crc32(b) << 32) | zlib.adler32(b) for b in encoded), np.uint64, len(encoded)
    )


def build(
    grams: dict[str, dict[int, int]], languages: list[str], settings: dict[str, float]
) -> dict[str, np.ndarray]:
    """The arrays of a table (`evals/train_charlm.py` saves them, `load` reads them):
    n-gram -> {column: stored byte} for `languages`, with `settings` (order, backoff, floor,
    scale) kept beside them."""
    keys = _keys(list(grams))
    order = np.argsort(keys, kind="stable")
    values = np.full((len(grams) + 1, len(languages)), _UNSEEN, np.uint8)
    for row, cells in enumerate(grams.values()):
        for column, value in cells.items():
            values[row, column] = value
    values[:-1] = values[:-1][order]
    meta = json.dumps({"languages": languages, **settings})
    return {"keys": keys[order], "values": values, "meta": np.array(meta)}


def load(arrays: Mapping[str, np.ndarray]) -> _Table:
    meta = json.loads(str(arrays["meta"]))
    return _Table(
        order=int(meta["order"]),
        backoff=float(meta["backoff"]),
        floor=float(meta["floor"]),
        scale=float(meta["scale"]),
        languages={language: column for column, language in enumerate(meta["languages"])},
        keys=arrays["keys"],
        values=arrays["values"],
    )


def lookup(table: _Table, grams: list[str]) -> np.ndarray:
    """The rows of `grams` (the `_UNSEEN` row for those the table lacks)."""
    wanted = _keys(grams)
    found = np.searchsorted(table.keys, wanted)
    found[found == len(table.keys)] = 0
    hit = table.keys[found] == wanted if len(table.keys) else np.zeros(len(wanted), bool)
    return np.where(hit, found, len(table.values) - 1)


def _read() -> _Table | None:
    try:
        data = resources.files(__package__).joinpath(FILE).read_bytes()
    except FileNotFoundError:
        return None  # not shipped (a source tree without the table): no second opinion
    with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
        return load({name: arrays[name] for name in arrays.files})


_table = Once(_read).get


def available() -> bool:
    return _table() is not None


def mean_log_probabilities(text: str, languages: list[str]) -> dict[str, float]:
    """The mean log-probability a character of `text` in each of `languages` the table has."""
    table = _table()
    if table is None:
        return {}
    names = [language for language in languages if language in table.languages]
    if not names:
        return {}
    columns = [table.languages[language] for language in names]
    sample = normalize(text, table.order)
    ends = range(table.order - 1, len(sample))
    # every n-gram ending at each character, longest first: [lengths, characters] rows
    lengths = range(table.order, 0, -1)
    grams = [sample[end - n + 1 : end + 1] for n in lengths for end in ends]
    rows = lookup(table, grams).reshape(len(lengths), len(ends))
    values = table.values[rows][:, :, columns]  # [lengths, characters, languages]
    held = values != _UNSEEN
    longest = held.argmax(axis=0)  # for each character and language, the first length held
    chosen = np.take_along_axis(values, longest[None], axis=0)[0].astype(np.float64)
    scores = np.where(
        held.any(axis=0),
        -chosen * table.scale + longest * table.backoff,
        table.floor + table.order * table.backoff,
    )
    means = scores.mean(axis=0) if len(ends) else np.zeros(len(names))
    return {language: float(mean) for language, mean in zip(names, means, strict=True)}


def with_chars(
    ranked: list[tuple[str, float]], text: str, weight: float | None = None
) -> list[tuple[str, float]]:
    """`ranked` with the character model's opinion added (see the module docstring) at
    `weight` (default `WEIGHT`; evals/train_charlm.py passes others to choose it)."""
    candidates = [language for language, _ in ranked[:CANDIDATES]]
    scores = mean_log_probabilities(text, candidates)
    if not scores:
        return ranked
    best = max(scores.values())
    distance = {language: scores.get(language, best + _FAR) - best for language, _ in ranked}
    return langmodel.combine(ranked, distance, WEIGHT if weight is None else weight)
