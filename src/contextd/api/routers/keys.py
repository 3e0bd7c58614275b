from __future__ import annotations

from fastapi import APIRouter, status

from contextd.api import views
from contextd.api.deps import PagingDep, SessionDep, UserDep
from contextd.api.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyList, ApiKeyOut
from contextd.services import keys

router = APIRouter(prefix="/v1/api-keys", tags=["API keys"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ApiKeyCreated)
def create_api_key(body: ApiKeyCreate, session: SessionDep, user: UserDep) -> ApiKeyCreated:
    """Create a key for the calling user. The raw key (`api_key`) is returned only here."""
    created = keys.create_key(session, user, body.name, body.expiration_date)
    return ApiKeyCreated(**views.api_key(created.key).model_dump(), api_key=created.raw)


@router.get("", response_model=ApiKeyList)
def list_api_keys(session: SessionDep, user: UserDep, paging: PagingDep) -> ApiKeyList:
    """List the caller's keys. No secrets are returned."""
    rows, total = keys.list_keys(session, user, paging.page, paging.per_page)
    return ApiKeyList(
        api_keys=[views.api_key(k) for k in rows],
        pagination=views.pagination(paging.page, paging.per_page, total),
    )


@router.delete("/{keyId}", response_model=ApiKeyOut)
def revoke_api_key(keyId: str, session: SessionDep, user: UserDep) -> ApiKeyOut:
    """Revoke a key; requests with it get 401 from then on. Returns the key with `revoked_at`."""
    return views.api_key(keys.revoke_key(session, user, keyId))
