"""The sync SDK end to end against the real server (one per backend)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import httpx
import pytest

from contextd.client import (
    OMIT,
    Artifact,
    ArtifactType,
    AuthenticationError,
    Client,
    ConflictError,
    NotFoundError,
    Snapshot,
    Source,
    SourceStatus,
    SourceType,
    ValidationError,
)
from tests.support.sdk import CONVERSATION


def test_a_conversation_from_paste_to_snapshot_artifacts_and_search(sdk: Client) -> None:
    space = sdk.spaces.create("sdk project", description="made by the SDK")
    folder = sdk.collections.create(space, "notes")
    source = sdk.sources.create_content(space, CONVERSATION, name="setup chat", collection=folder)
    assert source.status in (SourceStatus.PENDING, SourceStatus.PROCESSING)
    assert source.space_id == space.id and source.collection_id == folder.id

    done = sdk.sources.wait_until_done(source, timeout=60, poll_interval=0.05)
    assert done.status is SourceStatus.COMPLETED, done.message
    assert done.stats.turns == 4 and done.snapshot is not None

    snapshot = sdk.sources.snapshot(done)
    assert isinstance(snapshot, Snapshot) and snapshot.source_id == done.id
    assert snapshot.content.strip() and snapshot.tokens_after > 0

    turns = list(sdk.sources.turns(done, per_page=3))
    assert [t.index for t in turns] == [0, 1, 2, 3]
    assert "contextd" in sdk.sources.content(done)

    extracted = [a for a in sdk.artifacts.list(space) if a.type is not ArtifactType.CONTEXT]
    assert extracted and all(isinstance(a, Artifact) for a in extracted)
    bash = next(a for a in extracted if a.language == "bash")
    assert [a.id for a in sdk.artifacts.list(space, type=bash.type, source=done)] == [bash.id]
    assert sdk.artifacts.get(bash.id).content == bash.content
    assert sdk.artifacts.versions(bash)[-1].id == bash.id
    assert sdk.artifacts.raw(bash) == bash.content.encode()
    archive = zipfile.ZipFile(io.BytesIO(sdk.artifacts.download_zip(space)))
    assert archive.namelist()

    found = sdk.search(space, "which port does it listen on", mode="lexical", top_k=5)
    assert found.results and found.results[0].source_id == done.id
    assert sdk.spaces.search(space, "make run", filters={"source_ids": [done.id]}).results

    tree = sdk.collections.tree(space)
    assert [node.name for node in tree] == ["notes"]


def test_lists_are_followed_lazily_across_pages(client_base: tuple[str, str]) -> None:
    requests: list[str] = []

    def count(request: httpx.Request) -> None:
        if request.url.path.endswith("/sources") and request.method == "GET":
            requests.append(str(request.url.params.get("page")))

    http = httpx.Client(event_hooks={"request": [count]})
    with http, Client(*client_base, http_client=http) as sdk:
        space = sdk.spaces.create("paged")
        made = [sdk.sources.create_content(space, f"User: note {i}") for i in range(5)]
        listed = sdk.sources.list(space, per_page=2)

        assert sorted(s.id for s in listed) == sorted(s.id for s in made)
        assert requests == ["1", "2", "3"]

        requests.clear()
        first = next(iter(listed))
        assert isinstance(first, Source) and requests == ["1"]  # one page, not all

        page = listed.page(2)
        assert len(page) == 2 and page.has_next
        assert (page.pagination.page, page.pagination.total, page.pagination.pages) == (2, 5, 3)
        assert [len(p) for p in listed.pages()] == [2, 2, 1]


def test_unknown_ids_raise_not_found_with_the_request_id(sdk: Client) -> None:
    with pytest.raises(NotFoundError) as raised:
        sdk.sources.get("00000000-0000-0000-0000-000000000000")
    err = raised.value
    assert (err.status_code, err.code, err.error) == (404, 404, "Not Found")
    assert err.request_id and err.request_id == err.response.headers["x-request-id"]
    assert err.request_id in str(err)


def test_another_users_resources_are_not_found(sdk: Client, other_sdk: Client) -> None:
    space = sdk.spaces.create("private")
    source = sdk.sources.create_content(space, "User: secret plans")
    with pytest.raises(NotFoundError):
        other_sdk.spaces.get(space)
    with pytest.raises(NotFoundError):
        other_sdk.sources.get(source)
    with pytest.raises(NotFoundError):
        other_sdk.sources.list(space).page()


def test_a_file_is_uploaded_and_processed(sdk: Client, tmp_path: Path) -> None:
    data = (
        "# Notes\n\nStart it with `contextd serve`.\n\n```bash\ncontextd serve --port 8080\n```\n"
    )
    path = tmp_path / "notes.md"
    path.write_text(data)
    space = sdk.spaces.create("files")
    source = sdk.sources.upload_file(space, path, name="notes")
    assert source.type is SourceType.FILE
    done = sdk.sources.wait_until_done(source, timeout=60, poll_interval=0.05)
    assert done.status is SourceStatus.COMPLETED, done.message
    assert done.format == "markdown"
    assert any(a.language == "bash" for a in done.artifacts)
    assert sdk.uploads.download(done.initial_data["data"]) == data.encode()


def test_source_actions_and_their_errors(sdk: Client) -> None:
    space = sdk.spaces.create("actions")
    other = sdk.collections.create(space, "other")
    source = sdk.sources.create_content(space, CONVERSATION)
    done = sdk.sources.wait_until_done(source.id, timeout=60, poll_interval=0.05)

    renamed = sdk.sources.update(done, name="renamed", collection=other)
    assert (renamed.name, renamed.collection_id) == ("renamed", other.id)
    unfiled = sdk.sources.update(done, collection=None, description=OMIT)
    assert (unfiled.name, unfiled.collection_id) == ("renamed", None)

    assert sdk.sources.toggle_pin(done).pinned is True
    assert sdk.sources.delete(done).deleted is True
    assert [s.id for s in sdk.sources.list(space, deleted=True)] == [done.id]
    assert sdk.sources.restore(done).deleted is False

    with pytest.raises(ConflictError) as conflict:
        sdk.sources.cancel(done)
    assert conflict.value.request_id
    with pytest.raises(ConflictError):
        sdk.sources.refresh(done)  # CONTENT sources cannot be fetched again

    again = sdk.sources.reprocess(done, update_existing=True)
    assert again.status is SourceStatus.PENDING and again.revision == (done.revision or 0) + 1
    again = sdk.sources.wait_until_done(again, timeout=60, poll_interval=0.05)
    forwarded = sdk.sources.fast_forward(
        again, type="CONTENT", initial_data={"data": "User: one more thing?"}
    )
    assert forwarded.fast_forward_source_id and forwarded.id == done.id
    final = sdk.sources.wait_until_done(forwarded, timeout=60, poll_interval=0.05)
    assert final.status is SourceStatus.COMPLETED, final.message

    composition = sdk.sources.create_composition(space, [done])
    assert composition.type is SourceType.COMPOSITION


def test_spaces_collections_keys_postbacks_and_system(sdk: Client, base_url: str) -> None:
    space = sdk.spaces.create("crud")
    assert sdk.spaces.update(space, name="renamed").name == "renamed"
    assert space.id in [s.id for s in sdk.spaces.list()]
    with pytest.raises(ValidationError) as invalid:
        sdk.spaces.create("")
    assert invalid.value.details and invalid.value.details[0]["field"] == "name"

    parent = sdk.collections.create(space, "parent")
    child = sdk.collections.create(space, "child", parent=parent)
    assert child.parent_id == parent.id
    moved = sdk.collections.update(child, parent=None, name="moved")
    assert (moved.parent_id, moved.name) == (None, "moved")
    sdk.collections.delete(parent)
    assert [n.name for n in sdk.collections.tree(space)] == ["moved"]
    sdk.spaces.delete(space)
    with pytest.raises(NotFoundError):
        sdk.spaces.get(space)

    created = sdk.keys.create("ci")
    assert created.api_key and created.id in [k.id for k in sdk.keys.list()]
    with Client(base_url, created.api_key) as second:
        assert second.spaces.list().page().pagination.page == 1
        assert sdk.keys.revoke(created).revoked_at is not None
        with pytest.raises(AuthenticationError):
            second.spaces.list().page()

    secret = sdk.postbacks.secret()
    assert sdk.postbacks.rotate_secret() != secret
    assert list(sdk.postbacks.deliveries()) == []

    with Client(base_url) as anonymous:  # no key: the system routes are public
        assert anonymous.health().ok
        assert "contextd" in anonymous.metrics() or "# HELP" in anonymous.metrics()
