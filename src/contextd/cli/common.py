"""What every client command shares: where the server is, the key, output, and errors.

Client commands talk to a contextd (or Ctxfy-compatible) server through the SDK. The server and
key come from `--url` / `--api-key`, else `CONTEXTD_URL` / `CONTEXTD_API_KEY`, else the file
`contextd login` wrote (`$XDG_CONFIG_HOME/contextd/config.json`, mode 0600), else the local
default URL.

Output: rich tables for people; with `--json`, machine-readable JSON on stdout and nothing else
(progress and notes go to stderr). Exit codes: 0 done, 1 the API refused (the message and its
request id are printed), 2 a usage error, 3 the server could not be reached, 4 a source that
was waited on FAILED, was CANCELED or did not finish in time.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from contextd.cli.failures import EXIT_API as EXIT_API
from contextd.cli.failures import EXIT_CONNECTION as EXIT_CONNECTION
from contextd.cli.failures import EXIT_UNFINISHED as EXIT_UNFINISHED
from contextd.cli.failures import EXIT_USAGE as EXIT_USAGE
from contextd.cli.failures import CliError as CliError
from contextd.cli.failures import fail as fail
from contextd.cli.ids import short_id
from contextd.cli.prefixes import could_be_prefix, pick
from contextd.cli.tables import Col, render
from contextd.client import (
    APIConnectionError,
    APITimeoutError,
    AuthenticationError,
    Client,
    CollectionNode,
    ContextdError,
    NotFoundError,
    Source,
    Space,
)

DEFAULT_URL = "http://127.0.0.1:8080"
ENV_URL = "CONTEXTD_URL"
ENV_KEY = "CONTEXTD_API_KEY"
ENV_SDK_URL = "CONTEXTD_BASE_URL"  # the SDK's own variable, honoured too

UrlOpt = Annotated[
    str | None,
    typer.Option(
        "--url",
        envvar=ENV_URL,
        help=f"Server URL (default: the `contextd login` one, else {DEFAULT_URL})",
        show_default=False,
        rich_help_panel="Connection",
    ),
]
KeyOpt = Annotated[
    str | None,
    typer.Option(
        "--api-key",
        envvar=ENV_KEY,
        help="API key (default: the `contextd login` one)",
        show_default=False,
        rich_help_panel="Connection",
    ),
]
JsonOpt = Annotated[
    bool, typer.Option("--json", help="Machine-readable JSON on stdout, nothing else")
]
WideOpt = Annotated[
    bool,
    typer.Option("--wide", help="Full ids and every column, however wide the terminal"),
]
SourceArg = Annotated[str, typer.Argument(help="Source id (or a unique prefix of it)")]
SourcesArg = Annotated[list[str], typer.Argument(help="Source ids (or unique prefixes)")]
TimeoutOpt = Annotated[float, typer.Option(help="Seconds to wait at most")]
WaitOpt = Annotated[bool, typer.Option("--wait", "-w", help="Wait until processed")]


# --- configuration ----------------------------------------------------------------------------


def config_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "contextd" / "config.json"


def read_config() -> dict[str, str]:
    path = config_path()
    try:
        data = json.loads(path.read_text())
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise CliError(f"cannot read {path}: {exc}") from exc
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, str)}


def write_config(values: dict[str, str]) -> Path:
    """Write the config readable by its owner only (it holds an API key)."""
    path = config_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(values, handle, indent=2)
        handle.write("\n")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path


@dataclass(frozen=True)
class Connection:
    url: str
    api_key: str | None


def resolve_connection(url: str | None, api_key: str | None) -> Connection:
    """Flags and environment first (typer merged those), then the login file, then defaults."""
    config = read_config()
    resolved_url = url or os.environ.get(ENV_SDK_URL) or config.get("url") or DEFAULT_URL
    key = api_key or config.get("api_key")
    return Connection(resolved_url.rstrip("/"), key)


# --- output -----------------------------------------------------------------------------------


def error_console() -> Console:
    """stderr, never hard-wrapped: a path or URL in a message stays whole (the terminal wraps it
    for the eye, and it copies in one piece), and a log of the output reads the same at any
    width."""
    return Console(stderr=True, highlight=False, soft_wrap=True)


class Output:
    """Where a command writes: `out` (stdout) for results, `err` (stderr) for everything else."""

    def __init__(self, as_json: bool, wide: bool = False) -> None:
        self.json = as_json
        self.wide = wide
        self.out = Console(highlight=False, soft_wrap=False)
        self.err = error_console()

    def id(self, value: str | None) -> str:
        """An id as tables show it: short, or whole with --wide."""
        return short_id(value, self.wide)

    def table(
        self, columns: Sequence[Col], rows: Sequence[Sequence[str]], *, show_lines: bool = False
    ) -> None:
        """Rows laid out for the terminal's width (see `tables`); with --wide at their natural
        width, on a console as wide as the table so rich does not squeeze it back."""
        table = render(columns, rows, self.out, wide=self.wide, show_lines=show_lines)
        console = self.out
        if self.wide:
            width = console.measure(table, options=console.options.update_width(10**5)).maximum
            console = Console(
                highlight=False,
                soft_wrap=False,
                width=max(width, console.width),
                file=console.file,
                force_terminal=console.is_terminal,
                no_color=console.no_color,
            )
        console.print(table)

    def emit(self, value: Any) -> None:
        """One JSON document on stdout."""
        sys.stdout.write(json.dumps(to_jsonable(value), ensure_ascii=False) + "\n")
        sys.stdout.flush()

    def emit_line(self, value: Any) -> None:
        """One line of a JSON-lines stream."""
        self.emit(value)

    def note(self, message: str) -> None:
        """A remark for people (stderr, so it never pollutes JSON or piped output)."""
        self.err.print(message)

    def created(self, kind: str, item: Any) -> None:
        """A new resource: the whole of it as JSON, or a remark and its id alone on stdout (so
        `ID=$(contextd spaces create x)` works)."""
        if self.json:
            self.emit(item)
        else:
            self.note(f"created {kind} {item.name!r}")
            self.out.print(item.id)

    def progress(self) -> Progress:
        columns: list[Any] = [
            SpinnerColumn(),
            TextColumn("[progress.description]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
        ]
        return Progress(
            *columns, console=self.err, transient=True, disable=not self.err.is_terminal
        )


def to_jsonable(value: Any) -> Any:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True)
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    return value


@dataclass
class Session:
    client: Client
    out: Output
    connection: Connection

    @property
    def json(self) -> bool:
        return self.out.json


def api_message(exc: ContextdError) -> str:
    message = exc.message or str(exc)
    if exc.request_id:
        message += f" (requestId {exc.request_id})"
    return message


@contextmanager
def errors(out: Output | None = None) -> Iterator[None]:
    """Turn failures into `error: ...` on stderr and a distinct exit code."""
    err = out.err if out is not None else error_console()
    try:
        yield
    except CliError as exc:
        err.print(f"[red]error:[/red] {escape(exc.message)}", highlight=False)
        raise typer.Exit(exc.code) from None
    except (APIConnectionError, APITimeoutError) as exc:
        err.print(f"[red]error:[/red] cannot reach the server: {escape(str(exc))}", highlight=False)
        raise typer.Exit(EXIT_CONNECTION) from None
    except AuthenticationError as exc:
        hint = " (check --api-key, CONTEXTD_API_KEY or `contextd login`)"
        err.print(f"[red]error:[/red] {escape(api_message(exc))}{hint}", highlight=False)
        raise typer.Exit(EXIT_API) from None
    except ContextdError as exc:
        err.print(f"[red]error:[/red] {escape(api_message(exc))}", highlight=False)
        raise typer.Exit(EXIT_API) from None
    except KeyboardInterrupt:
        err.print("interrupted")
        raise typer.Exit(130) from None


@contextmanager
def session(
    url: str | None, api_key: str | None, as_json: bool = False, wide: bool = False
) -> Iterator[Session]:
    """A connected SDK client inside the error handler; closed on the way out."""
    out = Output(as_json, wide)
    with errors(out):
        connection = resolve_connection(url, api_key)
        if not connection.api_key:
            fail(f"no API key: pass --api-key, set {ENV_KEY}, or run `contextd login`")
        with Client(connection.url, connection.api_key) as client:
            yield Session(client, out, connection)


# --- resolving names --------------------------------------------------------------------------

_UUID = re.compile(r"^[0-9a-fA-F-]{32,36}$")


def resolve_space(client: Client, ref: str) -> Space:
    """A space by id, else by its exact name (case-insensitive when unambiguous), else by a
    unique id prefix."""
    if _UUID.match(ref):
        try:
            return client.spaces.get(ref)
        except NotFoundError:
            pass
    spaces = list(client.spaces.list(per_page=100))
    exact = [s for s in spaces if s.id == ref or s.name == ref]
    if not exact:
        exact = [s for s in spaces if s.name.casefold() == ref.casefold()]
    if len(exact) == 1:
        return exact[0]
    if not exact and could_be_prefix(ref):
        chosen = pick("space", ref, [(s.id, s.name) for s in spaces])
        exact = [s for s in spaces if s.id == chosen]
    if len(exact) == 1:
        return exact[0]
    if not exact:
        fail(f"no space with id or name {ref!r} (see `contextd spaces list`)", EXIT_API)
    ids = ", ".join(s.id for s in exact)
    fail(f"several spaces are named {ref!r}: {ids}; use the id")


def walk_tree(
    nodes: Sequence[CollectionNode], depth: int = 0
) -> Iterator[tuple[int, CollectionNode]]:
    for node in nodes:
        yield depth, node
        yield from walk_tree(node.children, depth + 1)


def collection_paths(nodes: Sequence[CollectionNode]) -> dict[str, str]:
    """Collection id -> "parent/child" path."""
    paths: dict[str, str] = {}

    def visit(items: Sequence[CollectionNode], prefix: str) -> None:
        for node in items:
            path = f"{prefix}{node.name}"
            paths[node.id] = path
            visit(node.children, path + "/")

    visit(nodes, "")
    return paths


def resolve_collection(client: Client, space: Space, ref: str) -> str:
    """A collection of the space by id, name, "parent/child" path or unique id prefix; returns
    its id."""
    tree = client.collections.tree(space)
    paths = collection_paths(tree)
    if ref in paths:
        return ref
    found = [cid for cid, path in paths.items() if path == ref]
    if not found:
        found = [cid for cid, path in paths.items() if path.rsplit("/", 1)[-1] == ref]
    if not found and could_be_prefix(ref):
        chosen = pick("collection", ref, paths.items())
        found = [chosen] if chosen else []
    if len(found) == 1:
        return found[0]
    if not found:
        fail(f"no collection {ref!r} in space {space.name!r} (see `contextd collections list`)")
    fail(f"several collections are named {ref!r}; use its path or id")


# --- small formatting helpers -----------------------------------------------------------------

STATUS_STYLE = {
    "COMPLETED": "green",
    "FAILED": "red",
    "CANCELED": "yellow",
    "PROCESSING": "cyan",
    "PENDING": "cyan",
    "CREATED": "cyan",
}


def status_text(status: str) -> str:
    return f"[{STATUS_STYLE.get(status, 'white')}]{status}[/]"


def source_label(source: Source) -> str:
    return source.name or source.title or "(unnamed)"


def short_time(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "strftime"):
        return str(value.strftime("%Y-%m-%d %H:%M"))
    return str(value)
