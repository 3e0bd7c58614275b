"""Lexical search stays bounded at scale without changing what it finds (search/lexical.py).

On a real database per backend (a temporary SQLite file; a fresh database on the local
PostgreSQL server), with the caps lowered so that a few hundred chunks cross them:

- PostgreSQL: below the caps the ranking is the exhaustive one (every match ranked, exact
  document frequencies); above them the rare term's chunk still comes first, only capped
  candidate sets are ranked, and filters apply before the cap (a source whose chunks are not
  among the first candidates is still searched).
- SQLite: FTS5's top rows are filtered first; when the filters leave too few, every match is.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import insert, text

from contextd.search import lexical
from contextd.search.filters import SearchFilters
from contextd.search.lexical import lexical_search
from contextd.services import keys
from contextd.store.db import Database
from contextd.store.migrate import upgrade
from contextd.store.tables import Chunk, Source, Space
from contextd.testing import scratch_database
from tests.support.settings import BACKENDS, PG_ADMIN_URL

COMMON = 300  # chunks saying only common words


@dataclass(frozen=True)
class Corpus:
    space_id: str
    busy_source: str  # holds the common chunks
    quiet_source: str  # one chunk that says "pipeline" once
    rare_chunk: int  # the one chunk with the rare word


@pytest.fixture(scope="module", params=BACKENDS)
def db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Database]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('lex') / 'contextd.db'}"
        upgrade(url)
        database = Database(url)
        yield database
        database.engine.dispose()
        return
    with scratch_database(PG_ADMIN_URL, "contextd_lex") as url:
        upgrade(url)
        database = Database(url)
        yield database
        database.engine.dispose()


@pytest.fixture(scope="module")
def corpus(db: Database) -> Corpus:
    with db.session() as session:
        user = keys.ensure_user(session, "lex", f"{uuid.uuid4().hex}@example.test")
        space = Space(user_id=user.id, name="s")
        session.add(space)
        session.flush()
        busy, quiet = (
            Source(user_id=user.id, space_id=space.id, type="CONTENT", status="COMPLETED"),
            Source(user_id=user.id, space_id=space.id, type="CONTENT", status="COMPLETED"),
        )
        session.add_all([busy, quiet])
        session.flush()
        rows = [
            {
                "space_id": space.id,
                "source_id": busy.id,
                "kind": "section",
                "text": f"the deploy pipeline {'deploy ' * (i % 3)}note {i}",
                "source_revision": 0,
            }
            for i in range(COMMON)
        ]
        rows.append(
            {
                "space_id": space.id,
                "source_id": quiet.id,
                "kind": "section",
                "text": "a pipeline for the marmalade shipment",
                "source_revision": 0,
            }
        )
        session.execute(insert(Chunk), rows)
        rare = session.execute(
            text("SELECT id FROM chunks WHERE text LIKE '%marmalade%'")
        ).scalar_one()
        if db.engine.dialect.name == "postgresql":
            session.execute(text("ANALYZE chunks"))
        return Corpus(space.id, busy.id, quiet.id, int(rare))


def search(
    db: Database, corpus: Corpus, query: str, limit: int = 10, **filters: object
) -> list[int]:
    with db.read_session() as session:
        found = lexical_search(session, corpus.space_id, query, SearchFilters(**filters), limit)  # type: ignore[arg-type]
    return [chunk_id for chunk_id, _ in found]


def test_below_the_caps_the_ranking_is_exhaustive(db: Database, corpus: Corpus) -> None:
    found = search(db, corpus, "deploy pipeline marmalade", limit=COMMON + 1)
    assert found[0] == corpus.rare_chunk
    assert len(found) == COMMON + 1  # every match ranked


def test_above_the_caps_rare_terms_still_win_and_the_work_is_capped(
    db: Database, corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert search(db, corpus, "deploy pipeline marmalade")[0] == corpus.rare_chunk
    monkeypatch.setattr(lexical, "DF_CAP", 20)
    monkeypatch.setattr(lexical, "COMMON_CANDIDATES", 40)
    monkeypatch.setattr(lexical, "SPACE_CAP", 50)
    monkeypatch.setattr(lexical, "FTS_PREFETCH", 2)
    bounded = search(db, corpus, "deploy pipeline marmalade", limit=COMMON + 1)
    assert bounded[0] == corpus.rare_chunk
    if db.engine.dialect.name == "postgresql":
        # The rare term's match, plus at most 40 matching both common terms and 40 matching
        # the less common one: not every match.
        assert len(bounded) <= 1 + 2 * 40
    # A query of common terms only still returns a full page.
    assert len(search(db, corpus, "deploy pipeline")) == 10


def test_filters_apply_before_the_cap(
    db: Database, corpus: Corpus, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(lexical, "DF_CAP", 20)
    monkeypatch.setattr(lexical, "COMMON_CANDIDATES", 40)
    monkeypatch.setattr(lexical, "FTS_PREFETCH", 1)
    # "pipeline" is in every chunk; the quiet source's one chunk ranks last of 301 (longest
    # text among equals is not favoured), yet filtering on that source finds it.
    found = search(db, corpus, "pipeline", source_ids=(corpus.quiet_source,))
    assert found == [corpus.rare_chunk]
