"""The OpenAPI document, completed in one place after FastAPI generates it.

FastAPI documents each operation's 2xx and a 422 the API never sends (validation errors are
400). This module replaces that with what the API does: every error status an operation can
return (derived from the route: `/v1` needs a key and is rate limited, a path with ids can 404,
a body can be refused as not JSON, plus a few declared per operation), the error body, the
bearer scheme, the response headers, examples, and `links` from operations that create or list
resources to those that use them (for generated clients and stateful testers).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from contextd.api.auth import is_api_path
from contextd.api.schemas import NO_NUL

# --- the error body and headers ---------------------------------------------------------------

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "title": "Error",
    "description": "The body of every error response.",
    "required": ["error", "message", "code", "requestId"],
    "additionalProperties": False,
    "properties": {
        "error": {"type": "string", "description": "The HTTP reason phrase, e.g. Not Found"},
        "message": {"type": "string", "description": "What went wrong, for a human"},
        "code": {"type": "integer", "description": "The HTTP status code"},
        "requestId": {"type": "string", "description": "Also sent as `X-Request-Id`"},
        "details": {
            "type": "array",
            "description": "Validation errors only: one entry per refused field",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    "example": {
        "error": "Bad Request",
        "message": "The request contains invalid parameters: name: String should have at least "
        "1 character",
        "code": 400,
        "requestId": "req_5f0c1d2e3a4b5c6d",
        "details": [{"field": "name", "message": "String should have at least 1 character"}],
    },
}

HEADERS: dict[str, dict[str, Any]] = {
    "X-Request-Id": {
        "description": "The request's id (the client's `X-Request-Id` when it is 8-64 safe "
        "characters, else a new one); also `requestId` in error bodies",
        "required": True,
        "schema": {"type": "string"},
    },
    "X-RateLimit-Limit": {
        "description": "Requests allowed per minute (per user; per client address without a "
        "valid key)",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    },
    "X-RateLimit-Remaining": {
        "description": "Requests left in the current window",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    },
    "X-RateLimit-Reset": {
        "description": "When the current window ends, in epoch seconds",
        "required": True,
        "schema": {"type": "integer", "minimum": 0},
    },
    "Retry-After": {
        "description": "Seconds to wait before the next request",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    },
}
RATE_LIMIT_HEADERS = ("X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset")

WHY: dict[int, str] = {
    400: "Invalid parameters or body (see `details`), a NUL character in the query, or an "
    "invalid Content-Length",
    401: "No valid API key (`Authorization: Bearer <api_key>`); checked before the body is read",
    403: "The upload URL's signature does not verify, has expired or was used already",
    404: "Not found, or owned by another user (the API never says which)",
    409: "Not allowed in the resource's current state (e.g. processing, deleted)",
    413: "The body is larger than the limit (`CONTEXTD_MAX_REQUEST_BYTES`, or the upload limit)",
    415: "The body is not JSON (send `Content-Type: application/json`)",
    429: "Over the rate limit; retry after `Retry-After` seconds",
    500: "An unexpected error on the server",
}


# --- what each operation adds to the derived statuses, and its links --------------------------


@dataclass(frozen=True)
class Link:
    """An OpenAPI link: `operation` can be called with `parameters` taken from this response."""

    operation: str
    parameters: dict[str, str] = field(default_factory=dict)
    body: Any = None

    def render(self) -> dict[str, Any]:
        out: dict[str, Any] = {"operationId": self.operation}
        if self.parameters:
            out["parameters"] = dict(self.parameters)
        if self.body is not None:
            out["requestBody"] = self.body
        return out


@dataclass(frozen=True)
class Doc:
    errors: tuple[int, ...] = ()
    links: dict[str, Link] = field(default_factory=dict)
    request: Any = None  # a request body example
    response: Any = None  # a success response example
    media: str | None = None  # the success response's media type, when not JSON


def _each(param: str, expr: str, *operations: str) -> dict[str, Link]:
    return {op: Link(op, {param: expr}) for op in operations}


SPACE_ID = "$response.body#/id"
SOURCE_ID = "$response.body#/id"
SPACE_OPS = (
    "get_space", "update_space", "list_sources", "create_source", "create_collection",
    "collection_tree", "list_artifacts", "download_artifacts", "search_space",
)  # fmt: skip
SOURCE_OPS = (
    "get_source", "patch_source", "get_snapshot", "list_turns", "get_content", "toggle_pin",
    "cancel_source", "refresh_source", "reprocess_source", "fast_forward_source", "delete_source",
)  # fmt: skip
ARTIFACT_OPS = ("get_artifact", "artifact_versions", "download_artifact")
CONFLICT = (409,)
EXAMPLE_SPACE = {
    "id": "9b2f3c1e-5d6a-4e7b-8c9d-0a1b2c3d4e5f",
    "name": "Project Atlas",
    "description": "Design notes and chats",
    "created_at": "2026-01-05T10:00:00Z",
    "updated_at": "2026-01-05T10:00:00Z",
}

DOCS: dict[str, Doc] = {
    "create_space": Doc(
        links=_each("spaceId", SPACE_ID, *SPACE_OPS),
        request={"name": "Project Atlas", "description": "Design notes and chats"},
        response=EXAMPLE_SPACE,
    ),
    "get_space": Doc(response=EXAMPLE_SPACE),
    "list_spaces": Doc(links=_each("spaceId", "$response.body#/spaces/0/id", *SPACE_OPS)),
    "create_collection": Doc(
        errors=(400,),
        links=_each("collectionId", "$response.body#/id", "patch_collection", "delete_collection"),
        request={"name": "Meetings", "parentId": None},
    ),
    "create_source": Doc(
        links=_each("sourceId", SOURCE_ID, *SOURCE_OPS),
        request={
            "type": "CONTENT",
            "name": "Kickoff chat",
            "initial_data": {"data": "User: What did we decide?\nAssistant: Postgres."},
            "instructions": {},
        },
    ),
    "list_sources": Doc(links=_each("sourceId", "$response.body#/sources/0/id", *SOURCE_OPS)),
    "get_source": Doc(links=_each("sourceId", "$request.path.sourceId", *SOURCE_OPS)),
    "delete_source": Doc(
        errors=CONFLICT, links=_each("sourceId", "$request.path.sourceId", "restore_source")
    ),
    "restore_source": Doc(errors=CONFLICT),
    "cancel_source": Doc(errors=CONFLICT),
    "refresh_source": Doc(errors=CONFLICT, request={"force": True}),
    "reprocess_source": Doc(errors=CONFLICT, request={"snapshot_budget_tokens": 2000}),
    "fast_forward_source": Doc(
        errors=CONFLICT,
        request={"type": "CONTENT", "initial_data": {"data": "User: and then?\nAssistant: Done."}},
    ),
    "list_artifacts": Doc(
        links=_each("artifactId", "$response.body#/artifacts/0/id", *ARTIFACT_OPS)
    ),
    "get_artifact": Doc(links=_each("artifactId", "$request.path.artifactId", *ARTIFACT_OPS)),
    "create_api_key": Doc(
        links=_each("keyId", "$response.body#/id", "revoke_api_key"),
        request={"name": "ci", "expiration_date": "2030-12-25T10:00:00Z"},
    ),
    "create_upload": Doc(
        # The PUT's signed query parameters are only in `uploadUrl`, so no link can fill them.
        links={"download_file": Link("download_file", {"fileKey": "$response.body#/fileKey"})},
        request={"filename": "notes.pdf", "contentType": "application/pdf", "size": 48213},
    ),
    "get_content": Doc(media="text/markdown"),
    "download_artifact": Doc(media="text/plain"),
    "download_artifacts": Doc(media="application/zip"),
    "download_file": Doc(media="*/*"),
    "metrics": Doc(media="text/plain"),
    "receive_upload": Doc(
        errors=(403,),
        links={
            "create_source": Link(
                "create_source",
                body={
                    "type": "FILE",
                    "initial_data": {"data": "{$request.path.fileKey}"},
                    "instructions": {},
                },
            ),
            "download_file": Link("download_file", {"fileKey": "$request.path.fileKey"}),
        },
    ),
    "search_space": Doc(request={"query": "which database did we choose", "top_k": 5}),
}


# --- building the document ----------------------------------------------------------------------


def _error_response(status: int, api: bool) -> dict[str, Any]:
    headers = _headers(status, api)
    return {
        "description": WHY.get(status, HTTPStatus(status).phrase),
        "headers": headers,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


def _headers(status: int, api: bool) -> dict[str, Any]:
    names = ["X-Request-Id"] + (list(RATE_LIMIT_HEADERS) if api else [])
    if status == 429:
        names.append("Retry-After")
    return {name: {"$ref": f"#/components/headers/{name}"} for name in names}


def _statuses(path: str, operation: dict[str, Any], doc: Doc) -> set[int]:
    """What any request can get: a NUL in the query or a bad Content-Length (400), a body over
    the limit (413), an unexpected failure (500); plus what the route's shape implies."""
    statuses = {400, 413, 500, *doc.errors}
    if is_api_path(path):
        statuses |= {401, 429}
    if "{" in path:
        statuses.add(404)
    if "requestBody" in operation:
        statuses.add(415)
    return statuses


