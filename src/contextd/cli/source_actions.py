"""`contextd sources pin|unpin|delete|restore|cancel|refresh|reprocess|rename|append`.

Each command only chooses the SDK call to make; the server decides what the action means (its
status checks, the instructions a reprocess replaces, the job it queues), so nothing here
repeats it. `_act` runs the call on every source given and reports them as `add` does.
`register` adds the commands to `contextd sources` after its own.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from typing import Annotated

import typer
from rich.markup import escape

from contextd.cli import prefixes
from contextd.cli.add import new_data
from contextd.cli.common import (
    EXIT_API,
    JsonOpt,
    KeyOpt,
    Session,
    SourceArg,
    SourcesArg,
    TimeoutOpt,
    UrlOpt,
    WaitOpt,
    WideOpt,
    api_message,
    fail,
    session,
)
from contextd.cli.waiting import report
from contextd.client import (
    APIStatusError,
    AuthenticationError,
    Client,
    Source,
    SourceStatus,
)

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
    ids = list(dict.fromkeys(prefixes.source_ids(s.client, source_ids)))
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
    code = report(s, done, wait, timeout, {}, expect)
    if refused or code:
        raise typer.Exit(EXIT_API if refused else code)


def _pinned(want: bool) -> Action:
    def action(client: Client, source_id: str) -> Source:
        found = client.sources.get(source_id)
        return found if found.pinned == want else client.sources.toggle_pin(found)

    return action


def _plain_command(action: Action, doc: str) -> Callable[..., None]:
    """`contextd sources NAME SOURCE...` with no options of its own."""

    def command(
        sources: SourcesArg,
        url: UrlOpt = None,
        api_key: KeyOpt = None,
        json_: JsonOpt = False,
        wide: WideOpt = False,
    ) -> None:
        with session(url, api_key, json_, wide) as s:
            _act(s, sources, action)

    command.__doc__ = doc
    return command


sources_pin = _plain_command(_pinned(True), "Pin sources (listed first); pinned ones stay pinned.")
sources_unpin = _plain_command(_pinned(False), "Unpin sources; unpinned ones stay unpinned.")
sources_restore = _plain_command(
    lambda c, i: c.sources.restore(i), "Bring soft-deleted sources back."
)


def sources_delete(
    sources: SourcesArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation")] = False,
    url: UrlOpt = None,
    api_key: KeyOpt = None,
    json_: JsonOpt = False,
    wide: WideOpt = False,
) -> None:
    """Soft-delete sources: hidden from lists and search until `sources restore`."""
    with session(url, api_key, json_, wide) as s:
        if not yes:
            if not sys.stdin.isatty():
                fail("refusing to delete without --yes: standard input is not a terminal")
            typer.confirm(f"Delete {len(sources)} source(s)?", abort=True, err=True)
        _act(s, sources, lambda c, i: c.sources.delete(i))


def sources_cancel(
    sources: SourcesArg,
    wait: WaitOpt = False,
    timeout: TimeoutOpt = 600.0,
    url: UrlOpt = None,
    api_key: KeyOpt = None,
    json_: JsonOpt = False,
    wide: WideOpt = False,
) -> None:
    """Stop processing sources (CREATED, PENDING or PROCESSING ones; else the API refuses)."""
    with session(url, api_key, json_, wide) as s:
        _act(
            s,
            sources,
            lambda c, i: c.sources.cancel(i),
            wait=wait,
            timeout=timeout,
            expect=SourceStatus.CANCELED,
        )


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
    wide: WideOpt = False,
) -> None:
    """Fetch URL and file sources again and process them if they changed."""
    with session(url, api_key, json_, wide) as s:
        _act(
            s,
            sources,
            lambda c, i: c.sources.refresh(i, force=force or None),
            wait=wait,
            timeout=timeout,
        )


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
    wide: WideOpt = False,
) -> None:
    """Run the pipeline again on the stored content (COMPLETED or FAILED sources)."""
    flags = {
        "run_artifact_extraction": False if no_artifacts else None,
        "run_context_extraction": False if no_snapshot else None,
    }
    with session(url, api_key, json_, wide) as s:
        _act(s, sources, lambda c, i: c.sources.reprocess(i, **flags), wait=wait, timeout=timeout)


def sources_rename(
    source: SourceArg,
    name: Annotated[str, typer.Argument(help="The new name")],
    url: UrlOpt = None,
    api_key: KeyOpt = None,
    json_: JsonOpt = False,
    wide: WideOpt = False,
) -> None:
    """Give a source a new name."""
    with session(url, api_key, json_, wide) as s:
        _act(s, [source], lambda c, i: c.sources.update(i, name=name))


def sources_append(
    source: SourceArg,
    target: Annotated[str, typer.Argument(help="A URL, a file, or - for standard input")] = "-",
    wait: WaitOpt = False,
    timeout: TimeoutOpt = 600.0,
    url: UrlOpt = None,
    api_key: KeyOpt = None,
    json_: JsonOpt = False,
    wide: WideOpt = False,
) -> None:
    """Fast-forward: append new data (e.g. a conversation's newer messages) to a COMPLETED or
    FAILED source, which is processed again with it."""
    with session(url, api_key, json_, wide) as s:
        kind, data = new_data(s, target)
        _act(
            s,
            [source],
            lambda c, i: c.sources.fast_forward(i, type=kind, initial_data=data),
            wait=wait,
            timeout=timeout,
        )


def register(app: typer.Typer) -> None:
    """Add the actions to `contextd sources`, in the order its help lists them."""
    for name, command in (
        ("pin", sources_pin),
        ("unpin", sources_unpin),
        ("restore", sources_restore),
        ("delete", sources_delete),
        ("cancel", sources_cancel),
        ("refresh", sources_refresh),
        ("reprocess", sources_reprocess),
        ("rename", sources_rename),
        ("append", sources_append),
    ):
        app.command(name)(command)
