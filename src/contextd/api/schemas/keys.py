"""API keys: creating one (its raw key is shown once), listing and reading them."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from contextd.api.schemas.base import Pagination, Strict, UtcDatetime


class ApiKeyCreate(Strict):
    name: str | None = Field(default=None, max_length=200)
    expiration_date: UtcDatetime | None = Field(
        default=None,
        description="ISO 8601 with a timezone, e.g. 2030-12-25T10:00:00Z; must be in the future "
        "(a past date is refused with 400). Null: the key never expires.",
    )


class ApiKeyOut(BaseModel):
    id: str
    key_prefix: str
    name: str | None
    expiration_date: datetime | None
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None = None


class ApiKeyCreated(ApiKeyOut):
    api_key: str = Field(description="The raw key. Shown only in this response.")


class ApiKeyList(BaseModel):
    api_keys: list[ApiKeyOut]
    pagination: Pagination
