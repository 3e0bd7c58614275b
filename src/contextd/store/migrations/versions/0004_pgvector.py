"""pgvector column for chunk embeddings (PostgreSQL with the vector extension only)

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30 10:00:00.000000
"""

from collections.abc import Sequence

from alembic import op

from contextd.store import vectors

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Creates the extension when the server has it and we may, adds `chunks.embedding_vec` and
    # fills it from the stored vectors; a no-op on SQLite and on PostgreSQL without pgvector
    # (the search backend runs the same step at start-up if pgvector appears later). The
    # per-model HNSW indexes are made at start-up: the model and its dimension are settings.
    vectors.install(op.get_bind())


def downgrade() -> None:
    vectors.uninstall(op.get_bind())
