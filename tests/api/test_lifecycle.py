"""The status machine: each action's precondition, with the exact error body."""

from __future__ import annotations

from typing import Any

import pytest

from contextd.testing import drain_jobs
from tests.support.errors import assert_error
from tests.support.factories import transcript
from tests.support.pages import PageServer
from tests.support.service import Client, Service

pytestmark = pytest.mark.all_engines  # processing: also under the procrastinate engine

PAGE = "<html><body><article><h1>Page</h1><p>{}</p></article></body></html>"


def completed(
    client: Client, text: str = "User: hi there\n\nAssistant: hello, how can I help?"
) -> dict[str, Any]:
    space = client.space()
    source = client.source(space["id"], {"type": "CONTENT", "initial_data": {"data": text}})
    done = client.wait(source["id"])
    assert done["status"] == "COMPLETED", done["message"]
    return done


def slow_source(client: Client, pages: PageServer, path: str, delay: float = 3.0) -> dict[str, Any]:
    url = pages.add(path, PAGE.format("slow"), delay=delay)
    space = client.space()
    return client.source(space["id"], {"type": "URI", "initial_data": {"url": url}})


def test_cancel_a_running_source(client: Client, pages: PageServer) -> None:
    source = slow_source(client, pages, "/slow-cancel")
    canceled = client.post(f"/v1/sources/{source['id']}/cancel")
    assert canceled.status_code == 200
    assert canceled.json()["status"] == "CANCELED"
    # The job finishes its fetch, sees the cancel, and writes nothing.
    body = client.wait(source["id"])
    assert body["status"] == "CANCELED"
    assert body["message"] == "canceled by user"
    body = assert_error(client.post(f"/v1/sources/{source['id']}/cancel"), 409)
    assert "CANCELED" in body["message"]


def test_reprocess_only_from_completed_or_failed(client: Client, pages: PageServer) -> None:
    source = slow_source(client, pages, "/slow-reprocess")
    body = assert_error(client.post(f"/v1/sources/{source['id']}/reprocess", json={}), 409)
    assert "PENDING" in body["message"] or "PROCESSING" in body["message"]
    client.post(f"/v1/sources/{source['id']}/cancel")
    body = assert_error(client.post(f"/v1/sources/{source['id']}/reprocess", json={}), 409)
    assert "CANCELED" in body["message"]


def test_reprocess_reruns_and_update_existing_false_keeps_old_artifacts(client: Client) -> None:
    done = completed(client, transcript(40))
    first_ids = {a["id"] for a in done["artifacts"]}
    again = client.post(f"/v1/sources/{done['id']}/reprocess", json={"update_existing": True})
    assert again.status_code == 202
    assert again.json()["status"] == "PENDING" and again.json()["revision"] == 2
    redone = client.wait(done["id"])
    assert redone["status"] == "COMPLETED"
    assert {a["id"] for a in redone["artifacts"]} == first_ids  # updated in place

    client.post(f"/v1/sources/{done['id']}/reprocess", json={"update_existing": False})
    third = client.wait(done["id"])
    assert third["revision"] == 3
    assert not {a["id"] for a in third["artifacts"]} & first_ids
    old = client.get(
        f"/v1/spaces/{done['spaceId']}/artifacts",
        params={"sourceId": done["id"], "current": "false"},
    ).json()
    assert {a["id"] for a in old["artifacts"]} >= first_ids


def test_reprocess_can_skip_context_extraction(client: Client) -> None:
    done = completed(client, transcript(20))
    snapshot_id = done["snapshot"]["id"]
    client.post(
        f"/v1/sources/{done['id']}/reprocess",
        json={"run_context_extraction": False, "update_existing": False},
    )
    redone = client.wait(done["id"])
    assert redone["snapshot"]["id"] == snapshot_id


def test_reprocess_rejects_unknown_fields(client: Client) -> None:
    done = completed(client)
    body = assert_error(
        client.post(f"/v1/sources/{done['id']}/reprocess", json={"updateExisting": False}), 400
    )
    assert body["details"][0]["field"] == "updateExisting"


