"""SQLite session stores (Goose's `sessions.db`, Crush's `crush.db`) built from reviewable JSON
fixtures: `{"schema": [<CREATE TABLE ...>], "rows": {<table>: [{<column>: <value>}]}}`.

A column value that is a JSON object or list is stored as its JSON text, as the agents store
message parts, so the fixture shows the parts as data rather than as escaped strings."""

from __future__ import annotations

import json
import sqlite3
import tempfile
from pathlib import Path

from tests.support.agent_sessions import fixture_bytes


def database_bytes(spec: dict[str, object]) -> bytes:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "store.db"
        connection = sqlite3.connect(path)
        try:
            for statement in spec["schema"]:  # type: ignore[attr-defined]
                connection.execute(statement)
            tables: dict[str, list[dict[str, object]]] = spec["rows"]  # type: ignore[assignment]
            for table, rows in tables.items():
                for row in rows:
                    values = [
                        json.dumps(v) if isinstance(v, dict | list) else v for v in row.values()
                    ]
                    columns = ", ".join(row)
                    marks = ", ".join("?" for _ in row)
                    connection.execute(f"INSERT INTO {table} ({columns}) VALUES ({marks})", values)
            connection.commit()
        finally:
            connection.close()
        return path.read_bytes()


def fixture_database(agent: str, name: str) -> bytes:
    """The database a fixture describes (`tests/fixtures/sessions/<agent>/<name>`)."""
    spec = json.loads(fixture_bytes(agent, name))
    assert isinstance(spec, dict)
    return database_bytes(spec)