FILE_KEY = {
    "type": "string",
    "pattern": r"^uploads/[A-Za-z0-9._-]+/[A-Za-z0-9._-]+/[A-Za-z0-9._-]+$",
    "maxLength": 500,
    "description": "The `fileKey` of an upload: `uploads/<user>/<id>/<file name>`",
}


def _state_no_nul(parameter: dict[str, Any], path: str) -> None:
    """A NUL (`%00`) in the query is refused (400) and in the path not found (404)."""
    if parameter.get("in") == "path" and parameter.get("name") == "fileKey":
        parameter["schema"] = dict(FILE_KEY)
        # An example with slashes also tells clients (and fuzzers) that `/` belongs in it.
        parameter["example"] = (
            "uploads/8c1e2d3f-4a5b-4c6d-8e7f-9a0b1c2d3e4f/0f1e2d3c4b5a69788796a5b4c3d2e1f0/notes.pdf"
        )
    if parameter.get("in") != "query":
        return
    for schema in [parameter.get("schema", {}), *parameter.get("schema", {}).get("anyOf", [])]:
        if schema.get("type") == "string" and not {"pattern", "enum", "format"} & set(schema):
            schema["pattern"] = NO_NUL


def _complete(path: str, method: str, operation: dict[str, Any]) -> None:
    api = is_api_path(path)
    doc = DOCS.get(operation.get("operationId", ""), Doc())
    responses: dict[str, Any] = operation.setdefault("responses", {})
    responses.pop("422", None)
    for status, response in responses.items():
        response.setdefault("headers", {}).update(_headers(int(status), api))
        if status.startswith("2") and doc.media is not None:
            binary = {"type": "string", "format": "binary"}
            text = {"type": "string"}
            schema = text if doc.media.startswith("text/") else binary
            response["content"] = {doc.media: {"schema": schema}}
        if status.startswith("2") and doc.response is not None:
            for media in response.get("content", {}).values():
                media["example"] = doc.response
        if status.startswith("2") and doc.links:
            response["links"] = {name: link.render() for name, link in doc.links.items()}
    for code in sorted(_statuses(path, operation, doc)):
        responses.setdefault(str(code), _error_response(code, api))
    for parameter in operation.get("parameters", []):
        _state_no_nul(parameter, path)
    if api:
        operation["security"] = [{"bearer": []}]
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None and doc.request is not None:
        body["example"] = doc.request


