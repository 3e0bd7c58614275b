"""Artifacts (with their lineage's versions) and context snapshots, as the API returns them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from contextd.api.schemas.base import Pagination
from contextd.domain.enums import ArtifactType


class ArtifactOut(BaseModel):
    id: str
    spaceId: str
    sourceId: str
    type: ArtifactType
    title: str
    language: str | None
    content: str
    content_hash: str
    turn_indexes: list[int]
    version: int
    is_current: bool
    key: str | None = Field(description="Lineage: versions of one file/function share it")
    previous_version_id: str | None
    meta: dict[str, Any]
    created_at: datetime
    updated_at: datetime


class ArtifactList(BaseModel):
    artifacts: list[ArtifactOut]
    pagination: Pagination


class ArtifactVersions(BaseModel):
    versions: list[ArtifactOut] = Field(description="Oldest first; the last one is current")


class SnapshotOut(BaseModel):
    id: str
    sourceId: str
    content: str
    tokens_before: int
    tokens_after: int
    tokenizer: str
    budget: int
    compression: float
    engine: str
    turn_indexes: list[int]
    version: int
    updated_at: datetime
