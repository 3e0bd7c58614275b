"""Alembic environment: the URL comes from the caller's config, never from alembic.ini."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from contextd.store.db import make_engine
from contextd.store.migrate import include_object
from contextd.store.tables import Base

config = context.config


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=include_object,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    run_with(connection)
else:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        run_with(conn)
    engine.dispose()
