"""search chunks

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 22:34:00.957348
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# SQLite: an external-content FTS5 index kept in step with `chunks` by triggers. Updating only
# the embedding does not touch the index.
SQLITE_FTS = [
    """CREATE VIRTUAL TABLE chunks_fts USING fts5(
        text, title, content='chunks', content_rowid='id', tokenize='porter unicode61'
    )""",
    """CREATE TRIGGER chunks_ai AFTER INSERT ON chunks BEGIN
        INSERT INTO chunks_fts(rowid, text, title)
        VALUES (new.id, new.text, coalesce(new.title, ''));
    END""",
    """CREATE TRIGGER chunks_ad AFTER DELETE ON chunks BEGIN
        INSERT INTO chunks_fts(chunks_fts, rowid, text, title)
        VALUES ('delete', old.id, old.text, coalesce(old.title, ''));
    END""",
    """CREATE TRIGGER chunks_au AFTER UPDATE OF text, title ON chunks BEGIN
        INSERT INTO chunks_fts(chunks_fts, rowid, text, title)
        VALUES ('delete', old.id, old.text, coalesce(old.title, ''));
        INSERT INTO chunks_fts(rowid, text, title)
        VALUES (new.id, new.text, coalesce(new.title, ''));
    END""",
]

# PostgreSQL: a generated, weighted tsvector (title above text) with a GIN index.
POSTGRES_FTS = [
    """ALTER TABLE chunks ADD COLUMN tsv tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', coalesce(title, '')), 'A')
        || setweight(to_tsvector('english', text), 'B')
    ) STORED""",
    "CREATE INDEX ix_chunks_tsv ON chunks USING gin (tsv)",
]


def upgrade() -> None:
    op.create_table(
        "chunks",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("space_id", sa.String(length=36), nullable=False),
        sa.Column("source_id", sa.String(length=36), nullable=False),
        sa.Column("artifact_id", sa.String(length=36), nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=True),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("turn_start", sa.Integer(), nullable=True),
        sa.Column("turn_end", sa.Integer(), nullable=True),
        sa.Column("speaker", sa.String(length=500), nullable=True),
        sa.Column("role", sa.String(length=20), nullable=True),
        sa.Column("timestamp", sa.DateTime(timezone=True), nullable=True),
        sa.Column("artifact_type", sa.String(length=20), nullable=True),
        sa.Column("language", sa.String(length=50), nullable=True),
        sa.Column("source_revision", sa.Integer(), nullable=False),
        sa.Column("embedding", sa.LargeBinary(), nullable=True),
        sa.Column("embedding_model", sa.String(length=100), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["artifact_id"],
            ["artifacts.id"],
            name=op.f("fk_chunks_artifact_id_artifacts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["source_id"],
            ["sources.id"],
            name=op.f("fk_chunks_source_id_sources"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["space_id"], ["spaces.id"], name=op.f("fk_chunks_space_id_spaces"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_chunks")),
    )
    with op.batch_alter_table("chunks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_chunks_artifact_id"), ["artifact_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_chunks_source_id"), ["source_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_chunks_space_id"), ["space_id"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        for statement in SQLITE_FTS:
            op.execute(statement)
    else:
        for statement in POSTGRES_FTS:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        for name in ("chunks_ai", "chunks_ad", "chunks_au"):
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute("DROP TABLE IF EXISTS chunks_fts")
    else:
        op.execute("DROP INDEX IF EXISTS ix_chunks_tsv")
        op.execute("ALTER TABLE chunks DROP COLUMN IF EXISTS tsv")
    with op.batch_alter_table("chunks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_chunks_space_id"))
        batch_op.drop_index(batch_op.f("ix_chunks_source_id"))
        batch_op.drop_index(batch_op.f("ix_chunks_artifact_id"))

    op.drop_table("chunks")
