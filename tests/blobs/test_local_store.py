"""The blob store contract on the local-disk store (the embedded default)."""

from __future__ import annotations

from pathlib import Path

import pytest

from contextd.blobs.base import BlobStore
from contextd.blobs.factory import open_blob_store
from contextd.blobs.local import LocalBlobStore
from tests.blobs.contract import BlobStoreContract


class TestLocalBlobStore(BlobStoreContract):
    presigns = False

    @pytest.fixture
    def store(self, tmp_path: Path) -> BlobStore:
        return open_blob_store((tmp_path / "blobs").as_uri())

    def test_factory_opens_local_store(self, tmp_path: Path) -> None:
        assert isinstance(open_blob_store((tmp_path / "x").as_uri()), LocalBlobStore)

    def test_no_temp_files_left(self, store: BlobStore, tmp_path: Path) -> None:
        store.put("a/b", b"x")
        with pytest.raises(ValueError):
            store.put_stream("a/c", [b"xx"], max_bytes=1)
        assert sorted(p.name for p in (tmp_path / "blobs" / "a").iterdir()) == ["b"]

    def test_new_directory_beside_existing_ones(self, store: BlobStore) -> None:
        """A new source's key is one directory below an existing one (the one-mkdir path); a
        deeper new key still gets every missing directory."""
        store.put("sources/one/raw", b"1")
        store.put("sources/two/raw", b"2")
        store.put("sources/three/deeper/raw", b"3")
        assert [store.get(f"sources/{k}/raw") for k in ("one", "two", "three/deeper")] == [
            b"1",
            b"2",
            b"3",
        ]


@pytest.mark.parametrize("url", ["http://example.test/x", "memory://", "/plain/path", "gs://b/x"])
def test_factory_rejects_other_schemes(url: str) -> None:
    with pytest.raises(ValueError, match="unsupported storage URL scheme"):
        open_blob_store(url)
