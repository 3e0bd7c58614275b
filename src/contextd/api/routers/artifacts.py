from __future__ import annotations

import io
import zipfile
from typing import Annotated

from fastapi import APIRouter, Query, Response

from contextd.api import views
from contextd.api.deps import PagingDep, QueryBool, SessionDep, UserDep
from contextd.api.schemas import ArtifactList, ArtifactOut, ArtifactVersions
from contextd.domain.enums import ArtifactType
from contextd.services import artifacts, spaces

router = APIRouter(tags=["Artifacts (extension)"])

EXTENSIONS = {
    "python": "py", "javascript": "js", "typescript": "ts", "bash": "sh", "shell": "sh",
    "markdown": "md", "json": "json", "yaml": "yaml", "sql": "sql", "html": "html", "css": "css",
    "rust": "rs", "go": "go", "java": "java", "c": "c", "cpp": "cpp", "csharp": "cs",
    "ruby": "rb", "php": "php", "mermaid": "mmd", "graphql": "graphql", "protobuf": "proto",
    "toml": "toml", "dockerfile": "Dockerfile", "plantuml": "puml", "dot": "dot",
}  # fmt: skip


def filename_for(title: str, language: str | None, artifact_id: str) -> str:
    """A safe download name: the title when it looks like a file name, else id + extension."""
    from contextd.services.uploads import safe_filename

    if "." in title and " " not in title.strip():
        return safe_filename(title)
    return f"{artifact_id}.{EXTENSIONS.get(language or '', 'txt')}"


@router.get("/v1/spaces/{spaceId}/artifacts", response_model=ArtifactList)
def list_artifacts(
    spaceId: str,
    session: SessionDep,
    user: UserDep,
    paging: PagingDep,
    type_: Annotated[ArtifactType | None, Query(alias="type")] = None,
    sourceId: Annotated[str | None, Query(max_length=36)] = None,
    language: Annotated[str | None, Query(max_length=50)] = None,
    current: Annotated[
        QueryBool | None,
        Query(description="true (default): current versions only; false: superseded"),
    ] = True,
) -> ArtifactList:
    """Artifacts extracted from the space's sources: code, schemas, diagrams, commands, context."""
    space = spaces.get_space(session, user, spaceId)
    rows, total = artifacts.list_artifacts(
        session,
        space,
        page=paging.page,
        per_page=paging.per_page,
        artifact_type=type_,
        source_id=sourceId,
        language=language,
        current=current,
    )
    return ArtifactList(
        artifacts=[views.artifact(a) for a in rows],
        pagination=views.pagination(paging.page, paging.per_page, total),
    )


@router.get("/v1/spaces/{spaceId}/artifacts.zip", response_class=Response)
def download_artifacts(spaceId: str, session: SessionDep, user: UserDep) -> Response:
    """All current artifacts of a space as a zip, one file per artifact."""
    space = spaces.get_space(session, user, spaceId)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        page = 1
        while True:
            rows, total = artifacts.list_artifacts(session, space, page=page, per_page=500)
            for a in rows:
                name = filename_for(a.title, a.language, a.id)
                archive.writestr(f"{a.type.lower()}/{a.id[:8]}-{name}", a.content)
            if page * 500 >= total:
                break
            page += 1
    return Response(
        buffer.getvalue(),
        media_type="application/zip",
        headers={"Content-Disposition": f'attachment; filename="artifacts-{space.id}.zip"'},
    )


@router.get("/v1/artifacts/{artifactId}", response_model=ArtifactOut)
def get_artifact(artifactId: str, session: SessionDep, user: UserDep) -> ArtifactOut:
    return views.artifact(artifacts.get_artifact(session, user, artifactId))


@router.get("/v1/artifacts/{artifactId}/versions", response_model=ArtifactVersions)
def artifact_versions(artifactId: str, session: SessionDep, user: UserDep) -> ArtifactVersions:
    """All versions of the artifact (the same file or function revised), oldest first."""
    a = artifacts.get_artifact(session, user, artifactId)
    return ArtifactVersions(versions=[views.artifact(v) for v in artifacts.versions_of(session, a)])


@router.get("/v1/artifacts/{artifactId}/raw", response_class=Response)
def download_artifact(artifactId: str, session: SessionDep, user: UserDep) -> Response:
    """The artifact's content as a file download."""
    a = artifacts.get_artifact(session, user, artifactId)
    name = filename_for(a.title, a.language, a.id)
    return Response(
        a.content,
        media_type="text/plain; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
