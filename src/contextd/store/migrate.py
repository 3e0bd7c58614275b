"""Apply the Alembic migrations that ship inside the package."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config

from contextd.store.vectors import COLUMN as VECTOR_COLUMN
from contextd.store.vectors import INDEX_PREFIX as VECTOR_INDEX_PREFIX

MIGRATIONS = Path(__file__).parent / "migrations"


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
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)
