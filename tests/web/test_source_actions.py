"""The dashboard's source actions (pin, rename, cancel, refresh, reprocess, delete, restore) and
paging, end to end in headless Chromium against a real server."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import pytest

if not os.environ.get("CI"):  # in CI a missing Playwright fails the run instead
    pytest.importorskip(
        "playwright", reason="Python Playwright is not installed: pip install -e '.[dev]'"
    )

from playwright.sync_api import Page, expect

from tests.support.browser import sign_in
from tests.support.pages import PageServer
from tests.support.service import Client

CHAT = "User: How do I restart the worker?\n\nAssistant: Run `make restart-worker`.\n"


def content_source(api: Client, space_id: str, name: str, wait: bool = True) -> dict[str, Any]:
    source = api.source(
        space_id, {"type": "CONTENT", "name": name, "initial_data": {"data": f"{CHAT}{name}"}}
    )
    return api.wait(source["id"]) if wait else source


def actions(page: Page) -> Any:
    return page.get_by_role("group", name="Source actions")


def action_names(page: Page) -> list[str]:
    return [b.strip() for b in actions(page).get_by_role("button").all_inner_texts()]


def test_pin_rename_delete_and_restore(page: Page, api: Client, shots: Path) -> None:
    space = api.space("Actions")
    source = content_source(api, space["id"], "Restart notes")
    content_source(api, space["id"], "Newer notes")
    sign_in(page, api.key)
    page.goto(f"/#/sources/{source['id']}")
    expect(page.get_by_role("heading", name="Restart notes", level=1)).to_be_visible()
    expect(page.locator("dl.facts .badge")).to_have_text("COMPLETED")
    # Only the actions valid for a COMPLETED pasted-text source.
    assert action_names(page) == ["Pin", "Rename", "Reprocess", "Delete"]
    expect(page.locator("pre.snapshot")).to_be_visible()
    page.screenshot(path=shots / "6-source-actions.png")

    # Pin: the button turns into Unpin and keeps the focus; the table marks the source.
    actions(page).get_by_role("button", name="Pin", exact=True).click()
    unpin = actions(page).get_by_role("button", name="Unpin", exact=True)
    expect(unpin).to_be_focused()
    expect(page.locator("#announcer")).to_have_text("Pinned.")
    expect(page.locator("dl.facts")).to_contain_text("Pinned")
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Actions").click()
    rows = page.locator("#sources tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Restart notes")  # pinned first
    expect(rows.first.locator(".pin")).to_have_text("Pinned")
    expect(rows.nth(1).locator(".pin")).to_have_count(0)
    page.screenshot(path=shots / "6-space-pinned.png")

    # Unpin.
    rows.first.get_by_role("link", name="Restart notes").click()
    actions(page).get_by_role("button", name="Unpin", exact=True).click()
    expect(actions(page).get_by_role("button", name="Pin", exact=True)).to_be_focused()
    assert api.get(f"/v1/sources/{source['id']}").json()["pinned"] is False

    # Rename in place; Escape would put the buttons back.
    actions(page).get_by_role("button", name="Rename", exact=True).click()
    name = page.get_by_label("New name")
    expect(name).to_be_focused()
    name.fill("Worker restart")
    name.press("Enter")
    expect(page.get_by_role("heading", name="Worker restart", level=1)).to_be_visible()
    expect(actions(page).get_by_role("button", name="Rename", exact=True)).to_be_focused()
    assert api.get(f"/v1/sources/{source['id']}").json()["name"] == "Worker restart"

    # Delete asks first; Escape takes it back; Enter on "Confirm delete" deletes.
    actions(page).get_by_role("button", name="Delete", exact=True).click()
    confirm = actions(page).get_by_role("button", name="Confirm delete", exact=True)
    expect(confirm).to_be_focused()
    page.keyboard.press("Escape")
    expect(actions(page).get_by_role("button", name="Delete", exact=True)).to_be_focused()
    assert api.get(f"/v1/sources/{source['id']}").json()["deleted"] is False
    actions(page).get_by_role("button", name="Delete", exact=True).click()
    expect(confirm).to_be_focused()
    page.keyboard.press("Enter")
    restore = actions(page).get_by_role("button", name="Restore", exact=True)
    expect(restore).to_be_focused()
    expect(page.locator("#deleted-notice")).to_contain_text("Deleted")
    assert action_names(page) == ["Restore"]
    assert api.get(f"/v1/sources/{source['id']}").json()["deleted"] is True

    # The space lists it among its deleted sources only; restore it from there.
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Actions").click()
    expect(page.get_by_role("heading", name="Deleted sources")).to_be_visible()
    page.get_by_role("link", name="Worker restart").click()
    actions(page).get_by_role("button", name="Restore", exact=True).click()
    expect(page.locator("#deleted-notice")).to_have_count(0)
    expect(actions(page).get_by_role("button", name="Delete", exact=True)).to_be_visible()
    assert api.get(f"/v1/sources/{source['id']}").json()["deleted"] is False
    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Actions").click()
    expect(page.locator("#sources tbody tr")).to_have_count(2)


def test_reprocess_goes_back_through_processing_live(page: Page, api: Client) -> None:
    space = api.space("Reprocess")
    source = content_source(api, space["id"], "Reprocess me")
    sign_in(page, api.key)
    page.goto(f"/#/sources/{source['id']}")
    badge = page.locator("dl.facts .badge")
    expect(badge).to_have_text("COMPLETED")
    page.evaluate("window.__sameDocument = true")
    actions(page).get_by_role("button", name="Reprocess", exact=True).click()
    expect(badge).to_have_text(re.compile("PENDING|PROCESSING"))
    expect(
        actions(page).get_by_role("button", name="Cancel processing", exact=True)
    ).to_be_visible()
    expect(page.locator("#announcer")).to_have_text("Reprocessing started.")
    expect(badge).to_have_text("COMPLETED", timeout=30_000)
    expect(page.locator("dl.facts")).to_contain_text(f"Revision{source['revision'] + 1}")
    expect(actions(page).get_by_role("button", name="Reprocess", exact=True)).to_be_visible()
    assert page.evaluate("window.__sameDocument") is True


def test_cancel_a_slow_page_then_refresh_it(page: Page, api: Client, pages: PageServer) -> None:
    url = pages.add(
        "/slow-cancel.html",
        "<html><head><title>Runbook</title></head><body><main><h1>Runbook</h1>"
        "<p>Restart the queue with the command below.</p></main></body></html>",
        delay=4,
    )
    space = api.space("Cancel")
    source = api.source(space["id"], {"type": "URI", "initial_data": {"url": url}})
    sign_in(page, api.key)
    page.goto(f"/#/sources/{source['id']}")
    badge = page.locator("dl.facts .badge")
    expect(badge).to_have_text(re.compile("CREATED|PENDING|PROCESSING"))
    assert "Refresh" not in action_names(page)
    actions(page).get_by_role("button", name="Cancel processing", exact=True).click()
    expect(badge).to_have_text("CANCELED")
    expect(page.locator("dl.facts")).to_contain_text("canceled by user")
    # A canceled web page can be refreshed, not reprocessed; Cancel is gone.
    assert action_names(page) == ["Pin", "Rename", "Refresh", "Delete"]
    expect(actions(page).get_by_role("button", name="Pin", exact=True)).to_be_focused()

    pages.delays["/slow-cancel.html"] = 0
    actions(page).get_by_role("button", name="Refresh", exact=True).click()
    expect(badge).to_have_text(re.compile("PENDING|PROCESSING|COMPLETED"))
    expect(badge).to_have_text("COMPLETED", timeout=30_000)
    expect(page.get_by_role("heading", name="Runbook", level=1)).to_be_visible()


def test_an_action_refused_by_the_api_shows_its_error(page: Page, api: Client) -> None:
    """The page is stale (deleted elsewhere): Reprocess answers 409, shown with its request id,
    and the view catches up with the source's real state."""
    space = api.space("Stale")
    source = content_source(api, space["id"], "Stale source")
    sign_in(page, api.key)
    page.goto(f"/#/sources/{source['id']}")
    expect(actions(page).get_by_role("button", name="Reprocess", exact=True)).to_be_visible()
    assert api.delete(f"/v1/sources/{source['id']}").status_code == 200
    actions(page).get_by_role("button", name="Reprocess", exact=True).click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Conflict")
    expect(alert).to_contain_text(re.compile(r"Request id: req_\w+"))
    expect(page.locator("#deleted-notice")).to_be_visible()
    assert action_names(page) == ["Restore"]
    expect(alert).to_be_visible()  # the redraw kept the error


