"""`contextd backup` and `contextd restore` of the embedded default, on a quiet server and on a
busy one (sources created, uploaded and reprocessed while the backup runs): restored into a
fresh data dir, a new server reads every source back."""

from __future__ import annotations

import json
import stat
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from typer.testing import Result

from contextd.client import Client as Sdk
from contextd.client import ConflictError
from contextd.runtime import Runtime
from contextd.store.backup import MANIFEST
from contextd.testing import ThreadedServer
from tests.support.cli import run_offline
from tests.support.service import Client, Service
from tests.support.settings import make_settings


@contextmanager
def embedded(data_dir: Path) -> Iterator[Service]:
    """A server on the embedded default in `data_dir`, as `contextd serve` would lay it out
    (SQLite and blobs in the data dir, a signing secret created there)."""
    from contextd.api.app import create_app

    database = f"sqlite:///{data_dir / 'contextd.db'}"
    runtime = Runtime.build(make_settings(data_dir, database, secret_key=None))
    try:
        with ThreadedServer(create_app(runtime)) as server:
            # Presigned upload URLs point at the server's public URL.
            runtime.settings = runtime.settings.model_copy(update={"public_url": server.url})
            yield Service(runtime, server.url)
        _ = runtime.embedder  # (see tests/cli/conftest.py: let the warm-up finish)
    finally:
        runtime.close()


def contextd(data_dir: Path, *args: str, code: int = 0, **env: str) -> Result:
    """`contextd ...` configured like a server on `data_dir`, nothing else set."""
    environment = {
        "CONTEXTD_DATA_DIR": str(data_dir),
        "CONTEXTD_DATABASE_URL": None,
        "CONTEXTD_STORAGE_URL": None,
        **env,
    }
    return run_offline(*args, code=code, **environment)  # type: ignore[arg-type]


def chat(n: int) -> str:
    return f"User: what is note {n}?\n\nAssistant: note {n} says marker-{n}.\n"


def check_restored(
    data_dir: Path, key: str, expected: dict[str, str], least: set[str], *, again: bool = False
) -> int:
    """Start a server on the restored data, read every source back; returns how many. `again`:
    reprocess each one too, which reads the bytes it was made from (a blob, or its row's)."""
    with (
        embedded(data_dir) as service,
        Client(service.url, key, "", runtime=service.runtime) as http,
        Sdk(service.url, key) as sdk,
    ):
        ids = [
            source.id
            for space in sdk.spaces.list(per_page=100)
            for source in sdk.sources.list(space, per_page=100)
        ]
        assert least <= set(ids), "sources made before the backup are missing"
        for source_id in ids:
            assert source_id in expected, source_id
            done = http.wait(source_id)
            assert done["status"] == "COMPLETED", done
            content = http.get(f"/v1/sources/{source_id}/content")
            assert content.status_code == 200, content.text
            assert expected[source_id] in content.text
            if again:
                answer = http.post(f"/v1/sources/{source_id}/reprocess", json={})
                assert answer.status_code == 202, answer.text
                redone = http.wait(source_id)
                assert redone["status"] == "COMPLETED" and redone["revision"] == 2, redone
        return len(ids)


