"""JSONL that no session reader knows: kept as data, never taken for prose.

Each record is pretty-printed in a ```json fence, in order, so the structure stays readable and
searchable. A JSONL file may be hundreds of megabytes: records are parsed one at a time and the
rendering stops at `RENDER_MAX` characters, the document saying how many records were left out
(counted by their lines, without parsing them), so memory stays bounded by what is stored.
"""

from __future__ import annotations

import json

from contextd.pipeline.ingest.sessions._input import SessionInput
from contextd.pipeline.types import Document

RENDER_MAX = 4 << 20  # characters of pretty-printed records kept


def jsonl_document(candidate: SessionInput, *, limit: int = RENDER_MAX) -> Document | None:
    """`candidate` (kind "jsonl") as a Document of format "jsonl"; `meta` counts the records
    shown, the malformed lines skipped among those read, and the lines cut unread.

    None when most lines read are not JSON objects: a text that merely starts with one is
    still a text."""
    parts: list[str] = []
    size = 0
    shown = 0
    cut = 0
    content = candidate.fetched.content
    records = candidate.records()
    for record in records:
        pretty = json.dumps(record, indent=2, ensure_ascii=False)
        if size + len(pretty) > limit and shown:
            cut = 1
            break
        parts.append(f"```json\n{pretty}\n```\n")
        size += len(pretty)
        shown += 1
    skipped = candidate.skipped
    if skipped >= shown:
        return None
    if cut:
        # The rest is counted by its non-empty lines, unparsed: a huge file stays cheap.
        cut += _count(content, _offset(content, shown + skipped + cut))
        parts.append(f"… {cut} more records not shown (the document keeps the first {shown}).\n")
    meta: dict[str, object] = {"records": shown, "skipped_lines": skipped}
    if cut:
        meta["records_cut"] = cut
    return Document(text="\n".join(parts), format="jsonl", meta=meta)


def _count(content: bytes, start: int) -> int:
    """The non-empty lines from `start` on, one line at a time."""
    count = 0
    while start < len(content):
        end = content.find(b"\n", start)
        end = len(content) if end == -1 else end
        if content[start:end].strip():
            count += 1
        start = end + 1
    return count


def _offset(content: bytes, lines: int) -> int:
    """The byte offset just after the first `lines` non-empty lines."""
    start = 0
    seen = 0
    while seen < lines and start < len(content):
        end = content.find(b"\n", start)
        end = len(content) if end == -1 else end
        if content[start:end].strip():
            seen += 1
        start = end + 1
    return start
