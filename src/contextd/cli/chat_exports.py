"""Reading ChatGPT's and Claude's chat exports (`conversations.json`, or the zip the service
sends) into conversations with the server's own turn parser: the half of `contextd import`
that needs no server, so `contextd add` can sniff an export with it too."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer

from contextd.cli.common import fail
from contextd.pipeline.ingest.conversations import detect_export, format_timestamp
from contextd.pipeline.types import Turn

PROVIDERS = {"chatgpt": "ChatGPT", "claude": "Claude"}
EXPORT_FILE = "conversations.json"
MAX_SNIFF_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True)
class ExportConversation:
    provider: str
    id: str
    title: str
    created: datetime | None
    updated: datetime | None
    turns: tuple[Turn, ...]
    raw: dict[str, Any]

    @property
    def when(self) -> datetime | None:
        return self.updated or self.created


def load_export(path: Path) -> Any:
    """The parsed `conversations.json`, from the zip the service sends or the file itself."""
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                names = [n for n in archive.namelist() if n.rsplit("/", 1)[-1] == EXPORT_FILE]
                if not names:
                    fail(f"{path}: no {EXPORT_FILE} in this zip; is it a chat export?")
                with archive.open(min(names, key=len)) as member:
                    return json.load(member)
        with path.open("rb") as handle:
            return json.load(handle)
    except (OSError, zipfile.BadZipFile) as exc:
        fail(f"cannot read {path}: {exc}")
    except ValueError as exc:
        fail(f"{path} is not JSON: {exc}")


def detect_provider(data: Any) -> str | None:
    """ "chatgpt" or "claude" when `data` is that service's conversations.json."""
    items = data if isinstance(data, list) else [data]
    dicts = [item for item in items if isinstance(item, dict)]
    if not dicts or len(dicts) != len(items):
        return None
    if all(isinstance(item.get("mapping"), dict) for item in dicts):
        return "chatgpt"
    if all(isinstance(item.get("chat_messages"), list) for item in dicts):
        return "claude"
    return None


def sniff_export(path: Path) -> str | None:
    """The provider of a chat export file, without failing on files that are something else."""
    name = path.name.lower()
    if not (name.endswith((".json", ".zip"))) or path.stat().st_size > MAX_SNIFF_BYTES:
        return None
    try:
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                if not any(n.rsplit("/", 1)[-1] == EXPORT_FILE for n in archive.namelist()):
                    return None
        elif name != EXPORT_FILE:
            with path.open("rb") as handle:
                head = handle.read(4096).lstrip()
            if not head.startswith(b"["):
                return None
        return detect_provider(load_export(path))
    except (typer.Exit, Exception):
        return None


def _when(value: object) -> datetime | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(float(value), tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str) and value.strip():
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    return None


def _conversation_id(provider: str, raw: dict[str, Any]) -> str:
    keys = ("conversation_id", "id") if provider == "chatgpt" else ("uuid", "id")
    for key in keys:
        value = raw.get(key)
        if isinstance(value, str) and value:
            return value
    # No id in the export (hand-made files): the creation time and first message identify it.
    if provider == "chatgpt":
        mapping = raw.get("mapping") or {}
        anchor: object = sorted(mapping)[:1] if isinstance(mapping, dict) else []
    else:
        messages = raw.get("chat_messages") or []
        first = messages[0] if isinstance(messages, list) and messages else {}
        anchor = first.get("uuid") or first.get("text") if isinstance(first, dict) else None
    stamp = raw.get("create_time", raw.get("created_at"))
    digest = hashlib.sha256(json.dumps([stamp, anchor], default=str).encode()).hexdigest()
    return f"sha256-{digest[:32]}"


def parse_conversations(data: Any, provider: str) -> list[ExportConversation]:
    found = detect_provider(data)
    if found is None:
        fail(f"this is not a ChatGPT or Claude export ({EXPORT_FILE})")
    if found != provider:
        fail(
            f"this is a {PROVIDERS[found]} export, not {PROVIDERS[provider]}: "
            f"use `contextd import {found}`"
        )
    items: list[dict[str, Any]] = data if isinstance(data, list) else [data]
    conversations: list[ExportConversation] = []
    for raw in items:
        parsed = detect_export(raw)
        turns = parsed[1][0].turns if parsed and parsed[1] else ()
        if provider == "chatgpt":
            title = raw.get("title")
            created, updated = _when(raw.get("create_time")), _when(raw.get("update_time"))
        else:
            title = raw.get("name")
            created, updated = _when(raw.get("created_at")), _when(raw.get("updated_at"))
        conversations.append(
            ExportConversation(
                provider=provider,
                id=_conversation_id(provider, raw),
                title=title.strip() if isinstance(title, str) and title.strip() else "Untitled",
                created=created,
                updated=updated,
                turns=tuple(turns),
                raw=raw,
            )
        )
    return conversations


def turns_digest(turns: Sequence[Turn]) -> str:
    h = hashlib.sha256()
    for turn in turns:
        h.update(turn.role.encode() + b"\x1f" + turn.text.encode() + b"\x1e")
    return h.hexdigest()


def messages_document(title: str, turns: Sequence[Turn]) -> str:
    """New turns as an OpenAI-style message list, which the server reads as a conversation
    with these exact speakers, roles, texts and times."""
    messages: list[dict[str, Any]] = []
    for turn in turns:
        message: dict[str, Any] = {"role": turn.role, "name": turn.speaker, "content": turn.text}
        if turn.timestamp is not None:
            message["timestamp"] = format_timestamp(turn.timestamp)
        messages.append(message)
    return json.dumps({"title": title, "messages": messages}, ensure_ascii=False)
