"""Listers of the agents added after the first five: Qwen Code, Pi, Continue, Goose (its
JSONL session files; the SQLite store of current versions is not listed yet)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

from contextd.client._session_files import (
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


def qwen_session(path: Path) -> LocalSession:
    """A Qwen Code chat (`<project>/chats/<session>.jsonl`): its records say `cwd`."""
    records = head_records(path)
    cwd = next((r["cwd"] for r in records if isinstance(r.get("cwd"), str)), None)
    session_id = next(
        (r["sessionId"] for r in records if isinstance(r.get("sessionId"), str)), path.stem
    )
    prompt = ""
    for record in records:
        message = record.get("message")
        if record.get("type") == "user" and isinstance(message, dict):
            parts = message.get("parts")
            text = text_of(parts) if isinstance(parts, list) else ""
            if is_prompt(text):
                prompt = text
                break
    stamps = [t for t in (when(r.get("timestamp")) for r in records) if t]
    project = cwd or path.parent.parent.name
    return local_session("qwen", session_id, project, {MAIN: path}, prompt, stamps, "lines")


def pi_session(path: Path) -> LocalSession:
    """A Pi session (`--<cwd>--/<time>_<id>.jsonl`): its header says the id and `cwd`."""
    records = head_records(path)
    header = records[0] if records and records[0].get("type") == "session" else {}
    prompt = ""
    for record in records:
        message = record.get("message")
        if isinstance(message, dict) and message.get("role") == "user":
            text = text_of(message.get("content"))
            if is_prompt(text) and not text.startswith("/"):
                prompt = text
                break
    stamps = [t for t in (when(r.get("timestamp")) for r in records) if t]
    session_id = header.get("id") if isinstance(header.get("id"), str) else path.stem
    cwd = header.get("cwd")
    project = cwd if isinstance(cwd, str) and cwd else path.parent.name.strip("-") or "pi"
    return local_session("pi", str(session_id), project, {MAIN: path}, prompt, stamps, "lines")


def continue_session(path: Path) -> LocalSession:
    """A Continue session (`sessions/<id>.json`, rewritten whole)."""
    data = load_json(path)
    obj = data if isinstance(data, dict) else {}
    items = json_items(obj) or []
    prompt = next(
        (
            text_of(m["message"].get("content"))
            for m in items
            if isinstance(m, dict)
            and isinstance(m.get("message"), dict)
            and m["message"].get("role") == "user"
        ),
        "",
    )
    workspace = obj.get("workspaceDirectory")
    project = workspace if isinstance(workspace, str) and workspace else "continue"
    if project.startswith("file://"):
        project = unquote(urlparse(project).path)
    session_id = obj.get("sessionId") if isinstance(obj.get("sessionId"), str) else path.stem
    files = {MAIN: path}
    return local_session(
        "continue", str(session_id), project, files, prompt, [], "json", len(items)
    )


def goose_session(path: Path) -> LocalSession:
    """A Goose session file (`sessions/<id>.jsonl`, before Goose moved them to SQLite): a
    metadata line (`working_dir`, `description`), then one message a line."""
    records = head_records(path)
    meta = records[0] if records and "working_dir" in records[0] else {}
    prompt = str(meta.get("description") or "")
    for record in records:
        if not prompt and record.get("role") == "user":
            text = text_of(record.get("content"))
            prompt = text if is_prompt(text) else ""
    stamps = [t for t in (when(r.get("created")) for r in records) if t]
    cwd = meta.get("working_dir")
    project = cwd if isinstance(cwd, str) and cwd else "goose"
    return local_session("goose", path.stem, project, {MAIN: path}, prompt, stamps, "lines")


LISTERS = {
    "qwen": qwen_session,
    "pi": pi_session,
    "continue": continue_session,
    "goose": goose_session,
}
