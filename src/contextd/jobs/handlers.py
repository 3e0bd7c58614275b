"""The job kinds and the code that runs each."""

from __future__ import annotations

from contextd.jobs import process_source, queue
from contextd.jobs.worker import JobContext, Worker
from contextd.runtime import Runtime
from contextd.webhooks import deliver


def purge_blobs(ctx: JobContext) -> None:
    """Remove the blobs of deleted sources (the rows went with their space)."""
    for prefix in ctx.job.payload.get("prefixes", []):
        ctx.runtime.blobs.delete_prefix(prefix)


def build_worker(runtime: Runtime, concurrency: int | None = None) -> Worker:
    return Worker(
        runtime,
        {
            queue.PROCESS_SOURCE: process_source.run,
            queue.DELIVER_POSTBACK: deliver.run,
            queue.PURGE_BLOBS: purge_blobs,
        },
        on_exhausted=process_source.fail_exhausted,
        concurrency=concurrency,
    )
