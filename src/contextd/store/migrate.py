"""Apply the Alembic migrations that ship inside the package.

Start-up checks first whether the database is already at the newest revision, reading the
revision ids from the migration files and the database's `alembic_version` row, without
importing Alembic (over a second of imports on a busy two-core machine, paid by every start
for nothing when there is nothing to apply); only a database behind runs Alembic."""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from contextd.store.vectors import COLUMN as VECTOR_COLUMN
from contextd.store.vectors import INDEX_PREFIX as VECTOR_INDEX_PREFIX

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"
_REVISION = re.compile(r"^(down_revision|revision)\b[^=]*=\s*(.+)$", re.MULTILINE)


# Objects the migrations create outside the models: the lexical indexes each database keeps,
# and pgvector's column and per-model indexes where the extension exists (store/vectors.py).
UNMODELLED_TABLES = frozenset({"chunks_fts"})
UNMODELLED_COLUMNS = frozenset({("chunks", "tsv"), ("chunks", VECTOR_COLUMN)})
UNMODELLED_INDEXES = frozenset({"ix_chunks_tsv"})


def include_object(
    obj: Any, name: str | None, type_: str, reflected: bool, compare_to: Any
) -> bool:
    """Hide the hand-written search indexes from autogenerate and schema comparisons."""
    if type_ == "table":
        return not (name in UNMODELLED_TABLES or (name or "").startswith("chunks_fts_"))
    if type_ == "column":
        return (obj.table.name, name) not in UNMODELLED_COLUMNS
    if type_ == "index":
        return not (name in UNMODELLED_INDEXES or (name or "").startswith(VECTOR_INDEX_PREFIX))
    return True


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    from alembic import command

    command.upgrade(alembic_config(url), revision)


def head_revisions() -> frozenset[str]:
    """The revisions no migration file names as its parent: what `head` is."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        for name, value in _REVISION.findall(path.read_text()):
            ids = set(re.findall(r"[\"']([^\"']+)[\"']", value))
            (revisions if name == "revision" else parents).update(ids)
    return frozenset(revisions - parents)


def is_current(url: str) -> bool:
    """Whether the database is at the newest revision (False when unsure: Alembic decides)."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("alembic_version"):
                return False
            rows = conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars()
            return frozenset(rows) == head_revisions()
    except sa.exc.SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def ensure_current(url: str) -> None:
    """Upgrade to the newest revision unless the database is there already."""
    if not is_current(url):
        upgrade(url)
