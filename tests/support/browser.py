"""Steps shared by the dashboard's browser tests (Playwright is imported only by them)."""

from __future__ import annotations

from playwright.sync_api import Page, expect


def sign_in(page: Page, key: str) -> None:
    page.goto("/")
    page.get_by_label("API key").fill(key)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Spaces", level=1)).to_be_visible()
