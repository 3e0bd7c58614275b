"""Response parsers: a response's body into the SDK's types."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel

from contextd.client.models import Pagination
from contextd.client.pagination import Page

M = TypeVar("M", bound=BaseModel)


def model(cls: type[M]) -> Callable[[httpx.Response], M]:
    def parse(response: httpx.Response) -> M:
        return cls.model_validate(response.json())

    return parse


def model_list(key: str, cls: type[M]) -> Callable[[httpx.Response], list[M]]:
    def parse(response: httpx.Response) -> list[M]:
        return [cls.model_validate(item) for item in response.json().get(key) or []]

    return parse


def page(key: str, cls: type[M]) -> Callable[[httpx.Response], Page[M]]:
    def parse(response: httpx.Response) -> Page[M]:
        body: dict[str, Any] = response.json()
        items = [cls.model_validate(item) for item in body.get(key) or []]
        meta = body.get("pagination") or {
            "page": 1, "per_page": len(items), "total": len(items), "pages": 1,
        }  # fmt: skip
        return Page(items, Pagination.model_validate(meta))

    return parse


def none(response: httpx.Response) -> None:
    return None


def text(response: httpx.Response) -> str:
    return response.text


def content(response: httpx.Response) -> bytes:
    return response.content


def dump(value: BaseModel) -> dict[str, Any]:
    """A request body from a model: wire names, and unset fields left out."""
    return value.model_dump(mode="json", by_alias=True, exclude_none=True)
