"""What the MCP tools return: each tool's structured output (its published output schema), built
from the SDK's models, and the same result as Markdown for clients that only show text.

The tools in `server.py` fetch; everything about the shape and wording of an answer is here.
"""

from __future__ import annotations

from datetime import datetime

from mcp.types import CallToolResult, TextContent
from pydantic import BaseModel, Field

from contextd.client import Artifact, SearchResult, Snapshot, Source, Space

# --- structured outputs ---------------------------------------------------------------------------


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


class SaveSessionOutput(BaseModel):
    agent: str
    session_id: str
    project: str
    path: str | None = Field(default=None, description="The session file saved, if read from disk")
    space_id: str
    action: str = Field(
        description="new (source created), append (new lines fast-forwarded), unchanged "
        "(nothing new since the last save), diverged (the file was rewritten; left alone), "
        "empty (nothing to save yet)"
    )
    sent_bytes: int = 0
    source: SourceInfo | None = None


# --- from the SDK's models ------------------------------------------------------------------------


def source_info(source: Source) -> SourceInfo:
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


def artifact_info(artifact: Artifact) -> ArtifactInfo:
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


def space_info(space: Space) -> SpaceInfo:
    return SpaceInfo(
        id=space.id, name=space.name, description=space.description, created_at=space.created_at
    )


def search_hit(hit: SearchResult) -> SearchHit:
    return SearchHit(
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


def snapshot_output(snapshot: Snapshot, source_id: str) -> SnapshotOutput:
    return SnapshotOutput(
        source_id=snapshot.source_id or source_id,
        content=snapshot.content,
        tokens_before=snapshot.tokens_before,
        tokens_after=snapshot.tokens_after,
        compression=snapshot.compression,
        engine=snapshot.engine,
        version=snapshot.version,
        updated_at=snapshot.updated_at,
    )


def artifact_output(artifact: Artifact) -> ArtifactOutput:
    return ArtifactOutput(
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


# --- Markdown -------------------------------------------------------------------------------------


def result(output: BaseModel, text: str) -> CallToolResult:
    return CallToolResult(
        content=[TextContent(type="text", text=text)],
        structured_content=output.model_dump(mode="json"),
    )


def _label(source: SourceInfo) -> str:
    return source.name or source.title or "(untitled)"


def source_line(source: SourceInfo) -> str:
    parts = [f"- **{_label(source)}** `{source.id}` {source.type} {source.status}"]
    if source.status == "COMPLETED":
        parts.append(f"{source.turns} turns, {source.artifacts} artifacts")
    if source.message:
        parts.append(f"({source.message})")
    return " ".join(parts)


def fence(content: str, language: str | None) -> str:
    ticks = "```"
    while ticks in content:
        ticks += "`"
    return f"{ticks}{language or ''}\n{content.rstrip()}\n{ticks}"


def paging(page: int, pages: int, total: int) -> str:
    more = f"; pass page={page + 1} for more" if page < pages else ""
    return f"page {page} of {max(pages, 1)}, {total} in all{more}"


def spaces_text(output: SpacesOutput) -> str:
    lines = [f"{len(output.spaces)} space(s):"] if output.spaces else ["No spaces yet."]
    for info in output.spaces:
        about = f": {info.description}" if info.description else ""
        lines.append(f"- **{info.name}** `{info.id}`{about}")
    if output.default_space:
        lines.append(f"Default space: {output.default_space}")
    return "\n".join(lines)


def search_text(output: SearchOutput, mode: str) -> str:
    """`mode`: the one asked for, shown when the server did not say which it used."""
    hits = output.results
    if not hits:
        return f"No results for {output.query!r} in space {output.space_id}."
    lines = [f"{len(hits)} result(s) for {output.query!r} ({output.mode or mode}):"]
    for n, hit in enumerate(hits, 1):
        where = [f"source {hit.source_name or '(untitled)'} `{hit.source_id}`"]
        if hit.turn_start is not None:
            end = f"-{hit.turn_end}" if hit.turn_end not in (None, hit.turn_start) else ""
            where.append(f"turn {hit.turn_start}{end}")
        if hit.artifact_id:
            where.append(f"artifact `{hit.artifact_id}` {hit.artifact_type or ''}".rstrip())
        head = f"{n}. [{hit.kind or 'chunk'}, score {hit.score:.3f}] " + ", ".join(where)
        lines.append(head + "\n" + fence(hit.text, hit.language if hit.artifact_id else ""))
    return "\n\n".join(lines)


def snapshot_text(output: SnapshotOutput) -> str:
    note = (
        f"\n\n_(snapshot of source `{output.source_id}`: {output.tokens_after} tokens from "
        f"{output.tokens_before})_"
    )
    return output.content.rstrip() + note


def sources_text(output: SourcesOutput) -> str:
    where = paging(output.page, output.pages, output.total)
    lines = [f"Sources in space {output.space_id} ({where}):"]
    lines += [source_line(source) for source in output.sources] or ["(none)"]
    return "\n".join(lines)


def artifacts_text(output: ArtifactsOutput) -> str:
    where = paging(output.page, output.pages, output.total)
    lines = [f"Artifacts in space {output.space_id} ({where}):"]
    for a in output.artifacts:
        kind = f"{a.type} {a.language or ''}".rstrip()
        title = f" {a.title}" if a.title else ""
        lines.append(f"- `{a.id}` {kind}{title}, {a.lines} line(s): {a.preview}")
    if not output.artifacts:
        lines.append("(none)")
    return "\n".join(lines)


def artifact_text(output: ArtifactOutput) -> str:
    head = f"{output.type} {output.language or ''}".rstrip()
    head += f" {output.title}" if output.title else ""
    head += f" (artifact `{output.id}` from source `{output.source_id}`)"
    return head + "\n\n" + fence(output.content, output.language)


def saved_text(output: SaveSessionOutput) -> str:
    what = {
        "new": "Saved as a new source",
        "append": f"Appended {output.sent_bytes} new bytes to the source",
        "unchanged": "Nothing new since the last save of the source",
        "diverged": "The session file was rewritten since the last save; left the source alone",
        "empty": "Nothing to save yet",
    }.get(output.action, output.action)
    text = f"{what} (session {output.session_id} of {output.project})"
    if output.source is not None:
        text += f": `{output.source.id}` in space {output.space_id}, {output.source.status}"
        text += ". get_source shows when processing is over; get_snapshot then reads it."
    return text


def added_text(output: AddContentOutput, space_id: str) -> str:
    info = output.source
    text = f"Added source `{info.id}` to space {space_id}: {info.status}"
    if info.status == "COMPLETED":
        text += f", {info.turns} turns, {info.artifacts} artifacts"
        text += ". get_snapshot and list_artifacts can read it now."
    elif info.message:
        text += f" ({info.message})"
    elif not output.finished:
        text += ". Still processing: check with get_source."
    return text
