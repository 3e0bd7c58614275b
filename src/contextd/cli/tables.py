"""Tables that read in the terminal they are printed in, from 60 columns up.

Rich, left alone, squeezes every column evenly when a table is too wide: in 80 columns a
sources list cut its type to "…" and wrapped every name, because each full id took 38 columns.
Here each column says how much it matters instead: key columns (`priority=0`: the name, type,
language, status, and the short id used to act on a row) always stay, at their natural width
when they do not wrap; the others are dropped, least important first, until the rest fits;
the width left over goes to the columns that wrap (names, titles, text), up to what they need.
So the table is computed for the console's width once and rich is given fixed widths.

With `wide=True` (the commands' `--wide`) nothing is dropped or squeezed: every column at its
natural width, the terminal may wrap the lines; that is the view for copying full ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich import box
from rich.console import Console
from rich.table import Table
from rich.text import Text

KEY = 0  # never dropped
USEFUL = 1
EXTRA = 2
MINOR = 3  # dropped first

# The space a table takes besides its cells: one padding column each side of every inner
# divider, and the divider (SIMPLE_HEAD without edges draws a space there).
PER_GAP = 3


@dataclass(frozen=True)
class Col:
    """A column: `wrap` columns (names, text) may shrink to `min_width` and wrap; the others
    keep their natural width, or go entirely when `priority` is above KEY and space is short."""

    header: str
    priority: int = USEFUL
    wrap: bool = False
    min_width: int = 10
    justify: str = "left"


def cell_width(markup: str) -> int:
    return Text.from_markup(markup).cell_len


def plan(columns: Sequence[Col], rows: Sequence[Sequence[str]], width: int) -> list[int | None]:
    """Each column's width in a table `width` cells wide, or None for a column dropped.

    Pure arithmetic, so it is tested without a console."""
    natural = [
        max([cell_width(c.header), *(cell_width(row[i]) for row in rows)], default=1)
        for i, c in enumerate(columns)
    ]
    least = [min(n, c.min_width) if c.wrap else n for n, c in zip(natural, columns, strict=True)]
    # A key column that wraps is worth more than an optional column: optional columns stay
    # only while it can have twice its minimum (a name on two or three lines, not eight).
    comfort = [
        min(n, 2 * c.min_width) if c.wrap and c.priority == KEY else least[i]
        for i, (n, c) in enumerate(zip(natural, columns, strict=True))
    ]
    kept = list(range(len(columns)))

    def needed(indices: list[int], widths: list[int] = least) -> int:
        return sum(widths[i] for i in indices) + PER_GAP * max(len(indices) - 1, 0)

    # Least important first; among equals, the rightmost first.
    droppable = sorted(
        (i for i, c in enumerate(columns) if c.priority > KEY),
        key=lambda i: (columns[i].priority, i),
        reverse=True,
    )
    for index in droppable:
        if needed(kept, comfort) <= width:
            break
        kept.remove(index)
    widths: dict[int, int] = {i: least[i] for i in kept}
    spare = width - needed(kept)
    # The key columns that wrap first get their comfortable width, then all share the rest.
    for target in (comfort, natural):
        growing = [i for i in kept if widths[i] < target[i]]
        while spare > 0 and growing:
            share = max(spare // len(growing), 1)
            for i in list(growing):
                give = min(share, target[i] - widths[i], spare)
                widths[i] += give
                spare -= give
                if widths[i] >= target[i]:
                    growing.remove(i)
                if spare <= 0:
                    break
    return [widths.get(i) for i in range(len(columns))]


def render(
    columns: Sequence[Col],
    rows: Sequence[Sequence[str]],
    console: Console,
    *,
    wide: bool = False,
    show_lines: bool = False,
) -> Table:
    """A rich table of `rows` (rich markup, one string a cell) laid out for `console`."""
    if wide:
        widths: list[int | None] = [
            max([cell_width(c.header), *(cell_width(r[i]) for r in rows)], default=1)
            for i, c in enumerate(columns)
        ]
    else:
        widths = plan(columns, rows, console.width)
    table = Table(
        box=box.SIMPLE_HEAD,
        show_edge=False,
        pad_edge=False,
        padding=(0, 1),
        show_lines=show_lines,
        header_style="bold",
    )
    kept = [i for i, w in enumerate(widths) if w is not None]
    for i in kept:
        column = columns[i]
        table.add_column(
            column.header,
            width=widths[i],
            no_wrap=not column.wrap,
            overflow="fold" if column.wrap else "ellipsis",
            justify="right" if column.justify == "right" else "left",
        )
    for row in rows:
        table.add_row(*(row[i] for i in kept))
    return table