def test_backup_and_restore_a_quiet_server(tmp_path: Path) -> None:
    live, fresh, saved = tmp_path / "live", tmp_path / "fresh", tmp_path / "backup"
    expected: dict[str, str] = {}
    with embedded(live) as service, service.client("owner") as http:
        key = http.key
        space = http.space("notes")
        for n in range(3):
            made = http.source(space["id"], {"type": "CONTENT", "initial_data": {"data": chat(n)}})
            expected[made["id"]] = f"marker-{n}"
        with Sdk(service.url, key) as sdk:
            upload = tmp_path / "plan.md"
            upload.write_text("# Plan\n\nShip it on Friday, marker-file.\n")
            expected[sdk.sources.upload_file(space["id"], upload).id] = "marker-file"
        for source_id in expected:
            http.wait(source_id)

        done = contextd(live, "backup", str(saved), "--json")
        brief = json.loads(done.stdout)
        # Each source's document and the file's bytes; the chats' own bytes are small enough
        # to be kept in their rows (`sources.raw_inline`), so the database copy carries them.
        assert brief["counts"]["sources"] == 4 and brief["blobs"] >= 5
        assert stat.S_IMODE(saved.stat().st_mode) == 0o700
        manifest = json.loads((saved / MANIFEST).read_text())
        assert manifest["attempts"] == 1 and manifest["missingBlobs"] == []
        assert manifest["secretKey"] and (saved / "secret.key").is_file()
        # A backup never goes into a directory that has something in it.
        again = contextd(live, "backup", str(saved), code=2)
        assert "not an empty directory" in again.stderr

    # The live data dir has data: restore refuses without --force.
    refused = contextd(live, "restore", str(saved), code=2)
    assert "--force" in refused.stderr
    restored = contextd(fresh, "restore", str(saved))
    assert "restored" in restored.stdout and "4 sources" in restored.stdout
    assert (fresh / "secret.key").read_text() == (live / "secret.key").read_text()
    assert check_restored(fresh, key, expected, set(expected), again=True) == 4
    contextd(fresh, "restore", str(saved), "--force")

    # A damaged backup is refused before anything is written.
    blob = next(p for p in (saved / "blobs").rglob("*") if p.is_file())
    blob.write_bytes(b"tampered")
    damaged = contextd(tmp_path / "other", "restore", str(saved), code=1)
    assert "damaged" in damaged.stderr and not (tmp_path / "other").exists()


def test_backup_refers_postgresql_and_s3_to_their_tools(tmp_path: Path) -> None:
    pg = contextd(
        tmp_path, "backup", str(tmp_path / "b"), code=2,
        CONTEXTD_DATABASE_URL="postgresql+psycopg://u@127.0.0.1/db",
    )  # fmt: skip
    assert "pg_dump" in pg.stderr
    s3 = contextd(
        tmp_path, "restore", str(tmp_path / "b"), code=2, CONTEXTD_STORAGE_URL="s3://bucket/x"
    )
    assert "bucket" in s3.stderr and not (tmp_path / "b").exists()


def test_backup_of_a_busy_server(tmp_path: Path) -> None:
    """Sources are created, uploaded and reprocessed (which replaces and deletes blobs) from
    another thread for the whole backup; the restored copy is consistent all the same."""
    live, fresh, saved = tmp_path / "live", tmp_path / "fresh", tmp_path / "backup"
    expected: dict[str, str] = {}
    before: set[str] = set()
    stop = threading.Event()
    errors: list[BaseException] = []
    with embedded(live) as service, service.client("owner") as http:
        key = http.key
        space = http.space("busy")["id"]
        for n in range(4):
            made = http.source(space, {"type": "CONTENT", "initial_data": {"data": chat(n)}})
            expected[made["id"]] = f"marker-{n}"
            http.wait(made["id"])
        before = set(expected)

        def write() -> None:
            try:
                with Sdk(service.url, key) as sdk:
                    n = 100
                    while not stop.is_set():
                        if n % 3 == 0:
                            path = tmp_path / f"up-{n}.md"
                            path.write_text(f"# Upload {n}\n\nmarker-{n} in a file.\n")
                            made = sdk.sources.upload_file(space, path)
                        else:
                            made = sdk.sources.create_content(space, chat(n))
                        expected[made.id] = f"marker-{n}"
                        if n % 4 == 0:  # a new document replaces the old one's blob
                            with suppress(ConflictError):  # (still busy with the last one)
                                sdk.sources.reprocess(sorted(before)[n % len(before)])
                        n += 1
            except BaseException as exc:
                errors.append(exc)

        writer = threading.Thread(target=write)
        writer.start()
        try:
            while len(expected) < len(before) + 6 and writer.is_alive():
                stop.wait(0.05)
            contextd(live, "backup", str(saved))
        finally:
            stop.set()
            writer.join(60)
        assert not errors, errors
        # (Sources the backup caught mid-way are processed by the restored server.)

    contextd(fresh, "restore", str(saved))
    count = check_restored(fresh, key, dict(expected), before)
    assert count >= len(before) + 6
