"""Weigh the syntax cues, the code's tokens and magika's probabilities into one answer.

Hand-set weights could not do it: a long C file scores dozens of cue points, so magika's
probability never mattered. A single fitted model over cues, tokens and magika did not either:
fitted on blocks its tokens separate perfectly, it learnt to trust tokens over magika and
then overruled a confident magika on other people's code (OCaml, Tcl, Julia). So two stages:

1. **Text model**: a multinomial logistic regression over the block's own evidence:
   ``cue:<language>`` = log(1 + the language's cue score); ``t:<token>`` for each distinct
   token (identifiers, keywords, runs of punctuation such as ``:=``), ``^<token>`` for the
   first token of a line (comment markers ``%``, ``;``, ``--``), ``<token>$`` for the last one
   (``;``, ``{``, ``end``) and ``<a> <b>`` for two tokens in a row (``fn main``, ``let mut``);
   and ``c:<chars>``, the block's character n-grams (spaces squeezed, digits as ``0``), which
   see what tokens split apart: ``::``-paths, ``|> ``, ``$"``, indentation before ``end``.
   The vocabulary is the features most shared by the training blocks (tokens and character
   n-grams each get their own budget; the n is stored with the weights: 0 in the shipped
   ones, since out of fold the n-grams lowered the text model on the two tuning corpora least
   like the training trees, Linguist's samples and learnxinyminutes).
   Each language counts as much as any other in the fit, however much code it had: the
   report sets are balanced, and a language with more training code must not become a
   prior (C++ 1,429 blocks, OCaml 334).
2. **magika on top**: the answer maximises log p_text(language) + w * p_magika(language), with
   one weight w chosen on text-model probabilities of blocks the text model was *not* fitted
   on (a stacked regression with a weight per language pair did worse out of fold: it learnt
   the corpora, not how far to trust magika on unseen code). A weight of a language's own
   (``magika_weights``) is read when the trainer keeps one; chosen on one half of the tuning
   blocks, such weights gained nothing on the other half, so none is shipped.

Without magika (not installed, budget spent, or the text model already sure) stage 1 answers.
Public because `evals/train_langid.py` fits it; the weights (`langid_weights.json`, int8 with
one scale, generated there) need neither numpy nor scikit-learn at run time.
"""

from __future__ import annotations

import base64
import itertools
import json
import math
import operator
import re
from array import array
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from typing import Any

from contextd.pipeline._once import Once
from contextd.pipeline.artifacts._cues import CUES as CUES  # public: evals/langid_errors.py

LOG_FLOOR = -30.0  # the log-probability of a language the text model rules out


@dataclass(frozen=True)
class _Layer:
    """One logistic regression: a weight row (one weight per class) for each feature."""

    bias: tuple[float, ...]
    scale: float
    rows: dict[str, array[int]]  # int8 weights, kept packed (tens of thousands of rows)

    def logits(self, features: Mapping[str, float]) -> list[float]:
        # Most features are present/absent (value 1): their rows are summed as integers in C
        # (map over two sequences), which keeps a block of a thousand features near a
        # millisecond without numpy.
        ones = [0] * len(self.bias)
        out = [0.0] * len(self.bias)
        for name, value in features.items():
            row = self.rows.get(name)
            if row is None:
                continue
            if value == 1.0:
                ones = list(map(operator.add, ones, row))
            else:
                out = [v + value * w for v, w in zip(out, row, strict=True)]
        return [b + self.scale * (v + k) for b, v, k in zip(self.bias, out, ones, strict=True)]


@dataclass(frozen=True)
class _Weights:
    classes: tuple[str, ...]
    text: _Layer
    magika_weight: float
    magika_weights: dict[str, float]  # a language's own weight, where one was chosen
    sure: float
    chars: int  # n of the character n-gram features (0: none)


def _layer(data: dict[str, Any], n: int) -> _Layer:
    """Decode a layer: int8 rows in base64, times one scale."""
    rows = {name: array("b", base64.b64decode(packed)[:n]) for name, packed in data["rows"].items()}
    return _Layer(tuple(float(b) for b in data["bias"]), float(data["scale"]), rows)


def _read_weights() -> _Weights:
    """The weights file, read once (a few MB of JSON, decoded in well under a second)."""
    path = resources.files("contextd.pipeline.artifacts") / "langid_weights.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    classes = tuple(data["classes"])
    return _Weights(
        classes=classes,
        text=_layer(data["text"], len(classes)),
        magika_weight=float(data["magika_weight"]),
        magika_weights={k: float(v) for k, v in data.get("magika_weights", {}).items()},
        sure=float(data["sure"]),
        chars=int(data.get("chars", 0)),
    )


