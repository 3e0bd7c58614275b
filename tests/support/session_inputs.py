"""Inputs for the coding-agent session readers' tests: the real fixtures kept in
`tests/fixtures/sessions/<agent>/` (see each folder's SOURCE.md), and the other formats a
reader must refuse (a ChatGPT export, a plain transcript, ordinary Markdown)."""

from __future__ import annotations

import json
import sqlite3
import tempfile
from pathlib import Path

from contextd.pipeline.types import Fetched

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "sessions"


def fixture_bytes(agent: str, name: str) -> bytes:
    return (FIXTURES / agent / name).read_bytes()


def fetched(content: bytes, content_type: str | None = None) -> Fetched:
    return Fetched(content, content_type)


def chatgpt_export() -> bytes:
    """A one-conversation ChatGPT `conversations.json` (the shape the export reader reads)."""

    def node(key: str, parent: str | None, role: str, text: str) -> dict[str, object]:
        message = {
            "id": key,
            "author": {"role": role},
            "create_time": 1_700_000_000,
            "content": {"content_type": "text", "parts": [text]},
        }
        return {"id": key, "parent": parent, "children": [], "message": message}

    mapping = {
        "u1": node("u1", None, "user", "How do I reverse a list?"),
        "a1": node("a1", "u1", "assistant", "Use reversed() or slicing."),
    }
    mapping["u1"]["children"] = ["a1"]
    return json.dumps(
        [{"title": "Lists", "create_time": 1_700_000_000, "mapping": mapping, "current_node": "a1"}]
    ).encode()


PLAIN_TRANSCRIPT = (
    b"User: How do I reverse a list in Python?\n\n"
    b"Assistant: Use reversed(items) or items[::-1].\n\n"
    b"User: Thanks!\n"
)

MARKDOWN_NOTES = (
    b"# Release notes\n\n#### Fixed\n\n> Quoted text from the issue.\n\n"
    b"path/to/file.py\n<<<<<<< SEARCH\nold\n=======\nnew\n>>>>>>> REPLACE\n"
)


def sqlite_database(tables: dict[str, list[dict[str, str]]]) -> bytes:
    """The bytes of a SQLite database with key/value tables (Cursor's `state.vscdb` layout:
    `CREATE TABLE <name> (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB)`)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "state.vscdb"
        connection = sqlite3.connect(path)
        try:
            for name, rows in tables.items():
                connection.execute(
                    f"CREATE TABLE {name} (key TEXT UNIQUE ON CONFLICT REPLACE, value BLOB)"
                )
                connection.executemany(
                    f"INSERT INTO {name} (key, value) VALUES (?, ?)",
                    [(row["key"], row["value"]) for row in rows],
                )
            connection.commit()
        finally:
            connection.close()
        return path.read_bytes()


def cursor_database() -> bytes:
    """Cursor's `state.vscdb` built from `tests/fixtures/sessions/cursor/state.vscdb.json`."""
    tables = json.loads(fixture_bytes("cursor", "state.vscdb.json"))
    return sqlite_database(tables)
