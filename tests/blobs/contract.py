"""The `BlobStore` contract, run against every implementation.

A test module subclasses `BlobStoreContract` and provides a `store` fixture (and sets
`presigns`); pytest collects the inherited tests once per subclass.
"""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from contextd.blobs.base import BlobNotFound, BlobStore, BlobTooLarge, InvalidKey

MiB = 1024 * 1024
BAD_KEYS = ["../x", "/abs", "a//b", "a/./b", "a/../b", "", "a/", "x\\y", "a b"]


def _chunks(total: int, size: int) -> Iterator[bytes]:
    sent = 0
    n = 0
    while sent < total:
        piece = min(size, total - sent)
        yield bytes([n % 251]) * piece
        sent += piece
        n += 1


class BlobStoreContract:
    presigns: bool = False  # True when presign_put returns the store's own URL

    def test_put_get_roundtrip(self, store: BlobStore) -> None:
        store.put("a/b/c.txt", b"hello")
        assert store.get("a/b/c.txt") == b"hello"
        assert store.exists("a/b/c.txt")
        store.put("a/b/c.txt", b"again")
        assert store.get("a/b/c.txt") == b"again"
        store.put("empty", b"")
        assert store.get("empty") == b""
        binary = bytes(range(256)) * 10
        store.put("bin", binary)
        assert store.get("bin") == binary

    def test_put_stream_within_limit(self, store: BlobStore) -> None:
        assert store.put_stream("s/exact", [b"ab", b"cd", b""], max_bytes=4) == 4
        assert store.get("s/exact") == b"abcd"

    def test_put_stream_large(self, store: BlobStore) -> None:
        """Larger than one S3 part: the multipart path must put the parts back in order."""
        total = 13 * MiB + 123
        written = store.put_stream("s/large", _chunks(total, MiB), max_bytes=total)
        assert written == total
        assert store.get("s/large") == b"".join(_chunks(total, MiB))

    @pytest.mark.parametrize(
        ("limit", "total", "chunk"),
        [(10, 11, 3), (6 * MiB, 7 * MiB, MiB)],
        ids=["small", "past-one-part"],
    )
    def test_put_stream_over_limit_leaves_nothing(
        self, store: BlobStore, limit: int, total: int, chunk: int
    ) -> None:
        with pytest.raises(BlobTooLarge):
            store.put_stream("s/over", _chunks(total, chunk), max_bytes=limit)
        assert not store.exists("s/over")
        with pytest.raises(BlobNotFound):
            store.get("s/over")
        # An existing blob at the key is left as it was.
        store.put("s/kept", b"old")
        with pytest.raises(BlobTooLarge):
            store.put_stream("s/kept", _chunks(total, chunk), max_bytes=limit)
        assert store.get("s/kept") == b"old"

    def test_put_stream_failure_leaves_nothing(self, store: BlobStore) -> None:
        def broken() -> Iterator[bytes]:
            yield from _chunks(6 * MiB, MiB)
            raise ConnectionResetError("client went away")

        with pytest.raises(ConnectionResetError):
            store.put_stream("s/broken", broken(), max_bytes=100 * MiB)
        assert not store.exists("s/broken")

    def test_missing_key(self, store: BlobStore) -> None:
        with pytest.raises(BlobNotFound):
            store.get("no/such/key")
        with pytest.raises(KeyError):  # BlobNotFound is a KeyError for callers that catch that
            store.get("no/such/key")
        assert not store.exists("no/such/key")
        store.delete_prefix("no/such")  # deleting nothing is fine

    @pytest.mark.parametrize("key", BAD_KEYS)
    def test_invalid_keys_rejected(self, store: BlobStore, key: str) -> None:
        with pytest.raises(InvalidKey):
            store.put(key, b"x")
        with pytest.raises(InvalidKey):
            store.put_stream(key, [b"x"], max_bytes=10)
        with pytest.raises(InvalidKey):
            store.get(key)
        with pytest.raises(InvalidKey):
            store.exists(key)
        if self.presigns:  # the local store signs nothing (the service checks its keys)
            with pytest.raises(InvalidKey):
                store.presign_put(key, "text/plain", 1, 60)
        if key not in ("a/",):  # delete_prefix accepts one trailing slash
            with pytest.raises(InvalidKey):
                store.delete_prefix(key)

    def test_delete_prefix(self, store: BlobStore) -> None:
        for key in ("p/1", "p/q/2", "p/q/r/3", "pp/4", "p-5", "other/p/6"):
            store.put(key, key.encode())
        store.delete_prefix("p")
        for key in ("p/1", "p/q/2", "p/q/r/3"):
            assert not store.exists(key), key
        for key in ("pp/4", "p-5", "other/p/6"):  # a prefix is a path, not a string prefix
            assert store.get(key) == key.encode()
        store.delete_prefix("other/p/")
        assert not store.exists("other/p/6")
        store.delete_prefix("pp/4")  # a single blob
        assert not store.exists("pp/4")
        assert store.get("p-5") == b"p-5"

    def test_check(self, store: BlobStore) -> None:
        store.check()
        store.check()

    def test_presign_put(self, store: BlobStore) -> None:
        key = "uploads/u1/abc/report.txt"
        data = b"uploaded through a presigned URL\n" * 100
        url = store.presign_put(key, "text/plain", len(data), 300)
        if not self.presigns:
            assert url is None
            return
        assert url is not None
        with httpx.Client(trust_env=False, timeout=30) as http:
            response = http.put(url, content=data, headers={"Content-Type": "text/plain"})
        assert response.status_code == 200, response.text
        assert store.get(key) == data
