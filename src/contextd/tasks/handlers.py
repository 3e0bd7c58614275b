"""The job kinds and the code that runs each: the registry a runner is handed."""

from __future__ import annotations

from contextd.jobs import queue
from contextd.jobs.base import Handler, Runner
from contextd.jobs.worker import Worker
from contextd.runtime import Runtime
from contextd.search import foreground
from contextd.search.index import embed_pending
from contextd.tasks import deliver_postback, process_source
from contextd.tasks.context import TaskContext


def purge_blobs(ctx: TaskContext) -> None:
    """Remove the blobs of deleted sources (the rows went with their space)."""
    for prefix in ctx.job.payload.get("prefixes", []):
        ctx.runtime.blobs.delete_prefix(prefix)


def embed_chunks(ctx: TaskContext) -> None:
    # Yield to processing only when the processing job embeds its own chunks inline: with
    # `embed_inline` off this lane is the only embedder, and a worker that is never idle would
    # starve it. Waited for here too, before `runtime.embedder` is first read: in a new worker
    # that read loads search's model, which the first source's stages would otherwise share the
    # interpreter with (bench/child_trace.py).
    if ctx.runtime.settings.embed_inline:
        foreground.wait_idle()
    embed_pending(
        ctx.runtime.db,
        ctx.runtime.embedder,
        ctx.job.source_id,
        yield_to_processing=ctx.runtime.settings.embed_inline,
    )


HANDLERS: dict[str, Handler[Runtime]] = {
    queue.PROCESS_SOURCE: process_source.run,
    queue.DELIVER_POSTBACK: deliver_postback.run,
    queue.PURGE_BLOBS: purge_blobs,
    queue.EMBED_CHUNKS: embed_chunks,
}


def build_worker(
    runtime: Runtime, concurrency: int | None = None, *, queues: list[str] | None = None
) -> Runner:
    """The runner of the configured job engine, with every job kind's handler."""
    if runtime.job_engine is not None:
        from contextd.jobs.procrastinate_runner import ProcrastinateRunner

        return ProcrastinateRunner(
            runtime,
            runtime.job_engine,
            HANDLERS,
            on_exhausted=process_source.fail_exhausted,
            concurrency=concurrency,
            queues=queues,
        )
    if queues:
        raise ValueError("--queue needs CONTEXTD_JOB_ENGINE=procrastinate")
    return Worker(
        runtime,
        HANDLERS,
        on_exhausted=process_source.fail_exhausted,
        on_claim={queue.PROCESS_SOURCE: process_source.begin_on_claim},
        concurrency=concurrency,
    )
