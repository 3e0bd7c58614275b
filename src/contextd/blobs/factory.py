"""Pick the blob store from `CONTEXTD_STORAGE_URL`."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from contextd.blobs.base import BlobStore
from contextd.blobs.local import LocalBlobStore


def open_blob_store(url: str) -> BlobStore:
    parsed = urlparse(url)
    if parsed.scheme == "file":
        return LocalBlobStore(Path(unquote(parsed.path)))
    raise ValueError(f"unsupported storage URL scheme: {parsed.scheme!r} (use file://)")
