from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from contextd.api.deps import PagingDep, SessionDep, UserDep
from contextd.api.schemas import PostbackDeliveryList, PostbackSecret
from contextd.services.keys import new_webhook_secret
from contextd.services.paging import envelope, paginate
from contextd.store.tables import PostbackDelivery

router = APIRouter(prefix="/v1/postbacks", tags=["Postbacks (extension)"])


@router.get("/secret", response_model=PostbackSecret)
def get_secret(user: UserDep) -> dict[str, str]:
    """The secret that signs your postbacks (Standard Webhooks `webhook-signature` header)."""
    return {"secret": user.webhook_secret}


@router.post("/secret/rotate", response_model=PostbackSecret)
def rotate_secret(session: SessionDep, user: UserDep) -> dict[str, str]:
    user.webhook_secret = new_webhook_secret()
    return {"secret": user.webhook_secret}


@router.get("/deliveries", response_model=PostbackDeliveryList)
def list_deliveries(
    session: SessionDep,
    user: UserDep,
    paging: PagingDep,
    sourceId: Annotated[str | None, Query(max_length=36)] = None,
) -> dict[str, Any]:
    """Postback attempts, newest first: status, attempts, last HTTP status or error."""
    query = select(PostbackDelivery).where(PostbackDelivery.user_id == user.id)
    if sourceId:
        query = query.where(PostbackDelivery.source_id == sourceId)
    query = query.order_by(PostbackDelivery.created_at.desc(), PostbackDelivery.id)
    rows, total = paginate(session, query, paging.page, paging.per_page)
    items = [
        {
            "id": d.id,
            "sourceId": d.source_id,
            "url": d.url,
            "payload": d.payload,
            "status": d.status,
            "attempts": d.attempts,
            "last_status_code": d.last_status_code,
            "last_error": d.last_error,
            "created_at": d.created_at,
            "delivered_at": d.delivered_at,
        }
        for d in rows
    ]
    return envelope("deliveries", items, paging.page, paging.per_page, total)
