"""Lanes: which job kinds each group of a runner's threads takes, and how many at once.

A postback is a notification about a result that already exists; making it wait until a
worker finishes a long processing job (minutes, with an LLM) would make "COMPLETED" reach the
client late for no reason. Likewise vectors: with embedding behind every queued processing job,
a batch of 50 sources would leave vector search blind to the first source until the last one
is processed. So postbacks and embedding get threads of their own (`postback_concurrency`,
`embed_concurrency`; 0 folds a kind back into the main lane, where priority still orders it),
and the main lane takes every other kind. Both runners plan their lanes here: the database
`Worker` as thread groups filtering the kinds they claim, procrastinate as workers on queues.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from contextd.config import Settings
from contextd.jobs.queue import DELIVER_POSTBACK, EMBED_CHUNKS


@dataclass(frozen=True)
class Lane:
    name: str
    kinds: frozenset[str] | None  # None: any kind but `exclude`
    exclude: frozenset[str]
    concurrency: int

    def queues(self, all_kinds: Collection[str]) -> list[str]:
        """This lane's kinds spelt out (procrastinate's workers take a list of queues)."""
        kinds = self.kinds if self.kinds is not None else frozenset(all_kinds)
        return sorted(kinds - self.exclude)


def plan_lanes(
    settings: Settings, concurrency: int, only: Collection[str] | None = None
) -> list[Lane]:
    """The main lane (`concurrency` threads) and the dedicated lanes of the kinds in `only`
    (None: every kind), main first."""
    dedicated = [
        Lane(name, frozenset({kind}), frozenset(), count)
        for name, kind, count in (
            ("postback", DELIVER_POSTBACK, settings.postback_concurrency),
            ("embed", EMBED_CHUNKS, settings.embed_concurrency),
        )
        if count > 0 and (only is None or kind in only)
    ]
    taken = frozenset(kind for lane in dedicated for kind in lane.kinds or ())
    if only is None:
        main = Lane("main", None, taken, concurrency)
    else:
        main = Lane("main", frozenset(only) - taken, frozenset(), concurrency)
    return ([main] if main.kinds is None or main.kinds else []) + dedicated
