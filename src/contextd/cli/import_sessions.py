"""`contextd import <agent>` (claude-code, codex, gemini, qwen, cline, aider, pi, continue,
goose): coding-agent sessions from where the agents keep them, one space per project and one
source per session.

Finding sessions and working out what is new lives in `contextd.client.agent_sessions` (the
MCP `save_session` tool uses it too); the import record is the chat-export import's
(`contextd_import` in the source's instructions, matched by `imported_sources`), so a re-run
from another machine sees what was sent. New sessions are created as CONTENT, or uploaded as a
FILE when larger than `CONTENT_MAX`; grown ones get only their new lines by fast-forward.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from contextd.cli.common import JsonOpt, KeyOpt, Output, UrlOpt, fail, resolve_space, session
from contextd.cli.importer import import_app, imported_sources, parse_since, ready_to_append
from contextd.cli.tables import EXTRA, KEY, MINOR, USEFUL, Col
from contextd.client import Client, ContextdError, Source, Space
from contextd.client import agent_sessions as local
from contextd.client.agent_sessions import APPEND, DIVERGED, EMPTY, NEW, UNCHANGED

CONTENT_MAX = 4 * 1024 * 1024


@dataclass
class Entry:
    session: local.LocalSession
    delta: local.Delta
    space: str
    source: Source | None = None
    result_id: str | None = None
    error: str | None = None

    def to_json(self) -> dict[str, Any]:
        s = self.session
        return {
            "agent": s.agent,
            "session": s.id,
            "project": s.project,
            "space": self.space,
            "name": s.name,
            "files": {name: str(path) for name, path in s.files.items()},
            "turnsEstimate": s.turns,
            "size": s.size,
            "sendBytes": self.delta.size if self.delta.action in (NEW, APPEND) else 0,
            "action": self.delta.action,
            "sourceId": self.result_id or (self.source.id if self.source else None),
            "started": s.started.isoformat() if s.started else None,
            "updated": s.updated.isoformat() if s.updated else None,
            "error": self.error,
        }


def send(client: Client, space: Space | str, entry: Entry, timeout: float) -> str:
    """Create the session's source, or fast-forward it with the new part; returns its id."""
    s, delta = entry.session, entry.delta
    record = {local.META_KEY: delta.record}
    with tempfile.TemporaryDirectory(prefix="contextd-import-") as folder:
        name, content_type = local.staged_name(s.agent, s.id, s.kind)
        path = Path(folder) / name
        with path.open("wb") as out:
            delta.write(out)
        large = path.stat().st_size > CONTENT_MAX
        kind = "FILE" if large else "CONTENT"
        data = (
            client.uploads.upload(path, content_type=content_type).file_key
            if large
            else path.read_text("utf-8", errors="replace")
        )
    if delta.action == NEW:
        label = local.AGENTS[s.agent]
        options: dict[str, Any] = {
            "name": s.name[:500],
            "description": f"{label} session {s.id} in {s.project}",
            "instructions": record,
        }
        created = client.sources.create(space, type=kind, initial_data={"data": data}, **options)
        return created.id
    assert entry.source is not None
    target, error = ready_to_append(client, entry.source, timeout)
    if error:
        raise _Refused(error)
    client.sources.fast_forward(target, type=kind, initial_data={"data": data}, instructions=record)
    return target.id


class _Refused(Exception):
    pass


def space_names(client: Client) -> dict[str, Space]:
    return {space.name.strip().casefold(): space for space in client.spaces.list(per_page=100)}


def run_sessions_import(
    client: Client,
    out: Output,
    agent: str,
    sessions: Sequence[local.LocalSession],
    *,
    space_ref: str | None,
    dry_run: bool,
    timeout: float = 600.0,
) -> int:
    """Plan per project space, then (unless dry_run) create and fast-forward; prints it all."""
    fixed = resolve_space(client, space_ref) if space_ref else None
    spaces = {} if fixed else space_names(client)
    entries: list[Entry] = []
    by_space: dict[str, list[local.LocalSession]] = {}
    for item in sessions:
        by_space.setdefault(fixed.name if fixed else item.project, []).append(item)
    for name, items in by_space.items():
        space = fixed or spaces.get(name.strip().casefold())
        existing = imported_sources(client, space, agent) if space else {}
        for item in items:
            source = existing.get(item.id)
            delta = local.plan(item, local.import_record(source.instructions) if source else None)
            entries.append(Entry(item, delta, name, source))
    if not dry_run:
        for entry in entries:
            if entry.delta.action not in (NEW, APPEND):
                continue
            try:
                space = fixed or spaces.get(entry.space.casefold())
                if space is None:
                    space = client.spaces.create(entry.space[:200], description=entry.space)
                    spaces[entry.space.casefold()] = space
                entry.result_id = send(client, space, entry, timeout)
            except (ContextdError, _Refused, OSError) as exc:
                entry.error = str(exc)
    counts = {k: sum(e.delta.action == k for e in entries) for k in (NEW, APPEND, UNCHANGED)}
    counts |= {k: sum(e.delta.action == k for e in entries) for k in (DIVERGED, EMPTY)}
    counts["errors"] = sum(1 for e in entries if e.error)
    if out.json:
        out.emit(
            {
                "agent": agent,
                "dryRun": dry_run,
                "summary": counts,
                "sessions": [e.to_json() for e in entries],
            }
        )
    else:
        _print(out, entries, counts, dry_run)
    return 1 if counts["errors"] else 0


