"""Collections: folders inside a space, forming a tree through `parentId`."""

from __future__ import annotations

from typing import Any

from contextd.client import _parse
from contextd.client._routes import Call, route, uses
from contextd.client.models import Collection, CollectionNode, Space
from contextd.client.resources._base import (
    OMIT,
    AsyncResource,
    Omittable,
    SyncResource,
    given,
    id_of,
)

CREATE = route("POST", "/v1/spaces/{spaceId}/collections")
TREE = route("GET", "/v1/spaces/{spaceId}/collections")
# Setting fields to given values: resending changes nothing more.
UPDATE = route("PATCH", "/v1/collections/{collectionId}", idempotent=True)
DELETE = route("DELETE", "/v1/collections/{collectionId}")

CollectionRef = str | Collection


def _create(
    space_id: str, name: str, description: str | None, parent_id: str | None
) -> Call[Collection]:
    body: dict[str, Any] = {"name": name}
    if description is not None:
        body["description"] = description
    if parent_id is not None:
        body["parentId"] = parent_id
    return CREATE.call(_parse.model(Collection), {"spaceId": space_id}, json=body)


def _tree(space_id: str) -> Call[list[CollectionNode]]:
    return TREE.call(_parse.model_list("collections", CollectionNode), {"spaceId": space_id})


def _update(
    collection_id: str,
    name: str | Omittable,
    description: str | Omittable | None,
    parent_id: str | Omittable | None,
) -> Call[Collection]:
    body = given({"name": name, "description": description, "parentId": parent_id})
    return UPDATE.call(_parse.model(Collection), {"collectionId": collection_id}, json=body)


def _parent(parent: str | Collection | None) -> str | None:
    return None if parent is None else id_of(parent)


class Collections(SyncResource):
    @uses(CREATE)
    def create(
        self,
        space: str | Space,
        name: str,
        *,
        description: str | None = None,
        parent: str | Collection | None = None,
    ) -> Collection:
        return self._send(_create(id_of(space), name, description, _parent(parent)))

    @uses(TREE)
    def tree(self, space: str | Space) -> list[CollectionNode]:
        """The space's collections as root nodes with nested `children`."""
        return self._send(_tree(id_of(space)))

    @uses(UPDATE)
    def update(
        self,
        collection: CollectionRef,
        *,
        name: str | Omittable = OMIT,
        description: str | Omittable | None = OMIT,
        parent: str | Collection | Omittable | None = OMIT,
    ) -> Collection:
        """Rename or move; `parent=None` moves the collection to the root."""
        parent_id = parent if parent is OMIT else _parent(parent)
        return self._send(_update(id_of(collection), name, description, parent_id))

    @uses(DELETE)
    def delete(self, collection: CollectionRef) -> None:
        """Deletes the collection and its sub-collections; their sources stay, unfiled."""
        self._send(DELETE.call(_parse.none, {"collectionId": id_of(collection)}))


class AsyncCollections(AsyncResource):
    @uses(CREATE)
    async def create(
        self,
        space: str | Space,
        name: str,
        *,
        description: str | None = None,
        parent: str | Collection | None = None,
    ) -> Collection:
        return await self._send(_create(id_of(space), name, description, _parent(parent)))

    @uses(TREE)
    async def tree(self, space: str | Space) -> list[CollectionNode]:
        return await self._send(_tree(id_of(space)))

    @uses(UPDATE)
    async def update(
        self,
        collection: CollectionRef,
        *,
        name: str | Omittable = OMIT,
        description: str | Omittable | None = OMIT,
        parent: str | Collection | Omittable | None = OMIT,
    ) -> Collection:
        parent_id = parent if parent is OMIT else _parent(parent)
        return await self._send(_update(id_of(collection), name, description, parent_id))

    @uses(DELETE)
    async def delete(self, collection: CollectionRef) -> None:
        await self._send(DELETE.call(_parse.none, {"collectionId": id_of(collection)}))
