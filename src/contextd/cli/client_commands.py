"""Client commands (`contextd spaces|collections|sources|add|status|wait|search|snapshot|
artifacts|import|login|logout`): they talk to a running server over its API, through the SDK.

`register(app)` adds them to the `contextd` command next to the server-side ones."""

from __future__ import annotations

import typer

from contextd.cli.add import add
from contextd.cli.artifacts import artifacts_app
from contextd.cli.import_sessions import import_app  # chat exports and agent sessions
from contextd.cli.login import login, logout
from contextd.cli.search import search
from contextd.cli.snapshot import snapshot
from contextd.cli.sources import sources_app, status, wait
from contextd.cli.spaces import collections_app, spaces_app

PANEL = "Client (talks to a running server)"


def register(app: typer.Typer) -> None:
    app.command(rich_help_panel=PANEL)(login)
    app.command(rich_help_panel=PANEL)(logout)
    app.add_typer(spaces_app, name="spaces", rich_help_panel=PANEL)
    app.add_typer(collections_app, name="collections", rich_help_panel=PANEL)
    app.command(rich_help_panel=PANEL)(add)
    app.add_typer(sources_app, name="sources", rich_help_panel=PANEL)
    app.command(rich_help_panel=PANEL)(status)
    app.command(rich_help_panel=PANEL)(wait)
    app.command(rich_help_panel=PANEL)(search)
    app.command(rich_help_panel=PANEL)(snapshot)
    app.add_typer(artifacts_app, name="artifacts", rich_help_panel=PANEL)
    app.add_typer(import_app, name="import", rich_help_panel=PANEL)
