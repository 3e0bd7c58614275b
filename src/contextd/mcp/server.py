"""The MCP server: contextd's spaces, snapshots, artifacts and search as MCP tools.

The server is a *client* of a contextd (or Ctxfy-compatible) API: every tool call becomes one
or a few calls through `contextd.client.AsyncClient`, with the API key of whoever runs it. It
holds no state of its own beyond a small cache of space names.

Every tool returns structured content (its output schema is published) and the same result as
readable Markdown text, for clients that only show text to the model; both are built in
`outputs.py`, so the tools here only fetch. API errors come back as tool errors (`isError`)
whose text carries the API's message and its `requestId`.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Literal, Protocol

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from mcp.types import CallToolResult, ToolAnnotations
from pydantic import Field

from contextd.client import (
    APIConnectionError,
    APIStatusError,
    AsyncClient,
    ContextdError,
    NotFoundError,
    SearchFilters,
    WaitTimeout,
)
from contextd.client.agent_sessions import AGENTS, MAIN
from contextd.domain.enums import ArtifactType, ChunkKind, SearchMode, SourceStatus
from contextd.mcp import outputs as o
from contextd.mcp import sessions as saving
from contextd.mcp.outputs import (
    AddContentOutput,
    ArtifactOutput,
    ArtifactsOutput,
    SaveSessionOutput,
    SearchOutput,
    SnapshotOutput,
    SourceInfo,
    SourcesOutput,
    SpaceInfo,
    SpacesOutput,
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
(`create_space` makes one); `save_session` saves your own coding session (Claude Code, Codex, \
Gemini CLI, Cline, Aider) and, called again, appends what is new. \
Spaces can be named by id or by name; tools fall back to the configured default space."""

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_MAX_SPACES = 500


def _values(kind: type[StrEnum]) -> Any:
    """`Literal[...]` of one of the API's enums (`contextd.domain`): the tool's input schema lists
    the values inline, as MCP clients hand it to a model as it is, and a tool receives plain
    strings, which is all the SDK needs."""
    return Literal[tuple(member.value for member in kind)]


if TYPE_CHECKING:  # a Literal built at run time is opaque to mypy; the values are strings
    AgentName = str
    ArtifactKind = str
    SourceStatusName = str
    ChunkKindName = str
    SearchModeName = str
else:
    AgentName = Literal[tuple(AGENTS)]
    ArtifactKind = _values(ArtifactType)
    SourceStatusName = _values(SourceStatus)
    ChunkKindName = _values(ChunkKind)
    SearchModeName = _values(SearchMode)

SpaceArg = Annotated[
    str | None,
    Field(
        description="Space id or exact space name; omit to use the server's default space "
        "(list_spaces shows them)"
    ),
]
PageArg = Annotated[int, Field(ge=1, description="Page number, from 1")]
LimitArg = Annotated[int, Field(ge=1, le=100, description="Items per page (1-100)")]

READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
# Tools that create something: not read-only, never destructive, not idempotent.
ADDS = ToolAnnotations(
    read_only_hint=False,
    destructive_hint=False,
    idempotent_hint=False,
    open_world_hint=False,
)


class _HasContent(Protocol):
    content: str


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


class _Api:
    """What every tool and resource shares: the SDK client, the default space, a cache of space
    names, and the mapping of API errors to the MCP errors clients understand."""

    def __init__(self, client: AsyncClient, default_space: str | None) -> None:
        self.client = client
        self.default_space = default_space
        self.base_url = str(client.base_url)
        self.space_ids: dict[str, str] = {}  # space name (casefolded) -> id

    @contextmanager
    def errors(self) -> Iterator[None]:
        """API errors become tool errors (`isError`) carrying the API's message."""
        try:
            yield
        except ContextdError as err:
            raise ToolError(describe_error(err, self.base_url)) from err

    async def read(self, fetch: Awaitable[_HasContent]) -> str:
        """A resource read: API errors become the resource errors MCP clients understand."""
        try:
            return (await fetch).content
        except NotFoundError as err:
            raise ResourceNotFoundError(describe_error(err, self.base_url)) from err
        except ContextdError as err:
            raise ResourceError(describe_error(err, self.base_url)) from err

    async def resolve_space(self, value: str | None) -> str:
        """A space id from an id or a name, or the default space."""
        wanted = (value or self.default_space or "").strip()
        if not wanted:
            raise ToolError(
                "no space given and the server has no default space: call list_spaces and "
                "pass a space id or name"
            )
        if _UUID.fullmatch(wanted):
            return wanted
        key = wanted.casefold()
        if key not in self.space_ids:
            with self.errors():
                matches = [
                    space.id
                    async for space in self.client.spaces.list(per_page=100)
                    if space.name.strip().casefold() == key
                ]
            if len(matches) > 1:
                raise ToolError(f"{len(matches)} spaces are named {wanted!r}: pass an id instead")
            # Not a name: let the API judge it as an id (other servers' ids need not be UUIDs).
            self.space_ids[key] = matches[0] if matches else wanted
        return self.space_ids[key]

    def forget_space_name(self, name: str) -> None:
        """A cached name may be ambiguous once another space takes it."""
        self.space_ids.pop(name.strip().casefold(), None)


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
    api = _Api(client, default_space)
    # In this order: clients list the tools as they were added.
    for add_tools in (
        _space_tools,
        _search_tools,
        _source_tools,
        _artifact_tools,
        _add_tools,
        _session_tools,
    ):
        add_tools(server, api)
    _resources(server, api)
    return server


