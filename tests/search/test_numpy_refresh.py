"""The numpy vector index checks that its cached matrix is current off the query path.

On a real SQLite database: after the first query (which reads the matrix itself), new vectors
are picked up by the background check, not by a query paying for it; the query that finds the
check due is answered from the matrix as it was.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from sqlalchemy import insert

from contextd.search import numpy_index
from contextd.search.filters import SearchFilters
from contextd.search.numpy_index import NumpyVectorIndex
from contextd.services import keys
from contextd.store.db import Database
from contextd.store.migrate import upgrade
from contextd.store.tables import Chunk, Source, Space

DIM = 8
MODEL = "test-model"


def unit(i: int) -> npt.NDArray[np.float32]:
    vector = np.zeros(DIM, np.float32)
    vector[i] = 1.0
    return vector


def test_new_vectors_are_picked_up_by_the_background_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'contextd.db'}"
    upgrade(url)
    db = Database(url)
    with db.session() as session:
        user = keys.ensure_user(session, "np", f"{uuid.uuid4().hex}@example.test")
        space = Space(user_id=user.id, name="s")
        session.add(space)
        session.flush()
        source = Source(user_id=user.id, space_id=space.id, type="CONTENT", status="COMPLETED")
        session.add(source)
        session.flush()
        space_id, source_id = space.id, source.id

    def add(i: int) -> None:
        with db.session() as session:
            session.execute(
                insert(Chunk),
                [
                    {
                        "space_id": space_id,
                        "source_id": source_id,
                        "kind": "section",
                        "text": f"chunk {i}",
                        "source_revision": 0,
                        "embedding": unit(i).tobytes(),
                        "embedding_model": MODEL,
                    }
                ],
            )

    index = NumpyVectorIndex(MODEL, DIM)

    def best(i: int) -> float:
        with db.read_session() as session:
            found = index.search(session, space_id, unit(i), SearchFilters(), 1)
        return found[0][1]

    add(0)
    assert best(0) == pytest.approx(1.0)  # the first query reads the matrix
    add(1)
    monkeypatch.setattr(numpy_index, "STAMP_TTL", 0.0)
    assert best(1) == pytest.approx(0.0)  # answered from the cached matrix; check started
    numpy_index._REFRESH.submit(lambda: None).result()  # the one refresh thread is done
    monkeypatch.setattr(numpy_index, "STAMP_TTL", 3600.0)
    assert best(1) == pytest.approx(1.0)  # the new vector, with no check on this query
    db.engine.dispose()
