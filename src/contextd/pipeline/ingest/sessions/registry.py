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
    _copilot,
    _cursor,
    _gemini,
    _opencode,
)
from contextd.pipeline.ingest.sessions._input import SessionInput
from contextd.pipeline.ingest.sessions._model import Session, SessionReader
from contextd.pipeline.types import Fetched

READERS: tuple[SessionReader, ...] = (
    _claude_code.READER,
    _codex.READER,
    _gemini.READER,
    _opencode.READER,
    _amp.READER,
    _cline.READER,
    _copilot.READER,
    _cursor.READER,
    _aider.READER,
)


def read_session(fetched: Fetched | SessionInput) -> Session | None:
    """The session in `fetched` when one of the readers recognises it, else None."""
    candidate = fetched if isinstance(fetched, SessionInput) else SessionInput(fetched)
    for reader in READERS:
        if reader.detect(candidate):
            return reader.read(candidate)
    return None
