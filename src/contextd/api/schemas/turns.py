"""A source's turns, with what a coding agent's tool calls did in each (extension)."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field

from contextd.api.schemas.base import Pagination


class ActionOut(BaseModel):
    """What a tool call did, compactly: files by path and size (their contents are the
    source's artifacts), commands with their exit code, todo lists whole."""

    type: str = Field(description="file_write, file_edit, file_patch, shell_command or todo_list")
    path: str | None = Field(default=None, description="file actions: the file")
    chars: int | None = Field(
        default=None, description="file_write: the content's size; file_patch: the patch's"
    )
    lines: int | None = Field(default=None, description="file_write, file_patch: line count")
    oldChars: int | None = Field(default=None, description="file_edit: size of the text replaced")
    newChars: int | None = Field(default=None, description="file_edit: size of the new text")
    replaceAll: bool | None = Field(default=None, description="file_edit: every occurrence")
    operation: str | None = Field(default=None, description="file_patch: update, add or delete")
    command: str | None = Field(default=None, description="shell_command: the command (bounded)")
    exitCode: int | None = Field(default=None, description="shell_command: when recorded")
    items: list[dict[str, str]] | None = Field(
        default=None, description="todo_list: the items, each {text, status}"
    )


class ToolCallOut(BaseModel):
    name: str
    summary: str = Field(description="what the call was about: a path, a command, a query")
    status: str | None = Field(description="ok, error, or null when the session holds no result")
    output: str = Field(description="the result, cut to a bounded length")
    outputCut: int = Field(description="characters of the result not shown")
    actions: list[ActionOut]
    id: str | None


class TurnOut(BaseModel):
    index: int
    speaker: str
    role: str
    text: str
    timestamp: datetime | None
    toolCalls: list[ToolCallOut] = Field(
        default_factory=list, description="Extension: the tool calls a coding agent's turn made"
    )
    thinking: str | None = Field(
        default=None,
        description="Extension: the model's thinking, only with `?thinking=true` (else null)",
    )


class TurnList(BaseModel):
    turns: list[TurnOut]
    pagination: Pagination
