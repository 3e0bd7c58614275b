"""What a session reader returns, and the reader contract."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from contextd.pipeline.ingest.sessions._input import SessionInput
from contextd.pipeline.types import LateResult, Turn


@dataclass(frozen=True)
class Session:
    """One agent session: its turns in order (numbered from 0) and what the files say about it
    (`pipeline.types.SESSION_META_KEYS`)."""

    format: str  # the reader's name, which becomes `Document.format`
    title: str | None
    turns: tuple[Turn, ...]
    meta: Mapping[str, object] = field(default_factory=dict)
    late_results: tuple[LateResult, ...] = ()  # results whose call this input does not hold


@dataclass(frozen=True)
class SessionReader:
    """`detect` answers from `SessionInput.head` alone (cheap: it runs for every JSON or text
    source); `read` then reads the whole input, streaming records when it is JSONL."""

    name: str
    detect: Callable[[SessionInput], bool]
    read: Callable[[SessionInput], Session]
