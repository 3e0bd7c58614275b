"""Waiting for sources to finish, with a progress bar for people, and printing them: every
command that creates or acts on sources reports them through `report`."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import typer
from rich.markup import escape

from contextd.cli.common import (
    EXIT_UNFINISHED,
    Output,
    Session,
    short_time,
    source_label,
    status_text,
)
from contextd.cli.tables import EXTRA, KEY, MINOR, USEFUL, Col
from contextd.client import Client, Source, SourceStatus

POLL_SECONDS = 0.5


def wait_for(
    client: Client,
    out: Output,
    source_ids: Sequence[str],
    *,
    timeout: float,
    on_done: Callable[[Source], None] | None = None,
    poll: float = POLL_SECONDS,
) -> tuple[list[Source], list[Source]]:
    """Poll every source until it is COMPLETED, FAILED or CANCELED, or `timeout` passes.

    Returns (finished, unfinished), each in the order given; `on_done` sees each source as it
    finishes (for JSON-lines streams)."""
    pending = list(dict.fromkeys(source_ids))
    done: dict[str, Source] = {}
    last: dict[str, Source] = {}
    deadline = time.monotonic() + timeout
    with out.progress() as progress:
        task = progress.add_task("processing", total=len(pending))
        while pending:
            for source_id in list(pending):
                current = client.sources.get(source_id)
                last[source_id] = current
                if current.status.is_final:
                    pending.remove(source_id)
                    done[source_id] = current
                    progress.advance(task)
                    progress.update(task, description=f"{source_label(current)[:40]}")
                    if on_done is not None:
                        on_done(current)
            if not pending or time.monotonic() >= deadline:
                break
            time.sleep(poll)
    finished = [done[i] for i in dict.fromkeys(source_ids) if i in done]
    unfinished = [last[i] for i in dict.fromkeys(source_ids) if i not in done and i in last]
    return finished, unfinished


def source_row(source: Source) -> dict[str, Any]:
    return source.model_dump(mode="json", by_alias=True)


SOURCE_COLUMNS = (
    Col("id", KEY),
    Col("name", KEY, wrap=True, min_width=12),
    Col("type", KEY),
    Col("status", KEY),
    Col("turns", EXTRA, justify="right"),
    Col("arts", EXTRA, justify="right"),
    Col("updated", MINOR),
)
COLLECTION_COLUMN = Col("collection", USEFUL, wrap=True, min_width=8)


def print_sources(out: Output, sources: list[Source], paths: dict[str, str] | None = None) -> None:
    columns = [*SOURCE_COLUMNS, *([COLLECTION_COLUMN] if paths else [])]
    rows: list[list[str]] = []
    for source in sources:
        row = [
            out.id(source.id),
            escape(source_label(source)),
            str(source.type),
            status_text(str(source.status)),
            str(source.stats.turns),
            str(source.stats.artifacts),
            short_time(source.updated_at or source.created_at),
        ]
        if paths:
            row.append(escape(paths.get(source.collection_id or "", "")))
        rows.append(row)
    out.table(columns, rows)


def finish(
    s: Session, created: list[Source], wait: bool, timeout: float, extra: dict[str, Any]
) -> None:
    """Print what was created, after waiting for it when asked; exit 4 when something failed."""
    code = report(s, created, wait, timeout, extra)
    if code:
        raise typer.Exit(code)


def report(
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
        s.out.emit({"sources": [source_row(x) for x in shown], **extra})
    else:
        if shown:
            print_sources(s.out, shown)
        for item in extra.get("skipped", []):
            s.out.note(f"skipped {item['path']}: {item['reason']}")
        for source in shown:
            if source.status in (SourceStatus.FAILED, SourceStatus.CANCELED):
                s.out.note(f"{source.id} {source.status}: {source.message or ''}")
    return code
