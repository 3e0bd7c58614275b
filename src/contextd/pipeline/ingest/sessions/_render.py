"""A session as the text of its Document: what was said and done, readable, never raw JSON.

Each turn is an `### Speaker · timestamp` heading (as chat exports are rendered) followed by its
text and one compact line per tool call (`→ Bash: pytest -q (exit 1)`). Thinking, tool outputs
and the files' contents stay in the turns' structured parts, out of the text: the text is what
search and snapshots read, and a session's envelope and payloads would drown the conversation.
"""

from __future__ import annotations

from contextd.pipeline.ingest.conversations import format_timestamp
from contextd.pipeline.ingest.sessions._model import Session
from contextd.pipeline.types import Document, ShellCommand, ToolCall, Turn

ERROR_LINE_MAX = 120


def call_line(call: ToolCall) -> str:
    """One line naming a call, its subject and how it ended."""
    line = f"→ {call.name}"
    if call.summary:
        line += f": {call.summary}"
    codes = [a.exit_code for a in call.actions if isinstance(a, ShellCommand)]
    if codes and codes[0] is not None:
        line += f" (exit {codes[0]})"
    elif call.status == "error":
        first = " ".join(call.output.split())[:ERROR_LINE_MAX]
        line += f" (error: {first})" if first else " (error)"
    return line


def render_turn(turn: Turn) -> str:
    head = turn.speaker
    if turn.timestamp is not None:
        head += f" · {format_timestamp(turn.timestamp)}"
    parts = [turn.text.strip()] if turn.text.strip() else []
    if turn.tool_calls:
        parts.append("\n".join(call_line(c) for c in turn.tool_calls))
    return f"### {head}\n\n" + "\n\n".join(parts) + "\n"


def session_document(session: Session) -> Document:
    """The Document of a session: its turns rendered, its reader's name and metadata."""
    text = "\n".join(render_turn(t) for t in session.turns if t.text.strip() or t.tool_calls)
    return Document(text=text, format=session.format, title=session.title, meta=session.meta)
