"""The blob store seam: local disk by default, S3-compatible storage when scaled out."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Protocol

_KEY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]*(/[A-Za-z0-9][A-Za-z0-9._\-]*)*$")


class InvalidKey(ValueError):
    pass


class BlobTooLarge(ValueError):
    pass


class BlobNotFound(KeyError):
    pass


def check_key(key: str) -> str:
    """Refuse keys that could escape the store: absolute paths, `..`, empty or odd segments."""
    if len(key) > 500 or not _KEY.match(key) or any(part in (".", "..") for part in key.split("/")):
        raise InvalidKey(f"invalid storage key: {key!r}")
    return key


class BlobStore(Protocol):
    def put(self, key: str, data: bytes) -> None: ...

    def put_stream(self, key: str, chunks: Iterable[bytes], *, max_bytes: int) -> int:
        """Write chunks; raise `BlobTooLarge` (writing nothing) past `max_bytes`."""
        ...

    def get(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def size(self, key: str) -> int:
        """The blob's size in bytes, without reading it; raises `BlobNotFound`."""
        ...

    def delete_prefix(self, prefix: str) -> None: ...

    def check(self) -> None:
        """Raise if the store cannot be written and read back (used by /health)."""
        ...

    def presign_put(self, key: str, content_type: str, size: int, ttl: int) -> str | None:
        """A URL the client PUTs the bytes to, or None when the service receives uploads itself."""
        ...
