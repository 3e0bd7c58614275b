"""`contextd login`, `add`, `sources list|show|pin|unpin|delete|restore|cancel|refresh|reprocess|
rename|append`, `status`, `wait` and `snapshot`."""

from __future__ import annotations

import base64
import mimetypes
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from contextd.cli.importer import load_export, run_import, sniff_export
from contextd.cli.remote import (
    DEFAULT_URL,
    ENV_KEY,
    EXIT_API,
    EXIT_UNFINISHED,
    JsonOpt,
    KeyOpt,
    Output,
    Session,
    UrlOpt,
    api_message,
    collection_paths,
    config_path,
    errors,
    fail,
    id_table,
    read_config,
    resolve_collection,
    resolve_space,
    session,
    short_time,
    source_label,
    status_text,
    write_config,
)
from contextd.cli.waiting import wait_for
from contextd.client import (
    APIStatusError,
    AuthenticationError,
    Client,
    Source,
    SourceStatus,
    SourceType,
)

sources_app = typer.Typer(help="List, inspect and act on sources.", no_args_is_help=True)

SourceArg = Annotated[str, typer.Argument(help="Source id")]
TimeoutOpt = Annotated[float, typer.Option(help="Seconds to wait at most")]

DEFAULT_MAX_SIZE = "20MB"
JUNK_DIRS = frozenset(
    {"node_modules", "__pycache__", "venv", "site-packages", "dist-packages", "target"}
)
# Formats the server converts although they are binary.
DOCUMENT_SUFFIXES = {".pdf": "application/pdf", ".docx": None}
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/xhtml+xml")


# --- login ------------------------------------------------------------------------------------


def login(
    url: Annotated[str | None, typer.Option("--url", help=f"Server URL [{DEFAULT_URL}]")] = None,
    api_key: Annotated[
        str | None, typer.Option("--api-key", help="API key (asked for when not given)")
    ] = None,
) -> None:
    """Check and remember a server and API key (in a file only you can read)."""
    with errors():
        target = (url or read_config().get("url") or DEFAULT_URL).rstrip("/")
        key = api_key or typer.prompt("API key", hide_input=True, err=True)
        with Client(target, key) as client:
            client.spaces.list(per_page=1).page(1)  # fails on a wrong key or URL
        path = write_config({"url": target, "api_key": key})
        Output(False).note(f"logged in to {target}; saved in {path}")


def logout() -> None:
    """Forget the saved server and API key."""
    path = config_path()
    if path.exists():
        path.unlink()
        Output(False).note(f"removed {path}")
    else:
        Output(False).note("not logged in")


# --- add --------------------------------------------------------------------------------------


def parse_size(value: str) -> int:
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmg]?)(i?b?)\s*", value.lower())
    if not match:
        fail(f"--max-size {value!r}: expected a size such as 500K, 20MB or 1G")
    number, unit = float(match.group(1)), match.group(2)
    return int(number * {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}[unit])


@dataclass
class Skipped:
    path: str
    reason: str


def _is_hidden(name: str) -> bool:
    return name.startswith(".")


