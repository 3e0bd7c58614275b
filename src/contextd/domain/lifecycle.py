"""The source status machine: which action is allowed from which status.

`CREATED → PENDING → PROCESSING → COMPLETED | FAILED | CANCELED`. Actions that start processing
again (reprocess, refresh, fast-forward) put a final source back to PENDING with a new revision;
a job only writes its results while the source still carries the revision it was started for.
"""

from __future__ import annotations

from enum import StrEnum

from contextd.domain.enums import SourceStatus, SourceType
from contextd.domain.errors import InvalidState

S = SourceStatus


class Action(StrEnum):
    CANCEL = "cancel"
    REPROCESS = "reprocess"
    REFRESH = "refresh"
    FAST_FORWARD = "fast-forward"
    START = "start"  # the worker picks the job up
    FINISH = "finish"  # the worker reaches a final status


ALLOWED_FROM: dict[Action, frozenset[SourceStatus]] = {
    Action.CANCEL: frozenset({S.CREATED, S.PENDING, S.PROCESSING}),
    Action.REPROCESS: frozenset({S.COMPLETED, S.FAILED}),
    Action.REFRESH: frozenset({S.COMPLETED, S.FAILED, S.CANCELED}),
    Action.FAST_FORWARD: frozenset({S.COMPLETED, S.FAILED}),
    Action.START: frozenset({S.PENDING, S.PROCESSING}),
    Action.FINISH: frozenset({S.PROCESSING}),
}

REFRESHABLE_TYPES = frozenset({SourceType.URI, SourceType.FILE})
FAST_FORWARD_DATA_TYPES = frozenset({SourceType.URI, SourceType.FILE, SourceType.CONTENT})


def require(action: Action, status: SourceStatus) -> None:
    """Raise `InvalidState` naming the current status when `action` is not allowed from it."""
    allowed = ALLOWED_FROM[action]
    if status not in allowed:
        names = " or ".join(sorted(allowed))
        raise InvalidState(
            f"cannot {action.value} a source in status {status.value}; it must be {names}"
        )


def require_refreshable(source_type: SourceType) -> None:
    if source_type not in REFRESHABLE_TYPES:
        raise InvalidState(
            f"only URI and FILE sources can be refreshed; this source is {source_type.value}"
        )
