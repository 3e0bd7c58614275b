"""What every export reader shares: the registry entry's shape and the JSON helpers.

An export reader recognises one format in parsed JSON and returns its conversations. Readers
never guess: structure says who spoke when, so a reader answers None unless the data has its
format's shape. `exports.READERS` lists them in the order they are tried.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from contextd.pipeline.types import Conversation


@dataclass(frozen=True)
class ExportReader:
    """One chat-export format. `name` becomes `Document.format`; `read(data, items)` gets the
    parsed JSON and its objects (the array's items, or the one object) and returns the
    conversations, or None when the data is not in this format."""

    name: str
    read: Callable[[object, list[dict[str, object]]], list[Conversation] | None]


def as_dict(value: object) -> dict[str, object] | None:
    return value if isinstance(value, dict) else None


def as_str(value: object) -> str | None:
    return value if isinstance(value, str) else None


def dicts(value: object) -> list[dict[str, object]] | None:
    """The value as a non-empty list of objects, else None (JSON arrays of anything else)."""
    if not isinstance(value, list) or not value:
        return None
    items = [item for item in value if isinstance(item, dict)]
    return items if len(items) == len(value) else None


def fence(text: str, language: str = "") -> str:
    """Fence `text` with more backticks than it contains, so embedded fences cannot close it."""
    longest = max((len(run) for run in re.findall(r"`{3,}", text)), default=0)
    marker = "`" * max(3, longest + 1)
    return f"{marker}{language}\n{text.rstrip(chr(10))}\n{marker}"
