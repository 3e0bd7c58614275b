"""The other code of the same source as a prior on a block's language.

A README of a C# library, a chat about a Flask app, a Rust crate's guide: most of a source's
code is in one or two languages. A short block often reads as valid code of several (three
lines of `var x = new Foo();` are C#, Java and JavaScript alike), and then the language of its
neighbours is the best guess a reader has. So, for the fences of one source:

1. every block is decided alone (`_langid.decide_block`);
2. each block's **prior** is the share of each language among the other fences: their labels
   where they carry one, else their own answers from step 1 (a block never votes for itself);
3. the block is decided again with the prior added to the text model's log-probabilities,
   `DOCUMENT_WEIGHT` nats for a language all the other fences are in (`langmodel.combine`, the
   same arithmetic that adds magika). The rules that read the block's own syntax (a superset's
   own cues, the pair rules, a language the prose names) then act on the new ranking as before,
   so syntax only one language has still decides against the neighbours.

A block decided by its shape or its cues alone (a diff, JSON, a shebang, GraphQL) has no
ranking and keeps its answer; a block the evidence leaves without a language keeps none (the
prior never makes prose or program output into code); a shell command stays one (`pip install
x` in a Python README is not Python). Shell blocks do not vote either. Unfenced code is left
out both ways: its language decides whether the span is kept at all.

The weight was chosen on documentation trees that are not held-out sets
(evals/langid_document.py; RESULTS.md, "Fourteenth pass").
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence

from contextd.pipeline.artifacts._languages import SHELL_LANGUAGES

# Nats added to a language's log-probability when every other fence of the source is in it
# (a share of one half adds half). Chosen by evals/langid_document.py on the tune half of
# tuning documentation (7: the most blocks right with the fewest broken; 8 and 10 tie on
# right answers and break more).
DOCUMENT_WEIGHT = 7.0


def document_prior(
    others: Sequence[str | None],
    labelled: Sequence[str] = (),
    silent: Collection[str] = SHELL_LANGUAGES,
) -> dict[str, float]:
    """The share of each language among a block's neighbours: `others`, the answers of the
    source's other fences (None: no language, not counted), and `labelled`, the languages of
    its fences that carry a label. Empty when no neighbour has a language.

    Shell blocks do not vote (`silent`): nearly every README installs with a shell command,
    whatever its code is in; with their votes the tuning trees lost more blocks than they won.
    """
    return _shares(_votes((*others, *labelled), silent))


def with_document(
    alone: Sequence[str | None],
    document: Sequence[bool],
    labelled: Sequence[str],
    decide: Callable[[int, Mapping[str, float]], str | None],
    silent: Collection[str] = SHELL_LANGUAGES,
) -> list[str | None]:
    """The answers of a source's blocks with the document's prior: `alone[i]` is block i's
    own answer, `document[i]` whether it is one of the source's fences (only those give and
    take the prior), `labelled` the languages of its labelled fences, and `decide(i, prior)`
    decides block i again with a prior.

    The votes are counted once and each block's own taken out (`document_prior` of the
    others, without a count of the others for every block: a long session has thousands of
    fences)."""
    members = [index for index, member in enumerate(document) if member]
    votes = _votes([*(alone[index] for index in members), *labelled], silent)
    results = list(alone)
    for index in members:
        own = alone[index]
        if own is None or own in silent:
            continue  # no code, or a shell command: what its neighbours are written in is moot
        votes[own] -= 1  # a block never votes for itself
        prior = _shares(votes)
        votes[own] += 1
        if prior:
            results[index] = decide(index, prior)
    return results


def _votes(languages: Iterable[str | None], silent: Collection[str]) -> Counter[str]:
    return Counter(
        language for language in languages if language is not None and language not in silent
    )


def _shares(votes: Counter[str]) -> dict[str, float]:
    total = sum(votes.values())
    return {k: count / total for k, count in votes.items() if count} if total else {}
