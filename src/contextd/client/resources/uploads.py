"""Presigned uploads: ask for a URL, PUT the bytes there, then name the file in a FILE source.

The PUT goes to whatever URL the server returned (the server itself, or an S3-compatible store
when scaled out), without the API key: the URL's signature is the credential, and it is bound to
the content type and size asked for.
"""

from __future__ import annotations

import mimetypes
from pathlib import Path

from contextd.client import _parse
from contextd.client._routes import Call, route, uses
from contextd.client.models import Upload
from contextd.client.resources._base import AsyncResource, SyncResource

# Resending only issues a fresh URL; the unused one expires.
PRESIGN = route("POST", "/v1/upload/s3", idempotent=True)
# The embedded server's upload target; the SDK PUTs to the URL the server names.
PUT = route("PUT", "/uploads/{fileKey}", absolute=True)
DOWNLOAD = route("GET", "/v1/files/{fileKey}")

Body = bytes | str | Path


def guess_type(filename: str) -> str:
    return mimetypes.guess_type(filename)[0] or "application/octet-stream"


def size_of(body: Body) -> int:
    if isinstance(body, Path):
        return body.stat().st_size
    return len(body.encode() if isinstance(body, str) else body)


def presign_call(filename: str, content_type: str, size: int) -> Call[Upload]:
    body = {"filename": filename, "contentType": content_type, "size": size}
    return PRESIGN.call(_parse.model(Upload), json=body)


def put_call(upload: Upload, body: Body, content_type: str) -> Call[None]:
    data = body.encode() if isinstance(body, str) else body
    return PUT.call(
        _parse.none, url=upload.upload_url, content=data, headers={"Content-Type": content_type}
    )


def _download(file_key: str) -> Call[bytes]:
    return DOWNLOAD.call(_parse.content, {"fileKey": file_key}, headers={"Accept": "*/*"})


class Uploads(SyncResource):
    @uses(PRESIGN)
    def create(self, filename: str, *, content_type: str, size: int) -> Upload:
        """A presigned URL for exactly `size` bytes of `content_type`, single use, expiring."""
        return self._send(presign_call(filename, content_type, size))

    @uses(PUT)
    def put(self, upload: Upload, body: Body, *, content_type: str) -> None:
        """Send the bytes (a Path is streamed from disk) with the content type presigned."""
        self._send(put_call(upload, body, content_type))

    def upload(
        self, body: Body, *, filename: str | None = None, content_type: str | None = None
    ) -> Upload:
        """Presign and PUT in one go; returns the upload whose `file_key` names the file."""
        name = filename or (body.name if isinstance(body, Path) else "upload.bin")
        ctype = content_type or guess_type(name)
        upload = self.create(name, content_type=ctype, size=size_of(body))
        self.put(upload, body, content_type=ctype)
        return upload

    @uses(DOWNLOAD)
    def download(self, file_key: str) -> bytes:
        """An uploaded file's bytes (its `publicUrl`), for its owner."""
        return self._send(_download(file_key))


class AsyncUploads(AsyncResource):
    @uses(PRESIGN)
    async def create(self, filename: str, *, content_type: str, size: int) -> Upload:
        return await self._send(presign_call(filename, content_type, size))

    @uses(PUT)
    async def put(self, upload: Upload, body: Body, *, content_type: str) -> None:
        await self._send(put_call(upload, body, content_type))

    async def upload(
        self, body: Body, *, filename: str | None = None, content_type: str | None = None
    ) -> Upload:
        name = filename or (body.name if isinstance(body, Path) else "upload.bin")
        ctype = content_type or guess_type(name)
        upload = await self.create(name, content_type=ctype, size=size_of(body))
        await self.put(upload, body, content_type=ctype)
        return upload

    @uses(DOWNLOAD)
    async def download(self, file_key: str) -> bytes:
        return await self._send(_download(file_key))
