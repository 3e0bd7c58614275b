"""`contextd login` and `logout`: remember (or forget) a server and API key for the client
commands, in a file only the user can read (see `common.config_path`)."""

from __future__ import annotations

from typing import Annotated

import typer

from contextd.cli.common import (
    DEFAULT_URL,
    Output,
    config_path,
    errors,
    read_config,
    write_config,
)
from contextd.client import Client


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
