"""coding-agent sessions: tool calls and thinking on turns, the reader's metadata on sources

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 15:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Nullable, without defaults: existing rows have none of these, and NULL costs nothing.
    # Plain ALTER TABLE, never batch mode: on SQLite a batch copies the table and drops the
    # old one, and with foreign keys on, dropping `sources` would cascade to every turn,
    # artifact and chunk (SQLite adds and drops such columns in place since 3.35).
    op.add_column("turns", sa.Column("tool_calls", sa.JSON(), nullable=True))
    op.add_column("turns", sa.Column("thinking", sa.Text(), nullable=True))
    op.add_column("sources", sa.Column("meta", sa.JSON(), nullable=True))


def downgrade() -> None:
    op.drop_column("sources", "meta")
    op.drop_column("turns", "thinking")
    op.drop_column("turns", "tool_calls")
