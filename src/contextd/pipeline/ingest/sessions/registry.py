"""The session readers, in the order they are tried: first match wins.

A reader whose format could be mistaken for a more general one comes before it.
"""

from __future__ import annotations

from contextd.pipeline.ingest.sessions import _aider, _cline, _copilot, _cursor
from contextd.pipeline.ingest.sessions._input import SessionInput
from contextd.pipeline.ingest.sessions._model import Session, SessionReader
from contextd.pipeline.types import Fetched

READERS: tuple[SessionReader, ...] = (
    _cline.READER,
    _copilot.READER,
    _cursor.READER,
    _aider.READER,
)


def read_session(fetched: Fetched) -> Session | None:
    """The session in `fetched` when one of the readers recognises it, else None."""
    candidate = SessionInput(fetched)
    for reader in READERS:
        if reader.detect(candidate):
            return reader.read(candidate)
    return None
