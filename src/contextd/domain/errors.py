"""Typed domain errors.

Every layer raises these; the HTTP layer maps each class to a status code in one place
(`contextd.api.errors`), so no router decides a status code on its own.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FieldError:
    field: str
    message: str


class DomainError(Exception):
    """Base of every error a user can cause."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class NotFound(DomainError):
    """The resource does not exist, or belongs to someone else (we never say which)."""

    def __init__(self, kind: str, resource_id: str | None = None) -> None:
        what = f"{kind} {resource_id}" if resource_id else kind
        super().__init__(f"{what} not found")
        self.kind = kind


class InvalidState(DomainError):
    """The action is not allowed in the resource's current state."""


class Conflict(DomainError):
    """The request conflicts with existing data (e.g. a duplicate upload)."""


class ValidationFailed(DomainError):
    def __init__(self, message: str, details: list[FieldError] | None = None) -> None:
        super().__init__(message)
        self.details = details or []


class Unauthorized(DomainError):
    def __init__(
        self, message: str = "Authentication required. Please provide a valid API token"
    ) -> None:
        super().__init__(message)


class Forbidden(DomainError):
    """A signed URL that does not verify (bad signature, expired, reused)."""


class PayloadTooLarge(DomainError):
    pass


class RateLimited(DomainError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Rate limit exceeded. Retry after {retry_after} seconds")
        self.retry_after = retry_after
