"""`contextd import chatgpt|claude EXPORT`: bring a chat export in, one source per conversation.

Re-importing is incremental. Each imported source records, in its `instructions` (stored
verbatim by the server, so the record travels with the data and works from any machine):

    {"contextd_import": {"provider": "chatgpt", "conversation": "<id>", "turns": 12,
                         "digest": "<sha256 of those 12 turns>", "updated": "<ISO time>"}}

On the next run the space's sources are listed and matched by (provider, conversation id):
a conversation not seen before becomes a new CONTENT source (the conversation's own JSON, so the
server parses it as the chat export it is); one with more turns than recorded, whose recorded
turns are unchanged, gets only the new turns appended by fast-forward (and its record updated
in the same request); one whose earlier turns changed (an edited prompt makes a new branch) is
reported as diverged and left alone.

Turns are read with the server's own parser (`contextd.pipeline.ingest.conversations`, pure
code), so the CLI and the server agree on what a turn is: for ChatGPT, the branch the user last
saw.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from contextd.cli.chat_exports import (
    PROVIDERS,
    ExportConversation,
    load_export,
    messages_document,
    parse_conversations,
    turns_digest,
)
from contextd.cli.common import (
    EXIT_API,
    EXIT_UNFINISHED,
    JsonOpt,
    KeyOpt,
    Output,
    UrlOpt,
    fail,
    resolve_collection,
    resolve_space,
    session,
)
from contextd.cli.tables import EXTRA, KEY, MINOR, Col
from contextd.cli.waiting import wait_for
from contextd.client import Client, ContextdError, Source, SourceStatus, Space
from contextd.client.agent_sessions import META_KEY
from contextd.client.agent_sessions import import_record as record_in

import_app = typer.Typer(
    help="Import chat exports (ChatGPT, Claude) and coding-agent sessions (Claude Code, Codex, "
    "Gemini CLI, Cline/Roo Code, Aider); re-running adds only what is new.",
    no_args_is_help=True,
)


# --- selecting --------------------------------------------------------------------------------


def parse_since(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = datetime.combine(date.fromisoformat(value), datetime.min.time())
        except ValueError:
            fail(f"--since {value!r}: expected a date like 2026-01-31 or 2026-01-31T12:00")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def select(
    conversations: Iterable[ExportConversation],
    texts: Sequence[str],
    patterns: Sequence[str],
    since: datetime | None,
) -> list[ExportConversation]:
    """Conversations matching any --select text (title substring or exact id) or --match
    regex, and updated at or after --since; all of them when nothing narrows."""
    try:
        regexes = [re.compile(p, re.IGNORECASE) for p in patterns]
    except re.error as exc:
        fail(f"--match: {exc}")
    lowered = [t.casefold() for t in texts]
    chosen: list[ExportConversation] = []
    for conversation in conversations:
        if texts or regexes:
            title = conversation.title.casefold()
            hit = any(t in title or t == conversation.id.casefold() for t in lowered) or any(
                r.search(conversation.title) for r in regexes
            )
            if not hit:
                continue
        if since is not None and (conversation.when is None or conversation.when < since):
            continue
        chosen.append(conversation)
    return chosen


# --- planning ---------------------------------------------------------------------------------

NEW, APPEND, UNCHANGED, DIVERGED, EMPTY = "new", "append", "unchanged", "diverged", "empty"


@dataclass
class Item:
    conversation: ExportConversation
    action: str
    source: Source | None = None
    imported_turns: int = 0
    error: str | None = None
    result_id: str | None = None

    @property
    def new_turns(self) -> int:
        return len(self.conversation.turns) - self.imported_turns

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.conversation.id,
            "title": self.conversation.title,
            "turns": len(self.conversation.turns),
            "importedTurns": self.imported_turns,
            "newTurns": self.new_turns if self.action in (NEW, APPEND) else 0,
            "action": self.action,
            "sourceId": self.result_id or (self.source.id if self.source else None),
            "updated": self.conversation.when.isoformat() if self.conversation.when else None,
            "error": self.error,
        }


def import_record(source: Source) -> dict[str, Any] | None:
    return record_in(source.instructions)


def imported_sources(client: Client, space: Space, provider: str) -> dict[str, Source]:
    """The live sources of earlier imports, by conversation id (the oldest wins a tie)."""
    found: dict[str, Source] = {}
    for source in client.sources.list(space, per_page=100):
        record = import_record(source)
        if not record or record.get("provider") != provider:
            continue
        conversation = record.get("conversation")
        if not isinstance(conversation, str):
            continue
        previous = found.get(conversation)
        if previous is None or (
            source.created_at and previous.created_at and source.created_at < previous.created_at
        ):
            found[conversation] = source
    return found


def plan(conversations: Sequence[ExportConversation], existing: dict[str, Source]) -> list[Item]:
    items: list[Item] = []
    for conversation in conversations:
        source = existing.get(conversation.id)
        if source is None:
            action = NEW if conversation.turns else EMPTY
            items.append(Item(conversation, action))
            continue
        record = import_record(source) or {}
        count = record.get("turns")
        imported = count if isinstance(count, int) and count >= 0 else 0
        turns = conversation.turns
        if len(turns) < imported or record.get("digest") != turns_digest(turns[:imported]):
            items.append(Item(conversation, DIVERGED, source, imported))
        elif len(turns) == imported:
            items.append(Item(conversation, UNCHANGED, source, imported))
        else:
            items.append(Item(conversation, APPEND, source, imported))
    return items


def _record(conversation: ExportConversation) -> dict[str, Any]:
    return {
        META_KEY: {
            "provider": conversation.provider,
            "conversation": conversation.id,
            "turns": len(conversation.turns),
            "digest": turns_digest(conversation.turns),
            "updated": conversation.when.isoformat() if conversation.when else None,
        }
    }


def ready_to_append(client: Client, source: Source, timeout: float) -> tuple[Source, str | None]:
    """The source once it can take a fast-forward (processing over), or why it cannot."""
    if not source.status.is_final:
        source = client.sources.wait_until_done(source, timeout=timeout)
    if source.status == SourceStatus.CANCELED:
        return source, "the imported source was canceled; reprocess it first"
    return source, None


def execute(
    client: Client,
    out: Output,
    space: Space,
    collection_id: str | None,
    items: Sequence[Item],
    *,
    timeout: float,
) -> None:
    """Create the new conversations and fast-forward the grown ones; errors are per item."""
    work = [i for i in items if i.action in (NEW, APPEND)]
    with out.progress() as progress:
        task = progress.add_task("importing", total=len(work))
        for item in work:
            conversation = item.conversation
            progress.update(task, description=conversation.title[:40])
            try:
                if item.action == NEW:
                    label = PROVIDERS[conversation.provider]
                    created = client.sources.create_content(
                        space,
                        json.dumps([conversation.raw], ensure_ascii=False),
                        name=conversation.title[:500],
                        description=f"{label} conversation {conversation.id}",
                        collection=collection_id,
                        instructions=_record(conversation),
                    )
                    item.result_id = created.id
                else:
                    assert item.source is not None
                    target, item.error = ready_to_append(client, item.source, timeout)
                    if item.error:
                        continue
                    new_turns = conversation.turns[item.imported_turns :]
                    client.sources.fast_forward(
                        target,
                        type="CONTENT",
                        initial_data={"data": messages_document(conversation.title, new_turns)},
                        instructions=_record(conversation),
                    )
                    item.result_id = target.id
            except ContextdError as exc:
                item.error = str(exc)
            finally:
                progress.advance(task)


# --- the command ------------------------------------------------------------------------------

ACTION_TEXT = {
    NEW: "[green]new[/]",
    APPEND: "[cyan]+{n} turns[/]",
    UNCHANGED: "[dim]unchanged[/]",
    DIVERGED: "[yellow]diverged (earlier turns changed; left alone)[/]",
    EMPTY: "[dim]empty (no turns)[/]",
}


CONVERSATION_COLUMNS = (
    Col("conversation", KEY, wrap=True, min_width=14),
    Col("updated", MINOR),
    Col("turns", EXTRA, justify="right"),
)


def _summary(items: Sequence[Item], skipped: int) -> dict[str, int]:
    counts = {k: 0 for k in (NEW, APPEND, UNCHANGED, DIVERGED, EMPTY)}
    for item in items:
        counts[item.action] += 1
    counts["newTurns"] = sum(i.new_turns for i in items if i.action in (NEW, APPEND))
    counts["notSelected"] = skipped
    counts["errors"] = sum(1 for i in items if i.error)
    return counts


def _print(out: Output, items: Sequence[Item], summary: dict[str, int], dry_run: bool) -> None:
    shown = [i for i in items if i.action != UNCHANGED or i.error]
    if shown:
        rows: list[list[str]] = []
        for item in shown:
            text = ACTION_TEXT[item.action].format(n=item.new_turns)
            if item.error:
                text = f"[red]error: {escape(item.error)}[/]"
            when = item.conversation.when
            rows.append(
                [
                    escape(item.conversation.title),
                    when.date().isoformat() if when else "",
                    str(len(item.conversation.turns)),
                    text,
                ]
            )
        columns = [*CONVERSATION_COLUMNS, Col("action" if dry_run else "result", KEY, wrap=True)]
        out.table(columns, rows)
    appended = sum(i.new_turns for i in items if i.action == APPEND)
    line = (
        f"{'would import' if dry_run else 'imported'} {summary[NEW]} new conversation(s); "
        f"{'would append' if dry_run else 'appended'} {appended} new turn(s) "
        f"to {summary[APPEND]} imported before"
    )
    line += f"; {summary[UNCHANGED]} unchanged"
    for key, word in ((DIVERGED, "diverged"), (EMPTY, "empty"), ("notSelected", "not selected")):
        if summary[key]:
            line += f", {summary[key]} {word}"
    if summary["errors"]:
        line += f"; [red]{summary['errors']} failed[/]"
    out.out.print(line)


def run_import(
    s_client: Client,
    out: Output,
    provider: str,
    data: Any,
    space_ref: str,
    *,
    collection: str | None = None,
    texts: Sequence[str] = (),
    patterns: Sequence[str] = (),
    since: datetime | None = None,
    dry_run: bool = False,
    wait: bool = False,
    timeout: float = 600.0,
) -> int:
    """Plan and (unless dry_run) run an import; prints the outcome; returns the exit code."""
    conversations = parse_conversations(data, provider)
    chosen = select(conversations, texts, patterns, since)
    space = resolve_space(s_client, space_ref)
    collection_id = resolve_collection(s_client, space, collection) if collection else None
    items = plan(chosen, imported_sources(s_client, space, provider))
    if not dry_run:
        execute(s_client, out, space, collection_id, items, timeout=timeout)
    code = EXIT_API if any(i.error for i in items) else 0
    finished: list[Source] = []
    unfinished: list[Source] = []
    if wait and not dry_run:
        ids = [i.result_id for i in items if i.result_id]
        finished, unfinished = wait_for(s_client, out, ids, timeout=timeout)
        bad = [s for s in finished if s.status != SourceStatus.COMPLETED]
        if (unfinished or bad) and code == 0:
            code = EXIT_UNFINISHED
    summary = _summary(items, len(conversations) - len(chosen))
    if out.json:
        body: dict[str, Any] = {
            "provider": provider,
            "space": {"id": space.id, "name": space.name},
            "dryRun": dry_run,
            "summary": summary,
            "conversations": [i.to_json() for i in items],
        }
        if wait and not dry_run:
            body["sources"] = [
                {"id": x.id, "status": str(x.status), "message": x.message}
                for x in [*finished, *unfinished]
            ]
        out.emit(body)
    else:
        _print(out, items, summary, dry_run)
        for source in [*finished, *unfinished]:
            if source.status != SourceStatus.COMPLETED:
                out.note(f"{source.id}: {source.status} {source.message or ''}".rstrip())
    return code


def _import_command(provider: str) -> Any:
    label = PROVIDERS[provider]

    def command(
        export: Annotated[
            Path,
            typer.Argument(
                help="The export: the .zip you downloaded, or its conversations.json",
                exists=True,
                dir_okay=False,
                readable=True,
            ),
        ],
        space: Annotated[str, typer.Option("--space", "-s", help="Space id or name")],
        collection: Annotated[
            str | None, typer.Option("--collection", "-c", help="Collection id, name or path")
        ] = None,
        select_: Annotated[
            list[str] | None,
            typer.Option(
                "--select", help="Only conversations whose title contains this (or with this id)"
            ),
        ] = None,
        match: Annotated[
            list[str] | None,
            typer.Option("--match", help="Only conversations whose title matches this regex"),
        ] = None,
        since: Annotated[
            str | None, typer.Option(help="Only conversations updated on/after this date")
        ] = None,
        dry_run: Annotated[
            bool,
            typer.Option("--dry-run", "-n", help="Show what would be imported, change nothing"),
        ] = False,
        wait: Annotated[bool, typer.Option("--wait", help="Wait until processed")] = False,
        timeout: Annotated[float, typer.Option(help="Seconds to wait")] = 600.0,
        url: UrlOpt = None,
        api_key: KeyOpt = None,
        json_: JsonOpt = False,
    ) -> None:
        with session(url, api_key, json_) as s:
            data = load_export(export)
            code = run_import(
                s.client,
                s.out,
                provider,
                data,
                space,
                collection=collection,
                texts=select_ or [],
                patterns=match or [],
                since=parse_since(since) if since else None,
                dry_run=dry_run,
                wait=wait,
                timeout=timeout,
            )
        if code:
            raise typer.Exit(code)

    command.__doc__ = (
        f"Import a {label} export: one source per conversation. Re-running adds only new "
        "conversations, and appends only the new turns of grown ones (fast-forward)."
    )
    return command


import_app.command("chatgpt")(_import_command("chatgpt"))
import_app.command("claude")(_import_command("claude"))

__all__ = ["import_app", "run_import"]
