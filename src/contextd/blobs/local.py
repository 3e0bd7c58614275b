"""Blobs as files under one directory, written atomically (temp file + rename).

What a put guarantees: a reader sees either no file or all of its bytes (the rename is atomic),
and a put has returned only once the bytes are in the file, so a source row committed after it
never points at missing bytes. Like before, nothing is fsynced: a power cut may lose the last
writes, as it may lose the database's last commits under the settings it runs with.
"""

from __future__ import annotations

import os
import secrets
import shutil
from collections.abc import Iterable
from pathlib import Path

from contextd.blobs.base import BlobNotFound, BlobTooLarge, check_key


class LocalBlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        path = (self.root / check_key(key)).resolve()
        if not path.is_relative_to(self.root):
            raise BlobNotFound(key)
        return path

    def put(self, key: str, data: bytes) -> None:
        self.put_stream(key, [data], max_bytes=len(data))

    def put_stream(self, key: str, chunks: Iterable[bytes], *, max_bytes: int) -> int:
        # Plain os calls, not tempfile.mkstemp + a buffered file object: create-source writes
        # one small blob per request and those wrappers cost more than the write (bench/README,
        # issue 15 part 4). The temp name is random, so concurrent puts never share one.
        path = self._path(key)
        _make_parent(path.parent)
        tmp = f"{path.parent}/.upload-{secrets.token_hex(8)}"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _O_BINARY, 0o666)
        written = 0
        try:
            try:
                for chunk in chunks:
                    written += len(chunk)
                    if written > max_bytes:
                        raise BlobTooLarge(f"more than {max_bytes} bytes")
                    _write_all(fd, chunk)
            finally:
                os.close(fd)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return written

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as exc:
            raise BlobNotFound(key) from exc

    def size(self, key: str) -> int:
        try:
            return self._path(key).stat().st_size
        except FileNotFoundError as exc:
            raise BlobNotFound(key) from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete_prefix(self, prefix: str) -> None:
        path = self._path(prefix.rstrip("/"))
        if path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)

    def check(self) -> None:
        probe = "health/probe"
        self.put(probe, b"ok")
        if self.get(probe) != b"ok":
            raise OSError("blob store returned different bytes")

    def presign_put(self, key: str, content_type: str, size: int, ttl: int) -> str | None:
        check_key(key)
        return None


_O_BINARY = getattr(os, "O_BINARY", 0)


def _make_parent(directory: Path) -> None:
    """A new key's directory is usually one level below an existing one: try that one mkdir
    before the general (and costlier) walk up the tree."""
    try:
        os.mkdir(directory)
    except FileExistsError:
        return
    except FileNotFoundError:
        directory.mkdir(parents=True, exist_ok=True)


def _write_all(fd: int, data: bytes) -> None:
    """`os.write` may write less than asked; the rest is written until none is left."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
