from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query

from contextd.api import views
from contextd.api.deps import PagingDep, SessionDep, UserDep
from contextd.api.schemas import PostbackDeliveryList, PostbackSecret
from contextd.services import postbacks

router = APIRouter(prefix="/v1/postbacks", tags=["Postbacks (extension)"])


@router.get("/secret", response_model=PostbackSecret)
def get_secret(user: UserDep) -> PostbackSecret:
    """The secret that signs your postbacks (Standard Webhooks `webhook-signature` header)."""
    return PostbackSecret(secret=user.webhook_secret)


@router.post("/secret/rotate", response_model=PostbackSecret)
def rotate_secret(session: SessionDep, user: UserDep) -> PostbackSecret:
    return PostbackSecret(secret=postbacks.rotate_secret(user))


@router.get("/deliveries", response_model=PostbackDeliveryList)
def list_deliveries(
    session: SessionDep,
    user: UserDep,
    paging: PagingDep,
    sourceId: Annotated[str | None, Query(max_length=36)] = None,
) -> PostbackDeliveryList:
    """Postback attempts, newest first: status, attempts, last HTTP status or error."""
    rows, total = postbacks.list_deliveries(
        session, user, source_id=sourceId, page=paging.page, per_page=paging.per_page
    )
    return PostbackDeliveryList(
        deliveries=[views.delivery(d) for d in rows],
        pagination=views.pagination(paging.page, paging.per_page, total),
    )
