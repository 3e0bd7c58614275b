"""File names and keys: an upload's name never shapes where it is stored, a FILE source takes
nothing but the caller's own upload, an upload URL cannot be retargeted or pointed outside the
store, and nobody reads another user's files."""

from __future__ import annotations

import pytest

from contextd.blobs.base import check_key
from tests.api.hostile.world import (
    SOURCES,
    Bad,
    World,
    files_outside,
    ids,
    refused,
    source_with,
)
from tests.support.errors import assert_error
from tests.support.service import Service, raw_request

# --- FILE keys that are not the caller's upload -------------------------------------------------

FILE_KEYS = [
    Bad(f"FILE key {name}", "POST", SOURCES,
        json=source_with(type="FILE", initial_data={"data": key}), field="initial_data.data")
    for name, key in [
        ("../../etc/passwd", "../../etc/passwd"),
        ("/etc/passwd", "/etc/passwd"),
        ("another user's real key", "{victim_key}"),
        ("in another user's folder", "uploads/{victim_user}/x/y.txt"),
        ("with %2e%2e", "uploads/%2e%2e/x"),
        ("with .. inside", "uploads/{user}/../{victim_user}/x.txt"),
        ("with backslashes", "uploads\\..\\..\\x"),
        ("with an empty segment", "uploads//x"),
        ("with a trailing slash", "uploads/{user}/"),
        ("10k characters", "uploads/" + "k" * 10_000),
        ("not a string", 5),
        ("null", None),
    ]
]  # fmt: skip


@pytest.mark.parametrize("case", ids(FILE_KEYS))
def test_a_bad_request_is_refused_and_changes_nothing(case: Bad, intact: World) -> None:
    refused(case, intact)


# --- file names and keys ------------------------------------------------------------------------

HOSTILE_FILENAMES = [
    "../../x.sh",
    "a/b/c.txt",
    "..",
    ".",
    "...",
    "..\\..\\x.bat",
    "/etc/passwd",
    "C:\\Windows\\system.ini",
    " ",
    ".htaccess",
    "x\r\nSet-Cookie: a=b.txt",
    "ünïcødé 💥.txt",
    "f" * 255,
]


@pytest.mark.parametrize("filename", HOSTILE_FILENAMES)
def test_an_upload_filename_never_shapes_the_key(filename: str, world: World) -> None:
    c = world.owner.client
    response = c.post(
        "/v1/upload/s3", json={"filename": filename, "contentType": "text/plain", "size": 2}
    )
    assert response.status_code == 200, response.text
    key = response.json()["fileKey"]
    assert key.startswith(f"uploads/{c.user_id}/")
    assert ".." not in key and "\\" not in key and len(key.split("/")) == 4
    assert check_key(key) == key
    put = c.put(response.json()["uploadUrl"], content=b"ok", headers={"Content-Type": "text/plain"})
    assert put.status_code == 200, put.text
    assert (world.blob_root / key).resolve().is_relative_to(world.blob_root)
    assert (world.blob_root / key).read_bytes() == b"ok"


UPLOAD_PATHS = [
    ("dot-dot to the secret key", "/uploads/../secret.key"),
    ("encoded dot-dot", "/uploads/%2e%2e/secret.key"),
    ("encoded slash", "/uploads/..%2fsecret.key"),
    ("dot-dot out of a real folder", "/uploads/uploads/{user}/x/../../../../secret.key"),
    ("absolute path", "/uploads//etc/passwd"),
]


@pytest.mark.parametrize(("why", "path"), UPLOAD_PATHS, ids=[w for w, _ in UPLOAD_PATHS])
def test_an_upload_put_outside_a_signed_key_writes_nothing(
    why: str, path: str, intact: World, service: Service
) -> None:
    target = intact.fill(path) + "?expires=9999999999&size=3&signature=" + "0" * 64
    request = (
        f"PUT {target} HTTP/1.1\r\nHost: test\r\nContent-Type: text/plain\r\n"
        "Content-Length: 3\r\nConnection: close\r\n\r\nabc"
    ).encode()
    before = files_outside(intact.data_dir, intact.blob_root)
    response = raw_request(service, request)
    assert response.status_code in (403, 404), response.text
    assert_error(response, response.status_code)
    assert files_outside(intact.data_dir, intact.blob_root) == before


def test_a_signed_upload_url_cannot_be_retargeted(intact: World) -> None:
    c = intact.owner.client
    presigned = c.post(
        "/v1/upload/s3", json={"filename": "a.txt", "contentType": "text/plain", "size": 3}
    ).json()
    url = presigned["uploadUrl"]
    key = presigned["fileKey"]
    for forged in (
        url.replace(key, intact.victim.file_key),  # someone else's file
        url.replace(key, key.rsplit("/", 1)[0] + "/other.txt"),  # another name
        url.replace("size=3", "size=300"),  # a bigger file
        url.replace("expires=", "expires=1"),  # a later expiry
    ):
        put = c.put(forged, content=b"abc", headers={"Content-Type": "text/plain"})
        assert_error(put, 403, contains="signature")
    assert intact.victim.client.get(f"/v1/files/{intact.victim.file_key}").content == (
        b"kept file contents\n"
    )


@pytest.mark.parametrize(
    "key",
    [
        "{victim_key}",
        "uploads/{victim_user}",
        "uploads/%2e%2e/%2e%2e/secret.key",
        "uploads/{user}/nope/x.txt",
        "..%2f..%2fetc%2fpasswd",
    ],
)
def test_files_of_others_or_outside_the_store_are_404(key: str, intact: World) -> None:
    response = intact.owner.client.get(f"/v1/files/{intact.fill(key)}")
    assert_error(response, 404)
