"""JSON Lines that no session reader knows: a JSON document, never prose, never fatal."""

from __future__ import annotations

import json

from contextd.pipeline.ingest import ingest
from contextd.pipeline.ingest.sessions import SessionInput, jsonl_document
from contextd.pipeline.types import Fetched

RECORDS: list[dict[str, object]] = [
    {"event": "deploy", "service": "api", "ok": True},
    {"event": "rollback", "service": "api", "reason": "health check: 502"},
    {"event": "deploy", "service": "web", "ok": True},
]


def _body(records: list[dict[str, object]], bad: tuple[str, ...] = ()) -> bytes:
    lines = [json.dumps(r) for r in records]
    for number, line in enumerate(bad):
        lines.insert(1 + 2 * number, line)
    return ("\n".join(lines) + "\n").encode()


def test_unknown_jsonl_is_read_as_pretty_records_with_malformed_lines_counted() -> None:
    body = _body(RECORDS, bad=('{"event": "deploy", "serv', "not json at all"))
    ingested = ingest(Fetched(body, filename="events.jsonl"))
    document = ingested.document
    assert document.format == "jsonl"
    assert ingested.turns == ()
    assert document.meta == {"records": 3, "skipped_lines": 2}
    assert document.text.count("```json\n") == 3
    assert '  "reason": "health check: 502"' in document.text  # pretty, structure kept
    assert "not json at all" not in document.text


def test_a_speaker_like_value_does_not_make_turns() -> None:
    records: list[dict[str, object]] = [{"line": "User: hello"}, {"line": "Assistant: hi"}]
    ingested = ingest(Fetched(_body(records)))
    assert ingested.document.format == "jsonl" and ingested.turns == ()


def test_rendering_stops_at_the_limit_and_says_how_much_was_cut() -> None:
    records: list[dict[str, object]] = [{"n": n, "pad": "x" * 50} for n in range(100)]
    candidate = SessionInput(Fetched(_body(records, bad=("{broken",))))
    document = jsonl_document(candidate, limit=1000)
    assert document is not None
    shown = document.text.count("```json\n")
    assert 0 < shown < 100
    assert document.meta["records"] == shown
    assert document.meta["skipped_lines"] == 1  # the second line, met before the limit
    assert document.meta["records_cut"] == 100 - shown  # counted, not parsed
    assert f"… {document.meta['records_cut']} more records not shown" in document.text


def test_a_text_that_starts_with_a_json_line_stays_a_text() -> None:
    body = b'{"draft": true}\nRelease notes\n\nUser: is the release ready?\nAssistant: yes.\n'
    ingested = ingest(Fetched(body))
    assert ingested.document.format != "jsonl"
    assert "Release notes" in ingested.document.text
