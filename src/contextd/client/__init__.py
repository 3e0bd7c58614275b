"""Python SDK for contextd and the Ctxfy-compatible API.

    from contextd.client import Client

    with Client("http://127.0.0.1:8080", api_key="...") as ctx:
        space = ctx.spaces.create("my project")
        source = ctx.sources.create_content(space, "User: hi\\n\\nAssistant: hello")
        done = ctx.sources.wait_until_done(source)
        print(ctx.sources.snapshot(done).content)

`AsyncClient` has the same surface with `await` / `async for`. The SDK needs only httpx and
pydantic: it imports nothing of the server.
"""

from contextd.client._client import AsyncClient, Client
from contextd.client._http import RetryPolicy
from contextd.client.errors import (
    APIConnectionError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    ConflictError,
    ContextdError,
    NotFoundError,
    PayloadTooLargeError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    ValidationError,
    WaitTimeout,
)
from contextd.client.models import (
    ApiKey,
    Artifact,
    ArtifactSummary,
    ArtifactType,
    Collection,
    CollectionNode,
    CreatedApiKey,
    FastForwardResult,
    Health,
    PageLink,
    Pagination,
    PostbackDelivery,
    SearchFilters,
    SearchMode,
    SearchResponse,
    SearchResult,
    SessionInfo,
    Snapshot,
    SnapshotSummary,
    Source,
    SourceStats,
    SourceStatus,
    SourceType,
    Space,
    ToolAction,
    ToolCall,
    Turn,
    Upload,
)
from contextd.client.pagination import AsyncPaginator, Page, Paginator
from contextd.client.resources._base import OMIT

__all__ = [
    "OMIT",
    "APIConnectionError",
    "APIStatusError",
    "APITimeoutError",
    "ApiKey",
    "Artifact",
    "ArtifactSummary",
    "ArtifactType",
    "AsyncClient",
    "AsyncPaginator",
    "AuthenticationError",
    "Client",
    "Collection",
    "CollectionNode",
    "ConflictError",
    "ContextdError",
    "CreatedApiKey",
    "FastForwardResult",
    "Health",
    "NotFoundError",
    "Page",
    "PageLink",
    "Pagination",
    "Paginator",
    "PayloadTooLargeError",
    "PermissionDeniedError",
    "PostbackDelivery",
    "RateLimitError",
    "RetryPolicy",
    "SearchFilters",
    "SearchMode",
    "SearchResponse",
    "SearchResult",
    "ServerError",
    "SessionInfo",
    "Snapshot",
    "SnapshotSummary",
    "Source",
    "SourceStats",
    "SourceStatus",
    "SourceType",
    "Space",
    "ToolAction",
    "ToolCall",
    "Turn",
    "Upload",
    "ValidationError",
    "WaitTimeout",
]
