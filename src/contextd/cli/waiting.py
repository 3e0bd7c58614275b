"""Waiting for sources to finish, with a progress bar for people."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from contextd.cli.remote import Output, source_label
from contextd.client import Client, Source

POLL_SECONDS = 0.5


def wait_for(
    client: Client,
    out: Output,
    source_ids: Sequence[str],
    *,
    timeout: float,
    on_done: Callable[[Source], None] | None = None,
    poll: float = POLL_SECONDS,
) -> tuple[list[Source], list[Source]]:
    """Poll every source until it is COMPLETED, FAILED or CANCELED, or `timeout` passes.

    Returns (finished, unfinished), each in the order given; `on_done` sees each source as it
    finishes (for JSON-lines streams)."""
    pending = list(dict.fromkeys(source_ids))
    done: dict[str, Source] = {}
    last: dict[str, Source] = {}
    deadline = time.monotonic() + timeout
    with out.progress() as progress:
        task = progress.add_task("processing", total=len(pending))
        while pending:
            for source_id in list(pending):
                current = client.sources.get(source_id)
                last[source_id] = current
                if current.status.is_final:
                    pending.remove(source_id)
                    done[source_id] = current
                    progress.advance(task)
                    progress.update(task, description=f"{source_label(current)[:40]}")
                    if on_done is not None:
                        on_done(current)
            if not pending or time.monotonic() >= deadline:
                break
            time.sleep(poll)
    finished = [done[i] for i in dict.fromkeys(source_ids) if i in done]
    unfinished = [last[i] for i in dict.fromkeys(source_ids) if i not in done and i in last]
    return finished, unfinished
