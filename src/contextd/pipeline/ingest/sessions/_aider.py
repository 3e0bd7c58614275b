"""Aider's `.aider.chat.history.md`: Markdown that Aider appends to as it runs.

Aider writes each run under a `# aider chat started at <date>` heading, the user's input as
`#### ` lines, its own messages (tool output) as `> ` lines whose continuation lines carry no
prefix, and the model's replies as plain Markdown, with file edits as SEARCH/REPLACE blocks
preceded by the file's path (an empty SEARCH creates the file). Only a text that opens with
that heading is taken for a history, so ordinary Markdown and plain transcripts are left to
the other readers. Aider records no per-message time: every turn of a run carries the run's
start time, written in the machine's local time without a zone (read as UTC).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime

from contextd.pipeline.ingest.conversations import parse_timestamp
from contextd.pipeline.ingest.sessions._calls import (
    bounded,
    iso,
    one_line,
    with_result,
)
from contextd.pipeline.ingest.sessions._edit_blocks import (
    is_search_marker,
    search_replace,
)
from contextd.pipeline.ingest.sessions._input import SessionInput
from contextd.pipeline.ingest.sessions._model import Session, SessionReader
from contextd.pipeline.types import Action, FileEdit, FileWrite, ShellCommand, ToolCall, Turn

_HEADER = re.compile(r"^# aider chat started at (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d)\s*$")
_DETECT_CHARS = 4096  # the heading must open the file (after blank lines or a mode line)
_MODEL = re.compile(r"^(?:Main model|Model|Models): (\S+)")
# Aider's fences: backticks, or the tags it switches to when the code holds backticks.
_FENCE = re.compile(r"^\s*(?:`{3,}|~{3,}|</?(?:source|code|pre|codeblock|sourcecode)>)")
_RUN = re.compile(r"^(?:/run|/test|!)\s*(.+)$")
_APPLIED = re.compile(r"^Applied edit to (.+?)\s*$")
_FAILED = ("Did not apply", "SearchReplaceNoExactMatch", "failed to match", "Failed to apply")
_THINKING_START = "► **THINKING**"
_THINKING_END = "► **ANSWER**"
_ASK_OUTPUT = "output to the chat?"  # Aider's question after a /run's raw output


def _detect(candidate: SessionInput) -> bool:
    if candidate.kind != "text":
        return False
    for line in candidate.text[:_DETECT_CHARS].split("\n"):
        stripped = line.strip()
        if not stripped or stripped.startswith("-*-"):
            continue
        return _HEADER.match(stripped) is not None
    return False


@dataclass
class _Block:
    """Consecutive lines of one kind: "user" (####), "tool" (>) or "assistant" (plain)."""

    kind: str
    lines: list[str] = field(default_factory=list)


def _blocks(lines: list[str]) -> list[_Block]:
    """Group a run's lines. A `> ` line's unprefixed continuation lines (up to a blank line)
    are tool output; so is everything after a `/run` until the next prefixed line, since a
    command's output is written unprefixed and may hold blank lines."""
    blocks: list[_Block] = []
    in_tool = False  # inside a multi-line tool message
    after_run = False
    blank = True  # each input Aider logs starts after a blank line
    for raw in lines:
        line = raw[:-2] if raw.endswith("  ") else raw
        was_blank, blank = blank, not line.strip()
        if line.startswith("####"):
            text = line[5:] if line.startswith("#### ") else line[4:]
            if not blocks or blocks[-1].kind != "user" or was_blank:
                blocks.append(_Block("user"))
            blocks[-1].lines.append(text)
            after_run = _RUN.match(blocks[-1].lines[0].strip()) is not None
            in_tool = False
            continue
        if line.startswith(">") and not line.startswith(">>"):  # not a REPLACE marker
            text = line[2:] if line.startswith("> ") else line[1:]
            if not blocks or blocks[-1].kind != "tool":
                blocks.append(_Block("tool"))
            blocks[-1].lines.append(text)
            in_tool = True
            if _ASK_OUTPUT in text:
                after_run = False  # what follows the question is quoted, or the model's reply
            continue
        if after_run or (in_tool and line.strip()):
            if not blocks or blocks[-1].kind != "tool":
                blocks.append(_Block("tool"))
            blocks[-1].lines.append(line)
            continue
        in_tool = False
        if not blocks or blocks[-1].kind != "assistant":
            if not line.strip():
                continue
            blocks.append(_Block("assistant"))
        blocks[-1].lines.append(line)
    return blocks


def _path_before(lines: list[str], index: int) -> str | None:
    """The path written just before a SEARCH marker (above its code fence, or inside it)."""
    i = index - 1
    while i >= 0:
        line = lines[i].strip()
        if not line or _FENCE.match(line):
            i -= 1
            continue
        candidate = line.strip("`*:# ").strip()
        if candidate and " " not in candidate and ("." in candidate or "/" in candidate):
            return candidate
        return None
    return None


def _edits(text: str) -> list[tuple[str, Action]]:
    """The reply's SEARCH/REPLACE blocks as (path, action) in order; a block without a path
    of its own edits the file named last (Aider allows several blocks under one path)."""
    lines = text.split("\n")
    found: list[tuple[str, Action]] = []
    last_path: str | None = None
    i = 0
    while i < len(lines):
        if is_search_marker(lines[i]):
            block = search_replace(lines, i)
            if block is not None:
                path = _path_before(lines, i) or last_path
                old, new, i = block
                if path is not None:
                    last_path = path
                    action: Action = (
                        FileWrite(path, new) if not old.strip() else FileEdit(path, old, new)
                    )
                    found.append((path, action))
                continue
        i += 1
    return found


def _split_thinking(text: str) -> tuple[str, str]:
    if _THINKING_START not in text or _THINKING_END not in text:
        return text, ""
    before, rest = text.split(_THINKING_START, 1)
    thinking, answer = rest.split(_THINKING_END, 1)
    thinking = thinking.strip().removesuffix("------------").strip()
    before = before.strip().removesuffix("--------------").strip()
    return (before + "\n\n" + answer.strip()).strip(), thinking


def _edit_calls(text: str, output: list[str]) -> list[ToolCall]:
    """One call per edit block; its status comes from Aider's "Applied edit to" lines, or from
    its report of the blocks that failed to match (which names their files)."""
    applied = {m.group(1) for line in output if (m := _APPLIED.match(line.strip()))}
    failure = next((i for i, line in enumerate(output) if any(f in line for f in _FAILED)), None)
    error = "\n".join(output[failure:]) if failure is not None else ""
    calls: list[ToolCall] = []
    for path, action in _edits(text):
        name = "write" if isinstance(action, FileWrite) else "edit"
        call = ToolCall(name, summary=path, actions=(action,))
        if error and f"lines in {path}" in error:
            call = with_result(call, error, error=True)
        elif path in applied or "applied successfully" in error:
            call = with_result(call, f"Applied edit to {path}", error=False)
        elif error:
            call = with_result(call, error, error=True)
        calls.append(call)
    return calls


def _shell_calls(output: list[str]) -> list[ToolCall]:
    """Commands the model proposed and Aider ran ("Running <command>")."""
    return [
        ToolCall("run", summary=one_line(cmd), actions=(ShellCommand(cmd),))
        for line in output
        if (cmd := line.strip().removeprefix("Running ").strip()) and line.startswith("Running ")
    ]


def _run_calls(body: str, output: list[str]) -> list[ToolCall]:
    """A `/run` (or `/test`, `!`) the user typed, with the raw output Aider logged after it,
    up to its question whether to add that output to the chat."""
    run = _RUN.match(body)
    if run is None:
        return []
    command = run.group(1).strip()
    shown = next((i for i, line in enumerate(output) if _ASK_OUTPUT in line), len(output))
    result, cut = bounded("\n".join(output[:shown]))
    summary = one_line(command)
    return [ToolCall("run", summary, None, result, cut, (ShellCommand(command),))]


def _read(candidate: SessionInput) -> Session:
    text = candidate.text.replace("\r\n", "\n")
    runs: list[tuple[datetime | None, list[str]]] = []
    for line in text.split("\n"):
        header = _HEADER.match(line.strip())
        if header is not None:
            runs.append((parse_timestamp(header.group(1)), []))
        elif runs:
            runs[-1][1].append(line)
    turns: list[Turn] = []
    model: str | None = None
    for started, lines in runs:
        blocks = _blocks(lines)
        for number, block in enumerate(blocks):
            following = blocks[number + 1] if number + 1 < len(blocks) else None
            output = following.lines if following is not None and following.kind == "tool" else []
            body = "\n".join(block.lines).strip()
            if block.kind == "tool":
                for line in block.lines:
                    found = _MODEL.match(line.strip())
                    if found is not None and model is None:
                        model = found.group(1)
                continue
            if not body:
                continue
            if block.kind == "user":
                calls = _run_calls(body, output)
                turns.append(Turn(len(turns), "User", "user", body, started, tuple(calls)))
                continue
            reply, thinking = _split_thinking(body)
            calls = _edit_calls(reply, output) + _shell_calls(output)
            turns.append(
                Turn(len(turns), "Aider", "assistant", reply, started, tuple(calls), thinking)
            )
    title = next((one_line(t.text, 100) for t in turns if t.role == "user"), None)
    meta: dict[str, object] = {"agent": "aider"}
    if model is not None:
        meta["model"] = model
    if runs:
        meta["started_at"] = iso(runs[0][0])
        meta["ended_at"] = iso(runs[-1][0])
    return Session("aider", title, tuple(turns), {k: v for k, v in meta.items() if v})


READER = SessionReader("aider", _detect, _read)
