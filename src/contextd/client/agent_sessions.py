"""Coding-agent sessions where the agents keep them on this machine, and what of each is new.

Client-side code shared by `contextd import <agent>` (claude-code, codex, gemini, qwen, cline,
aider, pi, continue, goose) and the MCP `save_session` tool (both front-ends sit above the SDK,
so this lives beside it; it imports nothing of the server). It reads only what listing needs
(session id, project, first prompt, times, size): the server reads the sessions themselves, by
content.

An import is recorded in the source's `instructions`, so the record travels with the data:

    {"contextd_import": {"provider": "claude-code", "conversation": "<session id>",
                         "files": {"main": {"bytes": 81234, "head": "<sha256>"},
                                   "subagents/agent-a1.jsonl": {...}},
                         "updated": "<ISO time>"}}

Sessions are append-only: JSONL transcripts (Claude Code, Codex, Qwen Code, Pi, Goose's
files) and Aider's Markdown history grow at the end, so a re-import sends each file's complete
lines past the recorded byte offset (an incomplete last line waits for the next run). `head` is
the digest of the first 64 KiB sent, which tells a rewritten file (reported as diverged, left
alone) from a grown one. Gemini CLI, Cline and Continue keep one JSON document that is
rewritten whole: there the record counts the messages sent (`items`, with a digest of them),
and the new ones are sent as the same document holding only them. Claude Code subagent
transcripts (`<session>/subagents/*.jsonl`) go with their session, after the main file's
lines, in the same request.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO

from contextd.client._agent_listers import LISTERS
from contextd.client._session_files import (
    HEAD_LINES,
    ITEMS_KEYS,
    MAIN,
    LocalSession,
    head_records,
    is_prompt,
    json_items,
    load_json,
    local_session,
    text_of,
    when,
)

META_KEY = "contextd_import"
AGENTS = {
    "claude-code": "Claude Code",
    "codex": "Codex CLI",
    "gemini": "Gemini CLI",
    "qwen": "Qwen Code",
    "cline": "Cline/Roo/Kilo Code",
    "aider": "Aider",
    "pi": "Pi",
    "continue": "Continue",
    "goose": "Goose",
}
HEAD_BYTES = 64 * 1024
CHUNK = 1024 * 1024
# Cline, Roo Code and Kilo Code (a fork of Roo Code) keep tasks in the same shape.
CLINE_EXTENSIONS = ("saoudrizwan.claude-dev", "rooveterinaryinc.roo-cline", "kilocode.kilo-code")
AIDER_HISTORY = ".aider.chat.history.md"

NEW, APPEND, UNCHANGED, DIVERGED, EMPTY = "new", "append", "unchanged", "diverged", "empty"


@dataclass
class Delta:
    """What an import sends for one session: `pieces` (file, start, end) of append-only files,
    or `body` for a JSON document; `record` is the import record once it is sent."""

    action: str
    record: dict[str, Any]
    pieces: list[tuple[Path, int, int]] = field(default_factory=list)
    body: bytes | None = None

    @property
    def size(self) -> int:
        if self.body is not None:
            return len(self.body)
        return sum(end - start for _, start, end in self.pieces)

    def write(self, out: BinaryIO) -> None:
        """Stream the payload (bounded memory however large the session)."""
        if self.body is not None:
            out.write(self.body)
            return
        for path, start, end in self.pieces:
            with path.open("rb") as handle:
                handle.seek(start)
                left = end - start
                while left > 0:
                    chunk = handle.read(min(CHUNK, left))
                    if not chunk:
                        break
                    out.write(chunk)
                    left -= len(chunk)


# --- reading what listing needs -------------------------------------------------------------


def _line_end(path: Path, size: int) -> int:
    """The offset just past the file's last newline (an incomplete last line waits)."""
    with path.open("rb") as handle:
        position = size
        while position > 0:
            start = max(0, position - CHUNK)
            handle.seek(start)
            chunk = handle.read(position - start)
            index = chunk.rfind(b"\n")
            if index >= 0:
                return start + index + 1
            position = start
    return 0


def decode_project_dir(name: str) -> str:
    """Claude Code's project folder name back to a path (`-home-me-app` -> `/home/me/app`),
    when no record says the real `cwd` (the encoding turns `/`, `.` and `_` all into `-`)."""
    if re.match(r"^[A-Za-z]--", name):  # Windows: C:\x -> C--x
        return name[0] + ":\\" + name[3:].replace("-", "\\")
    return "/" + name.lstrip("-").replace("-", "/") if name.startswith("-") else name


