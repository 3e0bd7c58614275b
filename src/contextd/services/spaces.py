"""Spaces and their collection trees. Ownership is checked on every lookup: another user's id
is indistinguishable from an unknown one."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Connection, bindparam, select
from sqlalchemy.orm import Session

from contextd.domain.errors import FieldError, NotFound, ValidationFailed
from contextd.jobs import queue
from contextd.services.paging import paginate
from contextd.store.tables import Collection, Source, Space, User


def get_space(session: Session, user: User, space_id: str) -> Space:
    space = session.get(Space, space_id)
    if space is None or space.user_id != user.id:
        raise NotFound("space", space_id)
    return space


_OWNED = select(Space.id).where(Space.id == bindparam("id"), Space.user_id == bindparam("user"))


def owned_space_id(connection: Connection, user_id: str, space_id: str) -> str:
    """`get_space` for callers that only need to know the space is the caller's: one prebuilt
    Core query and no ORM object (create-source, the API's most frequent write; bench/api.py)."""
    if connection.execute(_OWNED, {"id": space_id, "user": user_id}).first() is None:
        raise NotFound("space", space_id)
    return space_id


_IN_SPACE = select(Collection.id).where(
    Collection.id == bindparam("id"), Collection.space_id == bindparam("space")
)


def in_space(connection: Connection, space_id: str, collection_id: str) -> bool:
    """Whether the collection belongs to the space (`get_collection` without the object)."""
    found = connection.execute(_IN_SPACE, {"id": collection_id, "space": space_id}).first()
    return found is not None


def create_space(session: Session, user: User, name: str, description: str | None) -> Space:
    space = Space(user_id=user.id, name=name, description=description)
    session.add(space)
    session.flush()
    return space


def list_spaces(session: Session, user: User, page: int, per_page: int) -> tuple[list[Space], int]:
    query = select(Space).where(Space.user_id == user.id).order_by(Space.created_at, Space.id)
    return paginate(session, query, page, per_page)


def update_space(session: Session, space: Space, name: str, description: str | None) -> Space:
    space.name = name
    space.description = description
    session.flush()
    return space


def delete_space(session: Session, space: Space) -> None:
    """Delete the space; rows cascade in the database, and a job removes the sources' blobs."""
    source_ids = session.scalars(select(Source.id).where(Source.space_id == space.id)).all()
    session.delete(space)
    session.flush()
    if source_ids:
        queue.enqueue(
            session,
            queue.PURGE_BLOBS,
            payload={"prefixes": [f"sources/{sid}" for sid in source_ids]},
        )


def get_collection(session: Session, space_id: str, collection_id: str) -> Collection:
    collection = session.get(Collection, collection_id)
    if collection is None or collection.space_id != space_id:
        raise NotFound("collection", collection_id)
    return collection


def get_owned_collection(session: Session, user: User, collection_id: str) -> Collection:
    collection = session.get(Collection, collection_id)
    if collection is not None:
        space = session.get(Space, collection.space_id)
        if space is not None and space.user_id == user.id:
            return collection
    raise NotFound("collection", collection_id)


def _parent(session: Session, space: Space, parent_id: str) -> Collection:
    """A would-be parent: a collection of the same space, else a 400 naming `parentId` (another
    user's collection is reported exactly like an unknown id)."""
    try:
        return get_collection(session, space.id, parent_id)
    except NotFound as exc:
        raise ValidationFailed(
            "parentId must be a collection of the same space",
            [FieldError("parentId", "not a collection of this space")],
        ) from exc


def create_collection(
    session: Session, space: Space, name: str, description: str | None, parent_id: str | None
) -> Collection:
    if parent_id is not None:
        _parent(session, space, parent_id)
    collection = Collection(
        space_id=space.id, name=name, description=description, parent_id=parent_id
    )
    session.add(collection)
    session.flush()
    return collection


def move_collection(session: Session, collection: Collection, parent_id: str | None) -> None:
    """Re-parent, refusing cycles: a collection cannot move below itself."""
    if parent_id is not None:
        space = session.get(Space, collection.space_id)
        assert space is not None
        cursor: Collection | None = _parent(session, space, parent_id)
        while cursor is not None:
            if cursor.id == collection.id:
                raise ValidationFailed("a collection cannot be moved below itself")
            cursor = session.get(Collection, cursor.parent_id) if cursor.parent_id else None
    collection.parent_id = parent_id


@dataclass
class CollectionNode:
    collection: Collection
    children: list[CollectionNode] = field(default_factory=list)


def collection_tree(session: Session, space: Space) -> list[CollectionNode]:
    rows = session.scalars(
        select(Collection)
        .where(Collection.space_id == space.id)
        .order_by(Collection.created_at, Collection.id)
    ).all()
    nodes = {c.id: CollectionNode(c) for c in rows}
    roots: list[CollectionNode] = []
    for c in rows:
        parent = nodes.get(c.parent_id) if c.parent_id else None
        (parent.children if parent else roots).append(nodes[c.id])
    return roots
