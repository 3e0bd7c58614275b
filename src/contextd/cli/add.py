"""`contextd add`: a web page, a file, every file of a folder, or standard input becomes a
source. Folder walking (what is worth uploading, and why the rest was skipped) lives here too;
`new_data` is shared with `sources append`."""

from __future__ import annotations

import mimetypes
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from contextd.cli.chat_exports import load_export, sniff_export
from contextd.cli.common import (
    JsonOpt,
    KeyOpt,
    Session,
    TimeoutOpt,
    UrlOpt,
    WaitOpt,
    WideOpt,
    fail,
    resolve_collection,
    resolve_space,
    session,
)
from contextd.cli.importer import run_import
from contextd.cli.waiting import finish
from contextd.client import (
    Source,
    SourceType,
)

DEFAULT_MAX_SIZE = "20MB"
JUNK_DIRS = frozenset(
    {"node_modules", "__pycache__", "venv", "site-packages", "dist-packages", "target"}
)
# Formats the server converts although they are binary.
DOCUMENT_SUFFIXES = {".pdf": "application/pdf", ".docx": None}
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/xhtml+xml")


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
    wait: WaitOpt = False,
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
    wide: WideOpt = False,
) -> None:
    """Add a web page (URL), a file, every file of a folder, or pasted text (-) to a space.

    A ChatGPT or Claude export (.zip or conversations.json) is imported conversation by
    conversation, as `contextd import` does; --raw uploads it as a single file instead."""
    with session(url, api_key, json_, wide) as s:
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
        finish(s, [created], wait, timeout, {})


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
    finish(s, created, wait, timeout, extra)