def _looks_binary(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(8192)
    return b"\x00" in head


def content_type_for(path: Path) -> str:
    """The media type to declare: a document type the server converts, else text."""
    suffix = path.suffix.lower()
    if suffix in DOCUMENT_SUFFIXES:
        return mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    guessed = mimetypes.guess_type(path.name)[0]
    if guessed and guessed.startswith(TEXT_TYPES):
        return guessed
    return "text/plain"  # source code, configs, logs: text the server reads by its extension


def collect_files(
    root: Path, max_size: int, include_hidden: bool
) -> tuple[list[Path], list[Skipped]]:
    """The files of a folder worth uploading, in a stable order, and why others were left out."""
    chosen: list[Path] = []
    skipped: list[Skipped] = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(
            d for d in dirs if (include_hidden or not _is_hidden(d)) and d not in JUNK_DIRS
        )
        for name in sorted(files):
            path = Path(directory) / name
            rel = path.relative_to(root).as_posix()
            if not include_hidden and _is_hidden(name):
                continue
            if not path.is_file():
                continue
            size = path.stat().st_size
            if size == 0:
                skipped.append(Skipped(rel, "empty"))
            elif size > max_size:
                skipped.append(Skipped(rel, f"larger than {max_size} bytes"))
            elif path.suffix.lower() not in DOCUMENT_SUFFIXES and _looks_binary(path):
                skipped.append(Skipped(rel, "binary"))
            else:
                chosen.append(path)
    return chosen, skipped


def _source_row(source: Source) -> dict[str, Any]:
    return source.model_dump(mode="json", by_alias=True)


def _print_sources(out: Output, sources: list[Source], paths: dict[str, str] | None = None) -> None:
    table = id_table("id", "name", "type", "status", "turns", "arts", "updated")
    if paths:
        table.add_column("collection")
    for source in sources:
        row = [
            source.id,
            escape(source_label(source)),
            str(source.type),
            status_text(str(source.status)),
            str(source.stats.turns),
            str(source.stats.artifacts),
            short_time(source.updated_at or source.created_at),
        ]
        if paths:
            row.append(escape(paths.get(source.collection_id or "", "")))
        table.add_row(*row)
    out.out.print(table)


def _finish(
    s: Session, created: list[Source], wait: bool, timeout: float, extra: dict[str, Any]
) -> None:
    """Print what was created, after waiting for it when asked; exit 4 when something failed."""
    code = _report(s, created, wait, timeout, extra)
    if code:
        raise typer.Exit(code)


def _report(
    s: Session,
    sources: list[Source],
    wait: bool,
    timeout: float,
    extra: dict[str, Any],
    expect: SourceStatus = SourceStatus.COMPLETED,
) -> int:
    """Print the sources, after waiting for them when asked; returns 4 when one waited on did
    not end as `expect` (or did not end), else 0."""
    code = 0
    shown = sources
    if wait and sources:
        finished, unfinished = wait_for(s.client, s.out, [c.id for c in sources], timeout=timeout)
        shown = [*finished, *unfinished]
        if unfinished or any(x.status != expect for x in finished):
            code = EXIT_UNFINISHED
    if s.json:
        s.out.emit({"sources": [_source_row(x) for x in shown], **extra})
    else:
        if shown:
            _print_sources(s.out, shown)
        for item in extra.get("skipped", []):
            s.out.note(f"skipped {item['path']}: {item['reason']}")
        for source in shown:
            if source.status in (SourceStatus.FAILED, SourceStatus.CANCELED):
                s.out.note(f"{source.id} {source.status}: {source.message or ''}")
    return code


def is_url(target: str) -> bool:
    """Whether `target` is a URL; only http(s) ones are accepted."""
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", target):
        return False
    if not target.lower().startswith(("http://", "https://")):
        fail(f"{target}: only http:// and https:// URLs can be added")
    return True


def new_data(s: Session, target: str) -> tuple[SourceType, dict[str, Any]]:
    """The type and initial data for standard input (-), an http(s) URL or a file (uploaded),
    as `add` creates a source from them and `sources append` fast-forwards one."""
    if target == "-":
        text = sys.stdin.read()
        if not text.strip():
            fail("nothing on standard input")
        return SourceType.CONTENT, {"data": text}
    if is_url(target):
        return SourceType.URI, {"url": target}
    path = Path(target).expanduser()
    if not path.is_file():
        fail(f"{target}: no such file (and not an http(s) URL)")
    with s.out.progress() as progress:
        progress.add_task(f"uploading {path.name}", total=None)
        upload = s.client.uploads.upload(path, content_type=content_type_for(path))
    return SourceType.FILE, {"data": upload.file_key}


def add(
    space: Annotated[str, typer.Argument(help="Space id or name")],
    target: Annotated[str, typer.Argument(help="A URL, a file, a folder, or - for standard input")],
    collection: Annotated[
        str | None, typer.Option("--collection", "-c", help="Collection id, name or path a/b")
    ] = None,
    name: Annotated[str | None, typer.Option("--name", help="The source's name")] = None,
    description: Annotated[str | None, typer.Option(help="The source's description")] = None,
    wait: Annotated[bool, typer.Option("--wait", "-w", help="Wait until processed")] = False,
    timeout: TimeoutOpt = 600.0,
    max_size: Annotated[
        str, typer.Option(help="Folders: skip files larger than this")
    ] = DEFAULT_MAX_SIZE,
    include_hidden: Annotated[
        bool, typer.Option("--include-hidden", help="Folders: also dot-files and dot-folders")
    ] = False,
    raw: Annotated[
        bool,
        typer.Option("--raw", help="Upload a chat export as one file instead of importing it"),
    ] = False,
    url: UrlOpt = None,
    api_key: KeyOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Add a web page (URL), a file, every file of a folder, or pasted text (-) to a space.

    A ChatGPT or Claude export (.zip or conversations.json) is imported conversation by
    conversation, as `contextd import` does; --raw uploads it as a single file instead."""
    with session(url, api_key, json_) as s:
        found = resolve_space(s.client, space)
        collection_id = resolve_collection(s.client, found, collection) if collection else None
        options: dict[str, Any] = {
            "name": name,
            "description": description,
            "collection": collection_id,
        }
        path = Path(target).expanduser()
        if target != "-" and not is_url(target):
            if path.is_dir():
                _add_folder(s, found.id, path, options, wait, timeout, max_size, include_hidden)
                return
            if not path.is_file():
                fail(f"{target}: no such file or folder (and not an http(s) URL)")
            provider = None if raw else sniff_export(path)
            if provider is not None:
                s.out.note(
                    f"{path.name} is a {provider} export: importing its conversations "
                    f"(see `contextd import {provider} --help` for --dry-run and --select; "
                    "--raw uploads the file as is)"
                )
                code = run_import(
                    s.client,
                    s.out,
                    provider,
                    load_export(path),
                    found.id,
                    collection=collection_id,
                    wait=wait,
                    timeout=timeout,
                )
                if code:
                    raise typer.Exit(code)
                return
            options["name"] = name or path.name
        kind, data = new_data(s, target)
        created = s.client.sources.create(found, type=kind, initial_data=data, **options)
        _finish(s, [created], wait, timeout, {})


def _add_folder(
    s: Session,
    space_id: str,
    root: Path,
    options: dict[str, Any],
    wait: bool,
    timeout: float,
    max_size: str,
    include_hidden: bool,
) -> None:
    files, skipped = collect_files(root, parse_size(max_size), include_hidden)
    if not files:
        fail(f"{root}: no files to add ({len(skipped)} skipped)")
    created: list[Source] = []
    prefix = options.get("name")
    with s.out.progress() as progress:
        task = progress.add_task(f"uploading {root.name}", total=len(files))
        for path in files:
            rel = path.relative_to(root).as_posix()
            progress.update(task, description=rel[-40:])
            created.append(
                s.client.sources.upload_file(
                    space_id,
                    path,
                    content_type=content_type_for(path),
                    **{**options, "name": f"{prefix}/{rel}" if prefix else rel},
                )
            )
            progress.advance(task)
    extra = {"skipped": [{"path": x.path, "reason": x.reason} for x in skipped]}
    _finish(s, created, wait, timeout, extra)


# --- sources list, status, wait ---------------------------------------------------------------


@sources_app.command("list")
def sources_list(
    space: Annotated[str, typer.Argument(help="Space id or name")],
    collection: Annotated[
        str | None, typer.Option("--collection", "-c", help="Only this collection")
    ] = None,
    status: Annotated[str | None, typer.Option(help="Only this status, e.g. FAILED")] = None,
    type_: Annotated[
        str | None, typer.Option("--type", help="Only this type: URI, FILE, CONTENT, COMPOSITION")
    ] = None,
    deleted: Annotated[bool, typer.Option("--deleted", help="Deleted sources instead")] = False,
    url: UrlOpt = None,
    api_key: KeyOpt = None,
    json_: JsonOpt = False,
) -> None:
    """The space's sources, pinned first, newest first."""
    with session(url, api_key, json_) as s:
        found = resolve_space(s.client, space)
        collection_id = resolve_collection(s.client, found, collection) if collection else None
        items = list(
            s.client.sources.list(
                found,
                collection=collection_id,
                status=status.upper() if status else None,
                type=type_.upper() if type_ else None,
                deleted=deleted or None,
                per_page=100,
            )
        )
        if s.json:
            s.out.emit(items)
            return
        if not items:
            s.out.note(f"no sources in {found.name!r}: `contextd add`")
            return
        _print_sources(s.out, items, collection_paths(s.client.collections.tree(found)))


@sources_app.command("show")
def sources_show(
    source: SourceArg, url: UrlOpt = None, api_key: KeyOpt = None, json_: JsonOpt = False
) -> None:
    """Same as `contextd status`."""
    status(source, url, api_key, json_)


def status(
    source: SourceArg, url: UrlOpt = None, api_key: KeyOpt = None, json_: JsonOpt = False
) -> None:
    """A source's status, statistics, snapshot summary and artifacts."""
    with session(url, api_key, json_) as s:
        found = s.client.sources.get(source)
        if s.json:
            s.out.emit(found)
            return
        p = s.out.out.print
        p(f"[bold]{escape(source_label(found))}[/bold]  {found.id}")
        p(f"{found.type}  {status_text(str(found.status))}  format {found.format or '-'}")
        if found.message:
            p(f"message: {escape(found.message)}")
        stats = found.stats
        p(f"{stats.turns} turns, {stats.tokens} tokens, {stats.artifacts} artifacts")
        if found.snapshot is not None:
            snap = found.snapshot
            p(
                f"snapshot: {snap.tokens_before} -> {snap.tokens_after} tokens "
                f"({snap.compression:.1f}x, {snap.engine or 'builtin'})"
            )
        if found.artifacts:
            table = id_table("artifact", "type", "language", "title", ids=("artifact",))
            for artifact in found.artifacts:
                table.add_row(
                    artifact.id,
                    str(artifact.type),
                    artifact.language or "",
                    escape(artifact.title or ""),
                )
            p(table)


def wait(
    sources: Annotated[list[str], typer.Argument(help="Source ids")],
    timeout: TimeoutOpt = 600.0,
    url: UrlOpt = None,
    api_key: KeyOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Wait until the sources are processed. Exit 4 when one FAILED, was CANCELED or is still
    running at --timeout. With --json, one line per source as it finishes."""
    with session(url, api_key, json_) as s:
        on_done = (lambda x: s.out.emit_line(x)) if s.json else None
        finished, unfinished = wait_for(s.client, s.out, sources, timeout=timeout, on_done=on_done)
        if s.json:
            for source in unfinished:
                s.out.emit_line(source)
        else:
            _print_sources(s.out, [*finished, *unfinished])
        for source in unfinished:
            s.out.note(f"{source.id} still {source.status} after {timeout:g}s")
        failed = [x for x in finished if x.status != SourceStatus.COMPLETED]
        for source in failed:
            s.out.note(f"{source.id} {source.status}: {source.message or ''}")
    if unfinished or failed:
        raise typer.Exit(EXIT_UNFINISHED)


# --- acting on sources: pin, unpin, delete, restore, cancel, refresh, reprocess, rename, append -

SourcesArg = Annotated[list[str], typer.Argument(help="Source ids")]
WaitOpt = Annotated[bool, typer.Option("--wait", "-w", help="Wait until processed")]
Action = Callable[[Client, str], Source]


def _act(
    s: Session,
    source_ids: Sequence[str],
    action: Action,
    *,
    wait: bool = False,
    timeout: float = 600.0,
    expect: SourceStatus = SourceStatus.COMPLETED,
) -> None:
    """Run `action` on each source and print the results (after waiting when asked).

    With one source an API refusal is reported as everywhere else; with several, each refusal
    is reported with its source id and the others still go ahead. Exit 1 when the API refused
    one, else 4 when one waited on did not end as `expect`."""
    ids = list(dict.fromkeys(source_ids))
    done: list[Source] = []
    refused = False
    for source_id in ids:
        try:
            done.append(action(s.client, source_id))
        except APIStatusError as exc:
            if len(ids) == 1 or isinstance(exc, AuthenticationError):
                raise
            refused = True
            s.out.err.print(f"[red]error:[/red] {source_id}: {escape(api_message(exc))}")
    code = _report(s, done, wait, timeout, {}, expect)
    if refused or code:
        raise typer.Exit(EXIT_API if refused else code)


def _pinned(want: bool) -> Action:
    def action(client: Client, source_id: str) -> Source:
        found = client.sources.get(source_id)
        return found if found.pinned == want else client.sources.toggle_pin(found)

    return action


def _plain_command(name: str, action: Action, doc: str) -> None:
    """`contextd sources NAME SOURCE...` with no options of its own."""

    def command(
        sources: SourcesArg, url: UrlOpt = None, api_key: KeyOpt = None, json_: JsonOpt = False
    ) -> None:
        with session(url, api_key, json_) as s:
            _act(s, sources, action)

    command.__doc__ = doc
    sources_app.command(name)(command)


_plain_command("pin", _pinned(True), "Pin sources (listed first); pinned ones stay pinned.")
_plain_command("unpin", _pinned(False), "Unpin sources; unpinned ones stay unpinned.")
_plain_command("restore", lambda c, i: c.sources.restore(i), "Bring soft-deleted sources back.")


@sources_app.command("delete")
def sources_delete(
    sources: SourcesArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation")] = False,
    url: UrlOpt = None,
    api_key: KeyOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Soft-delete sources: hidden from lists and search until `sources restore`."""
    with session(url, api_key, json_) as s:
        if not yes:
            if not sys.stdin.isatty():
                fail("refusing to delete without --yes: standard input is not a terminal")
            typer.confirm(f"Delete {len(sources)} source(s)?", abort=True, err=True)
        _act(s, sources, lambda c, i: c.sources.delete(i))


@sources_app.command("cancel")
def sources_cancel(
    sources: SourcesArg,
    wait: WaitOpt = False,
    timeout: TimeoutOpt = 600.0,
    url: UrlOpt = None,
    api_key: KeyOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Stop processing sources (CREATED, PENDING or PROCESSING ones; else the API refuses)."""
    with session(url, api_key, json_) as s:
        _act(
            s,
            sources,
            lambda c, i: c.sources.cancel(i),
            wait=wait,
            timeout=timeout,
            expect=SourceStatus.CANCELED,
        )


@sources_app.command("refresh")
def sources_refresh(
    sources: SourcesArg,
    force: Annotated[
        bool, typer.Option("--force", help="Extract again even if the content is unchanged")
    ] = False,
    wait: WaitOpt = False,
    timeout: TimeoutOpt = 600.0,
    url: UrlOpt = None,
    api_key: KeyOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Fetch URL and file sources again and process them if they changed."""
    with session(url, api_key, json_) as s:
        _act(
            s,
            sources,
            lambda c, i: c.sources.refresh(i, force=force or None),
            wait=wait,
            timeout=timeout,
        )


@sources_app.command("reprocess")
def sources_reprocess(
    sources: SourcesArg,
    no_artifacts: Annotated[
        bool, typer.Option("--no-artifacts", help="Skip artifact extraction")
    ] = False,
    no_snapshot: Annotated[
        bool, typer.Option("--no-snapshot", help="Skip the context snapshot")
    ] = False,
    wait: WaitOpt = False,
    timeout: TimeoutOpt = 600.0,
    url: UrlOpt = None,
    api_key: KeyOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Run the pipeline again on the stored content (COMPLETED or FAILED sources)."""
    flags = {
        "run_artifact_extraction": False if no_artifacts else None,
        "run_context_extraction": False if no_snapshot else None,
    }
    with session(url, api_key, json_) as s:
        _act(s, sources, lambda c, i: c.sources.reprocess(i, **flags), wait=wait, timeout=timeout)


@sources_app.command("rename")
def sources_rename(
    source: SourceArg,
    name: Annotated[str, typer.Argument(help="The new name")],
    url: UrlOpt = None,
    api_key: KeyOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Give a source a new name."""
    with session(url, api_key, json_) as s:
        _act(s, [source], lambda c, i: c.sources.update(i, name=name))


@sources_app.command("append")
def sources_append(
    source: SourceArg,
    target: Annotated[str, typer.Argument(help="A URL, a file, or - for standard input")] = "-",
    wait: WaitOpt = False,
    timeout: TimeoutOpt = 600.0,
    url: UrlOpt = None,
    api_key: KeyOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Fast-forward: append new data (e.g. a conversation's newer messages) to a COMPLETED or
    FAILED source, which is processed again with it."""
    with session(url, api_key, json_) as s:
        kind, data = new_data(s, target)
        _act(
            s,
            [source],
            lambda c, i: c.sources.fast_forward(i, type=kind, initial_data=data),
            wait=wait,
            timeout=timeout,
        )


# --- snapshot ---------------------------------------------------------------------------------

CLIPBOARD_TOOLS = (
    ("wl-copy", ["wl-copy"]),
    ("xclip", ["xclip", "-selection", "clipboard"]),
    ("xsel", ["xsel", "--clipboard", "--input"]),
    ("pbcopy", ["pbcopy"]),
    ("clip.exe", ["clip.exe"]),
)


def copy_to_clipboard(text: str, out: Output) -> str | None:
    """Copy with the first clipboard tool present, else OSC 52 on a terminal; returns how."""
    for name, command in CLIPBOARD_TOOLS:
        if name == "wl-copy" and not os.environ.get("WAYLAND_DISPLAY"):
            continue
        if name in ("xclip", "xsel") and not os.environ.get("DISPLAY"):
            continue
        if shutil.which(command[0]) is None:
            continue
        try:
            subprocess.run(command, input=text.encode(), check=True, timeout=10)
        except (OSError, subprocess.SubprocessError):
            continue
        return name
    if out.err.is_terminal:
        # OSC 52: the terminal (also over SSH, in most terminals) puts it on the clipboard.
        payload = base64.b64encode(text.encode()).decode()
        sys.stderr.write(f"\x1b]52;c;{payload}\x07")
        sys.stderr.flush()
        return "OSC 52 (if your terminal allows it)"
    return None


def snapshot(
    source: SourceArg,
    copy: Annotated[
        bool, typer.Option("--copy", help="Copy to the clipboard, do not print")
    ] = False,
    wait: Annotated[bool, typer.Option("--wait", "-w", help="Wait until processed")] = False,
    timeout: TimeoutOpt = 600.0,
    url: UrlOpt = None,
    api_key: KeyOpt = None,
    json_: JsonOpt = False,
) -> None:
    """Print (or --copy) a source's context snapshot, the Markdown to paste into a new chat."""
    with session(url, api_key, json_) as s:
        if wait:
            s.client.sources.wait_until_done(source, timeout=timeout)
        snap = s.client.sources.snapshot(source)
        if copy:
            how = copy_to_clipboard(snap.content, s.out)
            if how is None:
                fail(
                    "could not copy: no clipboard tool (wl-copy, xclip, xsel, pbcopy) and no "
                    "terminal for OSC 52; run without --copy and pipe the output instead",
                    1,
                )
            s.out.note(
                f"copied the snapshot ({snap.tokens_after} tokens, "
                f"{len(snap.content)} characters) with {how}"
            )
            if s.json:
                s.out.emit({"copied": True, "via": how, **_jsonable_snapshot(snap)})
            return
        if s.json:
            s.out.emit(snap)
            return
        sys.stdout.write(snap.content if snap.content.endswith("\n") else snap.content + "\n")
        s.out.note(
            f"[dim]{snap.tokens_before} -> {snap.tokens_after} tokens "
            f"({snap.compression:.1f}x)[/dim]"
        )


def _jsonable_snapshot(snap: Any) -> dict[str, Any]:
    data: dict[str, Any] = snap.model_dump(mode="json", by_alias=True)
    return data


__all__ = ["ENV_KEY", "add", "login", "logout", "snapshot", "sources_app", "status", "wait"]
