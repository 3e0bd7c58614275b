"""Presigned uploads (`POST /v1/upload/s3`), and postbacks: their signing secret and deliveries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from contextd.api.schemas.base import MEDIA_TYPE, JsonInt, Pagination, Strict


class UploadRequest(Strict):
    filename: str = Field(min_length=1, max_length=255)
    contentType: str = Field(
        min_length=1,
        max_length=200,
        pattern=MEDIA_TYPE,
        description="A media type such as text/plain, without parameters; the PUT must send it",
    )
    size: JsonInt = Field(
        gt=0, description="Bytes, a JSON integer, at most the server's upload limit"
    )


class UploadOut(BaseModel):
    uploadUrl: str
    publicUrl: str
    fileKey: str


class PostbackSecret(BaseModel):
    secret: str = Field(description="Standard Webhooks secret that signs your postbacks")


class PostbackDeliveryOut(BaseModel):
    id: str
    sourceId: str
    url: str
    payload: dict[str, Any]
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None


class PostbackDeliveryList(BaseModel):
    deliveries: list[PostbackDeliveryOut]
    pagination: Pagination
