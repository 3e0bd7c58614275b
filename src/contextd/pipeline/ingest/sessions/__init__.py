"""Coding-agent sessions (Claude Code, Codex CLI, Gemini CLI, Qwen Code, Cline/Roo/Kilo Code,
Aider, Copilot Chat, Cursor, OpenCode, Amp, Continue, Goose, Crush, Pi, OpenHands): read from
each agent's own files, by content, not by file name.

A session is more than a chat: its turns carry tool calls (what the agent ran, read and wrote),
normalized into `pipeline.types` actions so that artifact extraction and snapshots need to know
no agent's tool names, and thinking, kept apart from the text. Each agent is one reader module
(`_claude_code`, `_codex`, ...) exposing a `SessionReader`; `registry.READERS` lists them in the
order they are tried. Adding an agent is one new module and one entry there.
"""

from contextd.pipeline.ingest.sessions._claude_code import read_claude_code
from contextd.pipeline.ingest.sessions._input import SessionInput
from contextd.pipeline.ingest.sessions._jsonl import jsonl_document
from contextd.pipeline.ingest.sessions._model import Session, SessionReader
from contextd.pipeline.ingest.sessions._render import call_line, session_document
from contextd.pipeline.ingest.sessions.registry import READERS, read_session

__all__ = [
    "READERS",
    "Session",
    "SessionInput",
    "SessionReader",
    "call_line",
    "jsonl_document",
    "read_claude_code",
    "read_session",
    "session_document",
]
