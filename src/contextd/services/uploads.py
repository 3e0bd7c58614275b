"""Presigned uploads for FILE sources.

The client asks for an upload URL, PUTs the bytes there, and creates a FILE source with the
returned `fileKey`. An S3-compatible store signs its own URLs; on the embedded default the
service signs a URL to itself (HMAC over method, key, content type, size and expiry).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import time
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from contextd.blobs.base import BlobNotFound, BlobStore, BlobTooLarge, check_key
from contextd.domain.errors import (
    FieldError,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    ValidationFailed,
)
from contextd.store.tables import Upload, User, utcnow

_CONTENT_TYPE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+\-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+\-]*$")
_UNSAFE = re.compile(r"[^A-Za-z0-9._\-]+")


class UploadRejected(Forbidden):
    """A PUT to an upload URL that is not acceptable: bad signature, expired, wrong type."""


@dataclass(frozen=True)
class PresignedUpload:
    upload_url: str
    public_url: str
    file_key: str


def safe_filename(name: str) -> str:
    """Keep the last path segment and only harmless characters: no `..`, no slashes."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = _UNSAFE.sub("_", base).strip("._") or "file"
    return cleaned[:120]


def _signature(secret: bytes, key: str, content_type: str, size: int, expires: int) -> str:
    message = f"PUT\n{key}\n{content_type}\n{size}\n{expires}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()


def presign(
    session: Session,
    user: User,
    blobs: BlobStore,
    *,
    filename: str,
    content_type: str,
    size: int,
    max_bytes: int,
    ttl: int,
    base_url: str,
    secret: bytes,
) -> PresignedUpload:
    if size > max_bytes:
        raise ValidationFailed(
            f"size: files are limited to {max_bytes} bytes",
            [FieldError("size", f"must be at most {max_bytes} bytes")],
        )
    if not _CONTENT_TYPE.match(content_type):
        raise ValidationFailed(
            "contentType must be a media type such as text/plain",
            [FieldError("contentType", "not a media type")],
        )
    key = check_key(f"uploads/{user.id}/{uuid.uuid4().hex}/{safe_filename(filename)}")
    expires = int(time.time()) + ttl
    session.add(
        Upload(
            user_id=user.id,
            file_key=key,
            filename=filename[:255],
            content_type=content_type.lower(),
            size=size,
            expires_at=utcnow() + timedelta(seconds=ttl),
        )
    )
    url = blobs.presign_put(key, content_type, size, ttl)
    if url is None:
        sig = _signature(secret, key, content_type.lower(), size, expires)
        url = f"{base_url}/uploads/{key}?expires={expires}&size={size}&signature={sig}"
    return PresignedUpload(url, f"{base_url}/v1/files/{key}", key)


def check_signature(
    *, key: str, content_type: str, expires: int, size: int, signature: str, secret: bytes
) -> None:
    """Verify before a byte is read: a forged or stale URL is refused up front."""
    expected = _signature(secret, key, content_type.lower(), size, expires)
    # Bytes: compare_digest refuses str with non-ASCII characters (a TypeError, so a 500).
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise UploadRejected("the upload signature does not match (check the Content-Type)")
    if expires < time.time():
        raise UploadRejected("the upload URL has expired")


def receive(
    session: Session,
    blobs: BlobStore,
    *,
    key: str,
    content_type: str,
    expires: int,
    size: int,
    signature: str,
    body: IO[bytes],
    secret: bytes,
) -> Upload:
    """Accept the bytes PUT to a service-signed upload URL."""
    check_signature(
        key=key,
        content_type=content_type,
        expires=expires,
        size=size,
        signature=signature,
        secret=secret,
    )
    upload = session.scalars(select(Upload).where(Upload.file_key == key)).first()
    if upload is None:
        raise NotFound("upload", key)
    if upload.uploaded_at is not None:
        raise UploadRejected("this upload URL has already been used")

    def chunks() -> object:
        while chunk := body.read(1024 * 1024):
            yield chunk

    try:
        written = blobs.put_stream(key, chunks(), max_bytes=size)  # type: ignore[arg-type]
    except BlobTooLarge as exc:
        raise PayloadTooLarge(f"the upload is larger than the declared {size} bytes") from exc
    if written != size:
        blobs.delete_prefix(key)
        raise ValidationFailed(f"received {written} bytes, but the upload declared {size}")
    upload.received_size = written
    upload.uploaded_at = utcnow()
    return upload


def confirm_upload(blobs: BlobStore, upload: Upload) -> bool:
    """Whether the upload's bytes are in the store, marking the upload uploaded when they are.

    The service's own PUT handler (`receive`) marks uploads as the bytes arrive. When the store
    signs its own URLs (S3), the client PUTs to the store directly and the service never sees
    it, so the object is looked up instead. An object larger than the declared size is deleted
    and counts as not uploaded.
    """
    if upload.uploaded_at is not None:
        return True
    try:
        stored = blobs.size(upload.file_key)
    except BlobNotFound:
        return False
    if stored > upload.size:
        blobs.delete_prefix(upload.file_key)
        return False
    upload.received_size = stored
    upload.uploaded_at = utcnow()
    return True


def read_owned(session: Session, blobs: BlobStore, user: User, key: str) -> tuple[Upload, bytes]:
    upload = session.scalars(
        select(Upload).where(Upload.file_key == key, Upload.user_id == user.id)
    ).first()
    if upload is None or not confirm_upload(blobs, upload):
        raise NotFound("file", key)
    return upload, blobs.get(key)
