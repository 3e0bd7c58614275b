"""The job kinds and the code that runs each."""

from __future__ import annotations

from contextd.jobs import process_source, queue
from contextd.jobs.worker import Worker
from contextd.runtime import Runtime
from contextd.webhooks import deliver


def build_worker(runtime: Runtime, concurrency: int | None = None) -> Worker:
    return Worker(
        runtime,
        {queue.PROCESS_SOURCE: process_source.run, queue.DELIVER_POSTBACK: deliver.run},
        on_exhausted=process_source.fail_exhausted,
        concurrency=concurrency,
    )
