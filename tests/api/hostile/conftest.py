"""The world's fixtures: one world per module, and the check after each case that it is intact."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.api.hostile.world import Trap, World, populate, rows, state
from tests.support.service import Service


@pytest.fixture(scope="module")
def world(service: Service) -> Iterator[World]:
    """A fresh world for each module; when the module is done, both users read back through the
    API exactly what they read when it was made."""
    trap = Trap()
    try:
        with service.client("owner") as owner, service.client("victim") as victim:
            w = World(
                populate(owner),
                populate(victim),
                trap,
                service,
                Path(getattr(service.runtime.blobs, "root", service.runtime.settings.data_dir)),
                Path(service.runtime.settings.data_dir),
            )
            w.baseline = (state(w.owner), state(w.victim))
            yield w
            w.reads_back_unchanged()
    finally:
        trap.close()


@pytest.fixture
def intact(world: World) -> Iterator[World]:
    """Yield the world; afterwards every row both users own is as it was (and the listener on
    127.0.0.1 has heard nothing). The slower read-back through the API runs when the module
    ends (`world`)."""
    before = rows(world)
    yield world
    assert rows(world) == before
    assert world.trap.hits == []
