"""`contextd artifacts list|save`: the code, schemas, diagrams and commands found in sources."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path, PurePosixPath
from typing import Annotated

import typer
from rich.markup import escape

from contextd.cli.common import (
    EXIT_API,
    JsonOpt,
    KeyOpt,
    Session,
    UrlOpt,
    WideOpt,
    fail,
    resolve_space,
    session,
)
from contextd.cli.prefixes import could_be_prefix, is_whole, pick, source_id
from contextd.cli.tables import EXTRA, KEY, USEFUL, Col
from contextd.client import Artifact

artifacts_app = typer.Typer(
    help="Artifacts extracted from sources: list them, save them as files.", no_args_is_help=True
)

EXTENSIONS = {
    "python": "py", "javascript": "js", "typescript": "ts", "tsx": "tsx", "jsx": "jsx",
    "bash": "sh", "shell": "sh", "sh": "sh", "zsh": "sh", "powershell": "ps1",
    "markdown": "md", "json": "json", "yaml": "yaml", "sql": "sql", "html": "html", "css": "css",
    "rust": "rs", "go": "go", "java": "java", "kotlin": "kt", "swift": "swift", "c": "c",
    "cpp": "cpp", "csharp": "cs", "ruby": "rb", "php": "php", "mermaid": "mmd",
    "graphql": "graphql", "protobuf": "proto", "toml": "toml", "ini": "ini", "xml": "xml",
    "dockerfile": "Dockerfile", "plantuml": "puml", "dot": "dot", "makefile": "mk",
    "lua": "lua", "r": "r", "scala": "scala", "dart": "dart", "haskell": "hs", "perl": "pl",
    "text": "txt", "diff": "diff", "nginx": "conf", "terraform": "tf", "hcl": "hcl",
}  # fmt: skip
MAX_NAME = 100
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_RESERVED = re.compile(r"^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$", re.IGNORECASE)

LIST_COLUMNS = (
    Col("id", KEY),
    Col("type", KEY),
    Col("language", KEY),
    Col("title", KEY, wrap=True, min_width=12),
    Col("lines", EXTRA, justify="right"),
    Col("source", USEFUL),
)
SAVE_COLUMNS = (
    Col("file", KEY, wrap=True, min_width=12),
    Col("artifact", KEY),
    Col("title", USEFUL, wrap=True, min_width=12),
)

SpaceOpt = Annotated[str | None, typer.Argument(help="Space id or name (or use --source)")]
SourceOpt = Annotated[str | None, typer.Option("--source", help="Only this source's artifacts")]
TypeOpt = Annotated[
    str | None, typer.Option("--type", help="CODE, SCHEMA, DIAGRAM, COMMAND or CONTEXT")
]
LanguageOpt = Annotated[str | None, typer.Option(help="Only this language, e.g. python")]


def artifact_ids(s: Session, refs: list[str]) -> list[str]:
    """Whole artifact ids from ids or unique prefixes, listing artifacts only for prefixes."""
    if all(is_whole(ref) or not could_be_prefix(ref) for ref in refs):
        return refs
    candidates = [
        (item.id, item.title or "")
        for space in s.client.spaces.list(per_page=100)
        for item in s.client.artifacts.list(space, per_page=100)
    ]
    resolved: list[str] = []
    for ref in refs:
        found = pick("artifact", ref, candidates) if could_be_prefix(ref) else ref
        if found is None:
            fail(f"no artifact with id {ref!r} (see `contextd artifacts list SPACE`)", EXIT_API)
        resolved.append(found)
    return resolved


def extension_for(language: str | None) -> str:
    return EXTENSIONS.get((language or "").lower(), "txt")


def safe_filename(title: str | None, language: str | None, fallback: str) -> str:
    """A file name from an artifact's title that cannot leave the folder it is written to.

    The title's last path component only ("../../etc/passwd" gives "passwd"), reduced to
    letters, digits, dot, dash and underscore, with no leading dot; an extension from the
    language is added when the title has none."""
    text = unicodedata.normalize("NFKD", title or "").encode("ascii", "ignore").decode()
    text = text.replace("\\", "/").strip()
    base = PurePosixPath(text).name if text else ""
    base = _UNSAFE.sub("-", base).strip("-.")
    base = re.sub(r"-{2,}", "-", base)
    ext = extension_for(language)
    if not base or _RESERVED.match(base):
        base = _UNSAFE.sub("-", fallback).strip("-.") or "artifact"
    stem, dot, suffix = base.rpartition(".")
    has_ext = bool(dot and stem and 0 < len(suffix) <= 10)
    if not has_ext and ext != "Dockerfile":
        base = f"{base}.{ext}"
    if len(base) > MAX_NAME:
        stem, dot, suffix = base.rpartition(".")
        base = f"{stem[: MAX_NAME - len(suffix) - 1]}.{suffix}" if dot else base[:MAX_NAME]
    return base


def _unique(name: str, taken: set[str]) -> str:
    if name.lower() not in taken:
        taken.add(name.lower())
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot:
        stem, suffix = name, ""
    number = 2
    while True:
        candidate = f"{stem}-{number}.{suffix}" if suffix else f"{stem}-{number}"
        if candidate.lower() not in taken:
            taken.add(candidate.lower())
            return candidate
        number += 1


def _artifacts(
    s: Session, space: str | None, source: str | None, type_: str | None, language: str | None
) -> list[Artifact]:
    if space is None and source is None:
        fail("give a SPACE or --source")
    if source is not None:
        source = source_id(s.client, source)
    if space is not None:
        space_id = resolve_space(s.client, space).id
    else:
        assert source is not None
        space_id = s.client.sources.get(source).space_id or ""
    return list(
        s.client.artifacts.list(
            space_id,
            source=source,
            type=type_.upper() if type_ else None,
            language=language,
            per_page=100,
        )
    )


@artifacts_app.command("list")
def artifacts_list(
    space: SpaceOpt = None,
    source: SourceOpt = None,
    type_: TypeOpt = None,
    language: LanguageOpt = None,
    url: UrlOpt = None,
    api_key: KeyOpt = None,
    json_: JsonOpt = False,
    wide: WideOpt = False,
) -> None:
    """The current artifacts of a space or of one source."""
    with session(url, api_key, json_, wide) as s:
        items = _artifacts(s, space, source, type_, language)
        if s.json:
            s.out.emit(items)
            return
        if not items:
            s.out.note("no artifacts")
            return
        rows = [
            [
                s.out.id(item.id),
                str(item.type),
                item.language or "",
                escape(item.title or ""),
                str(item.content.count("\n") + 1),
                s.out.id(item.source_id),
            ]
            for item in items
        ]
        s.out.table(LIST_COLUMNS, rows)


@artifacts_app.command("save")
def artifacts_save(
    space: SpaceOpt = None,
    out_dir: Annotated[
        Path, typer.Option("--out", "-o", help="Folder to write to (created if needed)")
    ] = Path("artifacts"),
    source: SourceOpt = None,
    type_: TypeOpt = None,
    language: LanguageOpt = None,
    ids: Annotated[
        list[str] | None, typer.Option("--id", help="Only these artifact ids (or prefixes)")
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace files that exist (else add -2, -3...)")
    ] = False,
    url: UrlOpt = None,
    api_key: KeyOpt = None,
    json_: JsonOpt = False,
    wide: WideOpt = False,
) -> None:
    """Write artifacts to --out as files named after their titles, with extensions from their
    languages. Names never leave --out, whatever the titles say."""
    with session(url, api_key, json_, wide) as s:
        if ids and space is None and source is None:
            items = [s.client.artifacts.get(i) for i in artifact_ids(s, ids)]
        else:
            items = _artifacts(s, space, source, type_, language)
            if ids:
                candidates = [(i.id, i.title or "") for i in items]
                wanted = {pick("artifact", ref, candidates) for ref in ids}
                items = [i for i in items if i.id in wanted]
        out_dir.mkdir(parents=True, exist_ok=True)
        root = out_dir.resolve()
        taken: set[str] = set()
        if not overwrite:
            taken = {p.name.lower() for p in root.iterdir()}
        saved: list[dict[str, str]] = []
        with s.out.progress() as progress:
            task = progress.add_task("saving", total=len(items))
            for item in items:
                name = _unique(safe_filename(item.title, item.language, item.id), taken)
                path = (root / name).resolve()
                if path.parent != root:  # belt and braces: the name is already one component
                    fail(f"refusing to write outside {root}: {name!r}", 1)
                path.write_text(item.content, encoding="utf-8")
                saved.append({"id": item.id, "title": item.title or "", "path": str(path)})
                progress.advance(task)
        if s.json:
            s.out.emit({"out": str(root), "files": saved})
            return
        rows = [
            [escape(Path(e["path"]).name), s.out.id(e["id"]), escape(e["title"])] for e in saved
        ]
        if saved:
            s.out.table(SAVE_COLUMNS, rows)
        s.out.note(f"saved {len(saved)} artifact(s) to {root}")
