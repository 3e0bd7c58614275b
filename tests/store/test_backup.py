"""The backup's consistency rule on its own: blobs the copied database names, deleted while
the backup runs, make it copy again; a blob missing from the store itself is only noted."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from contextd.store.backup import (
    MANIFEST,
    BackupError,
    Layout,
    backup,
    read_manifest,
    verify,
)


def make_data(root: Path, keys: dict[str, bytes], referenced: list[str]) -> Layout:
    """A data dir whose database (WAL, as the server runs it) names `referenced` blobs."""
    layout = Layout(root / "contextd.db", root / "blobs", root)
    root.mkdir()
    db = sqlite3.connect(layout.database)
    db.execute("PRAGMA journal_mode=wal")
    db.execute("CREATE TABLE sources (id TEXT, raw_key TEXT, document_key TEXT)")
    db.execute("CREATE TABLE uploads (file_key TEXT, uploaded_at TEXT)")
    db.executemany(
        "INSERT INTO sources VALUES (?, ?, NULL)", [(f"s{i}", k) for i, k in enumerate(referenced)]
    )
    db.commit()
    db.close()
    for key, data in keys.items():
        (layout.blobs / key).parent.mkdir(parents=True, exist_ok=True)
        (layout.blobs / key).write_bytes(data)
    return layout


def replace_document(layout: Layout, old: str, new: str) -> None:
    """What a reprocess does: write the new blob, point the row at it, delete the old one."""
    (layout.blobs / new).parent.mkdir(parents=True, exist_ok=True)
    (layout.blobs / new).write_bytes(b"new document")
    db = sqlite3.connect(layout.database)
    db.execute("UPDATE sources SET raw_key = ? WHERE raw_key = ?", (new, old))
    db.commit()
    db.close()
    (layout.blobs / old).unlink()


def test_a_blob_replaced_after_the_database_copy_is_copied_again(tmp_path: Path) -> None:
    old, new = "sources/a/document.md.r1", "sources/a/document.md.r2"
    layout = make_data(tmp_path / "data", {old: b"old document", "other": b"x"}, [old, "other"])
    retries: list[tuple[int, list[str]]] = []

    def reprocess(attempt: int) -> None:
        if attempt == 1:
            replace_document(layout, old, new)

    manifest = backup(
        layout,
        tmp_path / "backup",
        on_attempt=lambda n, keys: retries.append((n, keys)),
        after_database=reprocess,
    )
    assert retries == [(2, [old])]
    assert manifest["attempts"] == 2 and manifest["missingBlobs"] == []
    assert set(manifest["blobs"]) == {new, "other"}
    copied = sqlite3.connect(tmp_path / "backup" / "contextd.db")
    assert [k for (k,) in copied.execute("SELECT raw_key FROM sources ORDER BY id")] == [
        new,
        "other",
    ]
    copied.close()
    assert verify(tmp_path / "backup") == read_manifest(tmp_path / "backup")


def test_blobs_that_never_settle_fail_the_backup_and_leave_nothing(tmp_path: Path) -> None:
    layout = make_data(tmp_path / "data", {"k1": b"1"}, ["k1"])

    # Each time, the blob the database copy names is deleted before it is copied, and the
    # next attempt finds another one in its place.
    def delete(attempt: int) -> None:
        (layout.blobs / f"k{attempt}").unlink()

    def write(attempt: int, _keys: list[str]) -> None:
        (layout.blobs / f"k{attempt}").write_bytes(b"next")
        db = sqlite3.connect(layout.database)
        db.execute("UPDATE sources SET raw_key = ?", (f"k{attempt}",))
        db.commit()
        db.close()

    with pytest.raises(BackupError, match="5 attempts"):
        backup(layout, tmp_path / "backup", after_database=delete, on_attempt=write)
    assert list(tmp_path.iterdir()) == [tmp_path / "data"]


def test_a_blob_missing_from_the_store_itself_is_noted_not_retried(tmp_path: Path) -> None:
    layout = make_data(tmp_path / "data", {"here": b"1"}, ["here", "never-written"])
    manifest = backup(layout, tmp_path / "backup")
    assert manifest["attempts"] == 1 and manifest["missingBlobs"] == ["never-written"]
    assert (tmp_path / "backup" / MANIFEST).is_file()
    assert manifest["counts"] == {"sources": 2, "uploads": 0}
