"""The status machine, as a table: which action is allowed from which status."""

from __future__ import annotations

import pytest

from contextd.domain.enums import SourceStatus as S
from contextd.domain.enums import SourceType
from contextd.domain.errors import InvalidState
from contextd.domain.lifecycle import Action, require, require_refreshable

ALLOWED = {
    Action.CANCEL: {S.CREATED, S.PENDING, S.PROCESSING},
    Action.REPROCESS: {S.COMPLETED, S.FAILED},
    Action.REFRESH: {S.COMPLETED, S.FAILED, S.CANCELED},
    Action.FAST_FORWARD: {S.COMPLETED, S.FAILED},
}


@pytest.mark.parametrize("action", list(ALLOWED))
@pytest.mark.parametrize("status", list(S))
def test_each_action_is_allowed_exactly_from_its_statuses(action: Action, status: S) -> None:
    if status in ALLOWED[action]:
        require(action, status)
    else:
        with pytest.raises(InvalidState) as info:
            require(action, status)
        assert status.value in info.value.message


def test_only_uri_and_file_sources_refresh() -> None:
    require_refreshable(SourceType.URI)
    require_refreshable(SourceType.FILE)
    for kind in (SourceType.CONTENT, SourceType.COMPOSITION):
        with pytest.raises(InvalidState, match=kind.value):
            require_refreshable(kind)


def test_final_statuses() -> None:
    assert {s for s in S if s.is_final} == {S.COMPLETED, S.FAILED, S.CANCELED}
