"""The snapshot stage: a compact Markdown brief of where the work stands, within a token budget.

Two engines write the same format (`format.py`: the budget rule, header, sections, bullets,
artifact list and fitting, plus the `SnapshotBuilder` protocol): the extractive `builtin`
engine (with its private helpers `_candidates`, `_cues`, `_salience`, `_selection`, `_semantic`,
`_sentences`, `_previous`, and `_names` for a chat's index of names; a coding-agent
session's turns go to `session` and `_session_update`, a document without turns to
`document`, with `_outline` and `_facts`) and the optional `llm` engine. Other packages import
only the names below.
"""

from contextd.pipeline.snapshot._sentences import Sentence, split_sentences
from contextd.pipeline.snapshot.builtin import (
    ENGINE,
    MAX_EMBEDDED,
    build_snapshot,
    update_snapshot,
)
from contextd.pipeline.snapshot.format import (
    MIN_BUDGET,
    SnapshotBuilder,
    snapshot_title,
    source_tokens,
)
from contextd.pipeline.snapshot.llm import (
    ENGINE_PREFIX,
    LLMConfig,
    LLMUnavailable,
    build_llm_snapshot,
    snapshot_with_fallback,
)
from contextd.pipeline.snapshot.session import SESSION_SECTIONS

__all__ = [
    "ENGINE",
    "ENGINE_PREFIX",
    "MAX_EMBEDDED",
    "MIN_BUDGET",
    "SESSION_SECTIONS",
    "LLMConfig",
    "LLMUnavailable",
    "Sentence",
    "SnapshotBuilder",
    "build_llm_snapshot",
    "build_snapshot",
    "snapshot_title",
    "snapshot_with_fallback",
    "source_tokens",
    "split_sentences",
    "update_snapshot",
]
