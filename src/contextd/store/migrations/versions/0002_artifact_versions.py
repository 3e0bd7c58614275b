"""artifact versions

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 22:22:24.983993
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("artifacts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("lineage_key", sa.String(length=300), nullable=True))
        batch_op.add_column(sa.Column("previous_version_id", sa.String(length=36), nullable=True))
        batch_op.create_index(batch_op.f("ix_artifacts_lineage_key"), ["lineage_key"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("artifacts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_artifacts_lineage_key"))
        batch_op.drop_column("previous_version_id")
        batch_op.drop_column("lineage_key")
