"""Fixtures for the dashboard's browser tests: one server (SQLite) and headless Chromium.

The browser is the system's Chromium (Debian's `chromium` package), driven by Python
Playwright; Playwright's own browser download is never used. Without Chromium the tests skip,
except in CI (`CI` set), where they fail: CI must run them.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from contextd.api.app import create_app
from contextd.runtime import Runtime
from contextd.testing import ThreadedServer
from tests.support.service import Client, Service
from tests.support.settings import make_settings

CHROMIUM = os.environ.get("CONTEXTD_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = Path(
    os.environ.get("CONTEXTD_SCREENSHOTS") or REPO / "tests" / "artifacts" / "screenshots"
)


def _unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"{reason}: CI must run the dashboard's browser tests", pytrace=False)
    pytest.skip(reason)


@pytest.fixture(scope="session")
def web_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """A server of its own on SQLite: the dashboard is the same on every backend."""
    data = tmp_path_factory.mktemp("web")
    settings = make_settings(data, f"sqlite:///{data / 'contextd.db'}")
    runtime = Runtime.build(settings)
    with ThreadedServer(create_app(runtime)) as server:
        runtime.settings = runtime.settings.model_copy(update={"public_url": server.url})
        yield Service(runtime, server.url)
    runtime.close()


@pytest.fixture
def api(web_service: Service) -> Iterator[Client]:
    """A fresh user, as an API client; `api.key` is the key to sign in with."""
    with web_service.client("web-user") as client:
        yield client


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Per module: Playwright's sync API keeps an event loop running in this thread while it is
    started, which would break `asyncio.run` in whatever test a worker runs next (the suite
    runs in parallel, `pytest -n`)."""
    if not Path(CHROMIUM).exists():
        _unavailable(f"Chromium not found at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("Python Playwright is not installed (pip install -e '.[dev]')")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser: Any, web_service: Service) -> Iterator[Any]:
    """A new browser context per test (its own sessionStorage), allowed to use the clipboard.
    Errors in the page's scripts fail the test."""
    context = browser.new_context(
        base_url=web_service.url, viewport={"width": 1280, "height": 860}, color_scheme="light"
    )
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=web_service.url)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    # Console errors too (a CSP violation is one), except the browser's own note of an HTTP
    # error status, which tests of error handling cause on purpose.
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and "Failed to load resource" not in msg.text
            else None
        ),
    )
    yield page
    context.close()
    assert not errors, f"errors in the page: {errors}"


@pytest.fixture(scope="session")
def shots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS
