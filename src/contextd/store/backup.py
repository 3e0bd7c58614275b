"""Backup and restore of the embedded default: the SQLite database and the blobs directory.

A backup must be consistent while the server runs and writes. The database is copied with
SQLite's online backup API in one step, which reads one committed state (in WAL mode writers
go on meanwhile). The blobs are copied after it: every blob the copied database refers to was
written before the row naming it was committed, so it is on disk when the copy starts, unless
the server deletes it in the meantime (a reprocess replaces a source's document and deletes
the old one). So after copying, the blobs the copied database names (sources' raw and
document keys, finished uploads) are checked against the copy; if one was seen on disk and is
missing from the copy, or a file changed while it was read, the database is copied again and
the blobs brought up to date, up to 5 attempts. Keys never seen on disk at all are missing
from the live store itself: they are recorded in the manifest, not retried.

A backup is a directory (mode 0700, it holds the signing secret) with `contextd.db`,
`blobs/`, `secret.key` when the data dir has one, and `manifest.json`: the format, contextd's
version, the schema revision, row counts per table, and a SHA-256 of every file. It is built
beside its final path and renamed into place, so a half-written backup never has the name.
Restore checks every checksum before it writes anything.

PostgreSQL and S3 are not handled here: `pg_dump` and the bucket's own tools do it better.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from sqlalchemy.engine import make_url

from contextd import __version__
from contextd.config import Settings

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE = "contextd.db"
BLOBS = "blobs"
SECRET = "secret.key"
MAX_ATTEMPTS = 5
CHUNK = 1 << 20
TEMP_PREFIX = ".upload-"  # the blob store's files being written (blobs.local)

# Where the database names blobs; a finished upload is one a source may still be created from.
REFERENCES = (
    "SELECT raw_key FROM sources WHERE raw_key IS NOT NULL",
    "SELECT document_key FROM sources WHERE document_key IS NOT NULL",
    "SELECT file_key FROM uploads WHERE uploaded_at IS NOT NULL",
)


class BackupError(Exception):
    """A backup or restore that cannot be done; the message says why."""


class NotEmbedded(BackupError):
    """The data is in PostgreSQL or S3: other tools back it up."""


class NotEmpty(BackupError):
    """Restore would overwrite existing data and --force was not given."""


@dataclass(frozen=True)
class Layout:
    """Where the embedded default keeps its data."""

    database: Path
    blobs: Path
    data_dir: Path


def embedded_layout(settings: Settings) -> Layout:
    """The SQLite file and blobs directory of `settings`, or NotEmbedded with what to use."""
    url = make_url(settings.resolved_database_url)
    storage = urlparse(settings.resolved_storage_url)
    advice = []
    if url.get_backend_name() != "sqlite":
        advice.append(
            f"the database is {url.get_backend_name()}: back it up with its own tools "
            "(for PostgreSQL, `pg_dump --format=custom` and `pg_restore`)"
        )
    elif not url.database or url.database == ":memory:":
        advice.append("the database is in memory: there is nothing to back up")
    if storage.scheme != "file":
        advice.append(
            f"blobs are in {storage.scheme}:// storage: copy the bucket with its own tools "
            "(versioning, replication, or a sync to another bucket)"
        )
    if advice:
        raise NotEmbedded(
            "contextd backup handles the embedded default (SQLite and blobs on disk) only; "
            + "; ".join(advice)
        )
    assert url.database is not None
    return Layout(
        database=Path(url.database).resolve(),
        blobs=Path(unquote(storage.path)).resolve(),
        data_dir=settings.data_dir.resolve(),
    )


# --- files --------------------------------------------------------------------------------------


def _scan(root: Path) -> dict[str, tuple[int, int, int]]:
    """Blob key -> (size, mtime_ns, inode) of every finished blob under `root`."""
    found: dict[str, tuple[int, int, int]] = {}
    if not root.is_dir():
        return found
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            if name.startswith(TEMP_PREFIX):
                continue
            path = Path(dirpath) / name
            try:
                st = path.stat()
            except FileNotFoundError:
                continue
            found[path.relative_to(root).as_posix()] = (st.st_size, st.st_mtime_ns, st.st_ino)
    return found


def _copy(src: Path, dst: Path) -> str:
    """Copy a file, returning its SHA-256 (of the bytes written)."""
    digest = hashlib.sha256()
    dst.parent.mkdir(parents=True, exist_ok=True)
    with src.open("rb") as reader, dst.open("wb") as writer:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
            writer.write(chunk)
    return digest.hexdigest()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as reader:
        while chunk := reader.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


# --- the database -------------------------------------------------------------------------------


def _snapshot_database(source: Path, target: Path) -> None:
    """One committed state of `source` into `target`, while others write."""
    target.unlink(missing_ok=True)
    live = sqlite3.connect(source, timeout=60)
    try:
        copy = sqlite3.connect(target)
        try:
            live.backup(copy)
            (result,) = copy.execute("PRAGMA quick_check").fetchone()
            if result != "ok":
                raise BackupError(f"the copied database fails its check: {result}")
        finally:
            copy.close()
    finally:
        live.close()


def _describe(database: Path) -> tuple[str | None, dict[str, int], set[str]]:
    """The copy's schema revision, row counts per table, and the blob keys it names."""
    db = sqlite3.connect(database)
    try:
        tables = [
            name
            for (name, sql) in db.execute(
                "SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
            # Virtual tables may need a module this connection has not loaded (sqlite-vec);
            # their rows are counted in their shadow tables anyway.
            if not name.startswith("sqlite_")
            and not (sql or "").upper().startswith("CREATE VIRTUAL")
        ]
        counts = {t: int(db.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables}
        revision = None
        if "alembic_version" in tables:
            row = db.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = row[0] if row else None
        keys: set[str] = set()
        for query in REFERENCES:
            try:
                keys.update(str(k) for (k,) in db.execute(query))
            except sqlite3.OperationalError:  # a schema without that table or column
                continue
        return revision, counts, keys
    finally:
        db.close()


# --- backup -------------------------------------------------------------------------------------


@dataclass
class _Copied:
    """The blobs copied so far: key -> (stat when copied, sha256)."""

    files: dict[str, tuple[tuple[int, int, int], str]] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)


def _bring_up_to_date(layout: Layout, blobs_out: Path, copied: _Copied) -> list[str]:
    """Copy the blobs that are new or changed since the last pass; returns the keys that
    changed or vanished while being read."""
    unsteady: list[str] = []
    for key, stat in sorted(_scan(layout.blobs).items()):
        copied.seen.add(key)
        if key in copied.files and copied.files[key][0] == stat:
            continue
        source = layout.blobs / key
        try:
            digest = _copy(source, blobs_out / key)
            after = source.stat()
        except FileNotFoundError:
            (blobs_out / key).unlink(missing_ok=True)
            copied.files.pop(key, None)
            unsteady.append(key)
            continue
        if (after.st_size, after.st_mtime_ns, after.st_ino) != stat:
            unsteady.append(key)
        copied.files[key] = (stat, digest)
    return unsteady


def backup(
    layout: Layout,
    destination: Path,
    *,
    attempts: int = MAX_ATTEMPTS,
    on_attempt: Callable[[int, list[str]], None] | None = None,
    after_database: Callable[[int], None] | None = None,
) -> dict[str, Any]:
    """Back the data up into `destination` (absent or an empty directory); returns the
    manifest. `on_attempt(n, keys)` hears of each retry and the blobs that caused it;
    `after_database(n)` runs after each attempt's database copy, before its blobs are copied
    (the moment a deleted blob hurts: tests delete one there)."""
    destination = destination.resolve()
    if destination.exists() and (not destination.is_dir() or any(destination.iterdir())):
        raise NotEmpty(f"{destination} exists and is not an empty directory")
    if not layout.database.is_file():
        raise BackupError(f"no database at {layout.database}: nothing to back up")
    if destination.is_relative_to(layout.blobs):
        raise BackupError(f"{destination} is inside the blobs it would copy")
    work = destination.parent / f".{destination.name}.partial-{os.getpid()}"
    if work.exists():
        shutil.rmtree(work)
    destination.parent.mkdir(parents=True, exist_ok=True)
    work.mkdir(mode=0o700)
    work.chmod(0o700)
    try:
        manifest = _fill(layout, work, attempts, on_attempt, after_database)
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        if destination.exists():
            destination.rmdir()
        work.rename(destination)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    return manifest


def _fill(
    layout: Layout,
    work: Path,
    attempts: int,
    on_attempt: Callable[[int, list[str]], None] | None,
    after_database: Callable[[int], None] | None,
) -> dict[str, Any]:
    copied = _Copied()
    blobs_out = work / BLOBS
    blobs_out.mkdir(mode=0o700)
    for attempt in range(1, attempts + 1):
        # What is on disk just before the database copy: a blob it names and the copy lacks
        # was deleted meanwhile if it is here, and was never written if not.
        copied.seen.update(_scan(layout.blobs))
        _snapshot_database(layout.database, work / DATABASE)
        if after_database is not None:
            after_database(attempt)
        unsteady = _bring_up_to_date(layout, blobs_out, copied)
        revision, counts, referenced = _describe(work / DATABASE)
        lost = sorted(k for k in referenced if k not in copied.files and k in copied.seen)
        trouble = sorted({*lost, *(k for k in unsteady if k in referenced)})
        if not trouble:
            break
        if attempt == attempts:
            raise BackupError(
                f"blobs kept changing during {attempts} attempts (e.g. {trouble[0]}); "
                "try again when the server is quieter"
            )
        if on_attempt is not None:
            on_attempt(attempt + 1, trouble)
    # Blobs deleted since they were copied and named by nothing in this copy: leave them out.
    live = _scan(layout.blobs)
    for key in [k for k in copied.files if k not in live and k not in referenced]:
        (blobs_out / key).unlink(missing_ok=True)
        del copied.files[key]
    secret = layout.data_dir / SECRET
    has_secret = secret.is_file()
    if has_secret:
        _copy(secret, work / SECRET)
        (work / SECRET).chmod(0o600)
    return {
        "format": FORMAT,
        "contextd": __version__,
        "createdAt": datetime.now(UTC).isoformat(),
        "attempts": attempt,
        "schemaRevision": revision,
        "counts": counts,
        "database": {"file": DATABASE, "sha256": sha256_of(work / DATABASE)},
        "blobs": {key: digest for key, (_stat, digest) in sorted(copied.files.items())},
        "secretKey": sha256_of(work / SECRET) if has_secret else None,
        "missingBlobs": sorted(k for k in referenced if k not in copied.files),
    }


# --- restore ------------------------------------------------------------------------------------


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads((path / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{path} is not a contextd backup (no {MANIFEST})") from None
    except (OSError, ValueError) as exc:
        raise BackupError(f"cannot read {path / MANIFEST}: {exc}") from exc
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError(f"{path / MANIFEST}: not a backup format this contextd reads")
    return manifest


def verify(path: Path) -> dict[str, Any]:
    """The backup's manifest, after checking every file against its checksum."""
    manifest = read_manifest(path)
    expected: list[tuple[Path, str]] = [(path / DATABASE, manifest["database"]["sha256"])]
    expected += [(path / BLOBS / key, digest) for key, digest in manifest["blobs"].items()]
    if manifest.get("secretKey"):
        expected.append((path / SECRET, manifest["secretKey"]))
    for file, digest in expected:
        if not file.is_file():
            raise BackupError(f"the backup is incomplete: {file} is missing")
        if sha256_of(file) != digest:
            raise BackupError(f"the backup is damaged: {file} does not match its checksum")
    return manifest


def _occupied(layout: Layout) -> list[str]:
    found = []
    if layout.database.exists() and layout.database.stat().st_size > 0:
        found.append(str(layout.database))
    if layout.blobs.is_dir() and any(layout.blobs.iterdir()):
        found.append(str(layout.blobs))
    return found


def restore(path: Path, layout: Layout, *, force: bool = False) -> dict[str, Any]:
    """Put a verified backup in place of `layout`'s data (the server must be stopped)."""
    manifest = verify(path.resolve())
    occupied = _occupied(layout)
    if occupied and not force:
        raise NotEmpty(
            f"the data dir is not empty ({', '.join(occupied)}); restore into a fresh one, "
            "or pass --force to replace its data"
        )
    layout.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{layout.database}{suffix}").unlink(missing_ok=True)
    if layout.blobs.exists():
        shutil.rmtree(layout.blobs)
    layout.database.parent.mkdir(parents=True, exist_ok=True)
    partial = layout.database.with_name(layout.database.name + ".restoring")
    _copy(path / DATABASE, partial)
    partial.replace(layout.database)
    for key in manifest["blobs"]:
        _copy(path / BLOBS / key, layout.blobs / key)
    layout.blobs.mkdir(parents=True, exist_ok=True)
    if manifest.get("secretKey"):
        secret = layout.data_dir / SECRET
        _copy(path / SECRET, secret)
        secret.chmod(0o600)
    return manifest


def summary(manifest: dict[str, Any]) -> dict[str, Any]:
    """What a person wants to read about a backup (the manifest without the checksums)."""
    counts: dict[str, int] = manifest.get("counts", {})
    keep = ("spaces", "sources", "artifacts", "turns", "users")
    blobs: Iterable[str] = manifest.get("blobs", {})
    return {
        "contextd": manifest.get("contextd"),
        "createdAt": manifest.get("createdAt"),
        "attempts": manifest.get("attempts"),
        "schemaRevision": manifest.get("schemaRevision"),
        "counts": {k: counts[k] for k in keep if k in counts},
        "blobs": len(list(blobs)),
        "missingBlobs": manifest.get("missingBlobs", []),
    }
