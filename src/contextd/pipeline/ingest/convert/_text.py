"""JSON (a chat export's transcript, or the JSON pretty-printed), Markdown and plain text."""

from __future__ import annotations

import json

from contextd.pipeline.ingest.conversations import detect_export, export_document
from contextd.pipeline.ingest.convert._decode import decode_text
from contextd.pipeline.types import Document, Fetched


def load_json(fetched: Fetched) -> tuple[bool, object]:
    """(True, value) when the bytes are one JSON document, else (False, None)."""
    try:
        value: object = json.loads(decode_text(fetched.content, fetched.charset))
    except (ValueError, RecursionError):
        return False, None
    return True, value


def json_document(data: object) -> Document:
    """Parsed JSON as a Document: a chat export's transcript, or the JSON pretty-printed.

    A plain ```json fence is safe: pretty-printed JSON has no line that could close it.
    """
    found = detect_export(data)
    if found is not None:
        return export_document(*found)
    pretty = json.dumps(data, indent=2, ensure_ascii=False)
    title = data.get("title") if isinstance(data, dict) else None
    return Document(
        text=f"```json\n{pretty}\n```\n",
        format="json",
        title=title if isinstance(title, str) and title.strip() else None,
    )


def convert_json(fetched: Fetched) -> Document:
    ok, data = load_json(fetched)
    return json_document(data) if ok else convert_text(fetched)


def first_heading(markdown: str) -> str | None:
    for line in markdown.split("\n", 200)[:200]:
        if line.startswith("# "):
            return line[2:].strip().rstrip("#").strip() or None
    return None


def convert_markdown(fetched: Fetched) -> Document:
    text = decode_text(fetched.content, fetched.charset)
    return Document(text=text, format="markdown", title=first_heading(text))


def convert_text(fetched: Fetched) -> Document:
    return Document(text=decode_text(fetched.content, fetched.charset), format="text")
