"""Ids by any unique prefix, as git takes commits: `contextd status 3f2a9c1e` for a whole UUID.

The API takes whole ids only, so a prefix is resolved here from the list endpoints: the
user's spaces, each space's sources (deleted ones too, so `sources restore` takes prefixes),
its collections or its artifacts. A whole UUID is passed through without listing anything, and
so is anything that cannot be an id prefix (the server then says what is wrong with it). No
match is "not found" (exit 1); several matches are a usage error (exit 2) naming each, so
the user can add characters.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from contextd.cli.failures import EXIT_API, EXIT_USAGE, fail
from contextd.client import Client

WHOLE = re.compile(r"^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$", re.I)
PREFIX = re.compile(r"^[0-9a-fA-F][0-9a-fA-F-]*$")
SHOWN = 5  # candidates listed in an ambiguity error


def is_whole(ref: str) -> bool:
    return bool(WHOLE.match(ref))


def could_be_prefix(ref: str) -> bool:
    return bool(PREFIX.match(ref)) and not is_whole(ref)


def pick(kind: str, ref: str, candidates: Iterable[tuple[str, str]]) -> str | None:
    """The one candidate id equal to, else starting with, `ref` (case-insensitive); None when
    none does; several is a usage error listing them. Candidates are (id, label) pairs."""
    wanted = ref.casefold()
    items = dict(candidates)
    if any(i.casefold() == wanted for i in items):
        return next(i for i in items if i.casefold() == wanted)
    found = [i for i in items if i.casefold().startswith(wanted)]
    if len(found) == 1:
        return found[0]
    if not found:
        return None
    named = ", ".join(f"{i} ({items[i]})" if items[i] else i for i in found[:SHOWN])
    more = f" and {len(found) - SHOWN} more" if len(found) > SHOWN else ""
    fail(
        f"{kind} id prefix {ref!r} is ambiguous: {len(found)} {kind}s start with it "
        f"({named}{more}); give more characters",
        EXIT_USAGE,
    )


class SourceIds:
    """Resolves source id prefixes; lists the user's sources once, on the first prefix."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self._known: list[tuple[str, str]] | None = None

    def _candidates(self) -> list[tuple[str, str]]:
        if self._known is None:
            self._known = [
                (source.id, source.name or source.title or "")
                for space in self.client.spaces.list(per_page=100)
                for source in self.client.sources.list(space, include_deleted=True, per_page=100)
            ]
        return self._known

    def resolve(self, ref: str) -> str:
        if not could_be_prefix(ref):
            return ref
        found = pick("source", ref, self._candidates())
        if found is None:
            fail(f"no source with id {ref!r} (see `contextd sources list SPACE`)", EXIT_API)
        return found

    def resolve_all(self, refs: Sequence[str]) -> list[str]:
        return [self.resolve(ref) for ref in refs]


def source_id(client: Client, ref: str) -> str:
    """One source's whole id from its id or a unique prefix."""
    return SourceIds(client).resolve(ref)


def source_ids(client: Client, refs: Sequence[str]) -> list[str]:
    """Each source's whole id, in order; the sources are listed at most once."""
    return SourceIds(client).resolve_all(refs)
