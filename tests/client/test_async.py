"""The async SDK end to end against the real server: the same surface, awaited."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from contextd.client import (
    AsyncClient,
    ConflictError,
    NotFoundError,
    SourceStatus,
    SourceType,
)
from tests.support.sdk import CONVERSATION


def test_async_flow_from_paste_to_search(client_base: tuple[str, str]) -> None:
    async def run() -> None:
        async with AsyncClient(*client_base) as sdk:
            space = await sdk.spaces.create("async project")
            folder = await sdk.collections.create(space, "notes")
            source = await sdk.sources.create_content(space, CONVERSATION, collection=folder)
            done = await sdk.sources.wait_until_done(source, timeout=60, poll_interval=0.05)
            assert done.status is SourceStatus.COMPLETED, done.message

            snapshot = await sdk.sources.snapshot(done)
            assert snapshot.source_id == done.id and snapshot.content.strip()
            assert [t.index async for t in sdk.sources.turns(done, per_page=3)] == [0, 1, 2, 3]
            assert "contextd" in await sdk.sources.content(done)

            artifacts = await sdk.artifacts.list(space).to_list()
            assert artifacts and (await sdk.artifacts.get(artifacts[0])).id == artifacts[0].id

            found = await sdk.search(space, "which port", mode="lexical")
            assert found.results and found.results[0].source_id == done.id
            assert (await sdk.spaces.search(space, "make run", top_k=1)).results

            with pytest.raises(ConflictError):
                await sdk.sources.cancel(done)
            with pytest.raises(NotFoundError) as raised:
                await sdk.artifacts.get("no-such-artifact")
            assert raised.value.request_id
            assert (await sdk.health()).ok

    asyncio.run(run())


def test_async_pagination_and_upload(client_base: tuple[str, str], tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("User: where are the notes?\n\nAssistant: In `docs/notes.md`.\n")

    async def run() -> None:
        async with AsyncClient(*client_base) as sdk:
            space = await sdk.spaces.create("async paged")
            made = await asyncio.gather(
                *(sdk.sources.create_content(space, f"User: note {i}") for i in range(5))
            )
            listed = sdk.sources.list(space, per_page=2)
            assert sorted([s.id async for s in listed]) == sorted(s.id for s in made)
            assert [len(p) async for p in listed.pages()] == [2, 2, 1]
            page = await listed.page(3)
            assert (len(page), page.has_next) == (1, False)

            uploaded = await sdk.sources.upload_file(space, path)
            assert uploaded.type is SourceType.FILE
            done = await sdk.sources.wait_until_done(uploaded, timeout=60, poll_interval=0.05)
            assert done.status is SourceStatus.COMPLETED, done.message
            key = done.initial_data["data"]
            assert await sdk.uploads.download(key) == path.read_bytes()

    asyncio.run(run())
