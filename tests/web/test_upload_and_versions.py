"""The dashboard's file upload (picker and drag and drop, through the presigned flow, with
progress) and an artifact's version diff, end to end in headless Chromium against a real server."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

if not os.environ.get("CI"):  # in CI a missing Playwright fails the run instead
    pytest.importorskip(
        "playwright", reason="Python Playwright is not installed: pip install -e '.[dev]'"
    )

from playwright.sync_api import Page, expect

from tests.support.browser import sign_in
from tests.support.service import Client
from tests.support.session_trees import revised_file_session

NOTES = """# Release checklist

The release of version 2.4 needs the migration guide reviewed by Priya before Friday.

## Steps

1. Tag the commit with `git tag v2.4.0`.
2. Publish the wheel to the internal index.
"""


def _open_space(page: Page, api: Client, name: str) -> str:
    space = api.space(name)
    sign_in(page, api.key)
    page.goto(f"/#/spaces/{space['id']}")
    expect(page.get_by_role("heading", name=name, level=1)).to_be_visible()
    return str(space["id"])


def test_upload_a_file_with_the_picker(
    page: Page, api: Client, shots: Path, tmp_path: Path
) -> None:
    space_id = _open_space(page, api, "Uploads")
    path = tmp_path / "release-notes.md"
    path.write_text(NOTES, encoding="utf-8")
    form = page.locator("#add-source")
    form.get_by_label("File", exact=True).first.check()
    expect(form.locator("#source-text")).to_be_hidden()
    page.set_input_files("#source-file", str(path))
    expect(form.locator("#source-file-hint")).to_have_text(f"release-notes.md · {len(NOTES)} bytes")
    page.screenshot(path=shots / "8-upload.png", full_page=True)
    form.get_by_role("button", name="Add source").click()

    row = page.locator("#sources tbody tr", has_text="release-notes.md")
    expect(row.locator(".badge")).to_have_text("COMPLETED", timeout=30_000)
    # The upload finished: the progress bar reached the file's size and is reset for the next.
    sources = api.get(f"/v1/spaces/{space_id}/sources").json()["sources"]
    (source,) = sources
    assert source["type"] == "FILE" and source["name"] == "release-notes.md"
    key = source["initial_data"]["data"]
    stored = api.get(f"/v1/files/{key}")
    assert stored.content == NOTES.encode()  # the bytes arrived unchanged
    expect(page.locator("#upload-progress")).to_be_hidden()

    row.get_by_role("link", name="release-notes.md").click()
    expect(page.locator("pre.snapshot")).to_contain_text("Priya")


def test_progress_follows_the_bytes_going_out(page: Page, api: Client, tmp_path: Path) -> None:
    """The bar moves with the PUT's progress events up to 100%, and the upload's line stays as a
    receipt once the source is created."""
    _open_space(page, api, "Progress")
    path = tmp_path / "big.txt"
    line = "The deployment of the billing service moved to the new cluster on Tuesday.\n"
    path.write_text(line * 20_000, encoding="utf-8")  # ~1.5 MB: several progress events
    size = path.stat().st_size
    page.locator("#kind-file").check()
    page.evaluate(
        """() => {
          window.__progress = [];
          const bar = document.getElementById("upload-progress");
          new MutationObserver(() => window.__progress.push(Number(bar.value)))
            .observe(bar, { attributes: true, attributeFilter: ["value"] });
        }"""
    )
    page.set_input_files("#source-file", str(path))
    page.locator("#add-source").get_by_role("button", name="Add source").click()
    expect(page.locator("#sources tbody tr", has_text="big.txt")).to_have_count(1)
    expect(page.locator("#upload-progress-text")).to_have_text(
        f"Uploaded big.txt · {size / 1024 / 1024:.1f} MB"
    )
    seen = page.evaluate("window.__progress")
    assert seen[-1] == 100, seen
    assert seen == sorted(seen), seen  # only forward


def test_drop_a_file_on_the_form(page: Page, api: Client) -> None:
    _open_space(page, api, "Dropped")
    page.locator("#kind-file").check()
    page.evaluate(
        """(text) => {
          const data = new DataTransfer();
          data.items.add(new File([text], "dropped.md", { type: "text/markdown" }));
          const zone = document.getElementById("source-dropzone");
          const init = { dataTransfer: data, bubbles: true, cancelable: true };
          zone.dispatchEvent(new DragEvent("dragover", init));
          zone.dispatchEvent(new DragEvent("drop", init));
        }""",
        NOTES,
    )
    expect(page.locator("#source-file-hint")).to_have_text(f"dropped.md · {len(NOTES)} bytes")
    page.locator("#add-source").get_by_role("button", name="Add source").click()
    row = page.locator("#sources tbody tr", has_text="dropped.md")
    expect(row.locator(".badge")).to_have_text("COMPLETED", timeout=30_000)


def test_an_empty_or_oversized_file_is_refused_with_a_message(
    page: Page, api: Client, tmp_path: Path
) -> None:
    _open_space(page, api, "Refusals")
    page.locator("#kind-file").check()
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    page.set_input_files("#source-file", str(empty))
    page.locator("#add-source").get_by_role("button", name="Add source").click()
    expect(page.locator("#error")).to_contain_text("empty.txt is empty")

    # Past the server's upload limit, the presign request is refused with the limit in words.
    assert api.runtime is not None
    limit = api.runtime.settings.max_upload_bytes
    page.evaluate(
        """(size) => {
          const input = document.getElementById("source-file");
          const data = new DataTransfer();
          const file = new File(["x"], "huge.bin");
          Object.defineProperty(file, "size", { value: size });
          data.items.add(file);
          input.files = data.files;
        }""",
        limit + 1,
    )
    page.locator("#add-source").get_by_role("button", name="Add source").click()
    expect(page.locator("#error")).to_contain_text(f"at most {limit} bytes")
    assert api.get("/v1/spaces").json()["spaces"][0]["name"] == "Refusals"


def test_compare_two_versions_of_an_artifact(page: Page, api: Client, shots: Path) -> None:
    lines = [f"STEP_{n} = {n}\n" for n in range(1, 21)]
    content = "".join(lines)
    session = revised_file_session(content, old="STEP_12 = 12\n", new="STEP_12 = 120\nEXTRA = 1\n")
    space = api.space("Diffs")
    body = {"type": "CONTENT", "name": "revisions", "initial_data": {"data": session}}
    source = api.wait(api.source(space["id"], body)["id"])
    assert source["status"] == "COMPLETED", source["message"]
    files = api.get(
        f"/v1/spaces/{space['id']}/artifacts", params={"sourceId": source["id"], "current": "true"}
    ).json()["artifacts"]
    (current,) = [a for a in files if a.get("key") == "path:app.py"]

    sign_in(page, api.key)
    page.goto(f"/#/artifacts/{current['id']}")
    expect(page.locator("#artifact-facts")).to_contain_text("Version2 of 2 (current)")
    versions = page.get_by_role("navigation", name="Versions")
    versions.get_by_role("link", name="Compare version 1 with version 2").click()

    expect(page.get_by_role("heading", name="Changes from version 1 to version 2")).to_be_visible()
    expect(page.locator("#diff-summary")).to_have_text(
        "2 lines added, 1 removed, from version 1 to version 2."
    )
    diff = page.locator("#diff")
    expect(diff.locator("tr.removed td.text")).to_have_text(["STEP_12 = 12"])
    expect(diff.locator("tr.added td.text")).to_have_text(["STEP_12 = 120", "EXTRA = 1"])
    # Old and new line numbers, and the sign spelt out for screen readers.
    expect(diff.locator("tr.removed td.num")).to_have_text(["12", ""])
    expect(diff.locator("tr.added").first.locator("td.num")).to_have_text(["", "12"])
    expect(diff.locator("tr.added").first.locator("td.sign")).to_have_text("+added")
    # Three lines of context on each side; the rest is counted, not shown.
    expect(diff.locator("tr.gap")).to_have_text(["8 unchanged lines", "5 unchanged lines"])
    page.screenshot(path=shots / "9-artifact-diff.png", full_page=True)

    # Back to the content.
    page.get_by_role("link", name="Show version 2's content").click()
    expect(page.locator("pre.code")).to_contain_text("STEP_12 = 120")
