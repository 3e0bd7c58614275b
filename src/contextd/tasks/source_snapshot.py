"""The snapshot stage of the process-source job: which engine and budget a run uses, which
artifacts the snapshot lists, and, on fast-forward, merging the new turns into the stored
snapshot instead of rebuilding it."""

from __future__ import annotations

from contextd.domain.enums import ArtifactType
from contextd.pipeline.snapshot import update_snapshot
from contextd.pipeline.types import ArtifactDraft, Document, SnapshotDraft, Turn
from contextd.services import artifacts as artifact_store
from contextd.services import processing
from contextd.store.tables import Artifact
from contextd.tasks.context import TaskContext
from contextd.tasks.source_plan import Plan


def build_snapshot(
    ctx: TaskContext,
    plan: Plan,
    document: Document,
    turns: tuple[Turn, ...],
    drafts: list[ArtifactDraft] | None,
    *,
    new_turns: tuple[Turn, ...] | None = None,
) -> SnapshotDraft | None:
    """Build the snapshot, indexing this run's artifacts plus the stored ones it keeps.

    On fast-forward (`new_turns`), either engine merges the new turns into the stored snapshot
    (the LLM engine reads only the new turns, unless the whole conversation fits one request);
    a document's snapshot is rebuilt."""
    if not plan.run_context:
        return None
    document = processing.named(document, plan.name)
    value = plan.instructions.get("snapshot_budget_tokens")
    budget = int(value) if isinstance(value, (int, float)) else None
    ratio = float(plan.instructions.get("snapshot_ratio") or ctx.runtime.settings.snapshot_ratio)
    append = new_turns is not None
    index = list(drafts or [])
    previous: Artifact | None = None
    if drafts is None or append:
        with ctx.runtime.db.read_session() as session:
            stored = artifact_store.source_artifacts(session, plan.source_id)
            previous = artifact_store.latest_snapshot(session, plan.source_id)
            index = [
                ArtifactDraft(
                    type=ArtifactType(a.type), title=a.title, content=a.content, language=a.language
                )
                for a in stored
                if a.type != ArtifactType.CONTEXT
            ] + index
    engine = plan.instructions.get("snapshot_engine")
    settings = ctx.runtime.settings
    config = processing.llm_config(settings, engine if isinstance(engine, str) else None)
    last = _stored(previous) if new_turns and previous is not None else None
    if new_turns and config is None and last is not None:
        merged = _merge_snapshot(last, new_turns, document, index, budget, ratio)
        if merged is not None:
            return merged
    return processing.source_snapshot(
        turns,
        document,
        index,
        config=config,
        budget_tokens=budget,
        ratio=ratio,
        label=f"source {plan.source_id}",
        previous=last,
        new_turns=new_turns or (),
    )


def _stored(previous: Artifact) -> SnapshotDraft | None:
    """The stored snapshot as the engines' fast-forward takes it, when it has its counts."""
    meta = previous.meta
    if not meta.get("tokens_before"):
        return None
    return SnapshotDraft(
        markdown=previous.content,
        tokens_before=int(meta["tokens_before"]),
        tokens_after=int(meta.get("tokens_after", 0)),
        tokenizer=str(meta.get("tokenizer", "o200k_base")),
        budget=int(meta.get("budget", 0)),
    )


def _merge_snapshot(
    stored: SnapshotDraft,
    new_turns: tuple[Turn, ...],
    document: Document,
    index: list[ArtifactDraft],
    budget: int | None,
    ratio: float,
) -> SnapshotDraft | None:
    try:
        return update_snapshot(
            stored, new_turns, document, index, budget_tokens=budget, ratio=ratio
        )
    except ValueError:  # a document's snapshot (paragraph citations) cannot be merged
        return None