def claude_code_session(path: Path, project_dir: str | None = None) -> LocalSession:
    records = head_records(path)
    cwd = next((r["cwd"] for r in records if isinstance(r.get("cwd"), str)), None)
    session_id = next(
        (r["sessionId"] for r in records if isinstance(r.get("sessionId"), str)), path.stem
    )
    prompt = ""
    for record in records:
        message = record.get("message")
        if record.get("type") == "user" and isinstance(message, dict) and not record.get("isMeta"):
            text = text_of(message.get("content"))
            if is_prompt(text):
                prompt = text
                break
    if not prompt:
        summary = next((r.get("summary") for r in records if r.get("type") == "summary"), None)
        prompt = summary if isinstance(summary, str) else ""
    stamps = [t for t in (when(r.get("timestamp")) for r in records) if t]
    files = {MAIN: path}
    subagents = path.with_suffix("") / "subagents"
    if subagents.is_dir():
        for sub in sorted(subagents.glob("*.jsonl")):
            files[f"subagents/{sub.name}"] = sub
    project = cwd or decode_project_dir(project_dir or path.parent.name)
    return local_session("claude-code", session_id, project, files, prompt, stamps, "lines")


def codex_session(path: Path) -> LocalSession:
    records = head_records(path)
    meta: dict[str, Any] = {}
    for record in records[:3]:
        payload = record.get("payload")
        if record.get("type") == "session_meta" and isinstance(payload, dict):
            meta = payload
        elif "id" in record and "type" not in record:  # the older rollout's first line
            meta = record
    prompt = ""
    for record in records:
        payload = record.get("payload")
        if not isinstance(payload, dict):
            continue
        if payload.get("type") == "user_message" and isinstance(payload.get("message"), str):
            text = payload["message"]
        elif payload.get("type") == "message" and payload.get("role") == "user":
            text = text_of(payload.get("content"))
        else:
            continue
        if is_prompt(text):
            prompt = text
            break
    stamps = [t for t in (when(r.get("timestamp")) for r in records) if t]
    cwd = meta.get("cwd")
    session_id = meta.get("id") if isinstance(meta.get("id"), str) else path.stem
    project = cwd if isinstance(cwd, str) else "codex"
    return local_session("codex", str(session_id), project, {MAIN: path}, prompt, stamps, "lines")


def gemini_session(path: Path, cwd: Path | None = None) -> LocalSession:
    data = load_json(path)
    obj = data if isinstance(data, dict) else {}
    items = json_items(data) or []
    prompt = next(
        (
            text_of(m.get("content"))
            for m in items
            if isinstance(m, dict) and m.get("type") == "user" and text_of(m.get("content"))
        ),
        "",
    )
    stamps = [t for t in (when(obj.get("startTime")), when(obj.get("lastUpdated"))) if t]
    project_hash = obj.get("projectHash") or path.parent.parent.name
    project = f"gemini-{str(project_hash)[:12]}"
    here = (cwd or Path.cwd()).resolve()
    if hashlib.sha256(str(here).encode()).hexdigest() == project_hash:
        project = str(here)
    session_id = obj.get("sessionId") if isinstance(obj.get("sessionId"), str) else path.stem
    files = {MAIN: path}
    return local_session(
        "gemini", str(session_id), project, files, prompt, stamps, "json", len(items)
    )


def cline_session(task_dir: Path) -> LocalSession:
    path = task_dir / "api_conversation_history.json"
    items = json_items(load_json(path)) or []
    first = next((m for m in items if isinstance(m, dict) and m.get("role") == "user"), {})
    text = text_of(first.get("content"))
    task = re.search(r"<task>\s*(.*?)\s*</task>", text, re.S)
    cwd = re.search(r"Current Working Directory \(([^)\n]+)\)", text)
    prompt = task.group(1) if task else text
    # Cline names a task's folder after its creation time in epoch milliseconds.
    started = when(int(task_dir.name)) if task_dir.name.isdigit() else None
    stamps = [started] if started else []
    project = cwd.group(1).strip() if cwd else "cline"
    files = {MAIN: path}
    return local_session("cline", task_dir.name, project, files, prompt, stamps, "json", len(items))


def aider_session(path: Path) -> LocalSession:
    prompt, stamps = "", []
    with path.open("rb") as handle:
        for number, raw in enumerate(handle):
            if number > HEAD_LINES:
                break
            line = raw.decode("utf-8", "replace").rstrip("\n")
            started = re.match(r"# aider chat started at (.+)", line)
            if started and (stamp := when(started.group(1).replace(" ", "T", 1))):
                stamps.append(stamp)
            if line.startswith("#### ") and not prompt:
                prompt = line[5:]
    project = str(path.resolve().parent)
    return local_session("aider", project, project, {MAIN: path}, prompt, stamps, "lines")


