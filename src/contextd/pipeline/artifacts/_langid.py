"""Name the language of a piece of code from its text (no fence label), and the prose before it.

Three sources of evidence, cheapest first:

1. **Certain cues** (`_shapes`) decide alone: a diff's shape (`_diffshape`), a shebang, a
   diagram header (`graph TD`, `@startuml`, `digraph {`), a shell prompt (`$ `,
   `PS C:\\>`), a language's REPL prompt (`>>> `, `iex(1)>`, `julia>`, `scala>`...), a
   document that parses as JSON, an XML/PHP/HTML prologue. File trees, box drawings and
   network consoles get no language.
2. **Weighted syntax cues** (`_cues`): about 170 regular expressions, each tied to one
   language with a weight (`def f(...):` for Python, `(define (` for Scheme, `std::` for C++).
3. **magika**, Google's file-type model (it ships its ONNX model in the wheel and runs offline);
   every one of its labels that names a language is mapped to ours (`lisp`, `cs`, `proto`...).
   It is the expensive step (~6 ms of CPU a block: the arithmetic of its convolution, which
   batching does not cut), so the caller passes a budget of calls, and it is skipped when the
   text alone already makes the fitted model sure (a probability threshold chosen out of fold
   by evals/train_langid.py, stored with the weights).

A fitted model (`langmodel`: a logistic regression over the cue scores and the block's tokens,
token pairs and line edges, trained by evals/train_langid.py on about 23,000 blocks of labelled
code; magika's probabilities added with one weight chosen out of fold) turns the evidence into
one answer. Languages it was not trained on (nginx, HTTP, Dockerfile) are answered from their
own cues when those lead clearly (a diff by its shape, above: its body is another language's
code), or from magika's answer when magika is sure of one (CMake, VHDL, AutoHotkey, Jinja...:
`magika_only_language`; Prolog, Verilog, Pascal, Smali, COBOL, Awk and VB.NET are classes of
the model since trees with their language given were added to its training data). Languages
that are supersets of another (TypeScript of JavaScript, C++ of C) or that models confuse with
shells (PowerShell, Windows batch) need a cue specific to them when the fitted model is not
sure of them by a margin chosen per language out of fold (`train_langid --settle-report`):
overruling a sure model broke far more answers than it fixed. A block gets no language when the
evidence is thin (weak cues, magika unsure), unless the fitted model is sure of it: Erlang,
Clojure or CSS cut from the middle of a file has no cue.


Then the prose, when the caller has it: a language it names among the model's close
candidates (`_mentions`: "Here's the TypeScript version:"), a file it names (`_titles`).
`decide_block` is the one decision, for the product and the evals' replays alike.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from contextd.pipeline.artifacts import _magika, charlm, langmodel
from contextd.pipeline.artifacts._cues import CUE_DECIDES, STAGES
from contextd.pipeline.artifacts._document import DOCUMENT_WEIGHT, with_document
from contextd.pipeline.artifacts._languages import SHELL_LANGUAGES, canonical_language
from contextd.pipeline.artifacts._mentions import mentioned_language, named_languages
from contextd.pipeline.artifacts._pairs import pair_answer
from contextd.pipeline.artifacts._shapes import shape_answer
from contextd.pipeline.artifacts._titles import named_file_language

SAMPLE_CHARS = 4_000  # what magika and the certain cues see
CUE_SAMPLE_CHARS = 1_500  # what the ~150 cue patterns scan (their cost grows with it)
_LINE_CAP = 4  # a cue counts at most this many times in one block
# Cue score at which a language the fitted model does not know is answered from its cues.
_CUE_ONLY_SCORE = 6.0
_MAGIKA_WEIGHT = 4.0  # magika's probability (0..1) is worth this many cue points
_MIN_SCORE = 2.0  # below this total, the block gets no language...
# ...unless the fitted model is this sure. Out of fold on the tuning data, 1,396 of 23,038
# code blocks got no language for want of cues (Erlang, Clojure, Haskell, CSS: few cues fire
# in the middle of a file), of which 887 with the model 0.9 sure, 885 of them rightly;
# of 147 text fences of the same trees that get no language, none is named at 0.9
# (evals/langid_errors.py; RESULTS.md, sixth pass).
_MODEL_SURE_SCORE = 0.9
_MIN_MAGIKA_CHARS = 12
# magika's probability from which its answer stands for a language the fitted model cannot
# name, and the cue score of a language the model can name that vetoes it. Chosen by
# evals/magika_only.py (Linguist's samples of 16 such languages, 25,421 tuning blocks of the
# model's languages; RESULTS.md, seventh pass): at 0.9, 61 of 242 such blocks named rightly
# (1 before), 5 of the 25,421 broken; a veto at cue score 12 lost 9 of the 61 to save 1.
MAGIKA_ONLY_PROBABILITY = 0.9
MAGIKA_ONLY_RIVAL_CUES = math.inf

# Languages answered without a cue of their own only when the model's probability for them
# leads every other language's by at least this much (see the module docstring); above 1.0
# they always need the cue. Chosen out of fold by `train_langid --settle-report`.
OWN_CUE_MARGIN: dict[str, float] = {
    "typescript": 0.2,
    "cpp": 0.0,  # never: out of fold the C++ -> C fallback broke 240 answers and fixed 50
    "powershell": 0.0,  # never: PowerShell -> Bash broke 104 and fixed 1
    "groovy": 0.6,
    # out of fold 0.4 won one block of 23,438; in the whole pipeline it read two TOML chat
    # spans of the artifacts eval's dev half as HCL: the cue stays needed
    "hcl": 1.01,
    "batch": 1.01,  # too few blocks to choose (every margin tied): the cue is still needed
    "gradle": 1.01,  # not a class of the model (its cues alone name it)
}
# The base language a superset falls back to when its own cues are missing.
_FALLBACK = {"typescript": "javascript", "cpp": "c", "powershell": "bash", "batch": "bash"}

# magika labels -> canonical names (labels that are not code map to None).
_MAGIKA_LABELS: dict[str, str | None] = {
    "shell": "bash",
    "cs": "csharp",
    "objectivec": "objective-c",
    "proto": "protobuf",
    "jsonl": "json",
    "txt": None,
    "randomtxt": None,
    "markdown": None,
    "rst": None,
    "csv": None,
    "tsv": None,
    "srt": None,
    "vtt": None,
    "po": None,
    "latex": "latex",
    "asm": "asm",
    "vba": "vbnet",
    "svg": "xml",
    "rdf": "xml",
    "sgml": "xml",
    "textproto": None,
    "erb": "html",
    "twig": "jinja",
    "bazel": "python",  # Starlark: Python's syntax
    "gemfile": "ruby",
    "gemspec": "ruby",
    "sqlite": None,  # a database file, not SQL text
    "ipynb": "json",  # a notebook is JSON text
    "csproj": "xml",
    "vcxproj": "xml",
    "htaccess": None,
    "ignorefile": None,
    "gitattributes": None,
    "gitmodules": None,
}

_EARLY_EXIT_SCORE = 15.0
_EARLY_EXIT_MARGIN = 10.0

# Everything a TypeScript file may contain that JavaScript also may.
_SHARED_WITH = {"typescript": "javascript", "cpp": "c"}


def _words(text: str) -> frozenset[str]:
    """A set of the whitespace-separated words of `text` (for long word lists)."""
    return frozenset(text.split())


# A lone line "program subcommand --option path": a command of a tool the cues do not know.
_ONE_LINE_COMMAND_RE = re.compile(r"^[a-z][\w.-]*(?:\s+(?:--?[\w-]+(?:=\S+)?|[+\w./:@~-]+))+$")
_ONE_LINE_COMMAND_SCORE = 2.0
_STOPWORDS = _words(
    """
    a an the of to and or in on for with is are be this that if you your
    """
)


def load_models() -> None:
    """Read the fitted weights and magika's model now (a worker's start-up, in the background),
    so the first source with code does not wait for them (~0.1 and ~0.15 CPU-s)."""
    langmodel.classes()
    _magika.available()
    charlm.available()


def identify_language(content: str, *, use_model: bool = True) -> str | None:
    """The language of one block, or None when the evidence is too weak; see the module doc."""
    return identify_languages([content], model_budget=1 if use_model else 0)[0]


def identify_languages(
    contents: Sequence[str],
    *,
    model_budget: int | None = None,
    intros: Sequence[str | None] | None = None,
    contexts: Sequence[str | None] | None = None,
    document: Sequence[bool] | None = None,
    labelled: Sequence[str] = (),
) -> list[str | None]:
    """Identify many blocks at once, calling magika for at most `model_budget` of them.

    `None` means no limit. Blocks are served in order, so the first ones get the model.
    magika runs one block at a time: its cost is the arithmetic of its convolution (~6 ms of
    CPU a block here), and a batched run cost more a block, not less (RESULTS.md, seventh
    pass).

    `intros[i]`, when given, is the line of prose that introduces block i ("Put this in
    `nginx.conf`:"): a file it names, or the block's first line names, says what the block is
    better than its text (see `_named`), and a language it names ("Here's the TypeScript
    version:") is chosen among the text model's close candidates (`_mentions`).
    `contexts[i]` is the prose before block i (since the previous block, its last
    `_mentions.CONTEXT_CHARS` characters); when `contexts` is given the mention rule reads it
    instead of the intro line (artifacts passes both, and no context for unfenced code,
    whose language a name must not change: it decides whether the span is kept).

    `document[i]` True says block i is a fence of one source with the other such blocks:
    each is decided again with the languages of the others, and `labelled` (the languages of
    the source's fences that carry a label), as a prior (`_document`).
    """
    budget = len(contents) if model_budget is None else model_budget
    evidences: list[Evidence] = []
    for content in contents:
        evidences.append(gather_evidence(content, use_model=budget > 0))
        budget -= evidences[-1].asked_magika

    def decide(index: int, prior: Mapping[str, float] | None = None) -> str | None:
        intro = intros[index] if intros is not None else None
        context = contexts[index] if contexts is not None else intro
        return decide_block(
            evidences[index], intro=intro, context=context, names=intros is not None, prior=prior
        )

    alone = [decide(index) for index in range(len(contents))]
    if document is None:
        return alone
    return with_document(alone, document, labelled, decide)


@dataclass(frozen=True)
class Evidence:
    """Everything the decision reads about one block (`gather_evidence`, `decide_block`).

    `shape` is set when the block's shape decides alone (a drawing or a console: `(None,)`,
    a certain cue: `(language,)`); `ranked` is the text model's ranking, combined with
    magika's `probabilities` when magika was asked ([] when the cues alone decide).
    """

    content: str
    shape: tuple[str | None] | None
    scores: dict[str, float]
    ranked: list[tuple[str, float]]
    probabilities: dict[str, float]
    asked_magika: bool = False


def gather_evidence(content: str, *, use_model: bool = True) -> Evidence:
    """The evidence of one block, cheapest first: nothing more is computed once the block's
    shape or its cues alone decide; magika is asked (when `use_model`) only when the text
    model is not sure and the block is long enough."""
    sample = content[:SAMPLE_CHARS]
    shape = shape_answer(sample)
    if shape is not None:
        return Evidence(content, shape, {}, [], {})
    scores = cue_scores(sample[:CUE_SAMPLE_CHARS])
    if _cue_only_language(scores) is not None:
        return Evidence(content, None, scores, [], {})
    ranked = langmodel.rank(scores, None, sample)
    sure = ranked[0][1] >= langmodel.sure_threshold()
    if (
        (sure and not _thin(scores, {}, ranked[0][1]))
        or not use_model
        or len(sample.strip()) < _MIN_MAGIKA_CHARS
        or not _magika.available()
    ):
        return Evidence(content, None, scores, ranked, {})
    probabilities = model_scores(sample)
    if sure and not _confirms(probabilities, ranked[0][0]):
        return Evidence(content, None, scores, ranked, {})  # thin, and magika says otherwise
    ranked = charlm.with_chars(langmodel.with_magika(ranked, probabilities), sample)
    return Evidence(content, None, scores, ranked, probabilities, True)


def decide_block(
    evidence: Evidence,
    *,
    intro: str | None = None,
    context: str | None = None,
    magika_only: tuple[float, float] | None = None,
    mention_margin: float | None = None,
    pair_margin: float | None = None,
    names: bool = False,
    prior: Mapping[str, float] | None = None,
    prior_weight: float | None = None,
) -> str | None:
    """The one decision of `identify_languages` and of its replays (evals/langid_errors.py,
    evals/magika_only.py, evals/langid_context.py), in order: the block's shape, a language
    the model cannot name read from its cues or from magika, the model's ranking settled
    (`_decide`), a language the prose names among the close candidates, a file it names.
    `names` asks for the named-file rule (`identify_languages` with intros), which also reads
    the block's first line. `prior` is the share of each language among the other fences of
    the block's source (`_document`): added to the ranking with `prior_weight` nats (default
    `DOCUMENT_WEIGHT`) before it is settled. `magika_only`, `mention_margin` and `prior_weight`
    override the shipped settings (for the evals that choose them)."""
    if evidence.shape is not None:
        language = evidence.shape[0]
    else:
        language = _cue_only_language(evidence.scores) or magika_only_language(
            evidence.scores, evidence.probabilities, magika_only
        )
        if language is None:
            ranked = evidence.ranked
            if prior and ranked:
                weight = DOCUMENT_WEIGHT if prior_weight is None else prior_weight
                ranked = langmodel.combine(ranked, prior, weight)
            language = _decide(ranked, evidence.scores, evidence.probabilities, evidence.ranked)
            language = pair_answer(language, ranked, evidence.content, pair_margin)
            named = named_languages(context)
            language = mentioned_language(language, ranked, named, mention_margin)
    return _named(evidence.content, intro, language) if names else language


def _named(content: str, intro: str | None, language: str | None) -> str | None:
    """A file named by the block's first line or its intro wins over code of another language,
    but not over a shell block ("Run this to test `app.py`:"), a diff ("In `lib/app.ex`:"
    names the file it patches, not its format) nor a block that reads as no code at all."""
    if language in (*SHELL_LANGUAGES, "diff", None):
        return language
    return named_file_language(content, intro) or language


def replay_decision(
    content: str,
    scores: dict[str, float],
    ranked: list[tuple[str, float]],
    probabilities: dict[str, float],
    magika_only: tuple[float, float] | None = None,
) -> str | None:
    """What `identify_languages` answers for `content` given its cue scores and the model's
    ranking (already combined with magika's `probabilities` when magika was asked): for
    evals/langid_errors.py, which replays the decision on out-of-fold probabilities (and
    evals/magika_only.py, which passes `magika_only` settings to choose them). The same
    `decide_block` decides, so the two cannot drift."""
    shape = shape_answer(content[:SAMPLE_CHARS])
    evidence = Evidence(content, shape, scores, ranked, probabilities)
    return decide_block(evidence, magika_only=magika_only)


def language_evidence(
    content: str, *, use_model: bool = True
) -> tuple[dict[str, float], dict[str, float], str]:
    """What the decision sees: cue scores, magika's probabilities ({} without it), the sample.

    For `evals/train_langid.py`, which fits the combiner on exactly this evidence.
    """
    sample = content[:SAMPLE_CHARS]
    scores = cue_scores(sample[:CUE_SAMPLE_CHARS])
    return scores, model_scores(sample) if use_model else {}, sample


def cue_scores(sample: str) -> dict[str, float]:
    """Sum the weighted syntax cues per language (TypeScript also scores JavaScript's cues)."""
    scores: dict[str, float] = {}
    line = sample.strip()
    if "\n" not in line and _ONE_LINE_COMMAND_RE.match(line) and not _has_stopword(line):
        scores["bash"] = _ONE_LINE_COMMAND_SCORE  # "fastapi dev", "mytool --help"
    for stage in STAGES:
        for cue in stage:
            hits = 0
            for _ in cue.pattern.finditer(sample):
                hits += 1
                if hits >= cue.cap:
                    break
            if hits:
                scores[cue.language] = scores.get(cue.language, 0.0) + cue.weight * hits
        if _clear_winner(scores):
            break  # the weak cues could not change the answer: skip them (half the cost)
    for superset, base in _SHARED_WITH.items():
        if superset in scores and base in scores:
            scores[superset] += scores[base]
    return scores


def _clear_winner(scores: dict[str, float]) -> bool:
    ranked = sorted(scores.values(), reverse=True)
    if not ranked:
        return False
    runner_up = ranked[1] if len(ranked) > 1 else 0.0
    return ranked[0] >= _EARLY_EXIT_SCORE and ranked[0] - runner_up >= _EARLY_EXIT_MARGIN


def _has_stopword(line: str) -> bool:
    return any(word in _STOPWORDS for word in line.lower().split())


def magika_label_language(label: str) -> str | None:
    """The canonical language one of magika's labels names (None: not code, or not ours)."""
    return _MAGIKA_LABELS[label] if label in _MAGIKA_LABELS else canonical_language(label)


def model_scores(sample: str) -> dict[str, float]:
    """magika's top labels for `sample`, mapped to canonical languages, with probabilities."""
    scores: dict[str, float] = {}
    for label, probability in _magika.top_labels(sample).items():
        language = magika_label_language(label)
        if language:
            scores[language] = scores.get(language, 0.0) + probability
    return scores


def _cue_only_language(scores: dict[str, float]) -> str | None:
    """A language the fitted model cannot name (too rare in its training data: nginx, HTTP,
    Protocol Buffers, Dockerfile, diff...) is answered when its own cues lead clearly; so is
    one of `CUE_DECIDES` (GraphQL, HCL) whose cues lead the runner-up's by its factor."""
    if not scores:
        return None
    top = max(scores, key=lambda k: scores[k])
    if scores[top] < _CUE_ONLY_SCORE:
        return None
    if top in CUE_DECIDES:  # its cues may answer even where the model knows it, when they lead
        runner_up = max((v for k, v in scores.items() if k != top), default=0.0)
        return top if scores[top] >= CUE_DECIDES[top] * runner_up else None
    return None if top in langmodel.classes() else top


def magika_only_language(
    scores: dict[str, float],
    probabilities: dict[str, float],
    settings: tuple[float, float] | None = None,
) -> str | None:
    """A language the fitted model cannot name (CMake, VHDL, AutoHotkey, PostScript...)
    that magika is sure of, unless a cue of a language the model can name reads strongly
    (off as shipped): without this rule magika's answer for it was thrown away (issue 14).
    `settings` (probability, rival cue score) default to `MAGIKA_ONLY_PROBABILITY` and
    `MAGIKA_ONLY_RIVAL_CUES`; evals/magika_only.py passes others to choose them."""
    if not probabilities:
        return None
    needed, veto = settings or (MAGIKA_ONLY_PROBABILITY, MAGIKA_ONLY_RIVAL_CUES)
    top = max(probabilities, key=lambda k: probabilities[k])
    known = langmodel.classes()
    # a diff is named by its shape (`_shapes`), which has already said no
    if top in known or top == "diff" or probabilities[top] < needed:
        return None
    rival = max((v for k, v in scores.items() if k in known), default=0.0)
    return top if rival < veto else None


def _thin(scores: dict[str, float], probabilities: dict[str, float], top: float) -> bool:
    """Too little evidence to name any language: the cues and magika's best probability (worth
    `_MAGIKA_WEIGHT` cue points) add up to less than `_MIN_SCORE`, and the text model's `top`
    probability is below `_MODEL_SURE_SCORE`. `_decide` answers None then. `gather_evidence`
    asks it without magika too: the model may be sure enough to skip magika
    (`langmodel.sure_threshold`, lower) and still leave such a block (a Clojure form, an Erlang
    function: no cue of either) without a language for want of a second opinion, so magika is
    asked, and may only confirm (`_confirms`)."""
    evidence = max(scores.values(), default=0.0)
    evidence += _MAGIKA_WEIGHT * max(probabilities.values(), default=0.0)
    return evidence < _MIN_SCORE and top < _MODEL_SURE_SCORE


def _confirms(probabilities: dict[str, float], language: str) -> bool:
    """Magika's first answer is the text model's, at `_MIN_SCORE` worth of evidence: two
    models that agree name a block neither would name alone; where they differ (a
    `.gitignore`, a Wavefront model, which the text model takes for shell), it stays None."""
    if not probabilities:
        return False
    top = max(probabilities, key=lambda k: probabilities[k])
    return top == language and _MAGIKA_WEIGHT * probabilities[top] >= _MIN_SCORE


def _decide(
    ranked: list[tuple[str, float]],
    scores: dict[str, float],
    probabilities: dict[str, float],
    alone: list[tuple[str, float]] | None = None,
) -> str | None:
    """The most probable language that may be answered, or None when the evidence is thin.

    Thin is judged on `alone`, the block's own ranking (default `ranked`): a prior
    (`_document`) changes which language a block is, never whether it is code."""
    if _thin(scores, probabilities, (alone or ranked)[0][1]):
        return None
    return settle(ranked, scores)


def settle(
    ranked: list[tuple[str, float]],
    scores: dict[str, float],
    margins: dict[str, float] | None = None,
) -> str | None:
    """The most probable language that may be answered: a superset or look-alike without a cue
    of its own, of which the model is not sure by its margin, falls back to its base (or
    gives way to the next language). `margins` defaults to `OWN_CUE_MARGIN` (the trainer
    passes others to choose them)."""
    margins = OWN_CUE_MARGIN if margins is None else margins
    for position, (language, probability) in enumerate(ranked):
        needed = margins.get(language)
        if needed is not None and _own_score(language, scores) <= 0:
            # the best other language: the runner-up for the top one, else the top one
            rival = ranked[1 if position == 0 else 0][1] if len(ranked) > 1 else 0.0
            if probability - rival < needed:
                fallback = _FALLBACK.get(language)
                if fallback is not None:
                    return fallback
                continue
        return language
    return None


def _own_score(language: str, scores: dict[str, float]) -> float:
    base = _SHARED_WITH.get(language)
    own = scores.get(language, 0.0)
    return own - scores.get(base, 0.0) if base else own
