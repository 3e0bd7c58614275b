"""Shared fixtures: a real contextd server (uvicorn on loopback) per database backend.

The API suite runs once per backend: SQLite (the embedded default) and PostgreSQL (a fresh
database on the local server). Modules marked `all_engines` (the ones about processing and the
job lifecycle) run a third time on PostgreSQL with procrastinate as the job engine, the
scale-out configuration. Each test gets its own user and API key, so tests are isolated by
ownership exactly as real users are. The plain helpers these fixtures build on are in
`tests/support/` (and `contextd.testing`); test modules import them from there.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from typing import Any

import pytest

from contextd.api.app import create_app
from contextd.runtime import Runtime
from contextd.testing import ThreadedServer, scratch_database
from tests.support.pages import PageServer
from tests.support.service import Client, Service
from tests.support.settings import BACKENDS, MODEL_DIR_ENV, PG_ADMIN_URL, make_settings


def pytest_configure(config: pytest.Config) -> None:
    """One directory for the built-in model's ONNX files, kept in pytest's cache: exported once
    per checkout rather than once per service's data dir. Child processes inherit it."""
    if config.cache is not None:
        os.environ.setdefault(MODEL_DIR_ENV, str(config.cache.mkdir("contextd-models")))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    """`--dist loadfile` with the expensive files first (see tests/support/schedule.py)."""
    if config.getvalue("dist") != "loadfile":
        return None
    from tests.support.schedule import HeavyFirstFileScheduling

    return HeavyFirstFileScheduling(config, log)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "backend" not in metafunc.fixturenames:
        return
    backends = list(BACKENDS)
    if metafunc.definition.get_closest_marker("all_engines") and "postgresql" in BACKENDS:
        backends.append("procrastinate")
    metafunc.parametrize("backend", backends, indirect=True, scope="session")


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> str:
    """sqlite, postgresql, or procrastinate (PostgreSQL with procrastinate running the jobs)."""
    return str(request.param)


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A private CA the service trusts (as an operator would set CONTEXTD_CA_BUNDLE), so tests
    can run real HTTPS receivers on loopback."""
    import trustme

    ca = trustme.CA()
    path = tmp_path_factory.mktemp("tls") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    ca.bundle_path = path  # type: ignore[attr-defined]  # travels with the CA to `service`
    return ca


class Backends:
    """Each backend's database and server, made on first use and kept until the session ends.

    `backend` is a session-scoped parameter, and pytest keeps one instance of a parametrized
    session fixture at a time: a worker given a file's SQLite tests, then its PostgreSQL ones,
    then the next file's SQLite ones, used to tear the server down and migrate a fresh database
    at every switch. Here a switch is a lookup; `database_url` and `service` only choose.

    The PostgreSQL-backed servers (postgresql, procrastinate) are the exception: one of them at a
    time per worker, as before, since each holds its pools of connections to a server that other
    sessions share (`max_connections`); the database itself is kept, already migrated."""

    def __init__(self, factory: pytest.TempPathFactory, tls: Any) -> None:
        self._factory = factory
        self._tls = tls
        self._stack = ExitStack()
        self._urls: dict[str, str] = {}
        self._services: dict[str, tuple[Service, ExitStack]] = {}

    def database_url(self, backend: str) -> str:
        if backend not in self._urls:
            if backend == "sqlite":
                path = self._factory.mktemp("sqlite") / "contextd.db"
                self._urls[backend] = f"sqlite:///{path}"
            else:
                self._urls[backend] = self._stack.enter_context(
                    scratch_database(PG_ADMIN_URL, "contextd_test")
                )
        return self._urls[backend]

    def service(self, backend: str) -> Service:
        if backend not in self._services:
            if backend != "sqlite":
                for other in [b for b in self._services if b != "sqlite"]:
                    self._services.pop(other)[1].close()
            self.database_url(backend)  # made outside the server's stack: it outlives the server
            stack = ExitStack()
            self._services[backend] = (stack.enter_context(self._serve(backend)), stack)
        return self._services[backend][0]

    @contextmanager
    def _serve(self, backend: str) -> Iterator[Service]:
        settings = make_settings(
            self._factory.mktemp("data"),
            self.database_url(backend),
            ca_bundle=str(self._tls.bundle_path),
            job_engine="procrastinate" if backend == "procrastinate" else "database",
        )
        runtime = Runtime.build(settings)
        app = create_app(runtime)
        try:
            with ThreadedServer(app) as server:
                runtime.settings = runtime.settings.model_copy(update={"public_url": server.url})
                yield Service(runtime, server.url)
        finally:
            runtime.close()

    def close(self) -> None:
        for _service, stack in self._services.values():
            stack.close()
        self._stack.close()  # then the databases


@pytest.fixture(scope="session")
def backends(tmp_path_factory: pytest.TempPathFactory, tls: Any) -> Iterator[Backends]:
    made = Backends(tmp_path_factory, tls)
    yield made
    made.close()


@pytest.fixture(scope="session")
def database_url(backend: str, backends: Backends) -> str:
    return backends.database_url(backend)


@pytest.fixture(scope="session")
def service(backend: str, backends: Backends) -> Service:
    return backends.service(backend)


@pytest.fixture
def client(service: Service) -> Iterator[Client]:
    with service.client("alice") as c:
        yield c


@pytest.fixture
def other_client(service: Service) -> Iterator[Client]:
    with service.client("mallory") as c:
        yield c


@pytest.fixture(scope="session")
def pages() -> Iterator[PageServer]:
    server = PageServer()
    yield server
    server.close()
