"""sources.raw_inline: a small CONTENT source's bytes kept with its row, not as a blob

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04 00:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # NULL for every existing source: their bytes stay in the blob store, where `raw_key`
    # names them. Plain ALTER TABLE, never batch mode (see 0005).
    op.add_column("sources", sa.Column("raw_inline", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    # Refused while a source keeps its bytes there: they would be lost with the column, and
    # the source could no longer be processed or reprocessed.
    kept = (
        op.get_bind()
        .execute(sa.text("SELECT count(*) FROM sources WHERE raw_inline IS NOT NULL"))
        .scalar()
    )
    if kept:
        raise RuntimeError(
            f"{kept} source(s) keep their content in sources.raw_inline: delete them (or their "
            "spaces) before downgrading below 0007"
        )
    op.drop_column("sources", "raw_inline")
