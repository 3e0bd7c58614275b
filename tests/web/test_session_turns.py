"""The dashboard's views of a coding-agent session, end to end in headless Chromium against a real
server: the turns with their tool calls collapsed under them, the files the agent wrote linking
to their artifacts, the snapshot's citations linking to the turns, thinking on request, and all
of it by keyboard. The session is the real Claude Code fixture, posted as pasted content."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

if not os.environ.get("CI"):  # in CI a missing Playwright fails the run instead
    pytest.importorskip(
        "playwright", reason="Python Playwright is not installed: pip install -e '.[dev]'"
    )

from playwright.sync_api import Locator, Page, expect

from tests.support.agent_sessions import fixture_bytes
from tests.support.browser import sign_in
from tests.support.service import Client
from tests.support.session_trees import revised_file_session

BASH_ERROR = (
    "Exit code 1\nImportError while importing test module '/home/dev/calc/test_calc.py'.\n"
    "E   ModuleNotFoundError: No module named 'calc'"
)
THINKING = "The user wants divide() in calc.py; I should read it first, then add tests."


@pytest.fixture(scope="module")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("session-screenshots")


@pytest.fixture
def shots(screenshot_dir: Path, capsys: pytest.CaptureFixture[str]) -> Iterator[Path]:
    """Where the screenshots go (under pytest's temporary directory), printed past capture."""
    yield screenshot_dir
    with capsys.disabled():
        print(f"\nscreenshots: {screenshot_dir}")


def session_source(api: Client) -> dict[str, Any]:
    space = api.space("Sessions")
    body = fixture_bytes("claude_code", "agent_session.jsonl").decode()
    source = api.source(
        space["id"], {"type": "CONTENT", "name": "calc session", "initial_data": {"data": body}}
    )
    done = api.wait(source["id"])
    assert done["status"] == "COMPLETED", done["message"]
    assert done["format"] == "claude-code"
    return done


def turn(page: Page, index: int) -> Locator:
    return page.locator(f"#turn-{index}")


def tool_call(page: Page, index: int, name: str) -> Locator:
    return turn(page, index).locator(f"details.tool-call[data-tool='{name}']")


def open_turns(page: Page, api: Client, source: dict[str, Any]) -> None:
    sign_in(page, api.key)
    page.goto(f"/#/sources/{source['id']}")
    page.get_by_role("link", name="View 10 turns").click()
    expect(page.get_by_role("heading", name="Turns of calc session", level=1)).to_be_visible()


def test_turns_show_tool_calls_collapsed_and_the_files_written(
    page: Page, api: Client, shots: Path
) -> None:
    source = session_source(api)
    open_turns(page, api, source)

    # The session's facts and the files it wrote, one line per file with its version count.
    head = page.locator("#session-head")
    for fact in ("claude-code", "claude-sonnet-4-5-20250929", "/home/dev/calc", "main"):
        expect(head).to_contain_text(fact)
    files = page.locator("#files-written li")
    expect(files).to_have_count(2)
    expect(files.nth(0)).to_have_text("calc.py 1 version")
    expect(files.nth(1)).to_have_text("test_calc.py 1 version")

    # Every turn, in order; the tool calls under their turn, all collapsed.
    expect(page.locator("li.turn")).to_have_count(10)
    expect(turn(page, 0)).to_contain_text("Add a divide function to calc.py")
    expect(turn(page, 0).locator(".speaker")).to_have_text("User")
    calls = page.locator("details.tool-call")
    expect(calls).to_have_count(7)
    assert page.locator("details.tool-call[open]").count() == 0
    bash = tool_call(page, 4, "Bash")
    expect(bash.locator("summary")).to_have_text(re.compile(r"Bash\s+pytest -q\s+error"))
    expect(bash.locator(".tool-body")).to_be_hidden()
    page.screenshot(path=shots / "turns-collapsed.png", full_page=True)

    # Opened, the failing command shows its error verbatim, and its exit status.
    bash.locator("summary").click()
    expect(bash.locator("pre.tool-error-text")).to_have_text(BASH_ERROR)
    expect(bash.locator("li.command")).to_have_text(re.compile(r"Ran pytest -q\s*exit 1"))
    # A long output is cut, and says by how much.
    read = tool_call(page, 1, "Read")
    read.locator("summary").click()
    calls = api.get(f"/v1/sources/{source['id']}/turns").json()["turns"][1]["toolCalls"]
    [stored] = [c for c in calls if c["name"] == "Read"]
    assert stored["outputCut"] > 0
    expect(read).to_contain_text(f"{stored['outputCut']} more characters not shown")
    bash.scroll_into_view_if_needed()
    page.screenshot(path=shots / "turns-bash-error.png")

    # The edited file links to the artifact version that edit made.
    edit = tool_call(page, 2, "Edit")
    edit.locator("summary").click()
    expect(edit).to_contain_text("Edited calc.py (32 → 135 characters)")
    edit.get_by_role("link", name="calc.py").click()
    expect(page.get_by_role("heading", name="calc.py", level=1)).to_be_visible()
    facts = page.locator("#artifact-facts")
    expect(facts).to_contain_text("Version1 of 1 (current)")
    expect(facts).to_contain_text("The edit only, as a diff")
    expect(page.locator("pre.code")).to_contain_text("def divide(a, b):")
    page.screenshot(path=shots / "artifact-calc.png", full_page=True)

    # Its turn links back to the turn that made it.
    facts.get_by_role("link", name="t2", exact=True).click()
    expect(turn(page, 2)).to_be_focused()

    # A file in "Files written" opens its artifact.
    page.locator("#files-written").get_by_role("link", name="test_calc.py").click()
    expect(page.get_by_role("heading", name="test_calc.py", level=1)).to_be_visible()
    expect(page.locator("pre.code")).to_contain_text("divide")


def test_each_file_link_opens_the_version_its_call_made(page: Page, api: Client) -> None:
    space = api.space("Revisions")
    body = {
        "type": "CONTENT",
        "name": "revisions",
        "initial_data": {"data": revised_file_session()},
    }
    source = api.wait(api.source(space["id"], body)["id"])
    assert source["status"] == "COMPLETED", source["message"]
    sign_in(page, api.key)
    page.goto(f"/#/sources/{source['id']}/turns")
    expect(page.locator("#files-written li")).to_have_text(["app.py 2 versions"])

    # The Write in turn 1 made version 1, since superseded by the Edit in turn 2.
    write = tool_call(page, 1, "Write")
    write.locator("summary").click()
    write.get_by_role("link", name="app.py").click()
    expect(page.get_by_role("heading", name="app.py", level=1)).to_be_visible()
    expect(page.locator("#artifact-facts")).to_contain_text("Version1 of 2 (superseded)")
    expect(page.locator("pre.code")).to_have_text("print('hello')\n")
    versions = page.get_by_role("navigation", name="Versions")
    expect(versions.get_by_role("link", name="Version 1", exact=True)).to_have_attribute(
        "aria-current", "page"
    )

    versions.get_by_role("link", name="Version 2", exact=True).click()
    expect(page.locator("#artifact-facts")).to_contain_text("Version2 of 2 (current)")
    expect(page.locator("pre.code")).to_have_text("print('hello world')\n")

    # The Edit's own link, and "Files written", open the current version.
    page.goto(f"/#/sources/{source['id']}/turns")
    edit = tool_call(page, 2, "Edit")
    edit.locator("summary").click()
    edit.get_by_role("link", name="app.py").click()
    expect(page.locator("#artifact-facts")).to_contain_text("Version2 of 2 (current)")


def test_snapshot_citations_lead_to_the_turns_they_cite(
    page: Page, api: Client, shots: Path
) -> None:
    source = session_source(api)
    sign_in(page, api.key)
    page.goto(f"/#/sources/{source['id']}")
    snapshot = page.locator("pre.snapshot")
    expect(snapshot).to_contain_text("## Commands")
    # "[t4, t6]": two links, the text around them unchanged.
    expect(snapshot).to_contain_text("passed as `python -m pytest -q` [t4, t6]")
    citations = snapshot.locator("a.citation")
    assert citations.count() >= 8
    page.screenshot(path=shots / "snapshot-citations.png", full_page=True)

    snapshot.get_by_role("link", name="t4", exact=True).click()
    expect(page.get_by_role("heading", name="Turns of calc session", level=1)).to_be_visible()
    cited = turn(page, 4)
    expect(cited).to_be_focused()
    expect(cited).to_have_class(re.compile(r"\btarget\b"))
    assert "turn=4" in page.url

    # With pages of 4 turns, a cited turn opens the page that holds it.
    page.goto(f"/#/sources/{source['id']}/turns?per_page=4&turn=9")
    expect(turn(page, 9)).to_be_focused()
    expect(page.locator("li.turn")).to_have_count(2)
    expect(page.get_by_role("navigation", name="Pages of turns")).to_contain_text(
        "Page 3 of 3 · 10 turns"
    )
    page.get_by_role("link", name="Previous page").click()
    expect(page.locator("li.turn")).to_have_count(4)
    expect(turn(page, 4)).to_be_visible()


def test_thinking_is_hidden_until_asked_for(page: Page, api: Client, shots: Path) -> None:
    source = session_source(api)
    open_turns(page, api, source)
    thinking = turn(page, 1).locator(".thinking")
    expect(thinking).to_be_hidden()
    assert THINKING not in page.content()

    toggle = page.get_by_role("button", name="Show thinking")
    expect(toggle).to_have_attribute("aria-pressed", "false")
    with page.expect_response(lambda r: "/turns?" in r.url and "thinking=true" in r.url) as asked:
        toggle.click()
    assert asked.value.ok
    expect(thinking).to_have_text(f"Thinking{THINKING}")
    expect(thinking).to_be_visible()
    expect(toggle).to_have_attribute("aria-pressed", "true")
    expect(toggle).to_be_focused()
    expect(turn(page, 2).locator(".thinking")).to_be_hidden()  # no thinking in that turn
    assert "thinking=1" in page.url
    page.screenshot(path=shots / "turns-thinking.png")

    toggle.click()
    expect(thinking).to_be_hidden()
    expect(toggle).to_have_attribute("aria-pressed", "false")

    # Reloaded with thinking=1, the page asks for it at once.
    page.goto(f"/#/sources/{source['id']}/turns?thinking=1")
    expect(turn(page, 1).locator(".thinking")).to_contain_text(THINKING)


def test_turn_text_is_shown_as_text(page: Page, api: Client) -> None:
    space = api.space("Markup")
    chat = "User: <img src=x onerror=alert(1)> <b>bold?</b>\n\nAssistant: It is shown as text.\n"
    source = api.source(space["id"], {"type": "CONTENT", "initial_data": {"data": chat}})
    assert api.wait(source["id"])["status"] == "COMPLETED"
    sign_in(page, api.key)
    page.goto(f"/#/sources/{source['id']}/turns")
    expect(turn(page, 0).locator(".turn-text")).to_have_text(
        "<img src=x onerror=alert(1)> <b>bold?</b>"
    )
    assert page.locator("#turns img, #turns b").count() == 0
    expect(page.locator("#session-head")).to_have_count(0)  # not a coding-agent session


def focus_outline(page: Page) -> str:
    return str(
        page.evaluate(
            "() => { const s = getComputedStyle(document.activeElement);"
            " return s.outlineStyle + ' ' + s.outlineWidth; }"
        )
    )


def tab_to(page: Page, selector: str, limit: int = 80) -> list[str]:
    """Press Tab until the focused element matches `selector`; every stop on the way must show a
    focus outline. Returns what was focused, in order."""
    seen: list[str] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        seen.append(
            str(
                page.evaluate(
                    "() => { const e = document.activeElement;"
                    " return e.tagName + ' ' + (e.textContent || '').trim().slice(0, 40); }"
                )
            )
        )
        outline = focus_outline(page)
        assert outline.split()[0] != "none" and outline.split()[1] != "0px", (seen[-1], outline)
        if page.evaluate("(s) => document.activeElement.matches(s)", selector):
            return seen
    raise AssertionError(f"{selector} not reached by Tab; focused: {seen}")


def test_every_new_control_is_reached_by_keyboard(page: Page, api: Client, shots: Path) -> None:
    source = session_source(api)
    sign_in(page, api.key)
    page.goto(f"/#/sources/{source['id']}")
    expect(page.locator("pre.snapshot")).to_be_visible()
    # The source page: the turns link, then a citation, by Tab; Enter follows it.
    tab_to(page, "#turns-link")
    tab_to(page, "pre.snapshot a.citation")
    cited = page.evaluate("() => document.activeElement.textContent")
    page.keyboard.press("Enter")
    expect(turn(page, int(cited[1:]))).to_be_focused()

    # The turns view, from its top: the files, the thinking toggle, then the tool calls.
    page.goto(f"/#/sources/{source['id']}/turns")
    expect(page.get_by_role("heading", name="Turns of calc session", level=1)).to_be_focused()
    tab_to(page, "#files-written a.file-link")
    tab_to(page, "#thinking-toggle")
    page.keyboard.press("Enter")
    expect(turn(page, 1).locator(".thinking")).to_be_visible()
    page.keyboard.press("Space")
    expect(turn(page, 1).locator(".thinking")).to_be_hidden()

    # A tool call's summary: Enter opens it, Space closes it; the file link inside is next.
    tab_to(page, "#turn-2 details.tool-call summary")
    edit = tool_call(page, 2, "Edit")
    page.keyboard.press("Enter")
    expect(edit).to_have_attribute("open", "")
    page.screenshot(path=shots / "turns-keyboard-focus.png")
    tab_to(page, "#turn-2 a.file-link", limit=1)
    page.keyboard.press("Shift+Tab")
    page.keyboard.press("Space")
    expect(edit).not_to_have_attribute("open", "")
    tab_to(page, "#turn-4 details.tool-call summary")
    page.keyboard.press("Space")
    expect(tool_call(page, 4, "Bash").locator("pre.tool-error-text")).to_have_text(BASH_ERROR)
