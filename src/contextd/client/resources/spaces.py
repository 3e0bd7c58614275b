"""Spaces (the project containers) and search within one."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from contextd.client import _parse
from contextd.client._routes import Call, Route, route, uses
from contextd.client.models import SearchFilters, SearchMode, SearchResponse, Space
from contextd.client.pagination import AsyncPaginator, Page, Paginator
from contextd.client.resources._base import AsyncResource, SyncResource, id_of

CREATE = route("POST", "/v1/spaces")
LIST = route("GET", "/v1/spaces")
GET = route("GET", "/v1/spaces/{spaceId}")
UPDATE = route("PUT", "/v1/spaces/{spaceId}")
DELETE = route("DELETE", "/v1/spaces/{spaceId}")
# A read, though a POST: safe to resend.
SEARCH = route("POST", "/v1/spaces/{spaceId}/search", idempotent=True)

SpaceRef = str | Space


def _write(route_: Route, name: str, description: str | None, path: dict[str, str]) -> Call[Space]:
    body: dict[str, Any] = {"name": name}
    if description is not None:
        body["description"] = description
    return route_.call(_parse.model(Space), path, json=body)


def _list(per_page: int | None) -> Callable[[int], Call[Page[Space]]]:
    return lambda page: LIST.call(
        _parse.page("spaces", Space), params={"page": page, "per_page": per_page}
    )


def search_call(
    space_id: str,
    query: str,
    mode: SearchMode | str | None,
    top_k: int | None,
    filters: SearchFilters | Mapping[str, Any] | None,
) -> Call[SearchResponse]:
    body: dict[str, Any] = {"query": query}
    if mode is not None:
        body["mode"] = str(mode)
    if top_k is not None:
        body["top_k"] = top_k
    if filters is not None:
        if not isinstance(filters, SearchFilters):
            filters = SearchFilters.model_validate(filters)
        body["filters"] = _parse.dump(filters)
    return SEARCH.call(_parse.model(SearchResponse), {"spaceId": space_id}, json=body)


class Spaces(SyncResource):
    @uses(CREATE)
    def create(self, name: str, *, description: str | None = None) -> Space:
        return self._send(_write(CREATE, name, description, {}))

    @uses(LIST)
    def list(self, *, per_page: int | None = None) -> Paginator[Space]:
        return self._paginate(_list(per_page))

    @uses(GET)
    def get(self, space: SpaceRef) -> Space:
        return self._send(GET.call(_parse.model(Space), {"spaceId": id_of(space)}))

    @uses(UPDATE)
    def update(self, space: SpaceRef, *, name: str, description: str | None = None) -> Space:
        """A full replacement (the API's PUT): a description left out is cleared."""
        return self._send(_write(UPDATE, name, description, {"spaceId": id_of(space)}))

    @uses(DELETE)
    def delete(self, space: SpaceRef) -> None:
        """Deletes the space with its collections, sources and artifacts."""
        self._send(DELETE.call(_parse.none, {"spaceId": id_of(space)}))

    @uses(SEARCH)
    def search(
        self,
        space: SpaceRef,
        query: str,
        *,
        mode: SearchMode | str | None = None,
        top_k: int | None = None,
        filters: SearchFilters | Mapping[str, Any] | None = None,
    ) -> SearchResponse:
        """Hybrid (default), lexical or vector search over the space's turns, sections,
        artifacts and snapshots. New content is found lexically as soon as it is parsed."""
        return self._send(search_call(id_of(space), query, mode, top_k, filters))


class AsyncSpaces(AsyncResource):
    @uses(CREATE)
    async def create(self, name: str, *, description: str | None = None) -> Space:
        return await self._send(_write(CREATE, name, description, {}))

    @uses(LIST)
    def list(self, *, per_page: int | None = None) -> AsyncPaginator[Space]:
        return self._paginate(_list(per_page))

    @uses(GET)
    async def get(self, space: SpaceRef) -> Space:
        return await self._send(GET.call(_parse.model(Space), {"spaceId": id_of(space)}))

    @uses(UPDATE)
    async def update(self, space: SpaceRef, *, name: str, description: str | None = None) -> Space:
        return await self._send(_write(UPDATE, name, description, {"spaceId": id_of(space)}))

    @uses(DELETE)
    async def delete(self, space: SpaceRef) -> None:
        await self._send(DELETE.call(_parse.none, {"spaceId": id_of(space)}))

    @uses(SEARCH)
    async def search(
        self,
        space: SpaceRef,
        query: str,
        *,
        mode: SearchMode | str | None = None,
        top_k: int | None = None,
        filters: SearchFilters | Mapping[str, Any] | None = None,
    ) -> SearchResponse:
        return await self._send(search_call(id_of(space), query, mode, top_k, filters))
