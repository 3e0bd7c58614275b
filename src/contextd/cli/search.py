"""`contextd search SPACE QUERY`."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated, Any

import typer
from rich.markup import escape

from contextd.cli.common import (
    JsonOpt,
    KeyOpt,
    UrlOpt,
    WideOpt,
    fail,
    resolve_collection,
    resolve_space,
    session,
)
from contextd.cli.prefixes import source_ids
from contextd.cli.tables import EXTRA, KEY, MINOR, USEFUL, Col

HIT_COLUMNS = (
    Col("#", EXTRA, justify="right"),
    Col("score", MINOR),
    Col("kind", KEY),
    Col("source", KEY, wrap=True, min_width=10),
    Col("where", USEFUL),
    Col("text", KEY, wrap=True, min_width=20),
)
_MARK = re.compile(r"<mark>(.*?)</mark>", re.DOTALL)
ListOpt = list[str] | None


def _marked(snippet: str) -> str:
    """`<mark>` highlights as bold yellow, everything else escaped."""
    parts: list[str] = []
    last = 0
    for match in _MARK.finditer(snippet):
        parts.append(escape(snippet[last : match.start()]))
        parts.append(f"[bold yellow]{escape(match.group(1))}[/]")
        last = match.end()
    parts.append(escape(snippet[last:]))
    return " ".join("".join(parts).split())


def _date(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        fail(f"{option} {value!r}: expected a date like 2026-01-31 or 2026-01-31T12:00:00Z")
    # The API takes times with a timezone only; a bare date or time means UTC.
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def search(
    space: Annotated[str, typer.Argument(help="Space id or name")],
    query: Annotated[str, typer.Argument(help="What to look for")],
    mode: Annotated[str | None, typer.Option(help="hybrid (default), lexical or vector")] = None,
    top_k: Annotated[int | None, typer.Option("--top-k", "-k", help="How many results")] = None,
    kind: Annotated[
        ListOpt, typer.Option(help="Only these kinds: turn, section, artifact, snapshot")
    ] = None,
    artifact_type: Annotated[
        ListOpt, typer.Option("--artifact-type", help="Only artifacts of these types, e.g. CODE")
    ] = None,
    language: Annotated[ListOpt, typer.Option(help="Only artifacts in these languages")] = None,
    source: Annotated[
        ListOpt, typer.Option("--source", help="Only these source ids (or prefixes)")
    ] = None,
    source_type: Annotated[
        ListOpt, typer.Option("--source-type", help="Only these source types, e.g. FILE")
    ] = None,
    collection: Annotated[
        str | None, typer.Option("--collection", "-c", help="Only this collection")
    ] = None,
    after: Annotated[str | None, typer.Option(help="Only content from this time on")] = None,
    before: Annotated[str | None, typer.Option(help="Only content before this time")] = None,
    pinned: Annotated[
        bool | None, typer.Option("--pinned/--unpinned", help="Only pinned (or unpinned) sources")
    ] = None,
    url: UrlOpt = None,
    api_key: KeyOpt = None,
    json_: JsonOpt = False,
    wide: WideOpt = False,
) -> None:
    """Search a space's turns, document sections, artifacts and snapshots."""
    with session(url, api_key, json_, wide) as s:
        if mode is not None and mode.lower() not in ("hybrid", "lexical", "vector"):
            fail(f"--mode {mode!r}: expected hybrid, lexical or vector")
        found = resolve_space(s.client, space)
        filters: dict[str, Any] = {
            "kinds": kind,
            "artifactTypes": [t.upper() for t in artifact_type] if artifact_type else None,
            "languages": language,
            "sourceIds": source_ids(s.client, source) if source else None,
            "sourceTypes": [t.upper() for t in source_type] if source_type else None,
            "collectionId": resolve_collection(s.client, found, collection) if collection else None,
            "after": _date(after, "--after"),
            "before": _date(before, "--before"),
            "pinned": pinned,
        }
        given = {k: v for k, v in filters.items() if v is not None}
        response = s.client.search(
            found,
            query,
            mode=mode.lower() if mode else None,
            top_k=top_k,
            filters=given or None,
        )
        if s.json:
            s.out.emit(response)
            return
        if not response.results:
            s.out.note("no results")
            return
        rows: list[list[str]] = []
        for number, hit in enumerate(response.results, 1):
            where = ""
            if hit.turn_start is not None:
                where = f"t{hit.turn_start}" + (
                    f"-t{hit.turn_end}" if hit.turn_end not in (None, hit.turn_start) else ""
                )
            elif hit.artifact_type is not None:
                where = f"{hit.artifact_type} {hit.language or ''}".strip()
            snippet = (
                _marked(" … ".join(hit.highlights))
                if hit.highlights
                else escape(" ".join(hit.text.split())[:300])
            )
            source_name = hit.source_name or s.out.id(hit.source_id)
            score = f"{hit.score:.3f}"
            rows.append([str(number), score, hit.kind or "", escape(source_name), where, snippet])
        s.out.table(HIT_COLUMNS, rows, show_lines=True)
        took = f" in {response.took_ms:.0f} ms" if response.took_ms is not None else ""
        s.out.note(f"[dim]{len(response.results)} results ({response.mode or 'hybrid'}){took}[/]")
