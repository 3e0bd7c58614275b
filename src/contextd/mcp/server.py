"""The MCP server: contextd's spaces, snapshots, artifacts and search as MCP tools.

The server is a *client* of a contextd (or Ctxfy-compatible) API: every tool call becomes one
or a few calls through `contextd.client.AsyncClient`, with the API key of whoever runs it. It
holds no state of its own beyond a small cache of space names.

Every tool returns structured content (its output schema is published) and the same result as
readable Markdown text, for clients that only show text to the model. API errors come back as
tool errors (`isError`) whose text carries the API's message and its `requestId`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Annotated, Any, Literal, Protocol

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel, Field

from contextd.client import (
    APIConnectionError,
    APIStatusError,
    Artifact,
    AsyncClient,
    ContextdError,
    NotFoundError,
    SearchFilters,
    Source,
    WaitTimeout,
)

__all__ = ["INSTRUCTIONS", "build_server"]

INSTRUCTIONS = """\
contextd stores the user's AI conversations, documents and web pages in *spaces*. Each \
source (a conversation, file or page) is processed into a compact context snapshot (the \
state of the work: goals, decisions, facts, open questions), extracted artifacts (code, \
schemas, diagrams, commands) and searchable chunks.

Typical use: `search` a space for what you need (hybrid lexical + semantic search); open \
what a hit points to with `get_snapshot` (a source's snapshot) or `read_artifact` (an \
artifact's full content). `list_spaces`, `list_sources` and `list_artifacts` browse. \
`add_content` saves new text (e.g. the current conversation or notes) into a space \
(`create_space` makes one). \
Spaces can be named by id or by name; tools fall back to the configured default space."""

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_MAX_SPACES = 500

ArtifactKind = Literal["CODE", "SCHEMA", "DIAGRAM", "COMMAND", "CONTEXT"]
SourceStatusName = Literal["CREATED", "PENDING", "PROCESSING", "COMPLETED", "FAILED", "CANCELED"]
ChunkKind = Literal["turn", "section", "artifact", "snapshot"]

SpaceArg = Annotated[
    str | None,
    Field(
        description="Space id or exact space name; omit to use the server's default space "
        "(list_spaces shows them)"
    ),
]
PageArg = Annotated[int, Field(ge=1, description="Page number, from 1")]
LimitArg = Annotated[int, Field(ge=1, le=100, description="Items per page (1-100)")]


class _HasContent(Protocol):
    content: str


# --- structured outputs ------------------------------------------------------------------------


class SpaceInfo(BaseModel):
    id: str
    name: str
    description: str | None = None
    created_at: datetime | None = None


class SpacesOutput(BaseModel):
    spaces: list[SpaceInfo]
    default_space: str | None = Field(None, description="The server's default space, if any")


class SearchHit(BaseModel):
    score: float
    kind: str | None = Field(None, description="turn, section, artifact or snapshot")
    text: str
    title: str | None = None
    source_id: str | None = None
    source_name: str | None = None
    source_type: str | None = None
    turn_start: int | None = None
    turn_end: int | None = None
    speaker: str | None = None
    artifact_id: str | None = None
    artifact_type: str | None = None
    language: str | None = None


class SearchOutput(BaseModel):
    space_id: str
    query: str
    mode: str | None = None
    results: list[SearchHit]


class SourceInfo(BaseModel):
    id: str
    space_id: str | None = None
    type: str
    status: str
    name: str | None = None
    title: str | None = None
    message: str | None = Field(None, description="Why processing failed, when it did")
    format: str | None = None
    pinned: bool = False
    turns: int = 0
    tokens: int = 0
    artifacts: int = 0
    has_snapshot: bool = False
    created_at: datetime | None = None
    processed_at: datetime | None = None


class SourcesOutput(BaseModel):
    space_id: str
    sources: list[SourceInfo]
    page: int
    pages: int
    total: int


class SnapshotOutput(BaseModel):
    source_id: str
    content: str = Field(description="The context snapshot, Markdown")
    tokens_before: int = 0
    tokens_after: int = 0
    compression: float = 0.0
    engine: str | None = None
    version: int | None = None
    updated_at: datetime | None = None


class ArtifactInfo(BaseModel):
    id: str
    source_id: str | None = None
    type: str
    title: str | None = None
    language: str | None = None
    version: int | None = None
    lines: int = 0
    preview: str = Field("", description="The first line of the content")


class ArtifactsOutput(BaseModel):
    space_id: str
    artifacts: list[ArtifactInfo]
    page: int
    pages: int
    total: int


class ArtifactOutput(BaseModel):
    id: str
    space_id: str | None = None
    source_id: str | None = None
    type: str
    title: str | None = None
    language: str | None = None
    version: int | None = None
    is_current: bool = True
    turn_indexes: list[int] = Field(default_factory=list)
    content: str


class AddContentOutput(BaseModel):
    source: SourceInfo
    finished: bool = Field(description="Processing is over (COMPLETED, FAILED or CANCELED)")


# --- conversions --------------------------------------------------------------------------------


def _source_info(source: Source) -> SourceInfo:
    return SourceInfo(
        id=source.id,
        space_id=source.space_id,
        type=str(source.type),
        status=str(source.status),
        name=source.name,
        title=source.title,
        message=source.message,
        format=source.format,
        pinned=source.pinned,
        turns=source.stats.turns,
        tokens=source.stats.tokens,
        artifacts=source.stats.artifacts or len(source.artifacts),
        has_snapshot=source.snapshot is not None,
        created_at=source.created_at,
        processed_at=source.processed_at,
    )


def _artifact_info(artifact: Artifact) -> ArtifactInfo:
    content = artifact.content.strip("\n")
    return ArtifactInfo(
        id=artifact.id,
        source_id=artifact.source_id,
        type=str(artifact.type),
        title=artifact.title,
        language=artifact.language,
        version=artifact.version,
        lines=content.count("\n") + 1 if content else 0,
        preview=content.split("\n", 1)[0][:120],
    )


def _result(output: BaseModel, text: str) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=text)],
        structured_content=output.model_dump(mode="json"),
    )


def _label(source: SourceInfo) -> str:
    return source.name or source.title or "(untitled)"


def _source_line(source: SourceInfo) -> str:
    parts = [f"- **{_label(source)}** `{source.id}` {source.type} {source.status}"]
    if source.status == "COMPLETED":
        parts.append(f"{source.turns} turns, {source.artifacts} artifacts")
    if source.message:
        parts.append(f"({source.message})")
    return " ".join(parts)


def _fence(content: str, language: str | None) -> str:
    ticks = "```"
    while ticks in content:
        ticks += "`"
    return f"{ticks}{language or ''}\n{content.rstrip()}\n{ticks}"


def _paging(page: int, pages: int, total: int) -> str:
    more = f"; pass page={page + 1} for more" if page < pages else ""
    return f"page {page} of {max(pages, 1)}, {total} in all{more}"


def describe_error(err: ContextdError, base_url: str) -> str:
    """A tool error's text: the API's message, status and request id, and a hint."""
    if isinstance(err, APIStatusError):
        text = f"contextd API error {err.status_code} {err.error or ''}".rstrip()
        text += f": {err.message}"
        if err.details:
            fields = "; ".join(f"{d.get('field')}: {d.get('message')}" for d in err.details)
            text += f" [{fields}]"
        if err.request_id:
            text += f" (requestId: {err.request_id})"
        if isinstance(err, NotFoundError):
            text += (
                ". The id may be wrong, deleted, or another account's: list_spaces, "
                "list_sources and list_artifacts show the ids you can use."
            )
        return text
    if isinstance(err, APIConnectionError):
        return f"could not reach the contextd API at {base_url}: {err.message}"
    return f"contextd error: {err}"


# --- the server ---------------------------------------------------------------------------------


def build_server(
    client: AsyncClient, *, default_space: str | None = None, name: str = "contextd"
) -> MCPServer[Any]:
    """An MCP server whose tools call the contextd API through `client`.

    `client` stays the caller's: open it before serving and close it afterwards, in the same
    event loop. `default_space` (an id or a name) is used when a tool call names no space.
    """
    server: MCPServer[Any] = MCPServer(
        name, instructions=INSTRUCTIONS, log_level="WARNING", version=_version()
    )
    space_ids: dict[str, str] = {}  # space name (casefolded) -> id
    base_url = str(client.base_url)

    @contextmanager
    def api_errors() -> Iterator[None]:
        try:
            yield
        except ContextdError as err:
            raise ToolError(describe_error(err, base_url)) from err

    async def resolve_space(value: str | None) -> str:
        """A space id from an id or a name, or the default space."""
        wanted = (value or default_space or "").strip()
        if not wanted:
            raise ToolError(
                "no space given and the server has no default space: call list_spaces and "
                "pass a space id or name"
            )
        if _UUID.fullmatch(wanted):
            return wanted
        key = wanted.casefold()
        if key not in space_ids:
            with api_errors():
                matches = [
                    space.id
                    async for space in client.spaces.list(per_page=100)
                    if space.name.strip().casefold() == key
                ]
            if len(matches) > 1:
                raise ToolError(f"{len(matches)} spaces are named {wanted!r}: pass an id instead")
            # Not a name: let the API judge it as an id (other servers' ids need not be UUIDs).
            space_ids[key] = matches[0] if matches else wanted
        return space_ids[key]

    read_only = ToolAnnotations(read_only_hint=True, open_world_hint=False)
    # Tools that create something: not read-only, never destructive, not idempotent.
    adds = ToolAnnotations(
        read_only_hint=False,
        destructive_hint=False,
        idempotent_hint=False,
        open_world_hint=False,
    )

    @server.tool(title="List spaces", annotations=read_only)
    async def list_spaces() -> Annotated[CallToolResult, SpacesOutput]:
        """List the spaces (projects) of the account, with their ids. Sources, artifacts and
        search are all scoped to one space."""
        spaces: list[SpaceInfo] = []
        with api_errors():
            async for space in client.spaces.list(per_page=100):
                spaces.append(
                    SpaceInfo(
                        id=space.id,
                        name=space.name,
                        description=space.description,
                        created_at=space.created_at,
                    )
                )
                if len(spaces) >= _MAX_SPACES:
                    break
        output = SpacesOutput(spaces=spaces, default_space=default_space)
        lines = [f"{len(spaces)} space(s):"] if spaces else ["No spaces yet."]
        for info in spaces:
            about = f": {info.description}" if info.description else ""
            lines.append(f"- **{info.name}** `{info.id}`{about}")
        if default_space:
            lines.append(f"Default space: {default_space}")
        return _result(output, "\n".join(lines))

    @server.tool(
        title="Create a space",
        annotations=adds,
    )
    async def create_space(
        name: Annotated[str, Field(min_length=1, max_length=200, description="The space's name")],
        description: Annotated[str | None, Field(description="What the space is about")] = None,
    ) -> Annotated[CallToolResult, SpaceInfo]:
        """Create a new space (a project) to add content to. Check list_spaces first: a space
        with the same name may already exist."""
        with api_errors():
            space = await client.spaces.create(name, description=description)
        space_ids.pop(name.strip().casefold(), None)  # a cached name may now be ambiguous
        info = SpaceInfo(
            id=space.id, name=space.name, description=space.description, created_at=space.created_at
        )
        return _result(info, f"Created space **{info.name}** `{info.id}`.")

    @server.tool(title="Search a space", annotations=read_only)
    async def search(
        query: Annotated[
            str, Field(min_length=1, description="What to look for, in natural language or words")
        ],
        space: SpaceArg = None,
        mode: Annotated[
            Literal["hybrid", "lexical", "vector"],
            Field(
                description="hybrid (default): words and meaning; lexical: exact words; "
                "vector: meaning only"
            ),
        ] = "hybrid",
        top_k: Annotated[int, Field(ge=1, le=50, description="How many results (1-50)")] = 8,
        source_ids: Annotated[
            list[str] | None, Field(description="Only these sources (ids)")
        ] = None,
        artifact_types: Annotated[
            list[ArtifactKind] | None, Field(description="Only artifacts of these types")
        ] = None,
        languages: Annotated[
            list[str] | None,
            Field(description="Only artifacts in these languages, e.g. python, bash, sql"),
        ] = None,
        kinds: Annotated[
            list[ChunkKind] | None,
            Field(
                description="Only these kinds of chunks: turn (conversation turns), section "
                "(document sections), artifact, snapshot"
            ),
        ] = None,
    ) -> Annotated[CallToolResult, SearchOutput]:
        """Search a space's conversations, documents, pages, artifacts and snapshots. Returns
        the best-matching chunks with their source and, for artifacts, the artifact id; follow
        up with get_snapshot(source_id) or read_artifact(artifact_id)."""
        space_id = await resolve_space(space)
        wanted = {
            "source_ids": source_ids,
            "artifact_types": artifact_types,
            "languages": languages,
            "kinds": kinds,
        }
        chosen = {k: v for k, v in wanted.items() if v}
        filters = SearchFilters.model_validate(chosen) if chosen else None
        with api_errors():
            found = await client.search(space_id, query, mode=mode, top_k=top_k, filters=filters)
        hits = [
            SearchHit(
                score=hit.score,
                kind=hit.kind,
                text=hit.text,
                title=hit.title,
                source_id=hit.source_id,
                source_name=hit.source_name,
                source_type=None if hit.source_type is None else str(hit.source_type),
                turn_start=hit.turn_start,
                turn_end=hit.turn_end,
                speaker=hit.speaker,
                artifact_id=hit.artifact_id,
                artifact_type=None if hit.artifact_type is None else str(hit.artifact_type),
                language=hit.language,
            )
            for hit in found.results
        ]
        mode_used = None if found.mode is None else str(found.mode)
        output = SearchOutput(space_id=space_id, query=query, mode=mode_used, results=hits)
        if not hits:
            return _result(output, f"No results for {query!r} in space {space_id}.")
        lines = [f"{len(hits)} result(s) for {query!r} ({mode_used or mode}):"]
        for n, hit in enumerate(hits, 1):
            where = [f"source {hit.source_name or '(untitled)'} `{hit.source_id}`"]
            if hit.turn_start is not None:
                end = f"-{hit.turn_end}" if hit.turn_end not in (None, hit.turn_start) else ""
                where.append(f"turn {hit.turn_start}{end}")
            if hit.artifact_id:
                where.append(f"artifact `{hit.artifact_id}` {hit.artifact_type or ''}".rstrip())
            head = f"{n}. [{hit.kind or 'chunk'}, score {hit.score:.3f}] " + ", ".join(where)
            lines.append(head + "\n" + _fence(hit.text, hit.language if hit.artifact_id else ""))
        return _result(output, "\n\n".join(lines))

    @server.tool(title="Get a context snapshot", annotations=read_only)
    async def get_snapshot(
        source_id: Annotated[str, Field(min_length=1, description="The source's id")],
    ) -> Annotated[CallToolResult, SnapshotOutput]:
        """Get the context snapshot of a processed source: a compact Markdown summary of the
        state of the work in it (goals, decisions, constraints and facts, open questions), with
        [tN] references to the conversation turns it came from."""
        with api_errors():
            snapshot = await client.sources.snapshot(source_id)
        output = SnapshotOutput(
            source_id=snapshot.source_id or source_id,
            content=snapshot.content,
            tokens_before=snapshot.tokens_before,
            tokens_after=snapshot.tokens_after,
            compression=snapshot.compression,
            engine=snapshot.engine,
            version=snapshot.version,
            updated_at=snapshot.updated_at,
        )
        note = (
            f"\n\n_(snapshot of source `{output.source_id}`: {output.tokens_after} tokens from "
            f"{output.tokens_before})_"
        )
        return _result(output, snapshot.content.rstrip() + note)

    @server.tool(title="Get a source", annotations=read_only)
    async def get_source(
        source_id: Annotated[str, Field(min_length=1, description="The source's id")],
    ) -> Annotated[CallToolResult, SourceInfo]:
        """Get one source's status and counts: whether processing is finished (COMPLETED,
        FAILED with a message, CANCELED) or still PENDING/PROCESSING, and how many turns and
        artifacts it has."""
        with api_errors():
            source = _source_info(await client.sources.get(source_id))
        return _result(source, _source_line(source).removeprefix("- "))

    @server.tool(title="List sources", annotations=read_only)
    async def list_sources(
        space: SpaceArg = None,
        status: Annotated[
            SourceStatusName | None, Field(description="Only sources in this status")
        ] = None,
        page: PageArg = 1,
        limit: LimitArg = 25,
    ) -> Annotated[CallToolResult, SourcesOutput]:
        """List the sources (conversations, files, web pages) of a space, newest first, with
        their ids, processing status and counts."""
        space_id = await resolve_space(space)
        with api_errors():
            listed = await client.sources.list(space_id, status=status, per_page=limit).page(page)
        info = listed.pagination
        sources = [_source_info(source) for source in listed.items]
        output = SourcesOutput(
            space_id=space_id, sources=sources, page=info.page, pages=info.pages, total=info.total
        )
        lines = [f"Sources in space {space_id} ({_paging(info.page, info.pages, info.total)}):"]
        lines += [_source_line(source) for source in sources] or ["(none)"]
        return _result(output, "\n".join(lines))

    @server.tool(title="List artifacts", annotations=read_only)
    async def list_artifacts(
        space: SpaceArg = None,
        source_id: Annotated[
            str | None, Field(description="Only this source's artifacts (its space is used)")
        ] = None,
        type: Annotated[ArtifactKind | None, Field(description="Only this type")] = None,
        language: Annotated[
            str | None, Field(description="Only this language, e.g. python, bash, sql")
        ] = None,
        page: PageArg = 1,
        limit: LimitArg = 25,
    ) -> Annotated[CallToolResult, ArtifactsOutput]:
        """List the artifacts extracted from a space's sources (or one source's): code,
        schemas, diagrams, commands. Shows ids, types, languages and a first-line preview;
        read_artifact gives the full content."""
        if source_id and not space:
            with api_errors():
                owner = await client.sources.get(source_id)
            space_id = owner.space_id or await resolve_space(None)
        else:
            space_id = await resolve_space(space)
        with api_errors():
            listed = await client.artifacts.list(
                space_id, type=type, source=source_id, language=language, per_page=limit
            ).page(page)
        info = listed.pagination
        artifacts = [_artifact_info(artifact) for artifact in listed.items]
        output = ArtifactsOutput(
            space_id=space_id,
            artifacts=artifacts,
            page=info.page,
            pages=info.pages,
            total=info.total,
        )
        lines = [f"Artifacts in space {space_id} ({_paging(info.page, info.pages, info.total)}):"]
        for a in artifacts:
            kind = f"{a.type} {a.language or ''}".rstrip()
            title = f" {a.title}" if a.title else ""
            lines.append(f"- `{a.id}` {kind}{title}, {a.lines} line(s): {a.preview}")
        if not artifacts:
            lines.append("(none)")
        return _result(output, "\n".join(lines))

    @server.tool(title="Read an artifact", annotations=read_only)
    async def read_artifact(
        artifact_id: Annotated[str, Field(min_length=1, description="The artifact's id")],
    ) -> Annotated[CallToolResult, ArtifactOutput]:
        """Read the full content of an artifact (a code block, schema, diagram or command
        extracted from a source), with its type, language and source."""
        with api_errors():
            artifact = await client.artifacts.get(artifact_id)
        output = ArtifactOutput(
            id=artifact.id,
            space_id=artifact.space_id,
            source_id=artifact.source_id,
            type=str(artifact.type),
            title=artifact.title,
            language=artifact.language,
            version=artifact.version,
            is_current=artifact.is_current,
            turn_indexes=artifact.turn_indexes,
            content=artifact.content,
        )
        head = f"{output.type} {output.language or ''}".rstrip()
        head += f" {output.title}" if output.title else ""
        head += f" (artifact `{output.id}` from source `{output.source_id}`)"
        return _result(output, head + "\n\n" + _fence(artifact.content, artifact.language))

    @server.tool(
        title="Add content",
        annotations=adds,
    )
    async def add_content(
        text: Annotated[
            str,
            Field(
                min_length=1,
                description="The text to save: a conversation transcript (User:/Assistant: "
                "turns, or a ChatGPT/Claude export), notes, or a Markdown document",
            ),
        ],
        space: SpaceArg = None,
        name: Annotated[str | None, Field(max_length=200, description="A short name")] = None,
        wait: Annotated[
            bool,
            Field(description="Wait until processing finishes (snapshot and artifacts ready)"),
        ] = True,
        timeout_seconds: Annotated[
            float, Field(gt=0, le=600, description="How long to wait at most")
        ] = 60,
    ) -> Annotated[CallToolResult, AddContentOutput]:
        """Save text into a space as a new source. contextd processes it in the background into
        a context snapshot, artifacts and search chunks. Returns the source id and status; with
        wait (the default), returns when processing is over or the timeout passes (then check
        again with get_source)."""
        space_id = await resolve_space(space)
        with api_errors():
            source = await client.sources.create_content(space_id, text, name=name)
            if wait:
                try:
                    source = await client.sources.wait_until_done(
                        source, timeout=timeout_seconds, poll_interval=0.25
                    )
                except WaitTimeout as err:
                    source = err.source
        info = _source_info(source)
        output = AddContentOutput(source=info, finished=source.status.is_final)
        text_out = f"Added source `{info.id}` to space {space_id}: {info.status}"
        if info.status == "COMPLETED":
            text_out += f", {info.turns} turns, {info.artifacts} artifacts"
            text_out += ". get_snapshot and list_artifacts can read it now."
        elif info.message:
            text_out += f" ({info.message})"
        elif not output.finished:
            text_out += ". Still processing: check with get_source."
        return _result(output, text_out)

    @server.resource(
        "contextd://sources/{source_id}/snapshot",
        name="source-snapshot",
        title="Context snapshot of a source",
        mime_type="text/markdown",
    )
    async def snapshot_resource(source_id: str) -> str:
        """The context snapshot (Markdown) of a source."""
        return await read_content(client.sources.snapshot(source_id))

    @server.resource(
        "contextd://artifacts/{artifact_id}",
        name="artifact",
        title="Content of an artifact",
        mime_type="text/plain",
    )
    async def artifact_resource(artifact_id: str) -> str:
        """The raw content of an artifact."""
        return await read_content(client.artifacts.get(artifact_id))

    async def read_content(fetch: Awaitable[_HasContent]) -> str:
        """A resource read: API errors become the resource errors MCP clients understand."""
        try:
            return (await fetch).content
        except NotFoundError as err:
            raise ResourceNotFoundError(describe_error(err, base_url)) from err
        except ContextdError as err:
            raise ResourceError(describe_error(err, base_url)) from err

    return server


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("contextd")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0"