STATUS = {
    NEW: "[green]new[/]",
    APPEND: "[cyan]changed[/]",
    UNCHANGED: "[dim]unchanged[/]",
    DIVERGED: "[yellow]diverged[/]",
    EMPTY: "[dim]empty[/]",
}


SESSION_COLUMNS = (
    Col("project", USEFUL, wrap=True, min_width=12),
    Col("session", KEY, wrap=True, min_width=12),
    Col("turns", EXTRA, justify="right"),
    Col("size", MINOR, justify="right"),
    Col("status", KEY, wrap=True, min_width=10),
)


def _size(n: int) -> str:
    for unit in ("B", "K", "M"):
        if n < 1024:
            return f"{n}{unit}"
        n //= 1024
    return f"{n}G"


def _print(out: Output, entries: Sequence[Entry], counts: dict[str, int], dry_run: bool) -> None:
    """Project, session, turns estimate, size and status, laid out for the terminal."""
    if entries:
        rows: list[list[str]] = []
        for entry in entries:
            s = entry.session
            status = (
                f"[red]error: {escape(entry.error)}[/]"
                if entry.error
                else STATUS[entry.delta.action]
            )
            if entry.delta.action == APPEND and not entry.error:
                status += f" +{_size(entry.delta.size)}"
            rows.append([escape(entry.space), escape(s.name), f"~{s.turns}", _size(s.size), status])
        out.table(SESSION_COLUMNS, rows)
    verb = ("would import", "would append to") if dry_run else ("imported", "appended to")
    line = f"{verb[0]} {counts[NEW]} new session(s); {verb[1]} {counts[APPEND]}"
    line += f"; {counts[UNCHANGED]} unchanged"
    for key in (DIVERGED, EMPTY):
        if counts[key]:
            line += f", {counts[key]} {key}"
    if counts["errors"]:
        line += f"; [red]{counts['errors']} failed[/]"
    out.out.print(line)


def _since(sessions: list[local.LocalSession], since: datetime | None) -> list[local.LocalSession]:
    """Sessions changed (file written) on or after `since`."""
    if since is None:
        return sessions
    return [s for s in sessions if s.updated is not None and s.updated >= since]


def _command(agent: str) -> Any:
    label = local.AGENTS[agent]

    def command(
        projects_dir: Annotated[
            Path | None,
            typer.Option(
                "--projects-dir",
                "--dir",
                help="Where to look (default: where the agent keeps its sessions)",
                file_okay=False,
            ),
        ] = None,
        project: Annotated[
            str | None, typer.Option(help="Only projects whose path contains this")
        ] = None,
        since: Annotated[
            str | None, typer.Option(help="Only sessions changed on/after this date")
        ] = None,
        space: Annotated[
            str | None,
            typer.Option("--space", "-s", help="One space for all (default: one per project)"),
        ] = None,
        dry_run: Annotated[
            bool,
            typer.Option("--dry-run", "-n", help="List what would be imported, send nothing"),
        ] = False,
        timeout: Annotated[float, typer.Option(help="Seconds to wait for a busy source")] = 600.0,
        url: UrlOpt = None,
        api_key: KeyOpt = None,
        json_: JsonOpt = False,
    ) -> None:
        root = projects_dir or local.default_root(agent)
        if projects_dir is not None and not projects_dir.is_dir():
            fail(f"{projects_dir}: no such folder")
        found = local.discover(agent, root, project)
        chosen = _since(found, parse_since(since) if since else None)
        with session(url, api_key, json_) as s:
            if not chosen and not s.json:
                s.out.note(f"no {label} sessions found under {root}")
            code = run_sessions_import(
                s.client, s.out, agent, chosen, space_ref=space, dry_run=dry_run, timeout=timeout
            )
        if code:
            raise typer.Exit(code)

    command.__doc__ = (
        f"Import {label} sessions: a space per project (or --space), a source per session. "
        "Re-running sends only what is new (fast-forward)."
    )
    return command


for _agent in local.AGENTS:
    import_app.command(_agent)(_command(_agent))

__all__ = ["import_app", "run_sessions_import"]
