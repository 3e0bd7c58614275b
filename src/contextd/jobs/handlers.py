"""The job kinds and the code that runs each."""

from __future__ import annotations

from contextd.jobs import process_source, queue
from contextd.jobs.base import JobContext
from contextd.jobs.worker import Worker
from contextd.runtime import Runtime
from contextd.search.index import embed_pending
from contextd.webhooks import deliver


def purge_blobs(ctx: JobContext) -> None:
    """Remove the blobs of deleted sources (the rows went with their space)."""
    for prefix in ctx.job.payload.get("prefixes", []):
        ctx.runtime.blobs.delete_prefix(prefix)


def embed_chunks(ctx: JobContext) -> None:
    embed_pending(ctx.runtime.db, ctx.runtime.embedder, ctx.job.source_id)


def build_worker(runtime: Runtime, concurrency: int | None = None) -> Worker:
    return Worker(
        runtime,
        {
            queue.PROCESS_SOURCE: process_source.run,
            queue.DELIVER_POSTBACK: deliver.run,
            queue.PURGE_BLOBS: purge_blobs,
            queue.EMBED_CHUNKS: embed_chunks,
        },
        on_exhausted=process_source.fail_exhausted,
        concurrency=concurrency,
    )
