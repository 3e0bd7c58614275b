"""Turn stored rows into wire objects. Lists fetch related rows in one query per kind."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from contextd.domain.enums import ArtifactType
from contextd.services.spaces import CollectionNode
from contextd.store.tables import ApiKey, Artifact, Collection, Source, Space


def api_key(key: ApiKey) -> dict[str, Any]:
    return {
        "id": key.id,
        "key_prefix": key.key_prefix,
        "name": key.name,
        "expiration_date": key.expiration_date,
        "created_at": key.created_at,
        "revoked_at": key.revoked_at,
        "last_used_at": key.last_used_at,
    }


def space(s: Space) -> dict[str, Any]:
    return {
        "id": s.id,
        "name": s.name,
        "description": s.description,
        "created_at": s.created_at,
        "updated_at": s.updated_at,
    }


def collection(c: Collection) -> dict[str, Any]:
    return {
        "id": c.id,
        "spaceId": c.space_id,
        "parentId": c.parent_id,
        "name": c.name,
        "description": c.description,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
    }


def collection_tree(nodes: list[CollectionNode]) -> list[dict[str, Any]]:
    return [{**collection(n.collection), "children": collection_tree(n.children)} for n in nodes]


def _compression(meta: dict[str, Any]) -> float:
    after = meta.get("tokens_after") or 0
    return round((meta.get("tokens_before") or 0) / after, 2) if after else 0.0


def snapshot_summary(a: Artifact) -> dict[str, Any]:
    return {
        "id": a.id,
        "tokens_before": a.meta.get("tokens_before", 0),
        "tokens_after": a.meta.get("tokens_after", 0),
        "tokenizer": a.meta.get("tokenizer", ""),
        "compression": _compression(a.meta),
        "engine": a.meta.get("engine", "builtin"),
        "note": a.meta.get("note"),
        "updated_at": a.updated_at,
    }


def snapshot(a: Artifact) -> dict[str, Any]:
    return {
        **snapshot_summary(a),
        "sourceId": a.source_id,
        "content": a.content,
        "budget": a.meta.get("budget", 0),
        "turn_indexes": a.turn_indexes,
        "version": a.version,
    }


def artifact(a: Artifact) -> dict[str, Any]:
    return {
        "id": a.id,
        "spaceId": a.space_id,
        "sourceId": a.source_id,
        "type": a.type,
        "title": a.title,
        "language": a.language,
        "content": a.content,
        "content_hash": a.content_hash,
        "turn_indexes": a.turn_indexes,
        "version": a.version,
        "is_current": a.is_current,
        "key": a.lineage_key,
        "previous_version_id": a.previous_version_id,
        "meta": a.meta,
        "created_at": a.created_at,
        "updated_at": a.updated_at,
    }


def sources(session: Session, rows: Sequence[Source]) -> list[dict[str, Any]]:
    ids = [s.id for s in rows]
    related: dict[str, list[Artifact]] = defaultdict(list)
    if ids:
        query = (
            select(Artifact)
            .where(Artifact.source_id.in_(ids), Artifact.is_current.is_(True))
            .order_by(Artifact.created_at, Artifact.id)
        )
        for a in session.scalars(query):
            related[a.source_id].append(a)
    return [_source(s, related[s.id]) for s in rows]


def source(session: Session, row: Source) -> dict[str, Any]:
    return sources(session, [row])[0]


def _source(s: Source, arts: list[Artifact]) -> dict[str, Any]:
    snapshots = [a for a in arts if a.type == ArtifactType.CONTEXT]
    others = [a for a in arts if a.type != ArtifactType.CONTEXT]
    return {
        "id": s.id,
        "spaceId": s.space_id,
        "collectionId": s.collection_id,
        "type": s.type,
        "name": s.name,
        "description": s.description,
        "status": s.status,
        "message": s.message,
        "pinned": s.pinned,
        "deleted": s.deleted_at is not None,
        "deleted_at": s.deleted_at,
        "initial_data": s.initial_data,
        "instructions": s.instructions,
        "revision": s.revision,
        "title": s.title,
        "format": s.document_format,
        "stats": {"turns": s.turn_count, "tokens": s.token_count, "artifacts": len(others)},
        "artifacts": [
            {
                "id": a.id,
                "type": a.type,
                "title": a.title,
                "language": a.language,
                "version": a.version,
            }
            for a in others[:100]
        ],
        "snapshot": snapshot_summary(snapshots[-1]) if snapshots else None,
        "created_at": s.created_at,
        "updated_at": s.updated_at,
        "processed_at": s.processed_at,
    }