def _space_tools(server: MCPServer[Any], api: _Api) -> None:
    @server.tool(title="List spaces", annotations=READ_ONLY)
    async def list_spaces() -> Annotated[CallToolResult, SpacesOutput]:
        """List the spaces (projects) of the account, with their ids. Sources, artifacts and
        search are all scoped to one space."""
        spaces: list[SpaceInfo] = []
        with api.errors():
            async for space in api.client.spaces.list(per_page=100):
                spaces.append(o.space_info(space))
                if len(spaces) >= _MAX_SPACES:
                    break
        output = SpacesOutput(spaces=spaces, default_space=api.default_space)
        return o.result(output, o.spaces_text(output))

    @server.tool(title="Create a space", annotations=ADDS)
    async def create_space(
        name: Annotated[str, Field(min_length=1, max_length=200, description="The space's name")],
        description: Annotated[str | None, Field(description="What the space is about")] = None,
    ) -> Annotated[CallToolResult, SpaceInfo]:
        """Create a new space (a project) to add content to. Check list_spaces first: a space
        with the same name may already exist."""
        with api.errors():
            space = await api.client.spaces.create(name, description=description)
        api.forget_space_name(name)
        info = o.space_info(space)
        return o.result(info, f"Created space **{info.name}** `{info.id}`.")


def _search_tools(server: MCPServer[Any], api: _Api) -> None:
    @server.tool(title="Search a space", annotations=READ_ONLY)
    async def search(
        query: Annotated[
            str, Field(min_length=1, description="What to look for, in natural language or words")
        ],
        space: SpaceArg = None,
        mode: Annotated[
            SearchModeName,
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
            list[ChunkKindName] | None,
            Field(
                description="Only these kinds of chunks: turn (conversation turns), section "
                "(document sections), artifact, snapshot"
            ),
        ] = None,
    ) -> Annotated[CallToolResult, SearchOutput]:
        """Search a space's conversations, documents, pages, artifacts and snapshots. Returns
        the best-matching chunks with their source and, for artifacts, the artifact id; follow
        up with get_snapshot(source_id) or read_artifact(artifact_id)."""
        space_id = await api.resolve_space(space)
        wanted = {
            "source_ids": source_ids,
            "artifact_types": artifact_types,
            "languages": languages,
            "kinds": kinds,
        }
        chosen = {k: v for k, v in wanted.items() if v}
        filters = SearchFilters.model_validate(chosen) if chosen else None
        with api.errors():
            found = await api.client.search(
                space_id, query, mode=mode, top_k=top_k, filters=filters
            )
        mode_used = None if found.mode is None else str(found.mode)
        hits = [o.search_hit(hit) for hit in found.results]
        output = SearchOutput(space_id=space_id, query=query, mode=mode_used, results=hits)
        return o.result(output, o.search_text(output, mode))

    @server.tool(title="Get a context snapshot", annotations=READ_ONLY)
    async def get_snapshot(
        source_id: Annotated[str, Field(min_length=1, description="The source's id")],
    ) -> Annotated[CallToolResult, SnapshotOutput]:
        """Get the context snapshot of a processed source: a compact Markdown summary of the
        state of the work in it (goals, decisions, constraints and facts, open questions), with
        [tN] references to the conversation turns it came from."""
        with api.errors():
            snapshot = await api.client.sources.snapshot(source_id)
        output = o.snapshot_output(snapshot, source_id)
        return o.result(output, o.snapshot_text(output))


def _source_tools(server: MCPServer[Any], api: _Api) -> None:
    @server.tool(title="Get a source", annotations=READ_ONLY)
    async def get_source(
        source_id: Annotated[str, Field(min_length=1, description="The source's id")],
    ) -> Annotated[CallToolResult, SourceInfo]:
        """Get one source's status and counts: whether processing is finished (COMPLETED,
        FAILED with a message, CANCELED) or still PENDING/PROCESSING, and how many turns and
        artifacts it has."""
        with api.errors():
            source = o.source_info(await api.client.sources.get(source_id))
        return o.result(source, o.source_line(source).removeprefix("- "))

    @server.tool(title="List sources", annotations=READ_ONLY)
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
        space_id = await api.resolve_space(space)
        with api.errors():
            listed = await api.client.sources.list(space_id, status=status, per_page=limit).page(
                page
            )
        info = listed.pagination
        output = SourcesOutput(
            space_id=space_id,
            sources=[o.source_info(source) for source in listed.items],
            page=info.page,
            pages=info.pages,
            total=info.total,
        )
        return o.result(output, o.sources_text(output))


