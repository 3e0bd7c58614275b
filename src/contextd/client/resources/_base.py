"""What every resource shares: its transport, pagination, and id-or-object arguments."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from enum import Enum
from typing import Any, Literal, Protocol, TypeVar

from contextd.client._http import AsyncTransport, SyncTransport
from contextd.client._routes import Call
from contextd.client.pagination import AsyncPaginator, Page, Paginator

T = TypeVar("T")


class _Omit(Enum):
    OMIT = "OMIT"

    def __repr__(self) -> str:
        return "OMIT"


OMIT: Literal[_Omit.OMIT] = _Omit.OMIT
"""An argument left out, as opposed to None (which the API reads as "clear this field")."""

Omittable = _Omit


class _HasId(Protocol):
    @property
    def id(self) -> str: ...


def id_of(value: str | _HasId) -> str:
    """Methods take an id or the object itself, so results can be passed straight back in."""
    return value if isinstance(value, str) else value.id


def given(fields: Mapping[str, Any]) -> dict[str, Any]:
    """The fields the caller actually set, for PATCH bodies where None means "clear"."""
    return {k: v for k, v in fields.items() if v is not OMIT}


class SyncResource:
    def __init__(self, transport: SyncTransport) -> None:
        self._transport = transport

    def _send(self, call: Call[T]) -> T:
        return self._transport.send(call)

    def _paginate(self, make: Callable[[int], Call[Page[T]]], start: int = 1) -> Paginator[T]:
        return Paginator(lambda number: self._transport.send(make(number)), start)


class AsyncResource:
    def __init__(self, transport: AsyncTransport) -> None:
        self._transport = transport

    async def _send(self, call: Call[T]) -> T:
        return await self._transport.send(call)

    def _paginate(self, make: Callable[[int], Call[Page[T]]], start: int = 1) -> AsyncPaginator[T]:
        return AsyncPaginator(lambda number: self._transport.send(make(number)), start)
