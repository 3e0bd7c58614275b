"""API keys: create (the raw key is returned once), list (no secrets), revoke."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from contextd.client import _parse
from contextd.client._routes import Call, route, uses
from contextd.client.models import ApiKey, CreatedApiKey
from contextd.client.pagination import AsyncPaginator, Page, Paginator
from contextd.client.resources._base import AsyncResource, SyncResource, id_of

CREATE = route("POST", "/v1/api-keys")
LIST = route("GET", "/v1/api-keys")
REVOKE = route("DELETE", "/v1/api-keys/{keyId}")


def _create(name: str | None, expiration_date: datetime | None) -> Call[CreatedApiKey]:
    body: dict[str, str] = {}
    if name is not None:
        body["name"] = name
    if expiration_date is not None:
        body["expiration_date"] = expiration_date.isoformat()
    return CREATE.call(_parse.model(CreatedApiKey), json=body)


def _list(per_page: int | None) -> Callable[[int], Call[Page[ApiKey]]]:
    return lambda page: LIST.call(
        _parse.page("api_keys", ApiKey), params={"page": page, "per_page": per_page}
    )


def _revoke(key_id: str) -> Call[ApiKey]:
    return REVOKE.call(_parse.model(ApiKey), {"keyId": key_id})


class Keys(SyncResource):
    @uses(CREATE)
    def create(
        self, name: str | None = None, *, expiration_date: datetime | None = None
    ) -> CreatedApiKey:
        """A new key for the calling user; keep `api_key`, it cannot be read again.
        `expiration_date` must be timezone-aware."""
        return self._send(_create(name, expiration_date))

    @uses(LIST)
    def list(self, *, per_page: int | None = None) -> Paginator[ApiKey]:
        return self._paginate(_list(per_page))

    @uses(REVOKE)
    def revoke(self, key: str | ApiKey) -> ApiKey:
        """Requests with the key get 401 from then on; the key comes back with `revoked_at`."""
        return self._send(_revoke(id_of(key)))


class AsyncKeys(AsyncResource):
    @uses(CREATE)
    async def create(
        self, name: str | None = None, *, expiration_date: datetime | None = None
    ) -> CreatedApiKey:
        return await self._send(_create(name, expiration_date))

    @uses(LIST)
    def list(self, *, per_page: int | None = None) -> AsyncPaginator[ApiKey]:
        return self._paginate(_list(per_page))

    @uses(REVOKE)
    async def revoke(self, key: str | ApiKey) -> ApiKey:
        return await self._send(_revoke(id_of(key)))
