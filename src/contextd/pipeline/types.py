"""Values that flow between the pipeline stages.

Every stage is a pure function of these values (fetching aside), so each can be tested alone and
run by either job runner without knowing about the database or HTTP.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime

from contextd.domain.enums import ArtifactType


class PipelineError(Exception):
    """A failure the user must see as the source's FAILED message (never retried)."""


class UnsupportedFormat(PipelineError):
    """The bytes are in a format contextd cannot read."""


class FetchError(PipelineError):
    """The remote resource could not be fetched (status, size, time or network)."""


class BlockedURL(FetchError):
    """The URL (or a redirect, or a DNS answer) points somewhere the operator has not allowed."""


@dataclass(frozen=True)
class Fetched:
    """Raw bytes of a source, as fetched or uploaded, before any conversion."""

    content: bytes
    content_type: str | None = None  # media type without parameters, lower-case, e.g. "text/html"
    filename: str | None = None
    url: str | None = None  # final URL after redirects, for URI sources
    charset: str | None = None  # from the Content-Type parameters, when given


@dataclass(frozen=True)
class Document:
    """A source converted to normalized text (Markdown where structure exists)."""

    text: str
    format: str  # "html", "pdf", "docx", "markdown", "text", "json", "chatgpt", "claude", ...
    title: str | None = None


@dataclass(frozen=True)
class Turn:
    """One message of a conversation, in order."""

    index: int  # 0-based position in the source, continuing across fast-forwards
    speaker: str  # as written in the source: "User", "ChatGPT", "Alice"
    role: str  # "user" | "assistant" | "system" | "tool" | "other"
    text: str
    timestamp: datetime | None = None


@dataclass(frozen=True)
class Conversation:
    title: str | None
    turns: tuple[Turn, ...]


@dataclass(frozen=True)
class Ingested:
    """What the ingest stage yields: the document, and its turns when it is a conversation."""

    document: Document
    turns: tuple[Turn, ...] = ()


@dataclass(frozen=True)
class ArtifactDraft:
    """An artifact found by extraction, before it is stored."""

    type: ArtifactType
    title: str
    content: str
    language: str | None = None
    turn_indexes: tuple[int, ...] = ()
    meta: dict[str, object] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        return content_hash(self.content)


@dataclass(frozen=True)
class SnapshotDraft:
    """A context snapshot: compact Markdown of the state of the work, with its token accounting."""

    markdown: str
    tokens_before: int
    tokens_after: int
    tokenizer: str
    budget: int
    turn_indexes: tuple[int, ...] = ()
    engine: str = "builtin"
    note: str | None = None  # e.g. why the requested engine was not used


def content_hash(text: str | bytes) -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    return "sha256:" + hashlib.sha256(data).hexdigest()
