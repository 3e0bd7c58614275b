"""What every request and response body shares: strict request models whose values must be
storable on every backend, the JSON-exact number and boolean types, UTC times, and the pagination
envelope.

Casing follows the Ctxfy documentation, which mixes styles: ids are camelCase (`spaceId`,
`collectionId`, `parentId`, `fileKey`), while `initial_data`, `source_ids`, `postback_url`,
`update_existing`, `run_*_extraction` and timestamps (`created_at`) are snake_case.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    StrictBool,
    field_validator,
)
from pydantic_core import PydanticCustomError


def _in_utc(value: datetime) -> datetime:
    """Stored times are UTC: `0001-01-01T00:00:00+01:00` has no UTC equivalent."""
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError("datetime_range", "out of range once converted to UTC") from None


def _not_a_number(value: Any) -> Any:
    """A time is written as RFC 3339 text, as the OpenAPI document says: pydantic would read
    `0` or `1700000000.5` as seconds since 1970, silently, where a client most likely sent the
    wrong field or a millisecond count."""
    if isinstance(value, int | float):
        raise PydanticCustomError(
            "datetime_type", "a date-time string with a timezone (RFC 3339), not a number"
        )
    return value


UtcDatetime = Annotated[AwareDatetime, BeforeValidator(_not_a_number), AfterValidator(_in_utc)]
"""A time with a timezone that converts to UTC (as every stored time is)."""

MAX_JSON_DEPTH = 64
"""How deeply free-form JSON (`initial_data`, `instructions`) may nest; chat exports need ~10."""


def _storable(value: Any, depth: int = 0) -> None:
    """Refuse JSON that parses but cannot be stored or sent back the same on every backend:
    NUL characters (PostgreSQL text cannot hold them), lone surrogates (not encodable as UTF-8),
    NaN/Infinity (not JSON), and nesting deep enough to exhaust a recursive encoder."""
    if depth > MAX_JSON_DEPTH:
        raise PydanticCustomError(
            "json_depth", "nested deeper than {limit} levels", {"limit": MAX_JSON_DEPTH}
        )
    if isinstance(value, str):
        if "\x00" in value:
            raise PydanticCustomError("nul_char", "must not contain NUL (\\u0000) characters")
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise PydanticCustomError(
                    "lone_surrogate", "must be valid Unicode (no lone surrogates)"
                ) from None
    elif isinstance(value, float) and not math.isfinite(value):
        raise PydanticCustomError("non_finite", "must not contain NaN or Infinity")
    elif isinstance(value, dict):
        for key, item in value.items():
            _storable(key, depth + 1)
            _storable(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _storable(item, depth + 1)


def json_integer(value: Any) -> Any:
    """One rule for every integer field, the JSON Schema one: a number without a fraction
    (`23` or `23.0`); never `23.5`, a string, or a boolean."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PydanticCustomError("int_type", "must be a JSON integer, e.g. 23")
    if isinstance(value, float):
        if not value.is_integer():
            raise PydanticCustomError("int_from_float", "must be a whole number, e.g. 23")
        return int(value)
    return value


def json_number(value: Any) -> Any:
    """A JSON number: never a string or a boolean."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise PydanticCustomError("float_type", "must be a JSON number, e.g. 4.5")
    return value


JsonInt = Annotated[int, BeforeValidator(json_integer)]
JsonNumber = Annotated[float, BeforeValidator(json_number)]
JsonBool = StrictBool
"""Booleans are JSON `true`/`false` only, everywhere: not `0`, `1` or `"yes"`."""

NO_NUL = r"^[^\u0000]*$"
"""Stated on every request string: text must not contain NUL characters (see `_storable`)."""

MEDIA_TYPE = r"^[A-Za-z0-9][A-Za-z0-9!#$&^_.+\-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+\-]*$"


def _state_no_nul(schema: dict[str, Any]) -> None:
    """Add the NUL rule to every string in a request model's JSON schema, nested ones too."""
    plain = not {"pattern", "enum", "format"} & set(schema)
    if schema.get("type") == "string" and plain:
        schema["pattern"] = NO_NUL
    for key in ("anyOf", "oneOf", "allOf"):
        for sub in schema.get(key, []):
            _state_no_nul(sub)
    if isinstance(schema.get("items"), dict):
        _state_no_nul(schema["items"])
    for sub in schema.get("properties", {}).values():
        _state_no_nul(sub)


class Strict(BaseModel):
    """Request bodies refuse unknown fields, so a misspelt field is an error, not a no-op, and
    every value must be storable as given (see `_storable`)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_state_no_nul)

    @field_validator("*", mode="before")
    @classmethod
    def _check_storable(cls, value: Any) -> Any:
        _storable(value)
        return value


class Pagination(BaseModel):
    page: int
    per_page: int
    total: int
    pages: int
