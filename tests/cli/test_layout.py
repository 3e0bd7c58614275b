"""The table layout alone: which columns stay, how wide, at 60, 80 and 200 columns."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from contextd.cli.tables import KEY, PER_GAP, Col, plan, render
from contextd.cli.waiting import COLLECTION_COLUMN, SOURCE_COLUMNS

# The sources table: id, name, type, status, turns, arts, updated, collection.
COLUMNS = (*SOURCE_COLUMNS, COLLECTION_COLUMN)
ROWS = [
    ["3f2a9c1e", "a rather long source name that has to wrap somewhere", "COMPOSITION",
     "PROCESSING", "12", "3", "2026-12-03 04:00", "inbox/today"],
    ["b41c0d22", "short", "URI", "COMPLETED", "3", "0", "2026-12-02 11:00", ""],
]  # fmt: skip
UPDATED = 6


def total(widths: list[int | None]) -> int:
    kept = [w for w in widths if w is not None]
    return sum(kept) + PER_GAP * (len(kept) - 1)


@pytest.mark.parametrize("width", [60, 80, 200])
def test_key_columns_stay_whole_and_the_table_fits(width: int) -> None:
    widths = plan(COLUMNS, ROWS, width)
    assert total(widths) <= width
    # Key columns that do not wrap keep their natural width: nothing is cut to "…".
    assert widths[0] == 8 and widths[2] == len("COMPOSITION") and widths[3] == len("PROCESSING")
    name = widths[1]
    assert name is not None and name >= 12


def test_least_important_columns_go_first() -> None:
    narrow = plan(COLUMNS, ROWS, 60)
    assert narrow[UPDATED] is None  # "updated" (MINOR) goes before "turns" (EXTRA)
    wide = plan(COLUMNS, ROWS, 200)
    assert None not in wide
    # With room to spare the name is not wrapped at all.
    assert wide[1] == len(ROWS[0][1])


def test_spare_width_goes_to_the_wrapping_columns() -> None:
    at_80, at_120 = plan(COLUMNS, ROWS, 80), plan(COLUMNS, ROWS, 120)
    assert (at_120[1] or 0) > (at_80[1] or 0)
    assert at_80[0] == at_120[0] == 8


def test_optional_columns_go_before_a_name_is_squeezed_to_its_minimum() -> None:
    widths = plan(COLUMNS, ROWS, 80)
    assert widths[1] is not None and widths[1] >= 24
    assert widths[UPDATED] is None  # "updated" made way for it


def test_markup_does_not_count_towards_width() -> None:
    widths = plan((Col("status", KEY),), [["[green]COMPLETED[/]"]], 60)
    assert widths == [len("COMPLETED")]


@pytest.mark.parametrize("width", [60, 80, 200])
def test_rendered_lines_fit_the_console(width: int) -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None)
    console.print(render(COLUMNS, ROWS, console))
    lines = buffer.getvalue().splitlines()
    assert max(len(line.rstrip()) for line in lines) <= width
    text = buffer.getvalue()
    for word in ("COMPOSITION", "PROCESSING", "COMPLETED", "3f2a9c1e", "b41c0d22"):
        assert word in text


def test_wide_keeps_everything_at_natural_width() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=400, color_system=None)
    console.print(render(COLUMNS, ROWS, Console(width=60), wide=True))
    assert ROWS[0][1] in buffer.getvalue() and "2026-12-03 04:00" in buffer.getvalue()
