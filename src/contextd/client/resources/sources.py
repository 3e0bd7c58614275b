"""Sources: create, list, act on them (refresh, reprocess, fast-forward, cancel...), and read
what processing produced (snapshot, turns, normalized content)."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from contextd.client import _parse
from contextd.client._routes import Call, Route, route, uses
from contextd.client.errors import WaitTimeout
from contextd.client.models import (
    Collection,
    FastForwardResult,
    Snapshot,
    Source,
    SourceStatus,
    SourceType,
    Space,
    Turn,
)
from contextd.client.pagination import AsyncPaginator, Page, Paginator
from contextd.client.resources._base import (
    OMIT,
    AsyncResource,
    Omittable,
    SyncResource,
    given,
    id_of,
)
from contextd.client.resources.uploads import AsyncUploads, Uploads

CREATE = route("POST", "/v1/spaces/{spaceId}/sources")
LIST = route("GET", "/v1/spaces/{spaceId}/sources")
GET = route("GET", "/v1/sources/{sourceId}")
UPDATE = route("PATCH", "/v1/sources/{sourceId}", idempotent=True)
DELETE = route("DELETE", "/v1/sources/{sourceId}")
RESTORE = route("POST", "/v1/sources/{sourceId}/restore")
TOGGLE_PIN = route("PATCH", "/v1/sources/{sourceId}/toggle-pin")
CANCEL = route("POST", "/v1/sources/{sourceId}/cancel")
REFRESH = route("POST", "/v1/sources/{sourceId}/refresh")
REPROCESS = route("POST", "/v1/sources/{sourceId}/reprocess")
FAST_FORWARD = route("POST", "/v1/sources/{sourceId}/fast-forward")
SNAPSHOT = route("GET", "/v1/sources/{sourceId}/snapshot")
TURNS = route("GET", "/v1/sources/{sourceId}/turns")
CONTENT = route("GET", "/v1/sources/{sourceId}/content")

SourceRef = str | Source
SpaceRef = str | Space
CollectionRef = str | Collection
DEFAULT_WAIT_TIMEOUT = 300.0
DEFAULT_POLL_INTERVAL = 0.5


def _opt_id(value: CollectionRef | None) -> str | None:
    return None if value is None else id_of(value)


def _create(
    space: SpaceRef,
    type: SourceType | str,
    initial_data: Mapping[str, Any],
    instructions: Mapping[str, Any] | None,
    name: str | None,
    description: str | None,
    collection: CollectionRef | None,
) -> Call[Source]:
    body: dict[str, Any] = {
        "type": str(type),
        "initial_data": dict(initial_data),
        "instructions": dict(instructions or {}),  # required by the API, even when empty
    }
    extra = {"name": name, "description": description, "collectionId": _opt_id(collection)}
    body.update({k: v for k, v in extra.items() if v is not None})
    return CREATE.call(_parse.model(Source), {"spaceId": id_of(space)}, json=body)


def _list(space: SpaceRef, filters: dict[str, Any]) -> Callable[[int], Call[Page[Source]]]:
    path = {"spaceId": id_of(space)}
    return lambda page: LIST.call(
        _parse.page("sources", Source), path, params={**filters, "page": page}
    )


def _list_filters(
    status: SourceStatus | str | None,
    type: SourceType | str | None,
    collection: CollectionRef | None,
    pinned: bool | None,
    deleted: bool | None,
    include_deleted: bool | None,
    per_page: int | None,
) -> dict[str, Any]:
    return {
        "status": status, "type": type, "collectionId": _opt_id(collection), "pinned": pinned,
        "deleted": deleted, "include_deleted": include_deleted, "per_page": per_page,
    }  # fmt: skip


def _on(r: Route, source: SourceRef, json: Any = None) -> Call[Source]:
    return r.call(_parse.model(Source), {"sourceId": id_of(source)}, json=json)


def _update(
    source: SourceRef,
    name: str | Omittable | None,
    description: str | Omittable | None,
    collection: CollectionRef | Omittable | None,
    instructions: Mapping[str, Any] | Omittable | None,
) -> Call[Source]:
    collection_id = collection if collection is OMIT else _opt_id(collection)
    changes = {"name": name, "description": description, "collectionId": collection_id}
    body = given({**changes, "instructions": instructions})
    if isinstance(body.get("instructions"), Mapping):
        body["instructions"] = dict(body["instructions"])
    return _on(UPDATE, source, body)


def _flags(**flags: Any) -> dict[str, Any]:
    return {k: v for k, v in flags.items() if v is not None}


def _fast_forward(
    source: SourceRef,
    type: SourceType | str,
    initial_data: Mapping[str, Any],
    instructions: Mapping[str, Any] | None,
) -> Call[FastForwardResult]:
    body: dict[str, Any] = {"type": str(type), "initial_data": dict(initial_data)}
    if instructions is not None:
        body["instructions"] = dict(instructions)
    path = {"sourceId": id_of(source)}
    return FAST_FORWARD.call(_parse.model(FastForwardResult), path, json=body)


def _turns(
    source: SourceRef, per_page: int | None, thinking: bool
) -> Callable[[int], Call[Page[Turn]]]:
    path = {"sourceId": id_of(source)}
    params = {"per_page": per_page, "thinking": True if thinking else None}
    return lambda page: TURNS.call(
        _parse.page("turns", Turn), path, params={"page": page, **params}
    )


def _snapshot(source: SourceRef) -> Call[Snapshot]:
    return SNAPSHOT.call(_parse.model(Snapshot), {"sourceId": id_of(source)})


def _content(source: SourceRef) -> Call[str]:
    headers = {"Accept": "text/markdown, text/plain, */*"}
    return CONTENT.call(_parse.text, {"sourceId": id_of(source)}, headers=headers)


def _timed_out(source: Source, timeout: float) -> WaitTimeout:
    return WaitTimeout(
        f"source {source.id} still {source.status} after {timeout:g}s", source=source
    )


class Sources(SyncResource):
    @uses(CREATE)
    def create(
        self,
        space: SpaceRef,
        *,
        type: SourceType | str,
        initial_data: Mapping[str, Any],
        instructions: Mapping[str, Any] | None = None,
        name: str | None = None,
        description: str | None = None,
        collection: CollectionRef | None = None,
    ) -> Source:
        """Create and queue a source (it comes back PENDING). `initial_data` by type: URI
        `{url}`, CONTENT `{data}`, FILE `{data: file_key}`, COMPOSITION `{source_ids}`.
        `instructions` may carry `postback_url`; it defaults to `{}`."""
        call = _create(space, type, initial_data, instructions, name, description, collection)
        return self._send(call)

    def create_content(self, space: SpaceRef, data: str, **options: Any) -> Source:
        """Pasted text: a conversation transcript, a chat export (JSON as text), a document."""
        return self.create(space, type=SourceType.CONTENT, initial_data={"data": data}, **options)

    def create_url(self, space: SpaceRef, url: str, **options: Any) -> Source:
        return self.create(space, type=SourceType.URI, initial_data={"url": url}, **options)

    def create_composition(
        self, space: SpaceRef, sources: Sequence[SourceRef], **options: Any
    ) -> Source:
        data = {"source_ids": [id_of(s) for s in sources]}
        return self.create(space, type=SourceType.COMPOSITION, initial_data=data, **options)

    def upload_file(
        self,
        space: SpaceRef,
        path: str | Path,
        *,
        content_type: str | None = None,
        filename: str | None = None,
        **options: Any,
    ) -> Source:
        """The whole file flow: presign, PUT the file (streamed), create the FILE source.
        `options` are those of `create` (name, description, collection, instructions)."""
        upload = Uploads(self._transport).upload(
            Path(path), filename=filename, content_type=content_type
        )
        data = {"data": upload.file_key}
        return self.create(space, type=SourceType.FILE, initial_data=data, **options)

    @uses(LIST)
    def list(
        self,
        space: SpaceRef,
        *,
        status: SourceStatus | str | None = None,
        type: SourceType | str | None = None,
        collection: CollectionRef | None = None,
        pinned: bool | None = None,
        deleted: bool | None = None,
        include_deleted: bool | None = None,
        per_page: int | None = None,
    ) -> Paginator[Source]:
        """Pinned first, then newest first; iterate for all, or `.page(n)` for one page."""
        filters = _list_filters(
            status, type, collection, pinned, deleted, include_deleted, per_page
        )
        return self._paginate(_list(space, filters))

    @uses(GET)
    def get(self, source: SourceRef) -> Source:
        return self._send(_on(GET, source))

    @uses(UPDATE)
    def update(
        self,
        source: SourceRef,
        *,
        name: str | Omittable | None = OMIT,
        description: str | Omittable | None = OMIT,
        collection: CollectionRef | Omittable | None = OMIT,
        instructions: Mapping[str, Any] | Omittable | None = OMIT,
    ) -> Source:
        """Change metadata; only the arguments given are sent (`collection=None` unfiles)."""
        return self._send(_update(source, name, description, collection, instructions))

    @uses(DELETE)
    def delete(self, source: SourceRef) -> Source:
        """Soft delete: hidden from lists until `restore`."""
        return self._send(_on(DELETE, source))

    @uses(RESTORE)
    def restore(self, source: SourceRef) -> Source:
        return self._send(_on(RESTORE, source))

    @uses(TOGGLE_PIN)
    def toggle_pin(self, source: SourceRef) -> Source:
        return self._send(_on(TOGGLE_PIN, source))

    @uses(CANCEL)
    def cancel(self, source: SourceRef) -> Source:
        """Stop processing (CREATED, PENDING or PROCESSING); else ConflictError."""
        return self._send(_on(CANCEL, source))

    @uses(REFRESH)
    def refresh(
        self,
        source: SourceRef,
        *,
        run_context_extraction: bool | None = None,
        run_artifact_extraction: bool | None = None,
        force: bool | None = None,
    ) -> Source:
        """Fetch a URI or FILE source again; unchanged content is not re-extracted unless
        `force`."""
        body = _flags(
            run_context_extraction=run_context_extraction,
            run_artifact_extraction=run_artifact_extraction,
            force=force,
        )
        return self._send(_on(REFRESH, source, body))

    @uses(REPROCESS)
    def reprocess(
        self,
        source: SourceRef,
        *,
        run_context_extraction: bool | None = None,
        run_artifact_extraction: bool | None = None,
        update_existing: bool | None = None,
        snapshot_ratio: float | None = None,
        snapshot_budget_tokens: int | None = None,
    ) -> Source:
        """Run the pipeline again on the stored content (COMPLETED or FAILED sources only)."""
        body = _flags(
            run_context_extraction=run_context_extraction,
            run_artifact_extraction=run_artifact_extraction,
            update_existing=update_existing,
            snapshot_ratio=snapshot_ratio,
            snapshot_budget_tokens=snapshot_budget_tokens,
        )
        return self._send(_on(REPROCESS, source, body))

    @uses(FAST_FORWARD)
    def fast_forward(
        self,
        source: SourceRef,
        *,
        type: SourceType | str,
        initial_data: Mapping[str, Any],
        instructions: Mapping[str, Any] | None = None,
    ) -> FastForwardResult:
        """Append new data (e.g. the conversation's newer messages) to a finished source."""
        return self._send(_fast_forward(source, type, initial_data, instructions))

    @uses(SNAPSHOT)
    def snapshot(self, source: SourceRef) -> Snapshot:
        """The latest context snapshot (Markdown, with token accounting)."""
        return self._send(_snapshot(source))

    @uses(TURNS)
    def turns(
        self, source: SourceRef, *, per_page: int | None = None, thinking: bool = False
    ) -> Paginator[Turn]:
        """The source's turns with their tool calls; `thinking=True` adds the model's thinking."""
        return self._paginate(_turns(source, per_page, thinking))

    @uses(CONTENT)
    def content(self, source: SourceRef) -> str:
        """The source converted to normalized Markdown/text."""
        return self._send(_content(source))

    def wait_until_done(
        self,
        source: SourceRef,
        *,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> Source:
        """Poll until COMPLETED, FAILED or CANCELED and return the source; a FAILED source is
        returned, not raised (its `message` says why). Raises WaitTimeout after `timeout`
        seconds. Postbacks (`instructions.postback_url`) avoid polling altogether."""
        deadline = time.monotonic() + timeout
        while True:
            current = self.get(source)
            if current.status.is_final:
                return current
            if time.monotonic() >= deadline:
                raise _timed_out(current, timeout)
            self._transport.sleep(poll_interval)


class AsyncSources(AsyncResource):
    @uses(CREATE)
    async def create(
        self,
        space: SpaceRef,
        *,
        type: SourceType | str,
        initial_data: Mapping[str, Any],
        instructions: Mapping[str, Any] | None = None,
        name: str | None = None,
        description: str | None = None,
        collection: CollectionRef | None = None,
    ) -> Source:
        call = _create(space, type, initial_data, instructions, name, description, collection)
        return await self._send(call)

    async def create_content(self, space: SpaceRef, data: str, **options: Any) -> Source:
        data_ = {"data": data}
        return await self.create(space, type=SourceType.CONTENT, initial_data=data_, **options)

    async def create_url(self, space: SpaceRef, url: str, **options: Any) -> Source:
        return await self.create(space, type=SourceType.URI, initial_data={"url": url}, **options)

    async def create_composition(
        self, space: SpaceRef, sources: Sequence[SourceRef], **options: Any
    ) -> Source:
        data = {"source_ids": [id_of(s) for s in sources]}
        return await self.create(space, type=SourceType.COMPOSITION, initial_data=data, **options)

    async def upload_file(
        self,
        space: SpaceRef,
        path: str | Path,
        *,
        content_type: str | None = None,
        filename: str | None = None,
        **options: Any,
    ) -> Source:
        upload = await AsyncUploads(self._transport).upload(
            Path(path), filename=filename, content_type=content_type
        )
        data = {"data": upload.file_key}
        return await self.create(space, type=SourceType.FILE, initial_data=data, **options)

    @uses(LIST)
    def list(
        self,
        space: SpaceRef,
        *,
        status: SourceStatus | str | None = None,
        type: SourceType | str | None = None,
        collection: CollectionRef | None = None,
        pinned: bool | None = None,
        deleted: bool | None = None,
        include_deleted: bool | None = None,
        per_page: int | None = None,
    ) -> AsyncPaginator[Source]:
        filters = _list_filters(
            status, type, collection, pinned, deleted, include_deleted, per_page
        )
        return self._paginate(_list(space, filters))

    @uses(GET)
    async def get(self, source: SourceRef) -> Source:
        return await self._send(_on(GET, source))

    @uses(UPDATE)
    async def update(
        self,
        source: SourceRef,
        *,
        name: str | Omittable | None = OMIT,
        description: str | Omittable | None = OMIT,
        collection: CollectionRef | Omittable | None = OMIT,
        instructions: Mapping[str, Any] | Omittable | None = OMIT,
    ) -> Source:
        return await self._send(_update(source, name, description, collection, instructions))

    @uses(DELETE)
    async def delete(self, source: SourceRef) -> Source:
        return await self._send(_on(DELETE, source))

    @uses(RESTORE)
    async def restore(self, source: SourceRef) -> Source:
        return await self._send(_on(RESTORE, source))

    @uses(TOGGLE_PIN)
    async def toggle_pin(self, source: SourceRef) -> Source:
        return await self._send(_on(TOGGLE_PIN, source))

    @uses(CANCEL)
    async def cancel(self, source: SourceRef) -> Source:
        return await self._send(_on(CANCEL, source))

    @uses(REFRESH)
    async def refresh(
        self,
        source: SourceRef,
        *,
        run_context_extraction: bool | None = None,
        run_artifact_extraction: bool | None = None,
        force: bool | None = None,
    ) -> Source:
        body = _flags(
            run_context_extraction=run_context_extraction,
            run_artifact_extraction=run_artifact_extraction,
            force=force,
        )
        return await self._send(_on(REFRESH, source, body))

    @uses(REPROCESS)
    async def reprocess(
        self,
        source: SourceRef,
        *,
        run_context_extraction: bool | None = None,
        run_artifact_extraction: bool | None = None,
        update_existing: bool | None = None,
        snapshot_ratio: float | None = None,
        snapshot_budget_tokens: int | None = None,
    ) -> Source:
        body = _flags(
            run_context_extraction=run_context_extraction,
            run_artifact_extraction=run_artifact_extraction,
            update_existing=update_existing,
            snapshot_ratio=snapshot_ratio,
            snapshot_budget_tokens=snapshot_budget_tokens,
        )
        return await self._send(_on(REPROCESS, source, body))

    @uses(FAST_FORWARD)
    async def fast_forward(
        self,
        source: SourceRef,
        *,
        type: SourceType | str,
        initial_data: Mapping[str, Any],
        instructions: Mapping[str, Any] | None = None,
    ) -> FastForwardResult:
        return await self._send(_fast_forward(source, type, initial_data, instructions))

    @uses(SNAPSHOT)
    async def snapshot(self, source: SourceRef) -> Snapshot:
        return await self._send(_snapshot(source))

    @uses(TURNS)
    def turns(
        self, source: SourceRef, *, per_page: int | None = None, thinking: bool = False
    ) -> AsyncPaginator[Turn]:
        """The source's turns with their tool calls; `thinking=True` adds the model's thinking."""
        return self._paginate(_turns(source, per_page, thinking))

    @uses(CONTENT)
    async def content(self, source: SourceRef) -> str:
        return await self._send(_content(source))

    async def wait_until_done(
        self,
        source: SourceRef,
        *,
        timeout: float = DEFAULT_WAIT_TIMEOUT,
        poll_interval: float = DEFAULT_POLL_INTERVAL,
    ) -> Source:
        """See `Sources.wait_until_done`."""
        deadline = time.monotonic() + timeout
        while True:
            current = await self.get(source)
            if current.status.is_final:
                return current
            if time.monotonic() >= deadline:
                raise _timed_out(current, timeout)
            await self._transport.sleep(poll_interval)
