"""Test inputs built in code: realistic conversations with code, in several formats."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

TOPICS = [
    ("the database layer", "We'll use PostgreSQL with SQLAlchemy 2 for persistence."),
    ("the job queue", "Let's go with a lease-based queue so crashed jobs are retried."),
    ("authentication", "API keys must be stored hashed; we decided on SHA-256."),
    ("rate limiting", "The limit is 100 requests per minute per user."),
    ("the HTTP client", "Fetching must refuse private addresses, redirects included."),
]


def transcript(turns: int = 200, code_every: int = 10) -> str:
    """A plain 'User:'/'Assistant:' transcript with fenced code every few assistant turns."""
    lines: list[str] = []
    for i in range(turns):
        topic, decision = TOPICS[(i // 2) % len(TOPICS)]
        if i % 2 == 0:
            lines.append(f"User: Turn {i}. How should we build {topic}? What are the constraints?")
        else:
            body = f"Assistant: Turn {i}. {decision} This keeps {topic} simple and testable."
            if (i // 2) % code_every == 0:
                body += (
                    f"\n\nCreate `module_{i}.py`:\n\n```python\n"
                    f"def handler_{i}(request):\n"
                    f'    """Handle {topic}."""\n'
                    f"    return {{'turn': {i}, 'ok': True}}\n```\n"
                )
            lines.append(body)
        lines.append("")
    return "\n".join(lines)


def chatgpt_export(turns: int = 6) -> str:
    """A ChatGPT conversations.json with one conversation and a linear mapping."""
    start = datetime(2026, 1, 2, 10, 0, tzinfo=UTC)
    mapping: dict[str, dict[str, object]] = {
        "root": {"id": "root", "message": None, "parent": None, "children": ["n0"]}
    }
    for i in range(turns):
        role = "user" if i % 2 == 0 else "assistant"
        text = f"message {i} from {role}"
        if i == 3:
            text += "\n\n```sql\nCREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT);\n```"
        mapping[f"n{i}"] = {
            "id": f"n{i}",
            "parent": "root" if i == 0 else f"n{i - 1}",
            "children": [f"n{i + 1}"] if i + 1 < turns else [],
            "message": {
                "id": f"n{i}",
                "author": {"role": role},
                "create_time": (start + timedelta(minutes=i)).timestamp(),
                "content": {"content_type": "text", "parts": [text]},
            },
        }
    return json.dumps(
        [{"title": "Export test", "create_time": start.timestamp(), "mapping": mapping,
          "current_node": f"n{turns - 1}"}]
    )  # fmt: skip
