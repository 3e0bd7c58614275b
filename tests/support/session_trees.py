"""Fake coding-agent homes for import tests: small session files laid out where each agent keeps
them, with records in each agent's shape (Claude Code's `user`/`assistant` records, Codex's
rollout lines, a Gemini CLI chat, a Cline task, an Aider history)."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def project_folder(cwd: str) -> str:
    """Claude Code's folder name for a working directory."""
    return re.sub(r"[^A-Za-z0-9]", "-", cwd)


def claude_record(
    session_id: str, cwd: str, index: int, text: str, *, role: str = "user", **extra: Any
) -> dict[str, Any]:
    content: Any = text if role == "user" else [{"type": "text", "text": text}]
    return {
        "parentUuid": None if index == 0 else f"{session_id}-{index - 1}",
        "isSidechain": False,
        "type": role,
        "message": {"role": role, "content": content},
        "uuid": f"{session_id}-{index}",
        "sessionId": session_id,
        "cwd": cwd,
        "gitBranch": "main",
        "version": "2.0.0",
        "timestamp": (START + timedelta(minutes=index)).isoformat().replace("+00:00", "Z"),
        **extra,
    }


def jsonl(records: list[dict[str, Any]]) -> str:
    return "".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records)


def claude_session(
    root: Path, cwd: str, session_id: str, texts: list[str], *, first: int = 0
) -> Path:
    """Append `texts` (user, assistant, alternating from `first`) to a session file."""
    folder = root / project_folder(cwd)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{session_id}.jsonl"
    records = [
        claude_record(session_id, cwd, first + i, t, role="user" if i % 2 == 0 else "assistant")
        for i, t in enumerate(texts)
    ]
    with path.open("a", encoding="utf-8") as handle:
        handle.write(jsonl(records))
    return path


def claude_subagent(root: Path, cwd: str, session_id: str, agent_id: str, text: str) -> Path:
    folder = root / project_folder(cwd) / session_id / "subagents"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"agent-{agent_id}.jsonl"
    record = claude_record(session_id, cwd, 0, text, isSidechain=True, agentId=agent_id)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(jsonl([record]))
    return path


def codex_rollout(root: Path, session_id: str, cwd: str, prompt: str) -> Path:
    folder = root / "2026" / "03" / "01"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"rollout-2026-03-01T09-00-00-{session_id}.jsonl"
    stamp = "2026-03-01T09:00:00.000Z"
    lines = [
        {
            "timestamp": stamp,
            "type": "session_meta",
            "payload": {"id": session_id, "timestamp": stamp, "cwd": cwd, "originator": "codex"},
        },
        {
            "timestamp": stamp,
            "type": "response_item",
            "payload": {
                "type": "message",
                "role": "user",
                "content": [{"type": "input_text", "text": "<environment_context>x"}],
            },
        },
        {
            "timestamp": stamp,
            "type": "event_msg",
            "payload": {"type": "user_message", "message": prompt},
        },
    ]
    path.write_text(jsonl(lines), encoding="utf-8")
    return path


def gemini_chat(root: Path, project_hash: str, session_id: str, prompts: list[str]) -> Path:
    folder = root / project_hash / "chats"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"session-2026-03-01T09-00-{session_id[:8]}.json"
    messages = []
    for i, prompt in enumerate(prompts):
        stamp = (START + timedelta(minutes=i)).isoformat()
        messages.append({"id": f"u{i}", "timestamp": stamp, "type": "user", "content": prompt})
        messages.append({"id": f"g{i}", "timestamp": stamp, "type": "gemini", "content": "ok"})
    chat = {
        "sessionId": session_id,
        "projectHash": project_hash,
        "startTime": START.isoformat(),
        "lastUpdated": (START + timedelta(minutes=len(prompts))).isoformat(),
        "messages": messages,
    }
    path.write_text(json.dumps(chat), encoding="utf-8")
    return path


def cline_task(storage: Path, extension: str, task_id: str, cwd: str, task: str) -> Path:
    folder = storage / extension / "tasks" / task_id
    folder.mkdir(parents=True, exist_ok=True)
    first = (
        f"<task>\n{task}\n</task>\n\n<environment_details>\n"
        f"# Current Working Directory ({cwd}) Files\nmain.py\n</environment_details>"
    )
    history = [
        {"role": "user", "content": [{"type": "text", "text": first}]},
        {"role": "assistant", "content": [{"type": "text", "text": "On it."}]},
    ]
    path = folder / "api_conversation_history.json"
    path.write_text(json.dumps(history), encoding="utf-8")
    return path


def aider_history(repo: Path, prompt: str) -> Path:
    repo.mkdir(parents=True, exist_ok=True)
    path = repo / ".aider.chat.history.md"
    path.write_text(
        f"\n# aider chat started at 2026-03-01 09:00:00\n\n#### {prompt}\n\nSure, done.\n",
        encoding="utf-8",
    )
    return path


def placed_fixture(folder: Path, agent: str, name: str, *, lines: int | None = None) -> Path:
    """A session fixture (`tests/fixtures/sessions/<agent>/<name>`) copied into `folder`, where
    the agent keeps its sessions; `lines` keeps only the first lines (a session still growing)."""
    source = Path(__file__).resolve().parents[1] / "fixtures" / "sessions" / agent / name
    folder.mkdir(parents=True, exist_ok=True)
    content = source.read_bytes()
    if lines is not None:
        content = b"".join(content.splitlines(keepends=True)[:lines])
    path = folder / name
    path.write_bytes(content)
    return path


def continue_session_file(folder: Path, items: int | None = None) -> Path:
    """The Continue fixture in a `sessions` folder, with its first `items` history items."""
    name = "b8c1f2d4-3e5a-4b6c-8d7e-9f0a1b2c3d4e.json"
    path = placed_fixture(folder, "continue", name)
    if items is not None:
        data = json.loads(path.read_bytes())
        data["history"] = data["history"][:items]
        path.write_text(json.dumps(data), encoding="utf-8")
    (folder / "sessions.json").write_text("[]", encoding="utf-8")  # Continue's list of sessions
    return path


def revised_file_session(
    content: str = "print('hello')\n", old: str = "hello", new: str = "hello world"
) -> str:
    """A Claude Code session that writes app.py, then edits it (`old` becomes `new`): two
    versions of one file."""
    sid, cwd = "revise-1", "/w"
    records = [claude_record(sid, cwd, 0, "Write app.py, then make it greet the world.")]
    calls = [
        ("Write", {"file_path": "/w/app.py", "content": content}),
        ("Edit", {"file_path": "/w/app.py", "old_string": old, "new_string": new}),
    ]
    for n, (name, tool_input) in enumerate(calls, start=1):
        use = {"type": "tool_use", "id": f"tu{n}", "name": name, "input": tool_input}
        result = {"type": "tool_result", "tool_use_id": f"tu{n}", "content": "ok"}
        answer = {"role": "assistant", "id": f"m{n}", "content": [use]}
        records.append(claude_record(sid, cwd, 2 * n - 1, "", role="assistant", message=answer))
        records.append(
            claude_record(sid, cwd, 2 * n, "", message={"role": "user", "content": [result]})
        )
    return jsonl(records)
