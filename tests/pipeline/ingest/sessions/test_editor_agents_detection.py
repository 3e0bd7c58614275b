"""Cline/Roo Code, Copilot Chat, Cursor and Aider: each reader claims its own files and no
other's, and what the chat-export and transcript readers read stays theirs."""

from __future__ import annotations

import pytest

from contextd.pipeline.ingest.conversations import detect_export, parse_transcript
from contextd.pipeline.ingest.convert import load_json
from contextd.pipeline.ingest.sessions import (
    SessionInput,
    _aider,
    _cline,
    _copilot,
    _cursor,
    read_session,
)
from tests.support.session_inputs import (
    PLAIN_TRANSCRIPT,
    chatgpt_export,
    cursor_database,
    fetched,
    fixture_bytes,
)

READERS = {r.name: r for r in (_aider.READER, _cline.READER, _copilot.READER, _cursor.READER)}

INPUTS = {
    "aider": lambda: fixture_bytes("aider", ".aider.chat.history.md"),
    "cline": lambda: fixture_bytes("cline", "api_conversation_history.json"),
    "cline-xml": lambda: fixture_bytes("cline", "api_conversation_history.xml-tools.json"),
    "roo": lambda: fixture_bytes("cline", "roo_api_conversation_history.json"),
    "copilot": lambda: fixture_bytes("copilot", "chat.json"),
    "cursor": cursor_database,
}
OWNER = {"aider": "aider", "cline": "cline", "cline-xml": "cline", "roo": "cline"}


@pytest.mark.parametrize("name", sorted(INPUTS))
def test_each_input_is_claimed_by_exactly_its_reader(name: str) -> None:
    candidate = SessionInput(fetched(INPUTS[name]()))
    owner = OWNER.get(name, name)
    assert [r for r, reader in READERS.items() if reader.detect(candidate)] == [owner]
    session = read_session(fetched(INPUTS[name]()))
    assert session is not None and session.format == owner


def test_chat_exports_and_transcripts_stay_with_their_readers() -> None:
    export = fetched(chatgpt_export(), "application/json")
    assert read_session(export) is None
    ok, data = load_json(export)
    assert ok and detect_export(data) is not None
    transcript = fetched(PLAIN_TRANSCRIPT, "text/plain")
    assert read_session(transcript) is None
    assert parse_transcript(PLAIN_TRANSCRIPT.decode()) is not None
