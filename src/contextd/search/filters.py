"""Search filters, and the SQL conditions they become."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import func

from contextd.store.tables import Chunk, Source


@dataclass(frozen=True)
class SearchFilters:
    source_ids: tuple[str, ...] = ()
    collection_id: str | None = None
    source_types: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    artifact_types: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    after: datetime | None = None
    before: datetime | None = None
    pinned: bool | None = None
    include_deleted: bool = False
    extra: dict[str, Any] = field(default_factory=dict)

    def source_conditions(self) -> list[Any]:
        """Conditions on the chunk's source (joined as `Source`)."""
        conditions: list[Any] = [Source.fast_forward_target_id.is_(None)]
        if self.source_ids:
            conditions.append(Source.id.in_(self.source_ids))
        if self.collection_id:
            conditions.append(Source.collection_id == self.collection_id)
        if self.source_types:
            conditions.append(Source.type.in_(self.source_types))
        if self.pinned is not None:
            conditions.append(Source.pinned.is_(self.pinned))
        if not self.include_deleted:
            conditions.append(Source.deleted_at.is_(None))
        return conditions

    def chunk_conditions(self) -> list[Any]:
        """Conditions on the chunk itself."""
        conditions: list[Any] = []
        if self.kinds:
            conditions.append(Chunk.kind.in_(self.kinds))
        if self.artifact_types:
            conditions.append(Chunk.artifact_type.in_(self.artifact_types))
        if self.languages:
            conditions.append(Chunk.language.in_([lang.lower() for lang in self.languages]))
        when = func.coalesce(Chunk.timestamp, Chunk.created_at)
        if self.after is not None:
            conditions.append(when >= self.after)
        if self.before is not None:
            conditions.append(when < self.before)
        return conditions

    @property
    def has_chunk_conditions(self) -> bool:
        return bool(self.chunk_conditions())