def _artifact_tools(server: MCPServer[Any], api: _Api) -> None:
    @server.tool(title="List artifacts", annotations=READ_ONLY)
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
            with api.errors():
                owner = await api.client.sources.get(source_id)
            space_id = owner.space_id or await api.resolve_space(None)
        else:
            space_id = await api.resolve_space(space)
        with api.errors():
            listed = await api.client.artifacts.list(
                space_id, type=type, source=source_id, language=language, per_page=limit
            ).page(page)
        info = listed.pagination
        output = ArtifactsOutput(
            space_id=space_id,
            artifacts=[o.artifact_info(artifact) for artifact in listed.items],
            page=info.page,
            pages=info.pages,
            total=info.total,
        )
        return o.result(output, o.artifacts_text(output))

    @server.tool(title="Read an artifact", annotations=READ_ONLY)
    async def read_artifact(
        artifact_id: Annotated[str, Field(min_length=1, description="The artifact's id")],
    ) -> Annotated[CallToolResult, ArtifactOutput]:
        """Read the full content of an artifact (a code block, schema, diagram or command
        extracted from a source), with its type, language and source."""
        with api.errors():
            artifact = await api.client.artifacts.get(artifact_id)
        output = o.artifact_output(artifact)
        return o.result(output, o.artifact_text(output))


def _add_tools(server: MCPServer[Any], api: _Api) -> None:
    @server.tool(title="Add content", annotations=ADDS)
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
        space_id = await api.resolve_space(space)
        with api.errors():
            source = await api.client.sources.create_content(space_id, text, name=name)
            if wait:
                try:
                    source = await api.client.sources.wait_until_done(
                        source, timeout=timeout_seconds, poll_interval=0.25
                    )
                except WaitTimeout as err:
                    source = err.source
        output = AddContentOutput(source=o.source_info(source), finished=source.status.is_final)
        return o.result(output, o.added_text(output, space_id))


def _session_tools(server: MCPServer[Any], api: _Api) -> None:
    @server.tool(title="Save this coding session", annotations=ADDS)
    async def save_session(
        path: Annotated[
            str | None,
            Field(
                description="The session's file (a Cline task: its folder). Omit for Claude "
                "Code to save the newest session of the working directory"
            ),
        ] = None,
        content: Annotated[
            str | None,
            Field(description="The session's content itself, instead of a path"),
        ] = None,
        agent: Annotated[AgentName, Field(description="Which agent wrote the session")] = (
            "claude-code"
        ),
        space: Annotated[
            str | None,
            Field(
                description="Space id or name; omit for the default space, else the space "
                "named after the session's project (created if missing)"
            ),
        ] = None,
        session_id: Annotated[
            str | None, Field(description="The session's id, when giving content")
        ] = None,
        cwd: Annotated[
            str | None, Field(description="The working directory (Claude Code lookup)")
        ] = None,
        timeout_seconds: Annotated[
            float, Field(gt=0, le=600, description="How long to wait for the previous save")
        ] = 60,
    ) -> Annotated[CallToolResult, SaveSessionOutput]:
        """Save the current coding-agent session into contextd, so it can be searched and
        resumed later. The first call creates a source; later calls append only what was
        written since (fast-forward). Returns the source id and what was done."""
        try:
            found, staged = saving.find_session(agent, path, content, session_id, cwd)
        except (saving.CannotSave, OSError) as err:
            raise ToolError(str(err)) from err
        try:
            if space or api.default_space:
                space_id = await api.resolve_space(space)
            else:
                with api.errors():
                    space_id = await saving.space_for(api.client, found.project)
            with api.errors():
                saved = await saving.save(api.client, space_id, found, timeout=timeout_seconds)
        except saving.CannotSave as err:
            raise ToolError(str(err)) from err
        finally:
            if staged is not None:
                staged.cleanup()
        output = SaveSessionOutput(
            agent=found.agent,
            session_id=found.id,
            project=found.project,
            path=None if staged is not None else str(found.files[MAIN]),
            space_id=space_id,
            action=saved.action,
            sent_bytes=saved.sent_bytes,
            source=o.source_info(saved.source) if saved.source else None,
        )
        return o.result(output, o.saved_text(output))


def _resources(server: MCPServer[Any], api: _Api) -> None:
    @server.resource(
        "contextd://sources/{source_id}/snapshot",
        name="source-snapshot",
        title="Context snapshot of a source",
        mime_type="text/markdown",
    )
    async def snapshot_resource(source_id: str) -> str:
        """The context snapshot (Markdown) of a source."""
        return await api.read(api.client.sources.snapshot(source_id))

    @server.resource(
        "contextd://artifacts/{artifact_id}",
        name="artifact",
        title="Content of an artifact",
        mime_type="text/plain",
    )
    async def artifact_resource(artifact_id: str) -> str:
        """The raw content of an artifact."""
        return await api.read(api.client.artifacts.get(artifact_id))


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("contextd")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0"
