"""Runtime configuration, read from `CONTEXTD_*` environment variables.

One settings object is built at start-up and passed down explicitly; nothing reads the
environment afterwards, so tests can run several differently configured services side by side.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="CONTEXTD_", extra="ignore")

    data_dir: Path = Path("./.contextd")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default SQLite in the data dir"
    )
    storage_url: str | None = Field(
        default=None, description="file:///path (default: <data_dir>/blobs)"
    )
    public_url: str | None = Field(
        default=None,
        description="Base URL clients reach this service at; used in upload URLs",
    )
    host: str = "127.0.0.1"
    port: int = 8080

    allow_private_urls: bool = False
    allowed_networks: list[str] = Field(
        default_factory=list, description="CIDRs reachable although not public (JSON list)"
    )
    blocked_networks: list[str] = Field(
        default_factory=list, description="CIDRs refused even with allow_private_urls"
    )
    ca_bundle: str | None = None
    fetch_max_bytes: int = 20 * 1024 * 1024
    fetch_timeout_seconds: float = 20.0

    max_request_bytes: int = 25 * 1024 * 1024
    max_upload_bytes: int = 100 * 1024 * 1024
    upload_url_ttl_seconds: int = 900

    rate_limit_per_minute: int = 100
    rate_limit_storage_url: str = "memory://"

    embedded_worker: bool = True
    # "database": jobs in our own table, run by contextd's threads (works on SQLite too);
    # "procrastinate": jobs in procrastinate's tables (PostgreSQL only), for many machines.
    job_engine: Literal["database", "procrastinate"] = "database"
    worker_concurrency: int = 1
    job_lease_seconds: float = 60.0
    job_poll_seconds: float = 0.25
    job_max_attempts: int = 3

    postback_max_attempts: int = 5
    postback_backoff_seconds: float = 2.0
    postback_timeout_seconds: float = 10.0

    snapshot_ratio: float = 4.0
    snapshot_engine: str = Field(
        default="builtin", description="builtin, or llm (needs llm_url and llm_model)"
    )
    llm_url: str | None = Field(default=None, description="OpenAI-compatible API root, e.g. .../v1")
    llm_model: str | None = None
    llm_api_key: str | None = None
    llm_timeout_seconds: float = 60.0
    embedding_url: str | None = Field(
        default=None, description="OpenAI-compatible embeddings API root; default: built-in model"
    )
    embedding_model: str | None = None
    embedding_dim: int = 384
    embedding_api_key: str | None = None
    auto_migrate: bool = True
    secret_key: str | None = Field(
        default=None,
        description="Signs upload URLs; generated once and kept in the data dir when unset",
    )
    vector_backend: Literal["auto", "numpy", "pgvector"] = Field(
        default="auto",
        description="Vector search: auto (pgvector on PostgreSQL when the extension is there, "
        "else numpy), numpy (in-memory scan), or pgvector (fail at start-up without it)",
    )
    rerank_url: str | None = Field(
        default=None,
        description="API root of a rerank endpoint (POST {url}/rerank, the Cohere/Jina/vLLM "
        "protocol), e.g. http://127.0.0.1:8000/v1; unset: no rerank step",
    )
    rerank_model: str | None = None
    rerank_api_key: str | None = None
    rerank_timeout_seconds: float = 10.0

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'contextd.db').resolve()}"

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
