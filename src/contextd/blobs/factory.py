"""Pick the blob store from `CONTEXTD_STORAGE_URL`."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from contextd.blobs.base import BlobStore
from contextd.blobs.local import LocalBlobStore


def open_blob_store(url: str) -> BlobStore:
    """`file:///path` (local directory) or `s3://bucket[/prefix]?endpoint_url=...&region=...`
    (any S3-compatible store; see `S3BlobStore` for the parameters)."""
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return LocalBlobStore(Path(unquote(parsed.path)))
    if parsed.scheme == "s3":
        from contextd.blobs.s3 import S3BlobStore  # boto3 is only imported when S3 is used

        return S3BlobStore.from_url(url)
    raise ValueError(
        f"unsupported storage URL scheme: {parsed.scheme!r} "
        "(use file:///path or s3://bucket[/prefix]?endpoint_url=...&region=...)"
    )
