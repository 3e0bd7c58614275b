"""Short ids, as git and docker show them: the first 8 characters of a UUID.

Eight hex digits make a clash between two of a user's ids unlikely (about one in 86,000 with
a hundred ids) and, when one happens, `prefixes` says so and asks for more characters rather
than guessing. `--wide` prints ids whole."""

from __future__ import annotations

SHORT = 8


def short_id(value: str | None, wide: bool = False) -> str:
    """`value` cut to its first 8 characters unless `wide` (an empty string for None)."""
    if not value:
        return ""
    return value if wide else value[:SHORT]
