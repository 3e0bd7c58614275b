"""Artifacts: storing extraction results with the `update_existing` semantics, and reading them.

`update_existing=true` keeps one current artifact per content (an unchanged artifact keeps its
id) and retires what disappeared; `false` keeps every earlier artifact and adds the new run's
results beside them as the current ones.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, delete, select, update
from sqlalchemy.orm import Session

from contextd.domain.enums import ArtifactType
from contextd.domain.errors import NotFound
from contextd.pipeline.types import ArtifactDraft, SnapshotDraft
from contextd.services.paging import paginate
from contextd.store.tables import Artifact, Source, Space, User, utcnow


def _from_draft(source: Source, draft: ArtifactDraft) -> Artifact:
    return Artifact(
        space_id=source.space_id,
        source_id=source.id,
        type=draft.type,
        title=draft.title[:500],
        language=draft.language,
        content=draft.content,
        content_hash=draft.content_hash,
        turn_indexes=list(draft.turn_indexes),
        meta=dict(draft.meta),
        source_revision=source.revision,
    )


def save_artifacts(
    session: Session,
    source: Source,
    drafts: Sequence[ArtifactDraft],
    *,
    update_existing: bool,
    append: bool = False,
) -> None:
    """Store a run's artifacts (not the CONTEXT snapshot, see `save_snapshot`).

    `append` is for fast-forward: the drafts come from the new part only, so nothing earlier
    is retired.
    """
    current = {
        a.content_hash: a
        for a in session.scalars(
            select(Artifact).where(
                Artifact.source_id == source.id,
                Artifact.is_current.is_(True),
                Artifact.type != ArtifactType.CONTEXT,
            )
        )
    }
    seen: set[str] = set()
    for draft in drafts:
        if draft.content_hash in seen:
            continue
        seen.add(draft.content_hash)
        existing = current.get(draft.content_hash)
        if existing is not None and (update_existing or append):
            existing.title = draft.title[:500]
            existing.language = draft.language
            existing.turn_indexes = sorted({*existing.turn_indexes, *draft.turn_indexes})
            existing.meta = dict(draft.meta)
            existing.source_revision = source.revision
            existing.updated_at = utcnow()
            continue
        session.add(_from_draft(source, draft))
    if append:
        return
    stale = [a.id for h, a in current.items() if not update_existing or h not in seen]
    if stale:
        if update_existing:
            session.execute(delete(Artifact).where(Artifact.id.in_(stale)))
        else:
            session.execute(update(Artifact).where(Artifact.id.in_(stale)).values(is_current=False))


def save_snapshot(
    session: Session, source: Source, snapshot: SnapshotDraft, *, update_existing: bool
) -> Artifact:
    previous = session.scalars(
        select(Artifact).where(
            Artifact.source_id == source.id,
            Artifact.type == ArtifactType.CONTEXT,
            Artifact.is_current.is_(True),
        )
    ).first()
    meta = {
        "tokens_before": snapshot.tokens_before,
        "tokens_after": snapshot.tokens_after,
        "tokenizer": snapshot.tokenizer,
        "budget": snapshot.budget,
        "engine": snapshot.engine,
    }
    title = f"Context snapshot: {source.name or source.title or source.id}"
    draft = ArtifactDraft(
        type=ArtifactType.CONTEXT,
        title=title,
        content=snapshot.markdown,
        language="markdown",
        turn_indexes=snapshot.turn_indexes,
        meta=meta,
    )
    if previous is not None and update_existing:
        previous.title = title[:500]
        previous.content = snapshot.markdown
        previous.content_hash = draft.content_hash
        previous.turn_indexes = list(snapshot.turn_indexes)
        previous.meta = meta
        previous.version += 1
        previous.source_revision = source.revision
        previous.updated_at = utcnow()
        return previous
    artifact = _from_draft(source, draft)
    if previous is not None:
        previous.is_current = False
        artifact.version = previous.version + 1
    session.add(artifact)
    session.flush()
    return artifact


def latest_snapshot(session: Session, source_id: str) -> Artifact | None:
    return session.scalars(
        select(Artifact)
        .where(
            Artifact.source_id == source_id,
            Artifact.type == ArtifactType.CONTEXT,
            Artifact.is_current.is_(True),
        )
        .order_by(Artifact.version.desc())
    ).first()


def source_artifacts(session: Session, source_id: str, limit: int = 100) -> list[Artifact]:
    return list(
        session.scalars(
            select(Artifact)
            .where(Artifact.source_id == source_id, Artifact.is_current.is_(True))
            .order_by(Artifact.created_at, Artifact.id)
            .limit(limit)
        )
    )


def list_artifacts(
    session: Session,
    space: Space,
    *,
    page: int,
    per_page: int,
    artifact_type: ArtifactType | None = None,
    source_id: str | None = None,
    language: str | None = None,
    current: bool | None = True,
) -> tuple[list[Artifact], int]:
    query: Select[Artifact] = select(Artifact).where(Artifact.space_id == space.id)
    if artifact_type is not None:
        query = query.where(Artifact.type == artifact_type)
    if source_id is not None:
        query = query.where(Artifact.source_id == source_id)
    if language is not None:
        query = query.where(Artifact.language == language.lower())
    if current is not None:
        query = query.where(Artifact.is_current.is_(current))
    query = query.order_by(Artifact.created_at.desc(), Artifact.id)
    return paginate(session, query, page, per_page)


def get_artifact(session: Session, user: User, artifact_id: str) -> Artifact:
    artifact = session.get(Artifact, artifact_id)
    if artifact is not None:
        space = session.get(Space, artifact.space_id)
        if space is not None and space.user_id == user.id:
            return artifact
    raise NotFound("artifact", artifact_id)
