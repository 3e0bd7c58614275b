"""Write the CLI reference page (Markdown) from the `contextd` command itself.

It walks the click tree typer builds from `contextd.cli.main.app`, so every command, argument
and option in the page is one the installed command has, with its own help text: the docs build
runs this through `scripts/docs_pages.py`.

    python scripts/cli_reference.py   # print the page
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

import typer.main
from typer._click.core import Command, Context, Parameter
from typer.core import TyperGroup

from contextd.cli.main import app

INTRO = """# CLI reference

Generated from the `contextd` command at docs build time by `scripts/cli_reference.py`:
every command with its arguments and options, as `contextd COMMAND --help` shows them.
How the commands fit together is in the [CLI guide](../guides/cli.md); `python -m contextd`
is the same command.
"""


def root() -> TyperGroup:
    command = typer.main.get_command(app)
    assert isinstance(command, TyperGroup)
    return command


def walk(
    command: Command, path: tuple[str, ...], parent: Context | None
) -> Iterator[tuple[tuple[str, ...], Command, Context]]:
    """Every command under `command`, depth first, in the order `--help` lists them."""
    ctx = Context(command, info_name=path[-1], parent=parent)
    yield path, command, ctx
    if isinstance(command, TyperGroup):
        for name in command.list_commands(ctx):
            child = command.get_command(ctx, name)
            if child is not None and not child.hidden:
                yield from walk(child, (*path, name), ctx)


def cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def param_row(param: Parameter, ctx: Context) -> str | None:
    """The row `--help` prints for `param` (names, then help with its default), or None for a
    hidden one."""
    record = param.get_help_record(ctx)
    if record is None:
        return None
    names, help_text = record
    envvar = param.envvar
    env = [envvar] if isinstance(envvar, str) else list(envvar or [])
    if env and "env var" not in help_text:
        help_text += " [env: " + ", ".join(env) + "]"
    return f"| `{names}` | {cell(help_text)} |"


def render_command(path: tuple[str, ...], command: Command, ctx: Context) -> list[str]:
    name = " ".join(path)
    level = "#" * min(len(path) + 1, 4)
    lines = [f"{level} `{name}`", ""]
    if command.help:
        lines += [command.help.strip().replace("\b\n", ""), ""]
    if isinstance(command, TyperGroup):
        subcommands = [
            sub
            for sub in command.list_commands(ctx)
            if not command.get_command(ctx, sub).hidden  # type: ignore[union-attr]
        ]
        lines += ["Commands: " + ", ".join(f"`{sub}`" for sub in subcommands) + ".", ""]
        return lines
    usage = " ".join(command.collect_usage_pieces(ctx))
    lines += ["```text", f"{name} {usage}".rstrip(), "```", ""]
    rows = [param_row(p, ctx) for p in command.get_params(ctx) if p.name != "help"]
    shown = [row for row in rows if row is not None]
    if shown:
        lines += ["| argument / option | meaning |", "|---|---|", *shown, ""]
    return lines


def render() -> str:
    lines = [INTRO]
    for path, command, ctx in walk(root(), ("contextd",), None):
        lines += render_command(path, command, ctx)
    return "\n".join(lines).rstrip() + "\n"


def command_names() -> list[str]:
    """Every command path (`contextd sources list`), for the tests."""
    return [" ".join(path) for path, _, _ in walk(root(), ("contextd",), None)]


if __name__ == "__main__":
    sys.stdout.write(render())
