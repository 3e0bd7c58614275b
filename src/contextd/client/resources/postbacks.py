"""Postbacks: the secret that signs them (Standard Webhooks) and the record of deliveries."""

from __future__ import annotations

from collections.abc import Callable

from contextd.client import _parse
from contextd.client._routes import Call, route, uses
from contextd.client.models import PostbackDelivery, PostbackSecret, Source
from contextd.client.pagination import AsyncPaginator, Page, Paginator
from contextd.client.resources._base import AsyncResource, SyncResource, id_of

SECRET = route("GET", "/v1/postbacks/secret")
ROTATE = route("POST", "/v1/postbacks/secret/rotate")
DELIVERIES = route("GET", "/v1/postbacks/deliveries")


def _deliveries(
    source: str | Source | None, per_page: int | None
) -> Callable[[int], Call[Page[PostbackDelivery]]]:
    source_id = None if source is None else id_of(source)
    return lambda page: DELIVERIES.call(
        _parse.page("deliveries", PostbackDelivery),
        params={"sourceId": source_id, "page": page, "per_page": per_page},
    )


class Postbacks(SyncResource):
    @uses(SECRET)
    def secret(self) -> str:
        """Verify postbacks with it (any Standard Webhooks library does)."""
        return self._send(SECRET.call(_parse.model(PostbackSecret))).secret

    @uses(ROTATE)
    def rotate_secret(self) -> str:
        """A new secret; postbacks signed from now on use it."""
        return self._send(ROTATE.call(_parse.model(PostbackSecret))).secret

    @uses(DELIVERIES)
    def deliveries(
        self, *, source: str | Source | None = None, per_page: int | None = None
    ) -> Paginator[PostbackDelivery]:
        """Every postback attempt, newest first: status, attempts, last HTTP status or error."""
        return self._paginate(_deliveries(source, per_page))


class AsyncPostbacks(AsyncResource):
    @uses(SECRET)
    async def secret(self) -> str:
        return (await self._send(SECRET.call(_parse.model(PostbackSecret)))).secret

    @uses(ROTATE)
    async def rotate_secret(self) -> str:
        return (await self._send(ROTATE.call(_parse.model(PostbackSecret)))).secret

    @uses(DELIVERIES)
    def deliveries(
        self, *, source: str | Source | None = None, per_page: int | None = None
    ) -> AsyncPaginator[PostbackDelivery]:
        return self._paginate(_deliveries(source, per_page))
