"""The FILE upload flow end to end with an S3 blob store (a real moto S3 server on loopback).

The client gets a presigned URL from the service, PUTs the bytes straight to the store (the
service never sees them), then creates a FILE source: the service finds the object in the
store, checks its size against the declared one, and processes it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from contextd.api.app import create_app
from contextd.blobs.s3 import S3BlobStore
from contextd.runtime import Runtime
from contextd.testing import ThreadedServer
from tests.blobs.s3server import MotoS3Server
from tests.support.errors import assert_error
from tests.support.service import Client, Service
from tests.support.settings import make_settings

pytestmark = pytest.mark.slow

NOTES = b"# Notes\n\nUse `contextd serve`.\n\n```bash\ncontextd serve --port 8080\n```\n"


@pytest.fixture(scope="module")
def s3() -> Iterator[MotoS3Server]:
    with MotoS3Server() as server:
        yield server


@pytest.fixture
def s3_service(s3: MotoS3Server, tmp_path: Path) -> Iterator[Service]:
    settings = make_settings(
        tmp_path / "data",
        f"sqlite:///{tmp_path / 'contextd.db'}",
        storage_url=s3.storage_url(prefix="contextd"),
    )
    runtime = Runtime.build(settings)
    assert isinstance(runtime.blobs, S3BlobStore)
    try:
        app = create_app(runtime)
        with ThreadedServer(app) as server:
            runtime.settings = runtime.settings.model_copy(update={"public_url": server.url})
            yield Service(runtime, server.url)
    finally:
        runtime.close()


@pytest.fixture
def client(s3_service: Service) -> Iterator[Client]:
    with s3_service.client("alice") as c:
        yield c


def _presign(client: Client, data: bytes, filename: str, content_type: str) -> dict[str, Any]:
    response = client.post(
        "/v1/upload/s3",
        json={"filename": filename, "contentType": content_type, "size": len(data)},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def _put(url: str, data: bytes, content_type: str) -> httpx.Response:
    # No Authorization header and no contextd base URL: the bytes go to the store itself.
    with httpx.Client(trust_env=False, timeout=30) as http:
        return http.put(url, content=data, headers={"Content-Type": content_type})


def test_file_upload_flow_with_s3(s3: MotoS3Server, s3_service: Service, client: Client) -> None:
    health = client.get("/health").json()
    assert health["dependencies"]["storage"] == {"status": "ok"}

    presigned = _presign(client, NOTES, "notes.md", "text/markdown")
    assert presigned["uploadUrl"].startswith(f"{s3.endpoint_url}/{s3.bucket}/contextd/uploads/")
    assert presigned["publicUrl"] == f"{s3_service.url}/v1/files/{presigned['fileKey']}"

    space = client.space()
    file_source = {"type": "FILE", "initial_data": {"data": presigned["fileKey"]}}
    # Not uploaded yet: refused when the source is created, naming the field.
    early = client.post(
        f"/v1/spaces/{space['id']}/sources", json={"instructions": {}, **file_source}
    )
    assert_error(early, 400, contains="not been uploaded")
    assert_error(client.get(presigned["publicUrl"]), 404)

    put = _put(presigned["uploadUrl"], NOTES, "text/markdown")
    assert put.status_code == 200, put.text

    source = client.source(space["id"], file_source)
    done = client.wait(source["id"])
    assert done["status"] == "COMPLETED", done["message"]
    assert done["format"] == "markdown"
    assert any(a["language"] == "bash" for a in done["artifacts"])

    download = client.get(presigned["publicUrl"])
    assert download.status_code == 200
    assert download.content == NOTES
    assert download.headers["content-type"].startswith("text/markdown")
    # The document the pipeline wrote also lives in the bucket, under the prefix.
    raw = s3.client()
    keys = [o["Key"] for o in raw.list_objects_v2(Bucket=s3.bucket, Prefix="contextd/")["Contents"]]
    raw.close()
    assert f"contextd/{presigned['fileKey']}" in keys
    assert any(k.startswith(f"contextd/sources/{source['id']}/") for k in keys), keys

    # Someone else cannot read the file or use its key.
    with s3_service.client("mallory") as other:
        assert_error(other.get(presigned["publicUrl"]), 404)
        other_space = other.space()
        stolen = other.post(
            f"/v1/spaces/{other_space['id']}/sources", json={"instructions": {}, **file_source}
        )
        assert_error(stolen, 400, contains="unknown fileKey")


def test_an_object_larger_than_declared_is_refused_and_removed(
    s3_service: Service, client: Client
) -> None:
    """A real S3 store refuses the PUT itself (Content-Length is signed); moto does not check
    signatures, so this shows the service's own check behind it."""
    presigned = _presign(client, b"12345", "a.txt", "text/plain")
    assert _put(presigned["uploadUrl"], b"123456789", "text/plain").status_code == 200
    assert s3_service.runtime.blobs.exists(presigned["fileKey"])

    space = client.space()
    response = client.post(
        f"/v1/spaces/{space['id']}/sources",
        json={"instructions": {}, "type": "FILE", "initial_data": {"data": presigned["fileKey"]}},
    )
    assert_error(response, 400, contains="not been uploaded")
    assert not s3_service.runtime.blobs.exists(presigned["fileKey"])
    assert_error(client.get(presigned["publicUrl"]), 404)