def test_refresh_only_for_uri_and_file(client: Client) -> None:
    done = completed(client)
    body = assert_error(client.post(f"/v1/sources/{done['id']}/refresh", json={}), 409)
    assert "URI and FILE" in body["message"]


def test_refresh_skips_extraction_when_unchanged_unless_forced(
    client: Client, pages: PageServer
) -> None:
    url = pages.add("/refresh", PAGE.format("version one of the page, with enough words to keep."))
    space = client.space()
    source = client.source(space["id"], {"type": "URI", "initial_data": {"url": url}})
    first = client.wait(source["id"])
    assert first["status"] == "COMPLETED", first["message"]

    client.post(f"/v1/sources/{source['id']}/refresh", json={})
    same = client.wait(source["id"])
    assert same["status"] == "COMPLETED"
    assert "unchanged" in same["message"]

    pages.add("/refresh", PAGE.format("version two of the page, now with different words."))
    client.post(f"/v1/sources/{source['id']}/refresh", json={})
    changed = client.wait(source["id"])
    assert changed["message"] is None
    assert "version two" in client.get(f"/v1/sources/{source['id']}/content").text

    client.post(f"/v1/sources/{source['id']}/refresh", json={"force": True})
    forced = client.wait(source["id"])
    assert forced["message"] is None and forced["revision"] == 4


def test_fast_forward_appends_new_turns(client: Client) -> None:
    done = completed(client, transcript(10))
    more = (
        "User: One more question about deployment?\n\n"
        "Assistant: Use `make run`, then open the dashboard."
    )
    response = client.post(
        f"/v1/sources/{done['id']}/fast-forward",
        json={"type": "CONTENT", "initial_data": {"data": more}},
    )
    assert response.status_code == 202, response.text
    assert response.json()["status"] == "PENDING"
    assert response.json()["fastForwardSourceId"]
    merged = client.wait(done["id"])
    assert merged["status"] == "COMPLETED", merged["message"]
    assert merged["stats"]["turns"] == 12
    # The snapshot was merged forward: it now accounts for the new turns too.
    assert merged["snapshot"]["tokens_before"] > done["snapshot"]["tokens_before"]
    turns = client.get(f"/v1/sources/{done['id']}/turns", params={"page": 2, "per_page": 10}).json()
    assert [t["index"] for t in turns["turns"]] == [10, 11]
    assert "deployment" in turns["turns"][0]["text"]
    # The temporary source is internal: not listed, not addressable.
    listed = client.get(f"/v1/spaces/{done['spaceId']}/sources").json()
    assert [s["id"] for s in listed["sources"]] == [done["id"]]
    assert_error(client.get(f"/v1/sources/{response.json()['fastForwardSourceId']}"), 404)

    # Reprocessing rebuilds from the original content plus the appended part.
    client.post(f"/v1/sources/{done['id']}/reprocess", json={})
    assert client.wait(done["id"])["stats"]["turns"] == 12


def test_fast_forward_preconditions(client: Client, pages: PageServer) -> None:
    running = slow_source(client, pages, "/slow-ff")
    body = assert_error(
        client.post(
            f"/v1/sources/{running['id']}/fast-forward",
            json={"type": "CONTENT", "initial_data": {"data": "x"}},
        ),
        409,
    )
    assert "fast-forward" in body["message"]
    client.post(f"/v1/sources/{running['id']}/cancel")
    done = completed(client)
    error = assert_error(
        client.post(
            f"/v1/sources/{done['id']}/fast-forward",
            json={"type": "COMPOSITION", "initial_data": {"source_ids": [done["id"]]}},
        ),
        400,
    )
    assert error["details"][0]["field"] == "type"


