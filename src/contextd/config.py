"""Runtime configuration, read from `CONTEXTD_*` environment variables.

One settings object is built at start-up and passed down explicitly; nothing reads the
environment afterwards, so tests can run several differently configured services side by side.

The rules that tie settings together (an LLM engine needs its endpoint, an embedding endpoint is
whole or absent, procrastinate needs PostgreSQL) are checked here, when the object is built, so
a misconfigured service refuses to start with a message naming the variables instead of falling
back silently or failing deep inside the first job. Each field's description is the
documentation: `scripts/settings_table.py` writes the docs' settings page
(`docs/reference/settings.md`) from them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal, NamedTuple, Self

from pydantic import Field, ValidationError, model_validator
from pydantic.config import JsonDict
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

ENV_PREFIX = "CONTEXTD_"
BUILTIN_EMBEDDING_DIM = 384  # all-MiniLM-L6-v2, the built-in model


def env_name(field: str) -> str:
    """The environment variable that sets `field`."""
    return f"{ENV_PREFIX}{field.upper()}"


class SettingsError(Exception):
    """The configuration cannot work; the message names the `CONTEXTD_*` variables to change."""


class LLMEndpoint(NamedTuple):
    url: str
    model: str
    api_key: str | None
    timeout: float
    context_tokens: int


class EmbeddingEndpoint(NamedTuple):
    url: str
    model: str
    dim: int
    api_key: str | None


def _shown(default: str) -> JsonDict:
    """How the docs show a default that is computed at start-up rather than a constant."""
    return {"default_text": default}


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    data_dir: Path = Field(
        default=Path("./.contextd"),
        description="database (SQLite), blobs and the signing secret",
        json_schema_extra=_shown("`./.contextd`"),
    )
    database_url: str | None = Field(
        default=None,
        description="any SQLAlchemy URL; `postgresql+psycopg://user@host/db` for PostgreSQL",
        json_schema_extra=_shown("SQLite in the data dir"),
    )
    storage_url: str | None = Field(
        default=None,
        description="where raw content, documents and uploads are kept; "
        "`s3://bucket[/prefix]?endpoint_url=...&region=...` for any S3-compatible store "
        "(credentials from the usual AWS variables)",
        json_schema_extra=_shown("`file://<data dir>/blobs`"),
    )
    public_url: str | None = Field(
        default=None,
        description="the base URL clients reach (used in upload URLs)",
        json_schema_extra=_shown("`http://HOST:PORT`"),
    )
    host: str = Field(default="127.0.0.1", description="interface `contextd serve` binds")
    port: int = Field(default=8080, description="port `contextd serve` listens on")

    allow_private_urls: bool = Field(
        default=False,
        description="let URI sources and postbacks reach private, loopback and IPv6 link-local "
        "addresses (and plain-HTTP postbacks' hosts); never cloud metadata addresses, unless "
        "named in `CONTEXTD_ALLOWED_NETWORKS` (see below)",
    )
    allowed_networks: list[str] = Field(
        default_factory=list,
        description="JSON list of CIDRs reachable although private; a cloud metadata address "
        "is reachable only when an entry lies inside its range (e.g. `169.254.169.254/32`)",
    )
    blocked_networks: list[str] = Field(
        default_factory=list,
        description="JSON list of CIDRs refused always, even with `CONTEXTD_ALLOW_PRIVATE_URLS`",
    )
    ca_bundle: str | None = Field(
        default=None, description="extra CA file trusted for outbound HTTPS"
    )
    fetch_max_bytes: int = Field(
        default=20 * 1024 * 1024, description="largest page fetched for a URI source"
    )
    fetch_timeout_seconds: float = Field(default=20.0, description="timeout for fetching a page")

    max_request_bytes: int = Field(
        default=25 * 1024 * 1024, description="largest request body (413 past it)"
    )
    max_upload_bytes: int = Field(
        default=100 * 1024 * 1024, description="largest upload (413 past it)"
    )
    upload_url_ttl_seconds: int = Field(
        default=900, description="how long a signed upload URL stays valid"
    )

    rate_limit_per_minute: int = Field(default=100, description="API requests per user")
    rate_limit_storage_url: str = Field(
        default="memory://",
        description="where rate-limit counters live: `memory://`, or `redis://...` to share "
        "them between API processes",
    )

    embedded_worker: bool = Field(
        default=True,
        description="run jobs inside `contextd serve` (`serve --no-worker` turns it off)",
    )
    worker_process: bool = Field(
        default=True,
        description="`contextd serve` runs its embedded worker in a child process it starts, "
        "restarts and stops (same database and queue), so jobs never hold the API's "
        "interpreter lock; false: in threads of the server process (smaller, one process)",
    )
    worker_nice: int = Field(
        default=10,
        ge=0,
        le=19,
        description="how much lower the embedded worker's child process runs in the OS "
        "scheduler (`nice`) once it has loaded what a source needs and processed the first "
        "one queued (at most 10 s after it started), so request handling wins the cores "
        "while a job runs; on SQLite its write transactions stay at the server's priority (a "
        "thread of their own), so it is not preempted while holding the writer lock requests "
        "wait for",
    )
    job_engine: Literal["database", "procrastinate"] = Field(
        default="database",
        description="`database`: jobs in contextd's own table, run by contextd's threads "
        "(SQLite or PostgreSQL); `procrastinate`: jobs run by procrastinate (PostgreSQL only), "
        "for workers on many machines",
    )
    worker_concurrency: int = Field(
        default=1,
        description="jobs the embedded worker runs at once "
        "(`contextd worker --concurrency` for standalone workers)",
    )
    postback_concurrency: int = Field(
        default=2,
        description="postback deliveries run at once, apart from other jobs, so a long "
        "processing job never delays one (0: with the other jobs)",
    )
    embed_concurrency: int = Field(
        default=1,
        description="embedding jobs run at once, apart from processing, so vectors follow "
        "COMPLETED within seconds under a batch (0: with the other jobs, after processing)",
    )
    embed_inline: bool = Field(
        default=True,
        description="the processing job embeds what its source's chunks lack right after "
        "COMPLETED, so vectors never queue behind other sources' embedding (turn chunks "
        "included: the embedding lane waits while a source is processed)",
    )
    job_lease_seconds: float = Field(
        default=60.0,
        description="a running job's lease, renewed while it runs; another worker takes the job "
        "when it lapses (with procrastinate, the heartbeat timeout)",
    )
    job_poll_seconds: float = Field(
        default=0.25,
        description="how often an idle worker looks for jobs "
        "(procrastinate: at least 1 s, LISTEN/NOTIFY wakes it sooner)",
    )
    job_max_attempts: int = Field(default=3, description="attempts before a job fails for good")

    postback_max_attempts: int = Field(default=5, description="attempts to deliver a postback")
    postback_backoff_seconds: float = Field(
        default=2.0, description="first delay between postback attempts (then doubled)"
    )
    postback_timeout_seconds: float = Field(
        default=10.0, description="timeout of one postback request"
    )

    snapshot_ratio: float = Field(
        default=4.0,
        description="default compression of context snapshots (per source: "
        "`instructions.snapshot_ratio` or `snapshot_budget_tokens`)",
    )
    snapshot_engine: Literal["builtin", "llm"] = Field(
        default="builtin",
        description="`llm` to have an OpenAI-compatible model write snapshots (needs "
        "`CONTEXTD_LLM_URL` and `CONTEXTD_LLM_MODEL`; per source: "
        "`instructions.snapshot_engine`); falls back to the built-in engine, and says so, when "
        "the model fails",
    )
    llm_url: str | None = Field(
        default=None,
        description="the OpenAI-compatible endpoint of the LLM engine (API root, e.g. "
        "`http://127.0.0.1:11434/v1`); set with `CONTEXTD_LLM_MODEL`",
    )
    llm_model: str | None = Field(default=None, description="the LLM engine's model name")
    llm_api_key: str | None = Field(default=None, description="the LLM endpoint's API key")
    llm_timeout_seconds: float = Field(
        default=60.0, description="timeout of one LLM request phase (no retries)"
    )
    llm_context_tokens: int = Field(
        default=8192,
        gt=0,
        description="the LLM's context window in tokens (prompt and answer), as its server "
        "runs it (llama.cpp `-c`, Ollama `num_ctx`, vLLM `--max-model-len`); every request fits "
        "it, and a longer source is read in sections and merged (map-reduce)",
    )
    embedding_url: str | None = Field(
        default=None,
        description="an OpenAI-compatible embeddings endpoint (API root), set with "
        "`CONTEXTD_EMBEDDING_MODEL`; unset: the built-in all-MiniLM-L6-v2 (after changing "
        "the model, `contextd reindex`)",
    )
    embedding_model: str | None = Field(
        default=None, description="the embedding endpoint's model name"
    )
    embedding_dim: int = Field(
        default=BUILTIN_EMBEDDING_DIM,
        description="the embedding endpoint's vector size (the built-in model's is 384)",
    )
    embedding_api_key: str | None = Field(
        default=None, description="the embedding endpoint's API key"
    )
    embedding_runtime: Literal["onnx", "torch"] = Field(
        default="onnx",
        description="how the built-in model runs: `onnx` (exported from the installed model on "
        "first use; int8 for snapshot checks, float32 for search vectors) or `torch` "
        "(sentence-transformers, slower; also the fallback when ONNX cannot load)",
    )
    model_dir: Path | None = Field(
        default=None,
        description="where the built-in model's ONNX files are exported and kept",
        json_schema_extra=_shown("`<data dir>/models`"),
    )
    auto_migrate: bool = Field(
        default=True,
        description="apply the database migrations (and procrastinate's schema, when it is the "
        "job engine) whenever a server command (`serve`, `worker`, `keys`, `reindex`) starts; "
        "`contextd migrate` does it explicitly",
    )
    secret_key: str | None = Field(
        default=None,
        description="signs upload URLs; give every API process the same one",
        json_schema_extra=_shown("generated once, kept in the data dir"),
    )
    vector_backend: Literal["auto", "numpy", "pgvector"] = Field(
        default="auto",
        description="vector search: `auto` (pgvector when the database is PostgreSQL with the "
        "`vector` extension installed or installable, else the in-memory numpy scan), `numpy`, "
        "or `pgvector` (start-up fails, saying why, when the database cannot have it)",
    )
    rerank_url: str | None = Field(
        default=None,
        description="search's optional rerank step: an endpoint speaking the `/rerank` protocol "
        "of Cohere, Jina, vLLM and Infinity (API root, e.g. `http://127.0.0.1:8000/v1`; "
        "contextd POSTs to `{url}/rerank`), set with `CONTEXTD_RERANK_MODEL`; unset: no rerank",
    )
    rerank_model: str | None = Field(default=None, description="the rerank endpoint's model")
    rerank_api_key: str | None = Field(default=None, description="the rerank endpoint's API key")
    rerank_timeout_seconds: float = Field(
        default=10.0,
        description="past it (or on any error) search answers in fused order, with "
        "`rerank_error` saying why",
    )

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        """All cross-field problems at once, so one start-up attempt shows everything to fix."""
        problems = []
        if self.snapshot_engine == "llm" and not (self.llm_url and self.llm_model):
            missing = [env_name(f) for f in ("llm_url", "llm_model") if not getattr(self, f)]
            problems.append(
                f"CONTEXTD_SNAPSHOT_ENGINE=llm needs the model's endpoint: set {_and(missing)} "
                "(or CONTEXTD_SNAPSHOT_ENGINE=builtin)"
            )
        else:
            problems += self._endpoint_problems("llm", ("llm_api_key",))
        problems += self._endpoint_problems("embedding", ("embedding_dim", "embedding_api_key"))
        problems += self._endpoint_problems("rerank", ("rerank_api_key",))
        if self.job_engine == "procrastinate":
            backend = _backend(self.resolved_database_url)
            if backend != "postgresql":
                where = (
                    f"a {backend} URL" if self.database_url else "unset (SQLite in the data dir)"
                )
                problems.append(
                    "CONTEXTD_JOB_ENGINE=procrastinate needs PostgreSQL, but "
                    f"CONTEXTD_DATABASE_URL is {where}: set a postgresql+psycopg:// URL "
                    "(or CONTEXTD_JOB_ENGINE=database)"
                )
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _endpoint_problems(self, prefix: str, extras: tuple[str, ...]) -> list[str]:
        """An endpoint is a URL and a model, set together; its other settings need both."""
        url, model = f"{prefix}_url", f"{prefix}_model"
        has_url, has_model = bool(getattr(self, url)), bool(getattr(self, model))
        if has_url != has_model:
            given, missing = (url, model) if has_url else (model, url)
            return [f"{env_name(given)} is set without {env_name(missing)}: set both, or neither"]
        stray = [env_name(f) for f in extras if f in self.model_fields_set]
        if stray and not has_url:
            return [
                f"{_and(stray)} only {'apply' if len(stray) > 1 else 'applies'} with "
                f"{env_name(url)} and {env_name(model)}: set those, or unset {_and(stray)}"
            ]
        return []

    @property
    def llm_endpoint(self) -> LLMEndpoint | None:
        """The LLM engine's model, when one is configured (any source may then ask for it)."""
        if self.llm_url and self.llm_model:
            return LLMEndpoint(
                self.llm_url,
                self.llm_model,
                self.llm_api_key,
                self.llm_timeout_seconds,
                self.llm_context_tokens,
            )
        return None

    @property
    def embedding_endpoint(self) -> EmbeddingEndpoint | None:
        """The remote embedding model, or None for the built-in one."""
        if self.embedding_url and self.embedding_model:
            return EmbeddingEndpoint(
                self.embedding_url,
                self.embedding_model,
                self.embedding_dim,
                self.embedding_api_key,
            )
        return None

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'contextd.db').resolve()}"

    @property
    def resolved_model_dir(self) -> Path:
        return self.model_dir or self.data_dir / "models"

    @property
    def resolved_storage_url(self) -> str:
        if self.storage_url:
            return self.storage_url
        return (self.data_dir / "blobs").resolve().as_uri()

    @property
    def base_url(self) -> str:
        return (self.public_url or f"http://{self.host}:{self.port}").rstrip("/")

    def resolved_secret_key(self) -> str:
        """The signing secret: configured, or created once under the data dir and reused."""
        if self.secret_key:
            return self.secret_key
        import secrets

        path = self.data_dir / "secret.key"
        if path.exists():
            return path.read_text().strip()
        self.data_dir.mkdir(parents=True, exist_ok=True)
        key = secrets.token_urlsafe(32)
        path.write_text(key)
        path.chmod(0o600)
        return key


def load_settings() -> Settings:
    """Settings from the environment, or a `SettingsError` a person can act on."""
    try:
        return Settings()
    except ValidationError as exc:
        raise SettingsError(describe(exc)) from None


def describe(error: ValidationError) -> str:
    """One paragraph naming each offending variable, without pydantic's internals."""
    parts = []
    for item in error.errors():
        ctx = item.get("ctx") or {}
        cause = ctx.get("error")
        if not item["loc"] and isinstance(cause, ValueError):
            parts.append(str(cause))
            continue
        name = env_name(str(item["loc"][0])) if item["loc"] else "the configuration"
        value = item.get("input")
        shown = "" if isinstance(value, dict) else f" (got {value!r})"
        parts.append(f"{name}: {item['msg']}{shown}")
    return (
        "contextd cannot start: the configuration is not valid. "
        + "; ".join(parts)
        + ". Change these CONTEXTD_* environment variables and start again."
    )


def _backend(url: str) -> str:
    try:
        return make_url(url).get_backend_name()
    except ArgumentError:
        return "unparsable"


def _and(names: list[str]) -> str:
    return " and ".join(names) if len(names) < 3 else ", ".join(names[:-1]) + " and " + names[-1]
