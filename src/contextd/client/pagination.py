"""Lazy iteration over the API's page-numbered lists.

Lists answer `{<items>: [...], pagination: {page, per_page, total, pages}}` for `?page=&per_page=`.
A `Paginator` fetches one page at a time, only as the loop reaches it, so breaking out early
costs one request, not the whole list. Pages are numbered, not cursors: items created or deleted
while a loop runs can shift later pages (an item may be seen twice or skipped).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from contextd.client.models import Pagination

__all__ = ["AsyncPaginator", "Page", "Paginator"]

T = TypeVar("T")


@dataclass
class Page(Generic[T]):
    """One page of a list, with the envelope's counts."""

    items: list[T]
    pagination: Pagination

    @property
    def has_next(self) -> bool:
        return bool(self.items) and self.pagination.page < self.pagination.pages

    def __iter__(self) -> Iterator[T]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)


class Paginator(Generic[T]):
    """Iterating yields every item across pages; `page(n)` gets one page; `pages()` the pages."""

    def __init__(self, fetch: Callable[[int], Page[T]], start: int = 1) -> None:
        self._fetch = fetch
        self._start = start

    def page(self, number: int = 1) -> Page[T]:
        return self._fetch(number)

    def pages(self) -> Iterator[Page[T]]:
        number = self._start
        while True:
            current = self._fetch(number)
            yield current
            if not current.has_next:
                return
            number += 1

    def __iter__(self) -> Iterator[T]:
        for current in self.pages():
            yield from current.items

    def to_list(self) -> list[T]:
        return list(self)


class AsyncPaginator(Generic[T]):
    """`async for` over every item across pages; `await page(n)`; `async for` over `pages()`."""

    def __init__(self, fetch: Callable[[int], Awaitable[Page[T]]], start: int = 1) -> None:
        self._fetch = fetch
        self._start = start

    async def page(self, number: int = 1) -> Page[T]:
        return await self._fetch(number)

    async def pages(self) -> AsyncIterator[Page[T]]:
        number = self._start
        while True:
            current = await self._fetch(number)
            yield current
            if not current.has_next:
                return
            number += 1

    async def __aiter__(self) -> AsyncIterator[T]:
        async for current in self.pages():
            for item in current.items:
                yield item

    async def to_list(self) -> list[T]:
        return [item async for item in self]
