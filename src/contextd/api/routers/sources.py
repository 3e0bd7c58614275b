from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, status
from fastapi.responses import PlainTextResponse, Response
from sqlalchemy import Connection
from sqlalchemy.orm import Session

from contextd.api import hot, views
from contextd.api.deps import (
    PagingDep,
    QueryBool,
    RuntimeDep,
    SessionDep,
    SourceCtxDep,
    UserDep,
    in_read,
    in_transaction,
    in_write,
    source_context_of,
)
from contextd.api.schemas import (
    FastForwardOut,
    FastForwardRequest,
    RefreshRequest,
    ReprocessRequest,
    SnapshotOut,
    SourceCreate,
    SourceList,
    SourceOut,
    SourcePatch,
    TurnList,
)
from contextd.domain.enums import SourceStatus, SourceType
from contextd.domain.errors import NotFound
from contextd.services import artifacts, sources, spaces
from contextd.services.source_input import SESSIONLESS

router = APIRouter(tags=["Sources"])


def _wake(request: Request) -> None:
    """Let an embedded worker start now rather than at its next poll."""
    worker = getattr(request.app.state, "worker", None)
    if worker is not None:
        worker.notify()


def _started(request: Request, answer: SourceOut) -> SourceOut:
    """The answer of every action that (re)starts processing: the source, now PENDING; the
    embedded worker is woken once the transaction has committed."""
    request.state.after_commit = _wake
    return answer


@router.post(
    "/v1/spaces/{spaceId}/sources", status_code=status.HTTP_201_CREATED, response_model=SourceOut
)
async def create_source(spaceId: str, body: SourceCreate, request: Request) -> Response:
    """Create a source and queue it for processing (the response shows it PENDING)."""
    return await _create(spaceId, body, request)


async def create_source_fast(
    request: Request, path_params: dict[str, Any], body: SourceCreate
) -> Response:
    """`create_source`, for `api.hot.FastCreate`, which answers it ahead of FastAPI's routing."""
    return await _create(path_params["spaceId"], body, request)


async def _create(spaceId: str, body: SourceCreate, request: Request) -> Response:
    ctx = source_context_of(request.app.state.runtime)

    def prepare(user_id: str, session: Session | None = None) -> sources.NewSource:
        return sources.prepare_source(
            ctx,
            user_id,
            spaceId,
            source_type=body.type,
            initial_data=body.initial_data,
            instructions=body.instructions,
            name=body.name,
            description=body.description,
            collection_id=body.collectionId,
            session=session,
        )

    def create(connection: Connection, new: sources.NewSource) -> SourceOut:
        return _started(request, views.new_source(sources.create_source(connection, ctx, new)))

    if body.type in SESSIONLESS:
        answer = await in_write(request, prepare, create)
    else:
        answer = await in_transaction(
            request, lambda session, user: create(session.connection(), prepare(user.id, session))
        )
    return hot.dumped(SourceOut, answer, status.HTTP_201_CREATED)  # as FastAPI would dump it


@router.get("/v1/spaces/{spaceId}/sources", response_model=SourceList)
def list_sources(
    spaceId: str,
    session: SessionDep,
    user: UserDep,
    paging: PagingDep,
    status_: Annotated[SourceStatus | None, Query(alias="status")] = None,
    type_: Annotated[SourceType | None, Query(alias="type")] = None,
    collectionId: Annotated[str | None, Query(max_length=36)] = None,
    pinned: QueryBool | None = None,
    deleted: Annotated[
        QueryBool | None,
        Query(description="false (default): live sources; true: only deleted ones"),
    ] = False,
    include_deleted: Annotated[
        QueryBool, Query(description="list live and deleted sources")
    ] = False,
) -> SourceList:
    """List a space's sources, pinned first, newest first."""
    space = spaces.get_space(session, user, spaceId)
    rows, total = sources.list_sources(
        session,
        space,
        page=paging.page,
        per_page=paging.per_page,
        status=status_,
        source_type=type_,
        collection_id=collectionId,
        pinned=pinned,
        deleted=None if include_deleted else deleted,
    )
    return SourceList(
        sources=views.sources(session, rows),
        pagination=views.pagination(paging.page, paging.per_page, total),
    )


@router.get("/v1/sources/{sourceId}", response_model=SourceOut)
async def get_source(sourceId: str, request: Request) -> SourceOut:
    return await in_read(
        request, lambda db, user_id: views.source(db, sources.read_source(db, user_id, sourceId))
    )


async def get_source_fast(request: Request, path_params: dict[str, Any]) -> SourceOut:
    """`get_source`, for `api.hot.FastRead`, which answers it ahead of FastAPI's routing."""
    return await get_source(path_params["sourceId"], request)


@router.patch("/v1/sources/{sourceId}", response_model=SourceOut)
def patch_source(
    sourceId: str, body: SourcePatch, session: SessionDep, user: UserDep, ctx: SourceCtxDep
) -> SourceOut:
    """Change metadata: `name`, `description`, `collectionId` (null unfiles), `instructions`."""
    source = sources.get_source(session, user, sourceId)
    changes = {k: getattr(body, k) for k in body.model_fields_set}
    if changes.get("instructions", {}) is None:
        changes["instructions"] = {}
    return views.source(session, sources.patch_source(session, ctx, source, changes))


