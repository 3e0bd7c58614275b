"""The process-wide parts wired together once: settings, database, blob store, job queue.

The API, the embedded worker and the CLI all receive a `Runtime`; nothing else constructs these
parts, so the embedded default and the scale-out mode differ only in how the runtime is built.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING

from contextd.blobs.base import BlobStore
from contextd.blobs.factory import open_blob_store
from contextd.config import BUILTIN_EMBEDDING_DIM, Settings
from contextd.jobs.queue import ENGINE_KEY
from contextd.pipeline.embed import Embedder
from contextd.pipeline.embed import configure as configure_embedding
from contextd.pipeline.ingest import NetPolicy
from contextd.search.backends import open_vector_index
from contextd.search.vector import VectorIndex
from contextd.services.processing import net_policy
from contextd.store.db import Database
from contextd.store.migrate import ensure_current

if TYPE_CHECKING:
    from contextd.jobs.procrastinate_engine import ProcrastinateEngine
    from contextd.search.rerank import Reranker


@dataclass
class Runtime:
    settings: Settings
    db: Database
    blobs: BlobStore
    job_engine: ProcrastinateEngine | None = None  # None: jobs go to our own table
    # The built-in model's warm-up, shown by /health: idle, loading, ready or failed.
    embedder_state: str = field(default="idle", init=False)
    # The embedded worker's start, shown by /health: idle (none here), starting, running or
    # failed (the API keeps serving, and says so, while jobs wait for a worker).
    worker_state: str = field(default="idle", init=False)

    @classmethod
    def build(cls, settings: Settings) -> Runtime:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        configure_embedding(settings.embedding_runtime, settings.resolved_model_dir)
        url = settings.resolved_database_url
        if settings.auto_migrate:
            ensure_current(url)
        job_engine = None
        if settings.job_engine == "procrastinate":
            from contextd.jobs.procrastinate_engine import ProcrastinateEngine, ensure_schema

            if settings.auto_migrate:
                ensure_schema(url)
            job_engine = ProcrastinateEngine(url)
        runtime = cls(
            settings=settings,
            db=Database(url, session_info={ENGINE_KEY: job_engine} if job_engine else None),
            blobs=open_blob_store(settings.resolved_storage_url),
            job_engine=job_engine,
        )
        try:
            _ = runtime.vector_index  # picks the vector backend now: misconfigured, fail here
        except BaseException:
            runtime.close()
            raise
        return runtime

    @cached_property
    def secret_key(self) -> bytes:
        return self.settings.resolved_secret_key().encode()

    @cached_property
    def net_policy(self) -> NetPolicy:
        """For fetching URI sources."""
        return net_policy(self.settings)

    @cached_property
    def postback_policy(self) -> NetPolicy:
        """For postbacks: same address rules, small bodies, a short timeout."""
        return net_policy(
            self.settings, max_bytes=1024 * 1024, timeout=self.settings.postback_timeout_seconds
        )

    @cached_property
    def embedder(self) -> Embedder:
        """The configured model for search vectors: an OpenAI-compatible endpoint, or the
        built-in one (loaded on first use, then shared by the whole process)."""
        endpoint = self.settings.embedding_endpoint
        if endpoint:
            from contextd.pipeline.embed import OpenAIEmbedder

            return OpenAIEmbedder(endpoint.url, endpoint.model, endpoint.dim, endpoint.api_key)
        from contextd.pipeline.embed import default_embedder

        return default_embedder("search")

    def warm_embedders(
        self, *, checks: bool = True, until_idle: Callable[[], object] | None = None
    ) -> None:
        """Load the models a source needs (the snapshot's, unless `checks` is false, and
        search's), so the first source or search does not wait for them; run in a background
        thread at start-up. A server whose worker is a child process needs search's only.

        With `checks` (a process that runs jobs) the pipeline's other loads come too, in the
        order the first source needs them: the snapshot's model and the token counter (its
        snapshot stage), then language identification (sources with code) and search's model
        (its vectors follow COMPLETED). `until_idle` (the worker child) is called between the
        two groups and returns when no source is being processed: the later loads hold the
        interpreter lock as imports do, and would otherwise share it with the first source's
        stages, which load what they need themselves if it is not there yet."""
        if self.settings.embedding_endpoint is not None:  # a remote model: none to load
            if checks:
                _load_stages(tokens=True)
                if until_idle is not None:
                    until_idle()
                _load_stages(languages=True)
            return
        self.embedder_state = "loading"
        try:
            from contextd.pipeline.embed import default_embedder

            if checks:
                default_embedder("checks")
                _load_stages(tokens=True)
                if until_idle is not None:
                    until_idle()
                _load_stages(languages=True)
            _ = self.embedder
        except Exception:  # the job that needs it will try again and report the error
            self.embedder_state = "failed"
            logging.getLogger(__name__).exception("warming the embedding model failed")
        else:
            self.embedder_state = "ready"

    @property
    def embedding_model_name(self) -> str:
        """Known without loading the model: vectors are tagged with it."""
        endpoint = self.settings.embedding_endpoint
        if endpoint:
            return f"openai:{endpoint.model}"
        from contextd.pipeline.embed import MODEL_NAME

        return MODEL_NAME

    @cached_property
    def vector_index(self) -> VectorIndex:
        """numpy or pgvector, per `CONTEXTD_VECTOR_BACKEND` (raises `VectorBackendError` when
        pgvector is required and the database cannot have it); see search/backends.py."""
        s = self.settings
        dim = s.embedding_endpoint.dim if s.embedding_endpoint else BUILTIN_EMBEDDING_DIM
        return open_vector_index(self.db.engine, self.embedding_model_name, dim, s.vector_backend)

    @cached_property
    def reranker(self) -> Reranker | None:
        """The configured rerank endpoint, or None (no rerank step)."""
        s = self.settings
        if not (s.rerank_url and s.rerank_model):
            return None
        from contextd.search.rerank import HttpReranker

        return HttpReranker(
            s.rerank_url, s.rerank_model, s.rerank_api_key, s.rerank_timeout_seconds
        )

    def close(self) -> None:
        reranker = self.__dict__.get("reranker")  # only if it was built: its HTTP client's pool
        if reranker is not None:
            reranker.close()
        self.db.dispose()


def _load_stages(*, tokens: bool = False, languages: bool = False) -> None:
    """The pipeline's loads besides the embedding models (the token counter; the language
    models); a failure here is the stage's to report when a source needs it, so it is only
    logged."""
    try:
        if tokens:
            from contextd.pipeline import tokens as counter

            counter.load()
        if languages:
            from contextd.pipeline.artifacts import load_models

            load_models()
    except Exception:
        logging.getLogger(__name__).exception("loading the token counter or language models")
