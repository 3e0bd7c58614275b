"""The cross-field rules of `Settings`: a configuration that cannot work fails when it is built,
with a message naming the `CONTEXTD_*` variables, instead of falling back silently later."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from contextd.config import EmbeddingEndpoint, LLMEndpoint, Settings, SettingsError, load_settings

PG_URL = "postgresql+psycopg://contextd@db.invalid/contextd"


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Only what a test sets: the developer's own CONTEXTD_* variables must not leak in."""
    for name in list(os.environ):
        if name.startswith("CONTEXTD_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CONTEXTD_DATA_DIR", str(tmp_path / "data"))


def problem(**values: Any) -> str:
    with pytest.raises(ValidationError) as caught:
        Settings(**values)
    return str(caught.value)


def test_the_defaults_are_valid_and_use_the_built_in_models() -> None:
    settings = Settings()
    assert settings.snapshot_engine == "builtin"
    assert settings.llm_endpoint is None
    assert settings.embedding_endpoint is None


def test_the_llm_engine_needs_its_url_and_model() -> None:
    message = problem(snapshot_engine="llm")
    assert "CONTEXTD_SNAPSHOT_ENGINE=llm" in message
    assert "CONTEXTD_LLM_URL and CONTEXTD_LLM_MODEL" in message

    message = problem(snapshot_engine="llm", llm_url="http://127.0.0.1:11434/v1")
    assert "set CONTEXTD_LLM_MODEL" in message
    assert "set CONTEXTD_LLM_URL" not in message


def test_the_llm_engine_with_its_endpoint_is_valid() -> None:
    settings = Settings(
        snapshot_engine="llm", llm_url="http://m/v1", llm_model="m", llm_timeout_seconds=5
    )
    assert settings.llm_endpoint == LLMEndpoint("http://m/v1", "m", None, 5.0, 8192)


def test_an_llm_endpoint_without_the_engine_is_kept_for_sources_that_ask() -> None:
    settings = Settings(llm_url="http://m/v1", llm_model="m", llm_api_key="k")
    assert settings.snapshot_engine == "builtin"
    assert settings.llm_endpoint == LLMEndpoint("http://m/v1", "m", "k", 60.0, 8192)


def test_a_half_set_llm_endpoint_is_refused() -> None:
    assert "CONTEXTD_LLM_MODEL is set without CONTEXTD_LLM_URL" in problem(llm_model="m")
    assert "CONTEXTD_LLM_API_KEY only applies with" in problem(llm_api_key="k")


def test_the_snapshot_engine_is_builtin_or_llm() -> None:
    with pytest.raises(ValidationError, match="'builtin' or 'llm'"):
        Settings(snapshot_engine="gpt")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ({"embedding_url": "http://e/v1"}, "CONTEXTD_EMBEDDING_URL is set without "),
        ({"embedding_model": "e"}, "CONTEXTD_EMBEDDING_MODEL is set without "),
        ({"embedding_dim": 768}, "CONTEXTD_EMBEDDING_DIM only applies with"),
        ({"embedding_api_key": "k"}, "CONTEXTD_EMBEDDING_API_KEY only applies with"),
        ({"rerank_url": "http://r/v1"}, "CONTEXTD_RERANK_URL is set without "),
        ({"rerank_api_key": "k"}, "CONTEXTD_RERANK_API_KEY only applies with"),
    ],
)
def test_a_half_set_endpoint_is_refused(values: dict[str, Any], expected: str) -> None:
    assert expected in problem(**values)


def test_a_whole_embedding_endpoint_is_one_value() -> None:
    settings = Settings(
        embedding_url="http://e/v1", embedding_model="e5", embedding_dim=768, embedding_api_key="k"
    )
    assert settings.embedding_endpoint == EmbeddingEndpoint("http://e/v1", "e5", 768, "k")


@pytest.mark.parametrize(
    ("database_url", "described"),
    [(None, "unset (SQLite in the data dir)"), ("sqlite:///x.db", "a sqlite URL")],
)
def test_procrastinate_needs_postgresql(database_url: str | None, described: str) -> None:
    message = problem(job_engine="procrastinate", database_url=database_url)
    expected = "CONTEXTD_JOB_ENGINE=procrastinate needs PostgreSQL, but CONTEXTD_DATABASE_URL is "
    assert expected + described in message


def test_procrastinate_on_postgresql_is_valid_without_connecting() -> None:
    assert Settings(job_engine="procrastinate", database_url=PG_URL).job_engine == "procrastinate"


def test_every_problem_is_reported_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTEXTD_SNAPSHOT_ENGINE", "llm")
    monkeypatch.setenv("CONTEXTD_EMBEDDING_MODEL", "e5")
    monkeypatch.setenv("CONTEXTD_JOB_ENGINE", "procrastinate")
    with pytest.raises(SettingsError) as caught:
        load_settings()
    message = str(caught.value)
    assert message.startswith("contextd cannot start: the configuration is not valid. ")
    for name in ("CONTEXTD_SNAPSHOT_ENGINE", "CONTEXTD_EMBEDDING_MODEL", "CONTEXTD_JOB_ENGINE"):
        assert name in message
    assert "\n" not in message and "pydantic" not in message


def test_a_bad_value_is_named_by_its_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CONTEXTD_PORT", "eighty")
    with pytest.raises(SettingsError, match=r"CONTEXTD_PORT: Input should be a valid integer"):
        load_settings()