def test_soft_delete_restore_and_pin(client: Client) -> None:
    done = completed(client)
    sid = done["id"]
    deleted = client.delete(f"/v1/sources/{sid}")
    assert deleted.status_code == 200 and deleted.json()["deleted"] is True
    assert client.get(f"/v1/sources/{sid}").json()["deleted"] is True
    assert_error(client.delete(f"/v1/sources/{sid}"), 409, contains="already deleted")
    assert_error(client.post(f"/v1/sources/{sid}/reprocess", json={}), 409, contains="restore")
    restored = client.post(f"/v1/sources/{sid}/restore")
    assert restored.json()["deleted"] is False
    assert_error(client.post(f"/v1/sources/{sid}/restore"), 409, contains="not deleted")

    assert client.patch(f"/v1/sources/{sid}/toggle-pin").json()["pinned"] is True
    assert client.patch(f"/v1/sources/{sid}/toggle-pin").json()["pinned"] is False


def test_patch_metadata(client: Client) -> None:
    done = completed(client)
    space_id = done["spaceId"]
    col = client.post(f"/v1/spaces/{space_id}/collections", json={"name": "c"}).json()
    patched = client.patch(
        f"/v1/sources/{done['id']}",
        json={"name": "renamed", "description": "d", "collectionId": col["id"]},
    ).json()
    assert (patched["name"], patched["description"], patched["collectionId"]) == (
        "renamed",
        "d",
        col["id"],
    )
    cleared = client.patch(f"/v1/sources/{done['id']}", json={"collectionId": None}).json()
    assert cleared["collectionId"] is None and cleared["name"] == "renamed"
    assert_error(client.patch(f"/v1/sources/{done['id']}", json={"status": "COMPLETED"}), 400)
    assert_error(client.patch(f"/v1/sources/{done['id']}", json={"collectionId": "nope"}), 400)


def test_a_stale_job_never_overwrites_a_newer_revision(
    client: Client, service: Service, pages: PageServer
) -> None:
    """Cancel a slow fetch, refresh at once: the first job's late result must be dropped."""
    path = "/stale"
    url = pages.add(path, PAGE.format("OLD content from the first fetch."), delay=2)
    space = client.space()
    source = client.source(space["id"], {"type": "URI", "initial_data": {"url": url}})
    pages.wait_for_hit(path)
    client.post(f"/v1/sources/{source['id']}/cancel")
    pages.add(path, PAGE.format("NEW content from the second fetch."))
    refreshed = client.post(f"/v1/sources/{source['id']}/refresh", json={}).json()
    assert refreshed["revision"] == 2
    done = client.wait(source["id"])
    assert done["status"] == "COMPLETED" and done["revision"] == 2
    drain_jobs(service, source_id=source["id"])  # the first job ends its slow fetch, tries to write
    content = client.get(f"/v1/sources/{source['id']}/content").text
    assert "NEW content" in content and "OLD content" not in content
    assert client.get(f"/v1/sources/{source['id']}").json()["revision"] == 2


def test_reprocess_can_choose_the_snapshot_budget(client: Client) -> None:
    done = completed(client, transcript(120))
    before = done["snapshot"]
    response = client.post(
        f"/v1/sources/{done['id']}/reprocess", json={"snapshot_budget_tokens": 300}
    )
    assert response.status_code == 202, response.text
    redone = client.wait(done["id"])
    assert redone["instructions"]["snapshot_budget_tokens"] == 300
    snapshot = client.get(f"/v1/sources/{done['id']}/snapshot").json()
    assert snapshot["budget"] == 300 and snapshot["tokens_after"] <= 300
    assert snapshot["tokens_before"] == before["tokens_before"]
    assert_error(
        client.post(f"/v1/sources/{done['id']}/reprocess", json={"snapshot_ratio": 0}), 400
    )


def test_snapshot_options_in_instructions_are_validated(client: Client) -> None:
    space = client.space()
    for bad in ({"snapshot_ratio": "4"}, {"snapshot_ratio": 0.5}, {"snapshot_budget_tokens": 1.5},
                {"snapshot_budget_tokens": True}, {"snapshot_engine": "gpt"}):  # fmt: skip
        error = client.source(
            space["id"], {"type": "CONTENT", "initial_data": {"data": "x"}, "instructions": bad},
            expect=400,
        )  # fmt: skip
        assert error["details"][0]["field"] == f"instructions.{next(iter(bad))}"
