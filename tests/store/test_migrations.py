"""The Alembic migrations build exactly the schema the models describe, on both backends."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from contextd.store.migrate import (
    alembic_config,
    ensure_current,
    head_revisions,
    include_object,
    is_current,
    upgrade,
)
from contextd.store.tables import Base
from contextd.testing import scratch_database
from tests.support.settings import PG_ADMIN_URL


def test_migrations_match_the_models(database_url: str) -> None:
    upgrade(database_url)
    upgrade(database_url)  # idempotent
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"include_object": include_object})
            diff = compare_metadata(context, Base.metadata)
            tables = set(inspect(conn).get_table_names())
    finally:
        engine.dispose()
    assert diff == []
    assert {"users", "api_keys", "spaces", "collections", "sources", "artifacts", "jobs"} <= tables


@pytest.fixture
def scratch_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A database of its own: going down and up again must not disturb the shared one."""
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'updown.db'}"
        return
    with scratch_database(PG_ADMIN_URL, "contextd_updown") as url:
        yield url


def _columns(url: str, table: str) -> set[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return {column["name"] for column in inspect(conn).get_columns(table)}
    finally:
        engine.dispose()


def test_session_columns_go_down_and_up_again_keeping_the_rows(scratch_url: str) -> None:
    """0005 adds turns.tool_calls/thinking and sources.meta; going down to 0004 removes them
    without losing the turns, and coming back up gives them again, empty."""
    config = alembic_config(scratch_url)
    upgrade(scratch_url, "0004")
    assert "tool_calls" not in _columns(scratch_url, "turns")
    upgrade(scratch_url)
    assert {"tool_calls", "thinking"} <= _columns(scratch_url, "turns")
    assert "meta" in _columns(scratch_url, "sources")
    engine = create_engine(scratch_url)
    try:
        with engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO users (id, name, webhook_secret, created_at, updated_at) "
                    "VALUES ('u', 'u', 's', :now, :now)"
                ),
                {"now": datetime.now(UTC)},
            )
            conn.execute(
                text(
                    "INSERT INTO spaces (id, user_id, name, created_at, updated_at) "
                    "VALUES ('sp', 'u', 'sp', :now, :now)"
                ),
                {"now": datetime.now(UTC)},
            )
            conn.execute(
                text(
                    "INSERT INTO sources (id, user_id, space_id, type, status, pinned, "
                    "initial_data, instructions, revision, turn_count, token_count, meta, "
                    "created_at, updated_at) VALUES ('s', 'u', 'sp', 'CONTENT', 'COMPLETED', "
                    "false, '{}', '{}', 1, 1, 1, :meta, :now, :now)"
                ),
                {"now": datetime.now(UTC), "meta": json.dumps({"agent": "claude-code"})},
            )
            conn.execute(
                text(
                    "INSERT INTO turns (source_id, idx, speaker, role, text, tool_calls, thinking)"
                    " VALUES ('s', 0, 'Claude', 'assistant', 'ran the tests', :calls, 'hmm')"
                ),
                {"calls": json.dumps([{"name": "Bash", "summary": "pytest -q"}])},
            )
        command.downgrade(config, "0004")
        assert not {"tool_calls", "thinking"} & _columns(scratch_url, "turns")
        assert "meta" not in _columns(scratch_url, "sources")
        upgrade(scratch_url)
        with engine.connect() as conn:
            row = conn.execute(text("SELECT text, tool_calls, thinking FROM turns")).one()
        assert (row.text, row.tool_calls, row.thinking) == ("ran the tests", None, None)
    finally:
        engine.dispose()


def test_start_up_skips_alembic_only_when_the_database_is_at_head(scratch_url: str) -> None:
    """`ensure_current` reads the heads from the migration files; they must be Alembic's."""
    from alembic.script import ScriptDirectory

    assert head_revisions() == frozenset(
        ScriptDirectory.from_config(alembic_config("")).get_heads()
    )
    assert not is_current(scratch_url)  # empty: Alembic runs
    ensure_current(scratch_url)
    assert is_current(scratch_url)
    command.downgrade(alembic_config(scratch_url), "-1")
    assert not is_current(scratch_url)  # one behind: Alembic runs again
    ensure_current(scratch_url)
    assert is_current(scratch_url)