# --- where each agent keeps them ---------------------------------------------------------------


def default_root(agent: str) -> Path:
    home = Path.home()
    if agent == "claude-code":
        base = os.environ.get("CLAUDE_CONFIG_DIR")
        return Path(base) / "projects" if base else home / ".claude" / "projects"
    if agent == "codex":
        return Path(os.environ.get("CODEX_HOME") or home / ".codex") / "sessions"
    if agent == "gemini":
        return home / ".gemini" / "tmp"
    if agent == "cline":
        return vscode_storage()
    if agent == "qwen":
        return home / ".qwen" / "projects"
    if agent == "pi":
        return Path(os.environ.get("PI_CODING_AGENT_DIR") or home / ".pi" / "agent") / "sessions"
    if agent == "continue":
        return Path(os.environ.get("CONTINUE_GLOBAL_DIR") or home / ".continue") / "sessions"
    if agent == "goose":
        data = os.environ.get("XDG_DATA_HOME") or home / ".local" / "share"
        return Path(data) / "goose" / "sessions"
    return Path.cwd()


def vscode_storage() -> Path:
    """VS Code's globalStorage folder on this system (Cline and Roo Code keep tasks there)."""
    home = Path.home()
    if sys.platform == "darwin":
        return home / "Library" / "Application Support" / "Code" / "User" / "globalStorage"
    if sys.platform == "win32":
        appdata = Path(os.environ.get("APPDATA") or home / "AppData" / "Roaming")
        return appdata / "Code" / "User" / "globalStorage"
    return home / ".config" / "Code" / "User" / "globalStorage"


def discover(
    agent: str, root: Path | None = None, project: str | None = None
) -> list[LocalSession]:
    """The sessions of `agent` under `root` (its default location when None), oldest first;
    `project` keeps only sessions whose project path or folder name contains it."""
    base = root or default_root(agent)
    if not base.is_dir():
        return []
    found = list(_walk(agent, base))
    if project:
        wanted = project.casefold()
        found = [s for s in found if wanted in s.project.casefold()]
    return sorted(found, key=lambda s: s.started or s.updated or datetime.min.replace(tzinfo=UTC))


def _walk(agent: str, base: Path) -> Iterator[LocalSession]:
    if agent == "claude-code":
        # A projects folder, or one project's folder.
        dirs = (
            [base] if any(base.glob("*.jsonl")) else sorted(p for p in base.iterdir() if p.is_dir())
        )
        for folder in dirs:
            for path in sorted(folder.glob("*.jsonl")):
                if path.stat().st_size:
                    yield claude_code_session(path, folder.name)
    elif agent == "codex":
        # `YYYY/MM/DD/rollout-<time>-<id>.jsonl`; some versions drop the `rollout-` prefix.
        for path in sorted(base.rglob("*.jsonl")):
            if path.stat().st_size:
                yield codex_session(path)
    elif agent == "gemini":
        for path in sorted(base.glob("*/chats/*.json")):
            yield gemini_session(path)
    elif agent == "cline":
        folders = [base / ext for ext in CLINE_EXTENSIONS if (base / ext).is_dir()] or [base]
        for folder in folders:
            tasks = folder / "tasks" if (folder / "tasks").is_dir() else folder
            for history in sorted(tasks.glob("*/api_conversation_history.json")):
                yield cline_session(history.parent)
    elif agent == "qwen":
        for path in sorted(base.glob("*/chats/*.jsonl")) or sorted(base.glob("*.jsonl")):
            if path.stat().st_size:
                yield LISTERS["qwen"](path)
    elif agent in ("pi", "goose"):
        # Pi: a folder per working directory; Goose: one folder of files.
        reader = LISTERS[agent]
        for path in sorted(base.glob("*.jsonl")) + sorted(base.glob("*/*.jsonl")):
            if path.stat().st_size:
                yield reader(path)
    elif agent == "continue":
        for path in sorted(base.glob("*.json")):
            if path.name != "sessions.json":  # the list of sessions, not one
                yield LISTERS["continue"](path)
    elif agent == "aider":
        for path in sorted(base.rglob(AIDER_HISTORY)):
            if not any(part in {"node_modules", ".git"} for part in path.parts):
                yield aider_session(path)


def session_at(agent: str, path: Path) -> LocalSession:
    """The session in one file (or Cline task folder), for `save_session`."""
    if agent == "claude-code":
        return claude_code_session(path)
    if agent == "codex":
        return codex_session(path)
    if agent == "gemini":
        return gemini_session(path)
    if agent == "cline":
        return cline_session(path if path.is_dir() else path.parent)
    if agent in LISTERS:
        return LISTERS[agent](path)
    return aider_session(path)