_fitted = Once(_read_weights).get


def classes() -> tuple[str, ...]:
    """The languages the combiner can answer."""
    return _fitted().classes


def sure_threshold() -> float:
    """The text model's probability from which magika is not consulted (above 1: always).

    Chosen by `evals/train_langid.py` on out-of-fold probabilities: a model is over-confident
    on the blocks it was fitted on, and a threshold chosen there skips magika where it is right.
    """
    return _fitted().sure


def named_languages() -> frozenset[str]:
    """Every language identification can answer: the combiner's and those of the cues."""
    return frozenset(classes()) | {cue.language for cue in CUES}


_TOKEN_RE = re.compile(r"[A-Za-z_][\w]*|[^\w\s]{1,3}")
_MAX_LINES = 200


def tokens(text: str) -> set[str]:
    """The text model's token features of `text` (see the module docstring)."""
    found: set[str] = set()
    for line in text.split("\n")[:_MAX_LINES]:
        words = _TOKEN_RE.findall(line)
        if not words:
            continue
        found.update("t:" + word for word in words)
        found.add("^" + words[0])
        found.add(words[-1] + "$")
        found.update(f"{a} {b}" for a, b in itertools.pairwise(words))
    return found


_SPACES_RE = re.compile(r"[ \t]+")
_DIGITS_RE = re.compile(r"\d")
_CHAR_SAMPLE = 2_000  # characters whose n-grams are counted (the cost grows with it)


def char_grams(text: str, n: int) -> set[str]:
    """The character n-gram features of `text` (see the module docstring); none for n = 0."""
    if n <= 0:
        return set()
    squeezed = _DIGITS_RE.sub("0", _SPACES_RE.sub(" ", text[:_CHAR_SAMPLE]))
    return {"c:" + squeezed[i : i + n] for i in range(len(squeezed) - n + 1)}


def text_features(
    cue_scores: Mapping[str, float], text: str, chars: int | None = None
) -> dict[str, float]:
    """Stage 1's input: log-damped cue scores, the block's tokens and character n-grams.

    `chars` is the n of the n-grams: the fitted model's unless the trainer asks for another.
    """
    n = _fitted().chars if chars is None else chars
    out = {f"cue:{k}": math.log1p(v) for k, v in cue_scores.items() if v > 0}
    out.update(dict.fromkeys(tokens(text), 1.0))
    out.update(dict.fromkeys(char_grams(text, n), 1.0))
    return out


def _softmax(names: tuple[str, ...], logits: list[float]) -> list[tuple[str, float]]:
    top = max(logits)
    exps = [math.exp(value - top) for value in logits]
    total = sum(exps)
    return sorted(
        ((k, v / total) for k, v in zip(names, exps, strict=True)), key=lambda item: -item[1]
    )


def rank(
    cue_scores: Mapping[str, float], probabilities: Mapping[str, float] | None, text: str
) -> list[tuple[str, float]]:
    """Languages by probability, most likely first (`probabilities` None: the text model)."""
    fitted = _fitted()
    ranked = _softmax(fitted.classes, fitted.text.logits(text_features(cue_scores, text)))
    if probabilities is None:
        return ranked
    return combine(ranked, probabilities, fitted.magika_weight, fitted.magika_weights)


def with_magika(
    ranked: list[tuple[str, float]], probabilities: Mapping[str, float]
) -> list[tuple[str, float]]:
    """`rank`'s answer with magika, from the text model's ranking already computed."""
    fitted = _fitted()
    return combine(ranked, probabilities, fitted.magika_weight, fitted.magika_weights)


def combine(
    ranked: list[tuple[str, float]],
    probabilities: Mapping[str, float],
    weight: float,
    per_language: Mapping[str, float] | None = None,
) -> list[tuple[str, float]]:
    """The text model's probabilities with magika's added on the log scale (see the doc).

    `per_language` overrides `weight` for the languages on which magika is more (or less)
    reliable than on the rest, as chosen out of fold by the trainer.
    """
    own = per_language or {}
    names = tuple(k for k, _ in ranked)
    logits = [max(math.log(p), LOG_FLOOR) if p > 0 else LOG_FLOOR for _, p in ranked]
    logits = [
        v + own.get(k, weight) * probabilities.get(k, 0.0)
        for k, v in zip(names, logits, strict=True)
    ]
    return _softmax(names, logits)
