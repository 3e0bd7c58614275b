"""Artifacts: storing extraction results as versioned lineages, and reading them.

The same file, function or table revised across a conversation is one lineage: versions 1..n,
the latest current, earlier ones kept and linked through `previous_version_id`.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import Select, bindparam, delete, select
from sqlalchemy.orm import Session

from contextd.domain.enums import ArtifactType
from contextd.domain.errors import NotFound
from contextd.pipeline.artifacts import NOT_FENCED_KEYS, PATH_KEY_PREFIX
from contextd.pipeline.types import ArtifactDraft, SnapshotDraft
from contextd.services.paging import paginate
from contextd.store.tables import Artifact, Source, Space, User, new_id, utcnow


def lineage_of(draft: ArtifactDraft) -> str:
    """Drafts sharing a key (a file, function or table) are versions of one artifact."""
    key = draft.meta.get("key")
    return str(key)[:300] if key else f"content:{draft.content_hash}"


def _from_draft(source: Source, draft: ArtifactDraft) -> Artifact:
    # The id is given here, not at flush, so callers link versions without a flush per row
    # (one flush before the run's chunks are written is enough).
    return Artifact(
        id=new_id(),
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
        lineage_key=lineage_of(draft) if draft.type != ArtifactType.CONTEXT else None,
    )


def _refresh(row: Artifact, source: Source, draft: ArtifactDraft, turns: list[int]) -> None:
    row.title = draft.title[:500]
    row.type = draft.type
    row.language = draft.language
    row.turn_indexes = turns
    row.meta = dict(draft.meta)
    row.source_revision = source.revision
    row.updated_at = utcnow()


def _group(drafts: Sequence[ArtifactDraft]) -> dict[str, list[ArtifactDraft]]:
    """Lineage -> its distinct contents in order of appearance (identical ones merged).

    A file a coding agent wrote (a path-keyed lineage) may return to an earlier content (an
    edit undone): that is a new state, so there only a repeat of the latest version merges.
    """
    groups: dict[str, list[ArtifactDraft]] = {}
    for draft in drafts:
        lineage = lineage_of(draft)
        versions = groups.setdefault(lineage, [])
        candidates = versions[-1:] if lineage.startswith(PATH_KEY_PREFIX) else versions
        same = next((v for v in candidates if v.content_hash == draft.content_hash), None)
        if same is None:
            versions.append(draft)
        else:
            merged = tuple(sorted({*same.turn_indexes, *draft.turn_indexes}))
            versions[versions.index(same)] = ArtifactDraft(
                same.type, same.title, same.content, same.language, merged, same.meta
            )
    return groups


# Built once: a processing job's final transaction runs these under SQLite's writer lock
# (issue 15 part 4; see `jobs.queue`).
_STORED = (
    select(Artifact)
    .where(Artifact.source_id == bindparam("source_id"), Artifact.type != ArtifactType.CONTEXT)
    .order_by(Artifact.version, Artifact.created_at, Artifact.id)
)
_CURRENT_SNAPSHOT = select(Artifact).where(
    Artifact.source_id == bindparam("source_id"),
    Artifact.type == ArtifactType.CONTEXT,
    Artifact.is_current.is_(True),
)


def _stored(session: Session, source: Source) -> list[Artifact]:
    return list(session.scalars(_STORED, {"source_id": source.id}))


def save_artifacts(
    session: Session,
    source: Source,
    drafts: Sequence[ArtifactDraft],
    *,
    update_existing: bool,
    append: bool = False,
) -> None:
    """Store a run's artifacts as versioned lineages (the snapshot goes to `save_snapshot`).

    - `update_existing=True`: the stored artifacts become exactly this run's, reusing the row
      (and id) of every unchanged content, and deleting what disappeared.
    - `update_existing=False`: earlier rows are kept as superseded; this run's are added as
      new versions of their lineages.
    - `append` (fast-forward): the drafts come from new data only; each lineage gains a version
      when its content changed, and nothing earlier is removed.
    """
    stored = _stored(session, source)
    by_lineage: dict[str, list[Artifact]] = {}
    for row in stored:
        by_lineage.setdefault(row.lineage_key or f"content:{row.content_hash}", []).append(row)
    groups = _group(drafts)

    if not append and not update_existing:
        for row in stored:
            row.is_current = False
    kept: set[str] = set()
    for lineage, versions in groups.items():
        history = by_lineage.get(lineage, [])
        if update_existing and not append:
            # Rebuild the lineage from this run, keeping the rows of unchanged contents.
            reusable: dict[str, Artifact] = {r.content_hash: r for r in history}
            chain: Artifact | None = None
        else:
            # Continue the lineage after its latest (current) version.
            reusable = {}
            current = [r for r in history if r.is_current] if append else history
            chain = current[-1] if current else None
        number = chain.version if chain is not None else 0
        for draft in versions:
            if append and chain is not None and chain.content_hash == draft.content_hash:
                _refresh(chain, source, draft, sorted({*chain.turn_indexes, *draft.turn_indexes}))
                kept.add(chain.id)
                continue
            found = reusable.pop(draft.content_hash, None)
            if found is None:
                found = _from_draft(source, draft)
                session.add(found)
            else:
                _refresh(found, source, draft, list(draft.turn_indexes))
            number += 1
            found.version = number
            found.previous_version_id = chain.id if chain is not None else None
            found.is_current = False  # until it turns out to be the lineage's last
            kept.add(found.id)
            chain = found
        if chain is not None:
            for row in history:
                row.is_current = False
            chain.is_current = True
    if update_existing and not append:
        stale = [row.id for row in stored if row.id not in kept]
        if stale:
            session.execute(delete(Artifact).where(Artifact.id.in_(stale)))


def save_snapshot(
    session: Session, source: Source, snapshot: SnapshotDraft, *, update_existing: bool
) -> Artifact:
    previous = session.scalars(_CURRENT_SNAPSHOT, {"source_id": source.id}).first()
    meta = {
        "tokens_before": snapshot.tokens_before,
        "tokens_after": snapshot.tokens_after,
        "tokenizer": snapshot.tokenizer,
        "budget": snapshot.budget,
        "engine": snapshot.engine,
        "note": snapshot.note,
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
    return artifact


def known_files(session: Session, source_id: str) -> dict[str, str]:
    """Path -> current content of the files a coding agent wrote in the source, for the ones
    whose content is known (not a partial edit, not deleted): on fast-forward, edits in the new
    turns apply to them."""
    rows = session.scalars(
        select(Artifact).where(
            Artifact.source_id == source_id,
            Artifact.is_current.is_(True),
            Artifact.lineage_key.startswith(PATH_KEY_PREFIX),
        )
    )
    files: dict[str, str] = {}
    for row in rows:
        path = row.meta.get("path")
        if isinstance(path, str) and not row.meta.get("partial") and not row.meta.get("deleted"):
            files[path] = row.content
    return files


def fence_languages(session: Session, source_id: str) -> list[str]:
    """The languages of the source's current artifacts that came from fenced blocks (one per
    artifact): on fast-forward, the new turns' bare fences are named with them as neighbours,
    as they would be if the whole source were processed at once."""
    rows = session.execute(
        select(Artifact.language, Artifact.meta).where(
            Artifact.source_id == source_id,
            Artifact.is_current.is_(True),
            Artifact.type != ArtifactType.CONTEXT,
            Artifact.language.is_not(None),
        )
    )
    return [
        language
        for language, meta in rows
        if language and not any(meta.get(key) for key in NOT_FENCED_KEYS)
    ]


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


def versions_of(session: Session, artifact: Artifact) -> list[Artifact]:
    """Every version of the artifact's lineage in its source, oldest first."""
    if artifact.lineage_key is None:
        return [artifact]
    return list(
        session.scalars(
            select(Artifact)
            .where(
                Artifact.source_id == artifact.source_id,
                Artifact.lineage_key == artifact.lineage_key,
            )
            .order_by(Artifact.version, Artifact.created_at)
        )
    )