def latest_claude_code_session(cwd: Path, root: Path | None = None) -> Path | None:
    """The current Claude Code session of a working directory: the newest JSONL of its
    project folder (Claude Code names the folder after the path, every non-alphanumeric
    character made `-`)."""
    folder = (root or default_root("claude-code")) / re.sub(r"[^A-Za-z0-9]", "-", str(cwd))
    files = [p for p in folder.glob("*.jsonl")] if folder.is_dir() else []
    return max(files, key=lambda p: p.stat().st_mtime) if files else None


def staged_name(agent: str, session_id: str, kind: str) -> tuple[str, str]:
    """A safe file name (the id may be a path: Aider's is) and content type for a payload."""
    stem = re.sub(r"[^A-Za-z0-9._-]+", "-", session_id).strip(".-")[:100] or "session"
    if kind == "json":
        return f"{stem}.json", "application/json"
    if agent == "aider":
        return f"{stem}.md", "text/markdown"
    return f"{stem}.jsonl", "application/x-ndjson"


# --- what is new ---------------------------------------------------------------------------


def import_record(instructions: dict[str, Any] | None) -> dict[str, Any] | None:
    """The import record a source carries in its instructions, if any."""
    record = (instructions or {}).get(META_KEY)
    return record if isinstance(record, dict) else None


def _head_digest(path: Path, end: int) -> str:
    with path.open("rb") as handle:
        return hashlib.sha256(handle.read(min(end, HEAD_BYTES))).hexdigest()


def _items_digest(items: Sequence[Any]) -> str:
    h = hashlib.sha256()
    for item in items:
        h.update(json.dumps(item, sort_keys=True, ensure_ascii=False).encode() + b"\x1e")
    return h.hexdigest()


def plan(session: LocalSession, record: dict[str, Any] | None) -> Delta:
    """What to send for `session` given the record of the earlier import (None: never sent)."""
    base = {"provider": session.agent, "conversation": session.id, "project": session.project}
    stamp = session.updated.isoformat() if session.updated else None
    if session.kind == "json":
        return _plan_json(session, record, {**base, "updated": stamp})
    sent = (record or {}).get("files")
    sent = sent if isinstance(sent, dict) else {}
    files: dict[str, dict[str, Any]] = {}
    pieces: list[tuple[Path, int, int]] = []
    for name, path in session.files.items():
        end = _line_end(path, path.stat().st_size)
        before = sent.get(name) if isinstance(sent.get(name), dict) else None
        start = before.get("bytes") if before else 0
        start = start if isinstance(start, int) and start >= 0 else 0
        if before and (end < start or _head_digest(path, start) != before.get("head")):
            return Delta(DIVERGED, record or {})
        files[name] = {"bytes": end, "head": _head_digest(path, end)}
        if end > start:
            pieces.append((path, start, end))
    new_record = {**base, "files": files, "updated": stamp}
    if record is None:
        return Delta(NEW if pieces else EMPTY, new_record, pieces)
    return Delta(APPEND if pieces else UNCHANGED, new_record, pieces)


def _plan_json(session: LocalSession, record: dict[str, Any] | None, base: dict[str, Any]) -> Delta:
    data = load_json(session.files[MAIN])
    items = json_items(data)
    if items is None:
        return Delta(EMPTY, record or {})
    count = (record or {}).get("items", 0)
    count = count if isinstance(count, int) and count >= 0 else 0
    if record is not None and (
        len(items) < count or record.get("digest") != _items_digest(items[:count])
    ):
        return Delta(DIVERGED, record)
    new_record = {**base, "items": len(items), "digest": _items_digest(items)}
    fresh = items[count:]
    if not fresh:
        return Delta(UNCHANGED if record is not None else EMPTY, new_record)
    key = next((k for k in ITEMS_KEYS if isinstance(data, dict) and k in data), "messages")
    document: Any = {**data, key: fresh} if isinstance(data, dict) else fresh
    body = json.dumps(document, ensure_ascii=False).encode()
    return Delta(NEW if record is None else APPEND, new_record, body=body)


__all__ = [
    "AGENTS",
    "APPEND",
    "DIVERGED",
    "EMPTY",
    "MAIN",
    "META_KEY",
    "NEW",
    "UNCHANGED",
    "Delta",
    "LocalSession",
    "default_root",
    "discover",
    "import_record",
    "latest_claude_code_session",
    "plan",
    "session_at",
    "staged_name",
    "when",
]
