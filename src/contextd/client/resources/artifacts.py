"""Artifacts: the code, schemas, diagrams, commands and snapshots extracted from sources."""

from __future__ import annotations

import builtins
from collections.abc import Callable
from typing import Any

from contextd.client import _parse
from contextd.client._routes import Call, route, uses
from contextd.client.models import Artifact, ArtifactType, Source, Space
from contextd.client.pagination import AsyncPaginator, Page, Paginator
from contextd.client.resources._base import AsyncResource, SyncResource, id_of

LIST = route("GET", "/v1/spaces/{spaceId}/artifacts")
ZIP = route("GET", "/v1/spaces/{spaceId}/artifacts.zip")
GET = route("GET", "/v1/artifacts/{artifactId}")
VERSIONS = route("GET", "/v1/artifacts/{artifactId}/versions")
RAW = route("GET", "/v1/artifacts/{artifactId}/raw")

ArtifactRef = str | Artifact
_ANY = {"Accept": "*/*"}


def _list(
    space: str | Space,
    type: ArtifactType | str | None,
    source: str | Source | None,
    language: str | None,
    current: bool | None,
    per_page: int | None,
) -> Callable[[int], Call[Page[Artifact]]]:
    path = {"spaceId": id_of(space)}
    params: dict[str, Any] = {
        "type": type, "sourceId": None if source is None else id_of(source),
        "language": language, "current": current, "per_page": per_page,
    }  # fmt: skip
    return lambda page: LIST.call(
        _parse.page("artifacts", Artifact), path, params={**params, "page": page}
    )


def _get(artifact: ArtifactRef) -> Call[Artifact]:
    return GET.call(_parse.model(Artifact), {"artifactId": id_of(artifact)})


def _versions(artifact: ArtifactRef) -> Call[list[Artifact]]:
    parse = _parse.model_list("versions", Artifact)
    return VERSIONS.call(parse, {"artifactId": id_of(artifact)})


def _raw(artifact: ArtifactRef) -> Call[bytes]:
    return RAW.call(_parse.content, {"artifactId": id_of(artifact)}, headers=_ANY)


def _zip(space: str | Space) -> Call[bytes]:
    return ZIP.call(_parse.content, {"spaceId": id_of(space)}, headers=_ANY)


class Artifacts(SyncResource):
    @uses(LIST)
    def list(
        self,
        space: str | Space,
        *,
        type: ArtifactType | str | None = None,
        source: str | Source | None = None,
        language: str | None = None,
        current: bool | None = None,
        per_page: int | None = None,
    ) -> Paginator[Artifact]:
        """Current versions by default; `current=False` lists the superseded ones."""
        return self._paginate(_list(space, type, source, language, current, per_page))

    @uses(GET)
    def get(self, artifact: ArtifactRef) -> Artifact:
        return self._send(_get(artifact))

    @uses(VERSIONS)
    def versions(self, artifact: ArtifactRef) -> builtins.list[Artifact]:
        """Every version of the same file or function, oldest first; the last is current."""
        return self._send(_versions(artifact))

    @uses(RAW)
    def raw(self, artifact: ArtifactRef) -> bytes:
        """The artifact's content as its file download."""
        return self._send(_raw(artifact))

    @uses(ZIP)
    def download_zip(self, space: str | Space) -> bytes:
        """All current artifacts of the space as a zip archive, one file each."""
        return self._send(_zip(space))


class AsyncArtifacts(AsyncResource):
    @uses(LIST)
    def list(
        self,
        space: str | Space,
        *,
        type: ArtifactType | str | None = None,
        source: str | Source | None = None,
        language: str | None = None,
        current: bool | None = None,
        per_page: int | None = None,
    ) -> AsyncPaginator[Artifact]:
        return self._paginate(_list(space, type, source, language, current, per_page))

    @uses(GET)
    async def get(self, artifact: ArtifactRef) -> Artifact:
        return await self._send(_get(artifact))

    @uses(VERSIONS)
    async def versions(self, artifact: ArtifactRef) -> builtins.list[Artifact]:
        return await self._send(_versions(artifact))

    @uses(RAW)
    async def raw(self, artifact: ArtifactRef) -> bytes:
        return await self._send(_raw(artifact))

    @uses(ZIP)
    async def download_zip(self, space: str | Space) -> bytes:
        return await self._send(_zip(space))
