from __future__ import annotations

from fastapi import APIRouter, Response, status

from contextd.api import views
from contextd.api.deps import PagingDep, RuntimeDep, SessionDep, UserDep
from contextd.api.schemas import (
    CollectionCreate,
    CollectionOut,
    CollectionPatch,
    CollectionTree,
    SpaceList,
    SpaceOut,
    SpaceWrite,
)
from contextd.services import spaces

router = APIRouter(tags=["Spaces and collections"])


@router.post("/v1/spaces", status_code=status.HTTP_201_CREATED, response_model=SpaceOut)
def create_space(body: SpaceWrite, session: SessionDep, user: UserDep) -> SpaceOut:
    return views.space(spaces.create_space(session, user, body.name, body.description))


@router.get("/v1/spaces", response_model=SpaceList)
def list_spaces(session: SessionDep, user: UserDep, paging: PagingDep) -> SpaceList:
    rows, total = spaces.list_spaces(session, user, paging.page, paging.per_page)
    return SpaceList(
        spaces=[views.space(s) for s in rows],
        pagination=views.pagination(paging.page, paging.per_page, total),
    )


@router.get("/v1/spaces/{spaceId}", response_model=SpaceOut)
def get_space(spaceId: str, session: SessionDep, user: UserDep) -> SpaceOut:
    return views.space(spaces.get_space(session, user, spaceId))


@router.put("/v1/spaces/{spaceId}", response_model=SpaceOut)
def update_space(spaceId: str, body: SpaceWrite, session: SessionDep, user: UserDep) -> SpaceOut:
    space = spaces.get_space(session, user, spaceId)
    return views.space(spaces.update_space(session, space, body.name, body.description))


@router.delete("/v1/spaces/{spaceId}", status_code=status.HTTP_204_NO_CONTENT)
def delete_space(spaceId: str, session: SessionDep, user: UserDep, runtime: RuntimeDep) -> Response:
    """Delete the space with everything in it: collections, sources, artifacts."""
    space = spaces.get_space(session, user, spaceId)
    spaces.delete_space(session, space)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post(
    "/v1/spaces/{spaceId}/collections",
    status_code=status.HTTP_201_CREATED,
    response_model=CollectionOut,
)
def create_collection(
    spaceId: str, body: CollectionCreate, session: SessionDep, user: UserDep
) -> CollectionOut:
    space = spaces.get_space(session, user, spaceId)
    created = spaces.create_collection(session, space, body.name, body.description, body.parentId)
    return views.collection(created)


@router.get("/v1/spaces/{spaceId}/collections", response_model=CollectionTree)
def collection_tree(spaceId: str, session: SessionDep, user: UserDep) -> CollectionTree:
    """The space's collections as a tree: root nodes with nested `children`."""
    space = spaces.get_space(session, user, spaceId)
    return CollectionTree(collections=views.collection_tree(spaces.collection_tree(session, space)))


@router.patch("/v1/collections/{collectionId}", response_model=CollectionOut)
def patch_collection(
    collectionId: str, body: CollectionPatch, session: SessionDep, user: UserDep
) -> CollectionOut:
    """Extension: rename or move a collection (`parentId: null` moves it to the root)."""
    collection = spaces.get_owned_collection(session, user, collectionId)
    fields = body.model_fields_set
    if "name" in fields and body.name is not None:
        collection.name = body.name
    if "description" in fields:
        collection.description = body.description
    if "parentId" in fields:
        spaces.move_collection(session, collection, body.parentId)
    session.flush()
    return views.collection(collection)


@router.delete("/v1/collections/{collectionId}", status_code=status.HTTP_204_NO_CONTENT)
def delete_collection(collectionId: str, session: SessionDep, user: UserDep) -> Response:
    """Extension: delete a collection and its sub-collections; their sources stay, unfiled."""
    collection = spaces.get_owned_collection(session, user, collectionId)
    session.delete(collection)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