def test_lists_page_through_the_api(page: Page, api: Client) -> None:
    space = api.space("Paged space")
    api.space("Second space")
    api.space("Third space")
    for i in range(1, 6):
        content_source(api, space["id"], f"Note {i}", wait=False)
    list_requests: list[str] = []
    page.on(
        "request",
        lambda r: (
            list_requests.append(r.url) if re.search(r"/v1/spaces/[^/]+/sources", r.url) else None
        ),
    )
    sign_in(page, api.key)

    # Spaces, two a page.
    page.goto("/#/?per_page=2")
    cards = page.locator("#space-list > li")
    expect(cards).to_have_count(2)
    pager = page.get_by_role("navigation", name="Pages of spaces")
    expect(pager).to_contain_text("Page 1 of 2 · 3 spaces")
    first = cards.locator("h2").all_inner_texts()
    pager.get_by_role("link", name="Next page").click()
    expect(cards).to_have_count(1)
    expect(pager).to_contain_text("Page 2 of 2")
    seen = sorted(first + cards.locator("h2").all_inner_texts())
    assert seen == ["Paged space", "Second space", "Third space"], seen
    expect(pager.get_by_role("link", name="Next page")).to_have_count(0)
    pager.get_by_role("link", name="Previous page").click()
    expect(cards).to_have_count(2)

    # Sources, two a page, newest first; each page is polled on its own while it has work.
    page.goto(f"/#/spaces/{space['id']}?per_page=2")
    rows = page.locator("#sources tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.first).to_contain_text("Note 5")
    pager = page.get_by_role("navigation", name="Pages of sources")
    expect(pager).to_contain_text("Page 1 of 3 · 5 sources")
    pager.get_by_role("link", name="Next page").click()
    expect(pager).to_contain_text("Page 2 of 3")
    expect(rows.first).to_contain_text("Note 3")
    pager.get_by_role("link", name="Next page").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Note 1")
    expect(rows.first.locator(".badge")).to_have_text("COMPLETED", timeout=30_000)
    expect(pager.get_by_role("link", name="Next page")).to_have_count(0)
    pager.get_by_role("link", name="Previous page").click()
    expect(rows.first).to_contain_text("Note 3")
    assert list_requests and all("per_page=2" in url for url in list_requests), list_requests