@router.delete("/v1/sources/{sourceId}", response_model=SourceOut)
def delete_source(sourceId: str, session: SessionDep, user: UserDep) -> SourceOut:
    """Soft delete: hidden from lists, kept until restored."""
    source = sources.get_source(session, user, sourceId)
    return views.source(session, sources.delete_source(session, source))


@router.post("/v1/sources/{sourceId}/restore", response_model=SourceOut)
def restore_source(sourceId: str, session: SessionDep, user: UserDep) -> SourceOut:
    source = sources.get_source(session, user, sourceId)
    return views.source(session, sources.restore_source(session, source))


@router.patch("/v1/sources/{sourceId}/toggle-pin", response_model=SourceOut)
def toggle_pin(sourceId: str, session: SessionDep, user: UserDep) -> SourceOut:
    source = sources.get_source(session, user, sourceId)
    return views.source(session, sources.toggle_pin(session, source))


@router.post("/v1/sources/{sourceId}/cancel", response_model=SourceOut)
def cancel_source(sourceId: str, session: SessionDep, user: UserDep) -> SourceOut:
    """Cancel processing (CREATED, PENDING or PROCESSING). A running job stops at its next step."""
    source = sources.get_source(session, user, sourceId, lock=True)
    return views.source(session, sources.cancel_source(session, source))


@router.post(
    "/v1/sources/{sourceId}/refresh",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=SourceOut,
)
def refresh_source(
    sourceId: str,
    request: Request,
    session: SessionDep,
    user: UserDep,
    ctx: SourceCtxDep,
    body: RefreshRequest | None = None,
) -> SourceOut:
    """Fetch a URI or FILE source again; extraction is skipped when the content is unchanged."""
    source = sources.get_source(session, user, sourceId, lock=True)
    flags = (body or RefreshRequest()).model_dump()
    return _started(
        request, views.source(session, sources.refresh_source(session, ctx, source, flags))
    )


@router.post(
    "/v1/sources/{sourceId}/reprocess",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=SourceOut,
)
def reprocess_source(
    sourceId: str,
    request: Request,
    session: SessionDep,
    user: UserDep,
    ctx: SourceCtxDep,
    body: ReprocessRequest | None = None,
) -> SourceOut:
    """Run the pipeline again on the stored content (COMPLETED or FAILED sources only)."""
    source = sources.get_source(session, user, sourceId, lock=True)
    options = body or ReprocessRequest()
    flags = options.model_dump(exclude=set(sources.SNAPSHOT_OPTIONS))
    started = sources.reprocess_source(
        session,
        ctx,
        source,
        flags,
        snapshot_ratio=options.snapshot_ratio,
        snapshot_budget_tokens=options.snapshot_budget_tokens,
    )
    return _started(request, views.source(session, started))


@router.post(
    "/v1/sources/{sourceId}/fast-forward",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=FastForwardOut,
)
def fast_forward_source(
    sourceId: str,
    body: FastForwardRequest,
    request: Request,
    session: SessionDep,
    user: UserDep,
    ctx: SourceCtxDep,
) -> FastForwardOut:
    """Append new data (URI, FILE or CONTENT) to a COMPLETED or FAILED source."""
    target = sources.get_source(session, user, sourceId, lock=True)
    target, temp = sources.fast_forward_source(
        session,
        ctx,
        user,
        target,
        source_type=body.type,
        initial_data=body.initial_data,
        instructions=body.instructions,
    )
    answer = _started(request, views.source(session, target))
    return FastForwardOut(**answer.model_dump(), fastForwardSourceId=temp.id)


@router.get("/v1/sources/{sourceId}/snapshot", response_model=SnapshotOut)
def get_snapshot(sourceId: str, session: SessionDep, user: UserDep) -> SnapshotOut:
    """Extension: the source's latest context snapshot, as Markdown with token accounting."""
    source = sources.get_source(session, user, sourceId)
    snapshot = artifacts.latest_snapshot(session, source.id)
    if snapshot is None:
        raise NotFound("snapshot for source", source.id)
    return views.snapshot(snapshot)


@router.get("/v1/sources/{sourceId}/turns", response_model=TurnList)
def list_turns(
    sourceId: str,
    session: SessionDep,
    user: UserDep,
    paging: PagingDep,
    thinking: Annotated[
        QueryBool,
        Query(description="true: include each turn's thinking (false, the default: null)"),
    ] = False,
) -> TurnList:
    """Extension: the conversation turns parsed from the source, in order, with the tool calls
    a coding agent made (outputs bounded, file actions by path and size) and, when asked, the
    model's thinking."""
    source = sources.get_source(session, user, sourceId)
    rows, total = sources.list_turns(session, source, page=paging.page, per_page=paging.per_page)
    return TurnList(
        turns=[views.turn(t, thinking=thinking) for t in rows],
        pagination=views.pagination(paging.page, paging.per_page, total),
    )


@router.get("/v1/sources/{sourceId}/content", response_class=PlainTextResponse)
def get_content(
    sourceId: str, session: SessionDep, user: UserDep, runtime: RuntimeDep
) -> PlainTextResponse:
    """Extension: the source converted to normalized Markdown/text."""
    source = sources.get_source(session, user, sourceId)
    if not source.document_key:
        raise NotFound("content for source", source.id)
    text = runtime.blobs.get(source.document_key).decode()
    return PlainTextResponse(text, media_type="text/markdown; charset=utf-8")
