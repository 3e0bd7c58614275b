"""`contextd sources list|show|pin|unpin|delete|restore|cancel|refresh|reprocess|rename|append`,
`status` and `wait`.

The actions on sources (pin ... append) live in `source_actions`; `add`, `login` and `snapshot`
have their own modules.
"""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape

from contextd.cli import source_actions
from contextd.cli.common import (
    EXIT_UNFINISHED,
    JsonOpt,
    KeyOpt,
    SourceArg,
    SourcesArg,
    TimeoutOpt,
    UrlOpt,
    WideOpt,
    collection_paths,
    resolve_collection,
    resolve_space,
    session,
    source_label,
    status_text,
)
from contextd.cli.prefixes import source_id, source_ids
from contextd.cli.tables import KEY, Col
from contextd.cli.waiting import print_sources, wait_for
from contextd.client import SourceStatus

ARTIFACT_COLUMNS = (
    Col("artifact", KEY),
    Col("type", KEY),
    Col("language", KEY),
    Col("title", KEY, wrap=True, min_width=12),
)

sources_app = typer.Typer(help="List, inspect and act on sources.", no_args_is_help=True)


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
    wide: WideOpt = False,
) -> None:
    """The space's sources, pinned first, newest first."""
    with session(url, api_key, json_, wide) as s:
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
        print_sources(s.out, items, collection_paths(s.client.collections.tree(found)))


@sources_app.command("show")
def sources_show(
    source: SourceArg,
    url: UrlOpt = None,
    api_key: KeyOpt = None,
    json_: JsonOpt = False,
    wide: WideOpt = False,
) -> None:
    """Same as `contextd status`."""
    status(source, url, api_key, json_, wide)


def status(
    source: SourceArg,
    url: UrlOpt = None,
    api_key: KeyOpt = None,
    json_: JsonOpt = False,
    wide: WideOpt = False,
) -> None:
    """A source's status, statistics, snapshot summary and artifacts."""
    with session(url, api_key, json_, wide) as s:
        found = s.client.sources.get(source_id(s.client, source))
        if s.json:
            s.out.emit(found)
            return
        p = s.out.out.print
        p(f"[bold]{escape(source_label(found))}[/bold]")
        p(f"id {found.id}")  # whole here, the one place a table's short id can be expanded
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
            rows = [
                [
                    s.out.id(artifact.id),
                    str(artifact.type),
                    artifact.language or "",
                    escape(artifact.title or ""),
                ]
                for artifact in found.artifacts
            ]
            s.out.table(ARTIFACT_COLUMNS, rows)


def wait(
    sources: SourcesArg,
    timeout: TimeoutOpt = 600.0,
    url: UrlOpt = None,
    api_key: KeyOpt = None,
    json_: JsonOpt = False,
    wide: WideOpt = False,
) -> None:
    """Wait until the sources are processed. Exit 4 when one FAILED, was CANCELED or is still
    running at --timeout. With --json, one line per source as it finishes."""
    with session(url, api_key, json_, wide) as s:
        on_done = (lambda x: s.out.emit_line(x)) if s.json else None
        ids = source_ids(s.client, sources)
        finished, unfinished = wait_for(s.client, s.out, ids, timeout=timeout, on_done=on_done)
        if s.json:
            for source in unfinished:
                s.out.emit_line(source)
        else:
            print_sources(s.out, [*finished, *unfinished])
        for source in unfinished:
            s.out.note(f"{source.id} still {source.status} after {timeout:g}s")
        failed = [x for x in finished if x.status != SourceStatus.COMPLETED]
        for source in failed:
            s.out.note(f"{source.id} {source.status}: {source.message or ''}")
    if unfinished or failed:
        raise typer.Exit(EXIT_UNFINISHED)


# After list and show, so `contextd sources --help` lists the commands in the same order.
source_actions.register(sources_app)

__all__ = ["sources_app", "status", "wait"]
