"""Postback use-cases the API exposes: the delivery log and the signing secret."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from contextd.services.keys import new_webhook_secret
from contextd.services.paging import paginate
from contextd.store.tables import PostbackDelivery, User


def list_deliveries(
    session: Session, user: User, *, source_id: str | None, page: int, per_page: int
) -> tuple[list[PostbackDelivery], int]:
    """The user's postback attempts, newest first, optionally for one source."""
    query = select(PostbackDelivery).where(PostbackDelivery.user_id == user.id)
    if source_id:
        query = query.where(PostbackDelivery.source_id == source_id)
    query = query.order_by(PostbackDelivery.created_at.desc(), PostbackDelivery.id)
    return paginate(session, query, page, per_page)


def rotate_secret(user: User) -> str:
    """A new signing secret; postbacks sent from now on are signed with it."""
    user.webhook_secret = new_webhook_secret()
    return user.webhook_secret
