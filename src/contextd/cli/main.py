"""The `contextd` command: the server side (serve, worker, migrate, keys, reindex, backup and
restore) is here; the client commands that talk to a running server live in their own modules
(`client_commands`), and so do `contextd mcp` and `contextd extract` (the pipeline without a
server).

Those other modules are imported only when the command line may need them: they pull the SDK,
rich and pydantic models (about a second of imports on a busy machine), which `contextd serve`
would otherwise pay before it listens (bench/cold_start.py). `app` (the whole tree, for
`contextd --help`, the tests and the CLI reference) builds on first access."""

from __future__ import annotations

import json
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from contextd.config import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from contextd.runtime import Runtime
    from contextd.store.backup import Layout

_app = typer.Typer(help="contextd: a self-hosted context server.", no_args_is_help=True)
keys_app = typer.Typer(help="Manage API keys.", no_args_is_help=True)
_app.add_typer(keys_app, name="keys")
_complete = False


def _settings(**overrides: object) -> Settings:
    """The environment's settings; a misconfiguration ends the command with its message (exit 2)
    rather than a traceback, before anything is opened."""
    try:
        settings = load_settings()
    except SettingsError as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None
    return settings.model_copy(update={k: v for k, v in overrides.items() if v is not None})


def _runtime(settings: Settings) -> Runtime:
    """The runtime, or exit 2 with the message when the vector backend cannot run here (it is
    chosen against the live database, so `Settings` cannot check it alone)."""
    from contextd.runtime import Runtime
    from contextd.search.vector import VectorBackendError

    try:
        return Runtime.build(settings)
    except VectorBackendError as exc:
        typer.echo(f"contextd cannot start: {exc}", err=True)
        raise typer.Exit(2) from None


@_app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default 127.0.0.1)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8080)")] = None,
    no_worker: Annotated[
        bool, typer.Option("--no-worker", help="Serve the API only (workers run elsewhere)")
    ] = False,
) -> None:
    """Run the API with its embedded worker (a child process it starts, restarts and stops)."""
    import uvicorn

    from contextd.api.app import create_app

    settings = _settings(host=host, port=port)
    if no_worker:
        settings = settings.model_copy(update={"embedded_worker": False})
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    if settings.embedded_worker and settings.worker_process:
        # Before any thread, socket or database connection: the worker's child, forked with
        # the imports this process has made, waits for its settings (bench/child_trace.py).
        from contextd.tasks.worker_process import prefork

        prefork()
    runtime = _runtime(settings)
    typer.echo(
        f"contextd serving on http://{settings.host}:{settings.port} (data: {settings.data_dir})"
    )
    uvicorn.run(
        create_app(runtime),
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,
    )


@_app.command()
def worker(
    concurrency: Annotated[int, typer.Option(help="Jobs run at once")] = 1,
    queue: Annotated[
        list[str] | None,
        typer.Option(
            "--queue",
            help="Only these job kinds (e.g. process_source); procrastinate engine only",
        ),
    ] = None,
) -> None:
    """Run a standalone worker against the configured database and storage.

    The embedding model gets one CPU thread per worker process unless OMP_NUM_THREADS says
    otherwise: run one worker process per core. (Measured by bench/workers.py: torch's default
    of a thread per core in every process oversubscribes the cores, and throughput falls.)"""
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")
    from contextd.tasks.handlers import build_worker

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    runtime = _runtime(_settings())
    w = build_worker(runtime, concurrency, queues=queue or None)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    w.start()
    engine = runtime.settings.job_engine
    typer.echo(f"contextd worker {w.worker_id} running ({concurrency} at once, {engine} jobs)")
    stop.wait()
    w.stop()


@_app.command()
def migrate() -> None:
    """Apply the database migrations."""
    from contextd.store.migrate import upgrade

    settings = _settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    if settings.job_engine == "procrastinate":
        from contextd.jobs.procrastinate_engine import ensure_schema

        if ensure_schema(settings.resolved_database_url):
            typer.echo("installed procrastinate's schema")
    typer.echo("database is up to date")


@_app.command()
def reindex() -> None:
    """Queue re-embedding of every chunk whose vector is missing or from another model (after
    changing CONTEXTD_EMBEDDING_*). Nothing is re-extracted; workers do the embedding."""
    from contextd.search.index import mark_model_change

    runtime = _runtime(_settings())
    with runtime.db.session() as session:
        count = mark_model_change(session, runtime.embedding_model_name)
    typer.echo(f"queued re-embedding for {count} source(s)")


