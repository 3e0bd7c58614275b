"""The blob store contract on the S3 store, against a real moto S3 server on loopback.

moto stands in for a production S3-compatible store; it does not verify signatures, so what a
presigned URL refuses (tampering, expiry, another Content-Type) is not tested here.
"""

from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from contextd.blobs.base import BlobStore, BlobTooLarge
from contextd.blobs.factory import open_blob_store
from contextd.blobs.s3 import S3BlobStore
from tests.blobs.contract import BlobStoreContract, MiB
from tests.blobs.s3server import MotoS3Server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def s3() -> Iterator[MotoS3Server]:
    with MotoS3Server() as server:
        yield server


@pytest.fixture
def raw(s3: MotoS3Server) -> Iterator[Any]:
    client = s3.client()
    yield client
    client.close()


def _open(s3: MotoS3Server, prefix: str) -> S3BlobStore:
    store = open_blob_store(s3.storage_url(prefix=prefix))
    assert isinstance(store, S3BlobStore)
    store.part_size = 5 * MiB  # the S3 minimum, so the multipart path runs on small data
    return store


@pytest.fixture(scope="module")
def base_store(s3: MotoS3Server) -> S3BlobStore:
    return _open(s3, "base")


class TestS3BlobStore(BlobStoreContract):
    presigns = True

    @pytest.fixture
    def store(self, base_store: S3BlobStore) -> BlobStore:
        """The module's store (one boto3 client) under a prefix of this test's own."""
        store = copy.copy(base_store)
        store.prefix = f"t-{uuid.uuid4().hex[:8]}/blobs"
        return store

    def test_keys_live_under_the_prefix(self, s3: MotoS3Server, raw: Any) -> None:
        store = _open(s3, "tenant-a/x")
        store.put("k/1", b"1")
        keys = [
            o["Key"] for o in raw.list_objects_v2(Bucket=s3.bucket, Prefix="tenant-a/")["Contents"]
        ]
        assert keys == ["tenant-a/x/k/1"]
        other = _open(s3, "tenant-b")
        assert not other.exists("k/1")
        other.put("k/1", b"2")
        other.delete_prefix("k")
        assert store.get("k/1") == b"1"

    def test_no_prefix(self, s3: MotoS3Server, raw: Any) -> None:
        store = _open(s3, "")
        store.put("top-level-key", b"v")
        assert raw.get_object(Bucket=s3.bucket, Key="top-level-key")["Body"].read() == b"v"
        store.delete_prefix("top-level-key")
        assert not store.exists("top-level-key")

    def test_overflow_aborts_the_multipart_upload(
        self, s3: MotoS3Server, store: S3BlobStore, raw: Any
    ) -> None:
        chunks = (b"x" * MiB for _ in range(12))
        with pytest.raises(BlobTooLarge):
            store.put_stream("m/over", chunks, max_bytes=11 * MiB)
        pending = raw.list_multipart_uploads(Bucket=s3.bucket).get("Uploads", [])
        assert [u for u in pending if u["Key"].startswith(store.prefix)] == []
        assert not store.exists("m/over")

    def test_delete_prefix_paginates(self, store: S3BlobStore) -> None:
        store.list_page_size = 2
        keys = [f"many/{i}" for i in range(7)]
        for key in keys:
            store.put(key, b"x")
        store.delete_prefix("many")
        assert not any(store.exists(k) for k in keys)

    def test_size(self, store: S3BlobStore) -> None:
        store.put("sized", b"12345")
        assert store.size("sized") == 5

    def test_presign_signs_content_type_and_length(
        self, s3: MotoS3Server, store: S3BlobStore, raw: Any
    ) -> None:
        url = store.presign_put("up/x.pdf", "application/pdf", 3, 120)
        assert url is not None
        parsed = urlparse(url)
        assert f"{parsed.scheme}://{parsed.netloc}" == s3.endpoint_url
        query = parse_qs(parsed.query)
        assert query["X-Amz-Expires"] == ["120"]
        assert query["X-Amz-SignedHeaders"][0].split(";") == [
            "content-length",
            "content-type",
            "host",
        ]
        assert not any(name.lower().startswith("x-amz-checksum") for name in query)
        with httpx.Client(trust_env=False) as http:
            response = http.put(url, content=b"PDF", headers={"Content-Type": "application/pdf"})
        assert response.status_code == 200
        head = raw.head_object(Bucket=s3.bucket, Key=f"{store.prefix}/up/x.pdf")
        assert head["ContentType"] == "application/pdf"
        assert head["ContentLength"] == 3

    def test_one_client_many_threads(self, store: S3BlobStore) -> None:
        errors: list[BaseException] = []

        def work(n: int) -> None:
            try:
                for i in range(10):
                    key = f"threads/{n}/{i}"
                    store.put(key, f"{n}-{i}".encode())
                    assert store.get(key) == f"{n}-{i}".encode()
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert errors == []
        store.delete_prefix("threads")
        assert not store.exists("threads/0/0")

    def test_check_fails_without_bucket(self, s3: MotoS3Server) -> None:
        store = open_blob_store(s3.storage_url(bucket="no-such-bucket"))
        with pytest.raises(Exception, match="NoSuchBucket"):
            store.check()


def test_url_parsing() -> None:
    store = S3BlobStore.from_url(
        "s3://my-bucket/some/prefix/?endpoint_url=http%3A%2F%2F127.0.0.1%3A9000"
        "&region=eu-west-1&access_key=AK&secret_key=SK"
    )
    assert (store.bucket, store.prefix) == ("my-bucket", "some/prefix")
    client = store._client
    assert client.meta.endpoint_url == "http://127.0.0.1:9000"
    assert client.meta.region_name == "eu-west-1"
    assert client.meta.config.s3 == {"addressing_style": "path"}
    assert "SK" not in repr(store)


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("s3://b?endpoint=http://x", "unknown S3 storage URL parameter"),
        ("s3://bucket?region=a&region=b", "must not repeat"),
        ("s3://key:secret@bucket", "use s3://BUCKET"),
        ("s3://bucket:9000", "use s3://BUCKET"),
        ("s3:///prefix", "use s3://BUCKET"),
        ("s3://b", "invalid S3 bucket name"),
        ("s3://bucket/../x", "invalid storage key"),
        ("s3://bucket?endpoint_url=ftp://x", "endpoint_url must be"),
        ("s3://bucket?access_key=only", "both access_key and secret_key"),
        ("s3://bucket?addressing_style=weird", "addressing_style"),
    ],
)
def test_bad_urls(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        open_blob_store(url)


def test_the_helper_always_ends_its_server() -> None:
    server = MotoS3Server()
    with pytest.raises(RuntimeError, match="boom"), server:
        process = server.process
        assert process is not None and process.poll() is None
        raise RuntimeError("boom")
    assert process is not None and process.poll() is not None
    assert server.process is None
