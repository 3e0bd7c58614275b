"""Sources created through the service layer, for tests that drive jobs and workers by hand."""

from __future__ import annotations

import time

from contextd.domain.enums import SourceType
from contextd.runtime import Runtime
from contextd.services import keys, spaces
from contextd.services.sources import SourceContext, create_source, prepare_source
from tests.support.factories import transcript


def new_source(runtime: Runtime, turns: int = 8) -> str:
    ctx = SourceContext(
        runtime.blobs, runtime.net_policy, runtime.postback_policy, jobs=runtime.job_engine
    )
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