@keys_app.command("create")
def keys_create(
    name: Annotated[str, typer.Option(help="The user's name (and the key's)")],
    email: Annotated[str | None, typer.Option(help="Reuse the user with this email")] = None,
) -> None:
    """Create a user if needed and an API key for it; the raw key is the last line printed."""
    from contextd.services import keys

    runtime = _runtime(_settings())
    with runtime.db.session() as session:
        user = keys.ensure_user(session, name, email)
        created = keys.create_key(session, user, name, None)
        typer.echo(f"user {user.id} ({user.name}); key {created.key.id}; shown once:")
        typer.echo(created.raw)


@_app.command()
def backup(
    path: Annotated[Path, typer.Argument(help="Directory to create (absent or empty)")],
    json_: Annotated[bool, typer.Option("--json", help="The manifest's summary as JSON")] = False,
) -> None:
    """Back up the embedded default (SQLite database, blobs, signing secret) into PATH, while
    the server runs. PostgreSQL and S3 are backed up with their own tools (pg_dump, the
    bucket's)."""
    from contextd.store import backup as backups

    layout = _layout()
    try:
        manifest = backups.backup(
            layout,
            path,
            on_attempt=lambda n, keys: typer.echo(
                f"blobs changed during the copy ({len(keys)}); attempt {n}", err=True
            ),
        )
    except backups.BackupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2 if isinstance(exc, backups.NotEmpty) else 1) from None
    _report(manifest, f"backed up {layout.data_dir} to {path.resolve()}", json_)


@_app.command()
def restore(
    path: Annotated[Path, typer.Argument(help="A directory `contextd backup` wrote")],
    force: Annotated[
        bool, typer.Option("--force", help="Replace the data of a data dir that has some")
    ] = False,
    json_: Annotated[bool, typer.Option("--json", help="The manifest's summary as JSON")] = False,
) -> None:
    """Restore a backup into the configured data dir (CONTEXTD_DATA_DIR), after checking every
    file's checksum. Stop the server first; a data dir with data is refused without --force."""
    from contextd.store import backup as backups

    layout = _layout()
    try:
        manifest = backups.restore(path, layout, force=force)
    except backups.BackupError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2 if isinstance(exc, backups.NotEmpty) else 1) from None
    _report(manifest, f"restored {path.resolve()} into {layout.data_dir}", json_)


def _layout() -> Layout:
    from contextd.store.backup import NotEmbedded, embedded_layout

    try:
        return embedded_layout(_settings())
    except NotEmbedded as exc:
        typer.echo(str(exc), err=True)
        raise typer.Exit(2) from None


def _report(manifest: dict[str, Any], done: str, as_json: bool) -> None:
    from contextd.store.backup import summary

    brief = summary(manifest)
    if as_json:
        typer.echo(json.dumps(brief))
        return
    counts = ", ".join(f"{n} {name}" for name, n in brief["counts"].items())
    typer.echo(f"{done}: {counts}, {brief['blobs']} blobs")
    if brief["missingBlobs"]:
        typer.echo(f"note: {len(brief['missingBlobs'])} blob(s) were missing already", err=True)


def _server_commands() -> frozenset[str]:
    """The names of the commands defined in this module (the server side)."""
    names = {
        c.name or (c.callback.__name__ if c.callback else "") for c in _app.registered_commands
    }
    return frozenset(names | {g.name or "" for g in _app.registered_groups})


def full_app() -> typer.Typer:
    """The whole command tree: the server commands and, registered once, the others."""
    global _complete
    if not _complete:
        from contextd.cli.client_commands import register as register_client_commands
        from contextd.cli.extract import extract
        from contextd.cli.mcp_command import mcp

        _app.command("mcp")(mcp)
        _app.command("extract")(extract)
        register_client_commands(_app)
        _complete = True
    return _app


def __getattr__(name: str) -> typer.Typer:
    if name == "app":
        return full_app()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    args = sys.argv[1:]
    # A server command runs without the client modules; anything else (including `--help`)
    # gets the whole tree, so the listing and typo suggestions are unchanged.
    (_app if args and args[0] in _server_commands() else full_app())()