def complete(schema: dict[str, Any], *, max_upload_bytes: int | None = None) -> dict[str, Any]:
    """Complete FastAPI's document; `max_upload_bytes` is this server's upload limit, stated
    as the maximum `size` of an upload."""
    components = schema.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    upload_size = schemas.get("UploadRequest", {}).get("properties", {}).get("size")
    if upload_size is not None and max_upload_bytes is not None:
        upload_size["maximum"] = max_upload_bytes
    schemas.pop("HTTPValidationError", None)
    schemas.pop("ValidationError", None)
    schemas["Error"] = ERROR_SCHEMA
    components["headers"] = HEADERS
    components["securitySchemes"] = {
        "bearer": {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key (`ctx_...`): `Authorization: Bearer <api_key>`",
        }
    }
    for path, item in schema.get("paths", {}).items():
        for method, operation in item.items():
            _complete(path, method, operation)
    return schema


def operation_id(route: APIRoute) -> str:
    """Operation ids are the route functions' names (`create_source`), which `links` use."""
    return route.name


def install(app: FastAPI, routes: Sequence[BaseRoute] | None = None) -> None:
    """Serve the completed document at `/openapi.json` (built once, on first request), of
    `routes` in their order (default: the app's, as they are then)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(
                get_openapi(
                    title=app.title,
                    version=app.version,
                    description=app.description,
                    routes=list(routes) if routes is not None else app.routes,
                ),
                max_upload_bytes=app.state.runtime.settings.max_upload_bytes,
            )
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
