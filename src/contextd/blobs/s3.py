"""Blobs as objects in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2, ...), through boto3."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from contextd.blobs.base import BlobNotFound, BlobTooLarge, check_key

_BUCKET = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]{1,253}[A-Za-z0-9]$")
_QUERY_PARAMS = {
    "endpoint_url",
    "region",
    "access_key",
    "secret_key",
    "session_token",
    "addressing_style",
}
_MISSING = {"404", "NoSuchKey", "NotFound"}
# S3 parts must be at least 5 MiB (all but the last); memory held per stream is about one part.
DEFAULT_PART_SIZE = 8 * 1024 * 1024
_MIN_PART_SIZE = 5 * 1024 * 1024


def _error_code(exc: Exception) -> str:
    response = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


class S3BlobStore:
    """Blobs in one bucket of any S3-compatible store, optionally under a key prefix.

    `CONTEXTD_STORAGE_URL` form::

        s3://BUCKET[/PREFIX]?endpoint_url=http://127.0.0.1:9000&region=us-east-1

    Query parameters (all optional):

    - `endpoint_url`: the store's base URL; leave out for AWS S3 itself.
    - `region`: signing region (default: `AWS_REGION` / `AWS_DEFAULT_REGION`, else us-east-1).
    - `access_key`, `secret_key`, `session_token`: credentials. Without them boto3's standard
      chain is used (`AWS_ACCESS_KEY_ID` / `AWS_SECRET_ACCESS_KEY` / `AWS_SESSION_TOKEN`,
      profiles, instance roles). Prefer the environment for real secrets.
    - `addressing_style`: `path`, `virtual` or `auto` (default: `path` when `endpoint_url`
      is given, as most self-hosted stores need, else `auto`).

    Values must be percent-encoded if they contain `&`, `=`, `#` or `+`. Unknown parameters are
    refused so that a typo does not silently fall back to a default.

    Keys are passed through `check_key` and stored as `PREFIX/key`. The one boto3 client is
    created in `__init__` and shared by all threads (boto3 clients are thread-safe).
    """

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        *,
        endpoint_url: str | None = None,
        region: str | None = None,
        access_key: str | None = None,
        secret_key: str | None = None,
        session_token: str | None = None,
        addressing_style: str | None = None,
        part_size: int = DEFAULT_PART_SIZE,
    ) -> None:
        import boto3  # type: ignore[import-untyped]
        from botocore.config import Config  # type: ignore[import-untyped]

        if not _BUCKET.match(bucket):
            raise ValueError(f"invalid S3 bucket name: {bucket!r}")
        prefix = prefix.strip("/")
        if prefix:
            check_key(prefix)
        if part_size < _MIN_PART_SIZE:
            raise ValueError(f"part_size must be at least {_MIN_PART_SIZE} bytes")
        if (access_key is None) != (secret_key is None):
            raise ValueError("give both access_key and secret_key, or neither")
        if addressing_style is None:
            addressing_style = "path" if endpoint_url else "auto"
        if addressing_style not in ("path", "virtual", "auto"):
            raise ValueError("addressing_style must be path, virtual or auto")
        self.bucket = bucket
        self.prefix = prefix
        self.part_size = part_size
        self.list_page_size = 1000  # objects listed (and deleted) per request in delete_prefix
        region = (
            region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
        ) or "us-east-1"
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": addressing_style},
            retries={"max_attempts": 3, "mode": "standard"},
            max_pool_connections=32,
            # Checksums only where the API demands them: newer boto3 defaults add CRC headers
            # and presigned-URL parameters that many S3-compatible stores reject.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
        )
        # A private session: boto3's default session is not safe to use from several threads.
        session = boto3.session.Session(
            aws_access_key_id=access_key,
            aws_secret_access_key=secret_key,
            aws_session_token=session_token,
            region_name=region,
        )
        self._client: Any = session.client("s3", endpoint_url=endpoint_url, config=config)

    @classmethod
    def from_url(cls, url: str) -> S3BlobStore:
        parsed = urlparse(url)
        if parsed.scheme != "s3":
            raise ValueError(f"not an s3:// URL: {parsed.scheme!r}")
        if "@" in parsed.netloc or parsed.port is not None or not parsed.hostname:
            raise ValueError(
                "use s3://BUCKET[/PREFIX]?endpoint_url=...&region=... (credentials go in "
                "access_key/secret_key parameters or the AWS_* environment variables)"
            )
        params = parse_qs(parsed.query, keep_blank_values=True, strict_parsing=False)
        unknown = set(params) - _QUERY_PARAMS
        if unknown:
            raise ValueError(
                f"unknown S3 storage URL parameter(s): {', '.join(sorted(unknown))} "
                f"(known: {', '.join(sorted(_QUERY_PARAMS))})"
            )
        if any(len(values) > 1 for values in params.values()):
            raise ValueError("S3 storage URL parameters must not repeat")
        values = {name: vals[0] for name, vals in params.items() if vals[0]}
        endpoint = values.get("endpoint_url")
        if endpoint is not None and urlparse(endpoint).scheme not in ("http", "https"):
            raise ValueError("endpoint_url must be an http:// or https:// URL")
        return cls(
            parsed.netloc,
            unquote(parsed.path),
            endpoint_url=endpoint,
            region=values.get("region"),
            access_key=values.get("access_key"),
            secret_key=values.get("secret_key"),
            session_token=values.get("session_token"),
            addressing_style=values.get("addressing_style"),
        )

    def __repr__(self) -> str:
        return f"S3BlobStore(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def _key(self, key: str) -> str:
        check_key(key)
        return f"{self.prefix}/{key}" if self.prefix else key

    def put(self, key: str, data: bytes) -> None:
        self._client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data)

    def put_stream(self, key: str, chunks: Iterable[bytes], *, max_bytes: int) -> int:
        """Stream to the bucket, holding about one part in memory.

        Up to one part it is a single PUT, sent only once the stream has ended; longer streams
        become a multipart upload, aborted (so no object appears) when the stream passes
        `max_bytes` or anything fails.
        """
        full = self._key(key)
        buffer = bytearray()
        written = 0
        upload_id: str | None = None
        parts: list[dict[str, Any]] = []
        try:
            for chunk in chunks:
                written += len(chunk)
                if written > max_bytes:
                    raise BlobTooLarge(f"more than {max_bytes} bytes")
                buffer += chunk
                while len(buffer) >= self.part_size:
                    if upload_id is None:
                        created = self._client.create_multipart_upload(Bucket=self.bucket, Key=full)
                        upload_id = str(created["UploadId"])
                    part = bytes(buffer[: self.part_size])
                    del buffer[: self.part_size]
                    number = len(parts) + 1
                    sent = self._client.upload_part(
                        Bucket=self.bucket,
                        Key=full,
                        UploadId=upload_id,
                        PartNumber=number,
                        Body=part,
                    )
                    parts.append({"PartNumber": number, "ETag": sent["ETag"]})
            if upload_id is None:
                self._client.put_object(Bucket=self.bucket, Key=full, Body=bytes(buffer))
                return written
            if buffer:
                number = len(parts) + 1
                sent = self._client.upload_part(
                    Bucket=self.bucket,
                    Key=full,
                    UploadId=upload_id,
                    PartNumber=number,
                    Body=bytes(buffer),
                )
                parts.append({"PartNumber": number, "ETag": sent["ETag"]})
            self._client.complete_multipart_upload(
                Bucket=self.bucket,
                Key=full,
                UploadId=upload_id,
                MultipartUpload={"Parts": parts},
            )
            upload_id = None
            return written
        except BaseException:
            if upload_id is not None:
                # The original error matters more; should the abort fail too, a bucket
                # lifecycle rule (AbortIncompleteMultipartUpload) removes the parts.
                with contextlib.suppress(Exception):
                    self._client.abort_multipart_upload(
                        Bucket=self.bucket, Key=full, UploadId=upload_id
                    )
            raise

    def get(self, key: str) -> bytes:
        try:
            response = self._client.get_object(Bucket=self.bucket, Key=self._key(key))
        except Exception as exc:
            if _error_code(exc) in _MISSING:
                raise BlobNotFound(key) from exc
            raise
        body = response["Body"]
        try:
            return bytes(body.read())
        finally:
            body.close()

    def size(self, key: str) -> int:
        """The stored object's size in bytes (not part of the `BlobStore` protocol)."""
        try:
            head = self._client.head_object(Bucket=self.bucket, Key=self._key(key))
        except Exception as exc:
            if _error_code(exc) in _MISSING:
                raise BlobNotFound(key) from exc
            raise
        return int(head["ContentLength"])

    def exists(self, key: str) -> bool:
        try:
            self.size(key)
        except BlobNotFound:
            return False
        return True

    def delete_prefix(self, prefix: str) -> None:
        """Delete the object `prefix` and everything under `prefix/` (like a directory)."""
        full = self._key(prefix.rstrip("/"))
        self._client.delete_object(Bucket=self.bucket, Key=full)
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(
            Bucket=self.bucket,
            Prefix=full + "/",
            PaginationConfig={"PageSize": self.list_page_size},
        ):
            objects = [{"Key": item["Key"]} for item in page.get("Contents", [])]
            if not objects:
                continue
            result = self._client.delete_objects(
                Bucket=self.bucket, Delete={"Objects": objects, "Quiet": True}
            )
            errors = result.get("Errors") or []
            if errors:
                first = errors[0]
                raise OSError(
                    f"could not delete {len(errors)} object(s) under {prefix!r}: "
                    f"{first.get('Key')}: {first.get('Code')} {first.get('Message')}"
                )

    def check(self) -> None:
        probe = "health/probe"
        self.put(probe, b"ok")
        if self.get(probe) != b"ok":
            raise OSError("blob store returned different bytes")

    def presign_put(self, key: str, content_type: str, size: int, ttl: int) -> str | None:
        """A SigV4 query-signed PUT URL; Content-Type and Content-Length are signed headers, so
        the client must send exactly those (a store that checks signatures refuses others)."""
        url = self._client.generate_presigned_url(
            "put_object",
            Params={
                "Bucket": self.bucket,
                "Key": self._key(key),
                "ContentType": content_type,
                "ContentLength": size,
            },
            ExpiresIn=ttl,
            HttpMethod="PUT",
        )
        return str(url)
