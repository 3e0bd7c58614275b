"""Request and response bodies, named exactly as they are on the wire: one module per resource,
with what they all share (strict request models, JSON-exact numbers, UTC times, the pagination
envelope) in `base`. Importers take the models from here.
"""

from __future__ import annotations

from contextd.api.schemas.artifacts import (
    ArtifactList,
    ArtifactOut,
    ArtifactVersions,
    SnapshotOut,
)
from contextd.api.schemas.base import (
    NO_NUL,
    Pagination,
)
from contextd.api.schemas.keys import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyList,
    ApiKeyOut,
)
from contextd.api.schemas.search import (
    SearchFiltersIn,
    SearchRequest,
    SearchResponse,
    SearchResult,
    SearchScores,
)
from contextd.api.schemas.sources import (
    ArtifactSummary,
    FastForwardOut,
    FastForwardRequest,
    PageLink,
    RefreshRequest,
    ReprocessRequest,
    SessionInfo,
    SnapshotSummary,
    SourceCreate,
    SourceList,
    SourceOut,
    SourcePatch,
    SourceStats,
)
from contextd.api.schemas.spaces import (
    CollectionCreate,
    CollectionNode,
    CollectionOut,
    CollectionPatch,
    CollectionTree,
    SpaceList,
    SpaceOut,
    SpaceWrite,
)
from contextd.api.schemas.turns import (
    ActionOut,
    ToolCallOut,
    TurnList,
    TurnOut,
)
from contextd.api.schemas.uploads import (
    PostbackDeliveryList,
    PostbackDeliveryOut,
    PostbackSecret,
    UploadOut,
    UploadRequest,
)

__all__ = [
    "NO_NUL",
    "ActionOut",
    "ApiKeyCreate",
    "ApiKeyCreated",
    "ApiKeyList",
    "ApiKeyOut",
    "ArtifactList",
    "ArtifactOut",
    "ArtifactSummary",
    "ArtifactVersions",
    "CollectionCreate",
    "CollectionNode",
    "CollectionOut",
    "CollectionPatch",
    "CollectionTree",
    "FastForwardOut",
    "FastForwardRequest",
    "PageLink",
    "Pagination",
    "PostbackDeliveryList",
    "PostbackDeliveryOut",
    "PostbackSecret",
    "RefreshRequest",
    "ReprocessRequest",
    "SearchFiltersIn",
    "SearchRequest",
    "SearchResponse",
    "SearchResult",
    "SearchScores",
    "SessionInfo",
    "SnapshotOut",
    "SnapshotSummary",
    "SourceCreate",
    "SourceList",
    "SourceOut",
    "SourcePatch",
    "SourceStats",
    "SpaceList",
    "SpaceOut",
    "SpaceWrite",
    "ToolCallOut",
    "TurnList",
    "TurnOut",
    "UploadOut",
    "UploadRequest",
]
