"""`save_session`: an agent saves its own session into contextd, and saves it again later.

The same import as `contextd import claude-code|...` (`contextd.client.agent_sessions` finds the
session and works out what is new; the record rides in the source's instructions), through the
async SDK: the first call creates the source, later calls fast-forward it with the lines written
since. Content given inline is staged in a temporary file so that both paths are one.
"""

from __future__ import annotations

import dataclasses
import hashlib
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from contextd.client import AsyncClient, Source, WaitTimeout
from contextd.client import agent_sessions as local
from contextd.client.agent_sessions import APPEND, NEW

CONTENT_MAX = 4 * 1024 * 1024


class CannotSave(Exception):
    """The session cannot be saved now: no file where the call said, or its source is busy."""


@dataclass
class Saved:
    session: local.LocalSession
    action: str
    sent_bytes: int
    source: Source | None


def find_session(
    agent: str, path: str | None, content: str | None, session_id: str | None, cwd: str | None
) -> tuple[local.LocalSession, tempfile.TemporaryDirectory[str] | None]:
    """The session to save, and the temporary folder holding inline content (to clean up)."""
    if content is not None:
        folder = tempfile.TemporaryDirectory(prefix="contextd-session-")
        digest = hashlib.sha256(content[:4096].encode()).hexdigest()[:16]
        name = session_id or digest
        kind = "json" if agent in ("gemini", "cline") else "lines"
        file_name = local.staged_name(agent, name, kind)[0]
        if agent == "cline":
            target = Path(folder.name) / "task" / "api_conversation_history.json"
            target.parent.mkdir()
        else:
            target = Path(folder.name) / file_name
        target.write_text(content, encoding="utf-8")
        found = local.session_at(agent, target)
        if session_id or agent in ("aider", "cline"):
            found = dataclasses.replace(found, id=name)
        if agent in ("aider", "cline") and found.project.startswith(folder.name):
            found = dataclasses.replace(found, project=agent)
        return found, folder
    if path:
        where = Path(path).expanduser()
        if not where.exists():
            raise CannotSave(f"no session file at {where}")
        return local.session_at(agent, where), None
    if agent != "claude-code":
        raise CannotSave(f"give the path of the {local.AGENTS[agent]} session (or its content)")
    here = Path(cwd).expanduser() if cwd else Path.cwd()
    latest = local.latest_claude_code_session(here.resolve())
    if latest is None:
        root = local.default_root("claude-code")
        raise CannotSave(
            f"no Claude Code session for {here} under {root}: pass the session file's path"
        )
    return local.session_at(agent, latest), None


async def imported_source(
    client: AsyncClient, space_id: str, agent: str, sid: str
) -> Source | None:
    """The source an earlier import made of this session (the oldest, if several)."""
    found: Source | None = None
    async for source in client.sources.list(space_id, per_page=100):
        record = local.import_record(source.instructions)
        if not record or record.get("provider") != agent or record.get("conversation") != sid:
            continue
        if found is None or (
            source.created_at and found.created_at and source.created_at < found.created_at
        ):
            found = source
    return found


async def space_for(client: AsyncClient, name: str) -> str:
    """The id of the space with this name, created when there is none."""
    key = name.strip().casefold()
    async for space in client.spaces.list(per_page=100):
        if space.name.strip().casefold() == key:
            return space.id
    return (await client.spaces.create(name[:200], description=name)).id


async def save(
    client: AsyncClient, space_id: str, session: local.LocalSession, *, timeout: float
) -> Saved:
    """Create the session's source, or fast-forward it with what is new."""
    source = await imported_source(client, space_id, session.agent, session.id)
    record = local.import_record(source.instructions) if source else None
    delta = local.plan(session, record)
    if delta.action not in (NEW, APPEND):
        return Saved(session, delta.action, 0, source)
    instructions = {local.META_KEY: delta.record}
    with tempfile.TemporaryDirectory(prefix="contextd-save-") as folder:
        name, content_type = local.staged_name(session.agent, session.id, session.kind)
        staged = Path(folder) / name
        with staged.open("wb") as out:
            delta.write(out)
        kind = "FILE" if delta.size > CONTENT_MAX else "CONTENT"
        data: Any = (
            (await client.uploads.upload(staged, content_type=content_type)).file_key
            if kind == "FILE"
            else staged.read_text("utf-8", errors="replace")
        )
    if delta.action == NEW:
        label = local.AGENTS[session.agent]
        source = await client.sources.create(
            space_id,
            type=kind,
            initial_data={"data": data},
            instructions=instructions,
            name=session.name[:500],
            description=f"{label} session {session.id} in {session.project}",
        )
        return Saved(session, NEW, delta.size, source)
    assert source is not None
    if not source.status.is_final:
        try:
            source = await client.sources.wait_until_done(source, timeout=timeout)
        except WaitTimeout as err:
            raise CannotSave(
                f"source {source.id} is still processing the last save; try again shortly"
            ) from err
    result = await client.sources.fast_forward(
        source, type=kind, initial_data={"data": data}, instructions=instructions
    )
    return Saved(session, APPEND, delta.size, result)
