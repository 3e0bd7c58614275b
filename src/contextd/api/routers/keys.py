from __future__ import annotations

from fastapi import APIRouter, status

from contextd.api import views
from contextd.api.deps import PagingDep, SessionDep, UserDep
from contextd.api.schemas import ApiKeyCreate, ApiKeyCreated, ApiKeyList, ApiKeyOut
from contextd.services import keys
from contextd.services.paging import envelope

router = APIRouter(prefix="/v1/api-keys", tags=["API keys"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=ApiKeyCreated)
def create_api_key(body: ApiKeyCreate, session: SessionDep, user: UserDep) -> dict[str, object]:
    """Create a key for the calling user. The raw key (`api_key`) is returned only here."""
    created = keys.create_key(session, user, body.name, body.expiration_date)
    return {**views.api_key(created.key), "api_key": created.raw}


@router.get("", response_model=ApiKeyList)
def list_api_keys(session: SessionDep, user: UserDep, paging: PagingDep) -> dict[str, object]:
    """List the caller's keys. No secrets are returned."""
    rows, total = keys.list_keys(session, user, paging.page, paging.per_page)
    return envelope(
        "api_keys", [views.api_key(k) for k in rows], paging.page, paging.per_page, total
    )


@router.delete("/{keyId}", response_model=ApiKeyOut)
def revoke_api_key(keyId: str, session: SessionDep, user: UserDep) -> dict[str, object]:
    """Revoke a key; requests with it get 401 from then on. Returns the key with `revoked_at`."""
    return views.api_key(keys.revoke_key(session, user, keyId))
