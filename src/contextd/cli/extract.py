"""`contextd extract`: the pipeline on files, URLs or standard input, without a server.

What `trafilatura` and `markitdown` do on the command line, with contextd's own conversion,
conversation parsing, artifact extraction and snapshot (`contextd.extraction`, the code the
service runs). The pipeline is imported inside the command: the converters and the embedding
model would otherwise slow every other `contextd` command's start.

Output: the text of each input (the snapshot with `--parts snapshot`); with `--json`, one JSON
object per input and per line, in input order. A failing input prints its error (stderr, or
`{"input", "error"}` with `--json`) and the others go on; the exit status is then 1.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from contextd.cli.common import Output, errors, fail

if TYPE_CHECKING:
    from contextd.extraction import Extraction, Extractor

EXIT_FAILED_INPUT = 1
STDIN = "-"


def extract(
    inputs: Annotated[
        list[str],
        typer.Argument(
            help="Files, http(s) URLs, or - for standard input",
            metavar="PATH|URL|-",
            show_default=False,
        ),
    ],
    parts: Annotated[
        str | None,
        typer.Option(
            "--parts",
            help="Comma-separated: text, turns, artifacts, snapshot "
            "(default: all with --json, text without)",
            show_default=False,
        ),
    ] = None,
    ratio: Annotated[
        float | None,
        typer.Option(help="Snapshot size: the source's tokens divided by this", min=0.0),
    ] = None,
    budget: Annotated[
        int | None, typer.Option(help="Snapshot size in tokens (instead of --ratio)", min=1)
    ] = None,
    json_: Annotated[
        bool, typer.Option("--json", help="One JSON object per input, one per line")
    ] = False,
) -> None:
    """Convert files, web pages or pasted text and extract turns, artifacts and a snapshot,
    offline, with the pipeline the server runs (URLs pass the server's network policy)."""
    out = Output(json_)
    with errors(out):
        extractor = _extractor(_parts(parts, json_), ratio, budget)
        failed = False
        for index, target in enumerate(inputs):
            failed |= not _run(extractor, target, out, first=index == 0)
    if failed:
        raise typer.Exit(EXIT_FAILED_INPUT)


def _parts(value: str | None, as_json: bool) -> tuple[str, ...]:
    from contextd.extraction import PARTS

    if value is None:
        return PARTS if as_json else ("text",)
    asked = tuple(p.strip() for p in value.split(",") if p.strip())
    unknown = [p for p in asked if p not in PARTS]
    if unknown or not asked:
        fail(f"--parts {value!r}: choose among {', '.join(PARTS)}")
    return asked


def _extractor(parts: tuple[str, ...], ratio: float | None, budget: int | None) -> Extractor:
    from contextd.config import SettingsError
    from contextd.extraction import Extractor

    if ratio is not None and budget is not None:
        fail("give --ratio or --budget, not both")
    try:
        return Extractor(parts=parts, ratio=ratio, budget=budget)
    except (ValueError, SettingsError) as exc:
        fail(str(exc))


def _run(extractor: Extractor, target: str, out: Output, *, first: bool) -> bool:
    """Extract one input and print it; False when it failed (its error printed instead)."""
    from contextd.extraction import ExtractError

    try:
        if target == STDIN:
            result = extractor(typer.get_binary_stream("stdin").read())
        else:
            result = extractor(target)
    except ExtractError as exc:
        if out.json:
            out.emit_line(exc.to_json())
        else:
            out.err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
        return False
    if out.json:
        out.emit_line(result.to_json())
    else:
        _print_text(result, first=first)
    return True


def _print_text(result: Extraction, *, first: bool) -> None:
    """The snapshot when asked for, else the text; inputs separated by a blank line."""
    text = result.snapshot.content if result.snapshot is not None else result.text
    if not first:
        sys.stdout.write("\n")
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()
