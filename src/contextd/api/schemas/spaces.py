"""Spaces, and the collections that file a space's sources as a tree."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from contextd.api.schemas.base import Pagination, Strict


class SpaceWrite(Strict):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)


class SpaceOut(BaseModel):
    id: str
    name: str
    description: str | None
    created_at: datetime
    updated_at: datetime


class SpaceList(BaseModel):
    spaces: list[SpaceOut]
    pagination: Pagination


PARENT_ID = (
    "The id of a collection of the same space (another space's collection, an unknown id, or "
    "the collection itself or one below it is refused with 400). Null: at the root."
)


class CollectionCreate(Strict):
    name: str = Field(min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    parentId: str | None = Field(default=None, max_length=36, description=PARENT_ID)


class CollectionPatch(Strict):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=10_000)
    parentId: str | None = Field(default=None, max_length=36, description=PARENT_ID)


class CollectionOut(BaseModel):
    id: str
    spaceId: str
    parentId: str | None
    name: str
    description: str | None
    created_at: datetime
    updated_at: datetime


class CollectionNode(CollectionOut):
    children: list[CollectionNode]


class CollectionTree(BaseModel):
    collections: list[CollectionNode]
