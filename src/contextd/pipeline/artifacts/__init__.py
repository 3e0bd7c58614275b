"""The artifacts stage: code, schemas, diagrams and commands found in a source.

`extract_artifacts` is the stage (`artifacts.py`); what a coding agent did (files written,
commands, todo list) is read by `agent.py`, whose path-keyed lineage prefix storage uses to find
the files' known contents on fast-forward. The language helpers are exported for the
evaluations in `evals/`, which score the detector and the language identification on their own.
`unfenced` is exported as a module because `evals/train_unfenced.py` fits its line model's
weights in place, and `langmodel` (the language combiner) because `evals/train_langid.py`
fits its weights on `language_evidence` and chooses the margins of `settle` (`OWN_CUE_MARGIN`:
when an answer without a cue of its own gives way) out of fold; `replay_decision` lets
`evals/langid_errors.py` replay the whole decision on out-of-fold probabilities, and
`magika_only_language` / `magika_label_language` let `evals/magika_only.py` choose when magika's
answer stands for a language the fitted model cannot name; `gather_evidence` / `decide_block`
(the one decision, on evidence gathered once) and `mention_reach` let
`evals/langid_context.py` choose the mention rule's reach and margin, and `PAIR_MARGIN` /
`pair_patterns` let `evals/pair_rules.py` choose and check the pair rules (`_pairs`).
Everything else here (`_classify`, `_commands`, `_cues`, `_langid`, `_languages`, `_magika`,
`_mentions`, `_pairs`, `_patch`, `_prose_shapes`, `_sessions`, `_shapes`, `_titles`,
`_unfenced_weights`) is private to this package.
"""

from contextd.pipeline.artifacts import charlm, langmodel, unfenced
from contextd.pipeline.artifacts._cues import CUE_DECIDES, CUES
from contextd.pipeline.artifacts._document import DOCUMENT_WEIGHT, document_prior, with_document
from contextd.pipeline.artifacts._langid import (
    OWN_CUE_MARGIN,
    Evidence,
    decide_block,
    gather_evidence,
    identify_language,
    identify_languages,
    language_evidence,
    load_models,
    magika_label_language,
    magika_only_language,
    replay_decision,
    settle,
)
from contextd.pipeline.artifacts._languages import (
    FenceLabel,
    canonical_language,
    language_for_filename,
    parse_fence_label,
)
from contextd.pipeline.artifacts._mentions import CONTEXT_CHARS
from contextd.pipeline.artifacts._mentions import reach as mention_reach
from contextd.pipeline.artifacts._pairs import PAIR_MARGIN, pair_patterns
from contextd.pipeline.artifacts._titles import named_file_language
from contextd.pipeline.artifacts.agent import (
    PATH_KEY_PREFIX,
    extract_agent_artifacts,
    file_language,
    is_read_only,
)
from contextd.pipeline.artifacts.artifacts import (
    MAX_MODEL_CALLS,
    NOT_FENCED_KEYS,
    extract_artifacts,
)
from contextd.pipeline.artifacts.unfenced import find_code_spans

__all__ = [
    "CONTEXT_CHARS",
    "CUES",
    "CUE_DECIDES",
    "DOCUMENT_WEIGHT",
    "MAX_MODEL_CALLS",
    "NOT_FENCED_KEYS",
    "OWN_CUE_MARGIN",
    "PAIR_MARGIN",
    "PATH_KEY_PREFIX",
    "Evidence",
    "FenceLabel",
    "canonical_language",
    "charlm",
    "decide_block",
    "document_prior",
    "extract_agent_artifacts",
    "extract_artifacts",
    "file_language",
    "find_code_spans",
    "gather_evidence",
    "identify_language",
    "identify_languages",
    "is_read_only",
    "langmodel",
    "language_evidence",
    "language_for_filename",
    "load_models",
    "magika_label_language",
    "magika_only_language",
    "mention_reach",
    "named_file_language",
    "pair_patterns",
    "parse_fence_label",
    "replay_decision",
    "settle",
    "unfenced",
    "with_document",
]
