"""jobs.priority: postbacks run before processing, processing before embedding

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-03 04:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Queued jobs of an older version keep priority 0 and run in id order among themselves, as
    # before. Plain ALTER TABLE, never batch mode (see 0005).
    op.add_column("jobs", sa.Column("priority", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    op.drop_column("jobs", "priority")
