"""Per-type validation of `initial_data`, shared by create and fast-forward.

Checks run at request time so a user gets a 400 naming the field, rather than a source that
fails later; the fetch stage checks URLs again (after DNS and every redirect) when it runs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from contextd.blobs.base import BlobStore, InvalidKey, check_key
from contextd.domain.enums import SourceStatus, SourceType
from contextd.domain.errors import FieldError, ValidationFailed
from contextd.pipeline.ingest import NetPolicy, check_url
from contextd.pipeline.types import BlockedURL
from contextd.services.uploads import confirm_upload
from contextd.store.tables import Source, Upload

MAX_COMPOSITION_MEMBERS = 100


@dataclass(frozen=True)
class SourceInput:
    """Validated input: what to store as `initial_data`, and inline bytes for CONTENT."""

    initial_data: dict[str, Any]
    inline: bytes | None = None
    upload: Upload | None = None


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {message}", [FieldError(field, message)])


SESSIONLESS = frozenset({SourceType.URI, SourceType.CONTENT})
"""The input types validated without a database session (`validate_input(None, ...)`)."""


def validate_input(
    session: Session | None,
    user_id: str,
    space_id: str,
    source_type: SourceType,
    initial_data: dict[str, Any],
    policy: NetPolicy,
    *,
    blobs: BlobStore | None = None,
) -> SourceInput:
    """`session` reads (and may mark uploaded) a FILE's upload and a COMPOSITION's members; the
    other types (`SESSIONLESS`) never touch the database. `blobs` lets a FILE source confirm an
    upload PUT straight to the store (S3); without it only uploads the service received itself
    are accepted."""
    if source_type is SourceType.URI:
        return _uri(initial_data, policy)
    if source_type is SourceType.CONTENT:
        return _content(initial_data)
    if session is None:
        raise TypeError(f"a {source_type} source is validated in a session")
    if source_type is SourceType.FILE:
        return _file(session, user_id, initial_data, blobs)
    return _composition(session, user_id, space_id, initial_data)


def _uri(data: dict[str, Any], policy: NetPolicy) -> SourceInput:
    field = "initial_data.url" if "url" in data else "initial_data.uri"
    url = data.get("url", data.get("uri"))
    if url is None:
        raise _invalid("initial_data.url", "a URI source needs initial_data.url (or uri)")
    if not isinstance(url, str) or not url.strip():
        raise _invalid(field, "must be a non-empty string")
    if len(url) > 4096:
        raise _invalid(field, "must be at most 4096 characters")
    try:
        normalized = check_url(url.strip(), policy)
    except BlockedURL as exc:
        raise _invalid(field, str(exc)) from exc
    return SourceInput(initial_data={field.split(".")[1]: normalized})


def _file(
    session: Session, user_id: str, data: dict[str, Any], blobs: BlobStore | None
) -> SourceInput:
    key = data.get("data")
    if not isinstance(key, str) or not key:
        raise _invalid("initial_data.data", "a FILE source needs the fileKey from /v1/upload/s3")
    try:
        check_key(key)
    except InvalidKey as exc:
        raise _invalid("initial_data.data", "is not a valid fileKey") from exc
    upload = session.scalars(
        select(Upload).where(Upload.file_key == key, Upload.user_id == user_id)
    ).first()
    if upload is None:
        raise _invalid("initial_data.data", "unknown fileKey")
    if upload.uploaded_at is None and (blobs is None or not confirm_upload(blobs, upload)):
        raise _invalid("initial_data.data", "the file has not been uploaded to uploadUrl yet")
    return SourceInput(initial_data={"data": key}, upload=upload)


def _content(data: dict[str, Any]) -> SourceInput:
    content = data.get("data")
    if isinstance(content, (dict, list)):
        inline = json.dumps(content, ensure_ascii=False).encode()
    elif isinstance(content, str):
        inline = content.encode("utf-8", errors="replace")
    else:
        raise _invalid(
            "initial_data.data", "a CONTENT source needs the content as a string (or JSON export)"
        )
    if not inline.strip():
        raise _invalid("initial_data.data", "must not be empty")
    return SourceInput(initial_data={"bytes": len(inline)}, inline=inline)


def _composition(
    session: Session, user_id: str, space_id: str, data: dict[str, Any]
) -> SourceInput:
    ids = data.get("source_ids")
    if not isinstance(ids, list) or not ids:
        raise _invalid("initial_data.source_ids", "must be a non-empty array of source ids")
    if len(ids) > MAX_COMPOSITION_MEMBERS:
        raise _invalid("initial_data.source_ids", f"at most {MAX_COMPOSITION_MEMBERS} sources")
    if not all(isinstance(i, str) and i for i in ids):
        raise _invalid("initial_data.source_ids", "must contain only source id strings")
    if len(set(ids)) != len(ids):
        raise _invalid("initial_data.source_ids", "must not repeat a source")
    found = {
        s.id: s
        for s in session.scalars(
            select(Source).where(Source.id.in_(ids), Source.user_id == user_id)
        )
    }
    for source_id in ids:
        member = found.get(source_id)
        if member is None or member.space_id != space_id:
            raise _invalid("initial_data.source_ids", f"unknown source {source_id} in this space")
        if member.deleted_at is not None:
            raise _invalid("initial_data.source_ids", f"source {source_id} is deleted")
        if member.status in (SourceStatus.FAILED, SourceStatus.CANCELED):
            raise _invalid("initial_data.source_ids", f"source {source_id} is {member.status}")
    return SourceInput(initial_data={"source_ids": list(ids)})
