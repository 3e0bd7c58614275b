"""What processing a source takes from the operator's settings, shared by the process-source job
and by `contextd extract` (`contextd.extraction`), which runs the pipeline without a server.

Both must behave alike: a URL refused by the service is refused offline, a snapshot is built by
the engine the operator chose and falls back the same way. Keeping these decisions here, and not
in the job, is what lets the offline path reuse them instead of re-deriving them.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from contextd.config import Settings
from contextd.pipeline.ingest import NetPolicy
from contextd.pipeline.snapshot import LLMConfig, snapshot_with_fallback
from contextd.pipeline.types import ArtifactDraft, Document, SnapshotDraft, Turn

log = logging.getLogger(__name__)


def net_policy(
    settings: Settings, *, max_bytes: int | None = None, timeout: float | None = None
) -> NetPolicy:
    """The operator's outbound rules (private addresses, allowed and blocked networks, CA file);
    sizes and timeout default to those for fetching URI sources."""
    return NetPolicy(
        allow_private=settings.allow_private_urls,
        allowed_networks=tuple(settings.allowed_networks),
        blocked_networks=tuple(settings.blocked_networks),
        max_bytes=settings.fetch_max_bytes if max_bytes is None else max_bytes,
        timeout=settings.fetch_timeout_seconds if timeout is None else timeout,
        ca_bundle=settings.ca_bundle,
    )


def llm_config(settings: Settings, engine: str | None = None) -> LLMConfig | None:
    """The LLM engine when `engine` (a source's wish) or the operator asks for it.

    `CONTEXTD_SNAPSHOT_ENGINE=llm` without a model does not start (config.py); a source asking for
    `llm` on a service that has none gets the built-in engine (a per-source wish, not a
    misconfiguration)."""
    endpoint = settings.llm_endpoint
    if (engine or settings.snapshot_engine) != "llm" or endpoint is None:
        return None
    return LLMConfig(
        base_url=endpoint.url,
        model=endpoint.model,
        api_key=endpoint.api_key,
        timeout=endpoint.timeout,
        context_tokens=endpoint.context_tokens,
    )


def named(document: Document, name: str | None) -> Document:
    """Pasted text has no title of its own: the name the user gave the source (or the file's
    name) is a better snapshot header than "Untitled conversation"."""
    if document.title or not name:
        return document
    return replace(document, title=name)


def source_snapshot(
    turns: Sequence[Turn],
    document: Document,
    artifacts: Sequence[ArtifactDraft],
    *,
    config: LLMConfig | None,
    budget_tokens: int | None,
    ratio: float,
    label: str,
    previous: SnapshotDraft | None = None,
    new_turns: Sequence[Turn] = (),
) -> SnapshotDraft:
    """The snapshot by the chosen engine; when the LLM engine fails, the built-in one's, with a
    note saying why (logged under `label`, the source's id or the input's name). On a
    fast-forward, `previous` is the stored snapshot and `new_turns` what was appended."""
    draft, fallback = snapshot_with_fallback(
        turns, document, artifacts, config=config, budget_tokens=budget_tokens, ratio=ratio,
        previous=previous, new_turns=new_turns,
    )  # fmt: skip
    if fallback:
        note = f"LLM engine failed ({fallback}); built-in engine used"
        log.warning("%s: %s", label, note)
        return replace(draft, note=note)
    return draft
