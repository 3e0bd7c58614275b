"""Values that flow between the pipeline stages.

Every stage is a pure function of these values (fetching aside), so each can be tested alone and
run by either job runner without knowing about the database or HTTP.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
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
    # What the reader learnt beside the text, kept as the source's metadata: for a coding-agent
    # session the agent, model, working directory, git branch, session id, first and last
    # timestamps, and how many malformed lines were skipped (see `SESSION_META_KEYS`).
    meta: Mapping[str, object] = field(default_factory=dict)


SESSION_META_KEYS = (
    "agent",  # "claude-code", "codex", "gemini", "cline", "aider", ...
    "session_id",
    "model",
    "cwd",
    "git_branch",
    "started_at",  # ISO 8601
    "ended_at",
    "skipped_lines",  # malformed or unreadable records skipped, never fatal
)
"""The keys a session reader may set in `Document.meta` (others may add their own)."""


# --- what a coding agent did, normalized across agents -------------------------------------
# Readers turn each agent's tool calls into these actions, so that artifact extraction and
# snapshots need to know no agent's tool names.


@dataclass(frozen=True)
class FileWrite:
    """A file written whole (Claude Code `Write`, Cline `write_to_file`, a new file in a patch)."""

    path: str
    content: str


@dataclass(frozen=True)
class FileEdit:
    """`old` replaced by `new` in a file (Claude Code `Edit`/`MultiEdit`, Cline
    `replace_in_file`, Aider SEARCH/REPLACE blocks); every occurrence when `replace_all`."""

    path: str
    old: str
    new: str
    replace_all: bool = False


@dataclass(frozen=True)
class FilePatch:
    """A unified diff or a Codex `apply_patch` hunk set for one file, applied to the file's
    previous content when it is known. `operation` is "update", "add" or "delete"."""

    path: str
    patch: str
    operation: str = "update"


@dataclass(frozen=True)
class ShellCommand:
    """A command the agent ran; `exit_code` when the session records it."""

    command: str
    exit_code: int | None = None


@dataclass(frozen=True)
class TodoItem:
    text: str
    status: str  # "pending" | "in_progress" | "completed"


@dataclass(frozen=True)
class TodoList:
    """The agent's todo list as one call set it (Claude Code `TodoWrite`, Codex `update_plan`)."""

    items: tuple[TodoItem, ...]


Action = FileWrite | FileEdit | FilePatch | ShellCommand | TodoList


@dataclass(frozen=True)
class ToolCall:
    """One tool call within an assistant turn, with its result when the session holds it.

    `summary` is what a reader needs to recognise the call (a path, a command, a query), never
    the raw input; `output` is the result cut to a bounded length (errors kept verbatim, short),
    with `output_cut` the number of characters cut. `actions` is what the call did, normalized.
    """

    name: str
    summary: str = ""
    status: str | None = None  # "ok" | "error" | None when the session holds no result
    output: str = ""
    output_cut: int = 0
    actions: tuple[Action, ...] = ()
    id: str | None = None


@dataclass(frozen=True)
class LateResult:
    """A tool result whose call is not in the part of the session being read: the call was in
    an earlier part (a session grown by fast-forward, saved while the call was running), so
    the result completes that stored call instead of being lost. Already cut to its bound."""

    call_id: str
    status: str  # "ok" | "error"
    output: str
    output_cut: int = 0
    exit_code: int | None = None  # for a shell command, when the result says it


@dataclass(frozen=True)
class Turn:
    """One message of a conversation, in order."""

    index: int  # 0-based position in the source, continuing across fast-forwards
    speaker: str  # as written in the source: "User", "ChatGPT", "Alice"
    role: str  # "user" | "assistant" | "system" | "tool" | "other"
    text: str
    timestamp: datetime | None = None
    # Coding-agent sessions: the calls the turn made, and the model's thinking (kept, but left
    # out of snapshots and search by default).
    tool_calls: tuple[ToolCall, ...] = ()
    thinking: str = ""


@dataclass(frozen=True)
class Conversation:
    title: str | None
    turns: tuple[Turn, ...]


@dataclass(frozen=True)
class Ingested:
    """What the ingest stage yields: the document, and its turns when it is a conversation."""

    document: Document
    turns: tuple[Turn, ...] = ()
    late_results: tuple[LateResult, ...] = ()  # results of calls made in an earlier part


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
