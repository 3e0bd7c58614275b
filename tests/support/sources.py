"""Sources created through the service layer, for tests that drive jobs and workers by hand."""

from __future__ import annotations

import time

from sqlalchemy import select

from contextd.domain.enums import SourceType
from contextd.runtime import Runtime
from contextd.services import keys, spaces
from contextd.services.sources import SourceContext, create_source, prepare_source
from contextd.store.tables import Source
from tests.support.factories import transcript


def _context(runtime: Runtime) -> SourceContext:
    return SourceContext(
        runtime.blobs, runtime.net_policy, runtime.postback_policy, jobs=runtime.job_engine
    )


def new_source(runtime: Runtime, turns: int = 8) -> str:
    ctx = _context(runtime)
    with runtime.db.session() as session:
        user = keys.ensure_user(session, "fence", f"fence-{time.monotonic_ns()}@example.test")
        space = spaces.create_space(session, user, "fence", None)
        new = prepare_source(
            ctx,
            user.id,
            space.id,
            source_type=SourceType.CONTENT,
            initial_data={"data": transcript(turns)},
            instructions={},
        )
        source = create_source(session.connection(), ctx, new)
        return str(source["id"])


def new_composition(runtime: Runtime, member_id: str) -> str:
    """A COMPOSITION of one source, in that source's space."""
    ctx = _context(runtime)
    with runtime.db.session() as session:
        user_id, space_id = session.execute(
            select(Source.user_id, Source.space_id).where(Source.id == member_id)
        ).one()
        new = prepare_source(
            ctx,
            user_id,
            space_id,
            source_type=SourceType.COMPOSITION,
            initial_data={"source_ids": [member_id]},
            instructions={},
            session=session,
        )
        source = create_source(session.connection(), ctx, new)
        return str(source["id"])
