"""The session readers, in the order they are tried: first match wins.

A reader whose format could be mistaken for a more general one comes before it.
"""

from __future__ import annotations

from contextd.pipeline.ingest.sessions import (
    _aider,
    _amp,
    _claude_code,
    _cline,
    _codex,
    _continue,
    _copilot,
    _crush,
    _cursor,
    _gemini,
    _goose,
    _opencode,
    _openhands,
    _pi,
    _qwen,
)
from contextd.pipeline.ingest.sessions._input import SessionInput
from contextd.pipeline.ingest.sessions._model import Session, SessionReader
from contextd.pipeline.types import Fetched

READERS: tuple[SessionReader, ...] = (
    _qwen.READER,  # its records chain like Claude Code's
    _claude_code.READER,
    _codex.READER,
    _gemini.READER,
    _opencode.READER,
    _continue.READER,
    _goose.READER,
    _openhands.READER,
    _amp.READER,
    _cline.READER,
    _copilot.READER,
    _cursor.READER,
    _crush.READER,
    _pi.READER,
    _aider.READER,
)


def read_session(fetched: Fetched | SessionInput) -> Session | None:
    """The session in `fetched` when one of the readers recognises it, else None."""
    candidate = fetched if isinstance(fetched, SessionInput) else SessionInput(fetched)
    for reader in READERS:
        if reader.detect(candidate):
            return reader.read(candidate)
    return None
