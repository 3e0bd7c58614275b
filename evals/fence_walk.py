"""Markdown fences as the evals read them: the one fence walker, and the prose before a fence as
the pipeline passes it (its intro line, its context).

Shared by `language_id.py` (the cut of the report sets and their sidecars),
`document_sidecar.py` (each block's whole document), `langid_document.py`, `cue_check.py`,
`langid_corpus.py` and `langid_context.py`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from contextd.pipeline.artifacts import CONTEXT_CHARS

_FENCE_RE = re.compile(r"^(?P<fence>`{3,}|~{3,})\s*(?P<info>[^`\s]*)[^`]*$")
_BEFORE_CHARS = 600  # of the prose before a fence, kept in the sidecar (`--save-pairs`)


def fences(text: str) -> Iterator[tuple[int, str, str]]:
    """(line number of the opening fence, its info string, the body) of each fenced block of a
    Markdown text; an unclosed fence runs to the end. Callers fold the info string their way."""
    for start, _end, info, body in _fence_spans(text.splitlines()):
        yield start + 1, info, body


def fences_with_before(text: str) -> Iterator[tuple[int, str, str, str]]:
    """`fences`, each with the text a reader sees before it: the lines between the end of the
    previous fence (or the document's start) and its opening line, the last 600 characters at
    most (front matter, headings and HTML comments included, as written)."""
    lines = text.splitlines()
    previous = 0
    for start, end, info, body in _fence_spans(lines):
        yield start + 1, info, body, "\n".join(lines[previous:start])[-_BEFORE_CHARS:]
        previous = end + 1


def _fence_spans(lines: Sequence[str]) -> Iterator[tuple[int, int, str, str]]:
    """The one fence walker: (index of the opening line, index of the closing line or the
    line count when unclosed, info string, body) of each fenced block."""
    index = 0
    while index < len(lines):
        match = _FENCE_RE.match(lines[index])
        if match is None:
            index += 1
            continue
        fence = match.group("fence")
        end = index + 1
        while end < len(lines) and not lines[end].startswith(fence):
            end += 1
        yield index, end, match.group("info"), "\n".join(lines[index + 1 : end])
        index = end + 1


def intro_of(before: str | None) -> str | None:
    """The line that introduces a fence, taken as `artifacts._candidates` takes it: the last
    non-blank line of the prose before it, stripped; None when there is none (a fence right
    after another fence, or at the document's start)."""
    lines = [line.strip() for line in (before or "").split("\n") if line.strip()]
    return lines[-1] if lines else None


def context_of(before: str | None) -> str | None:
    """The prose before a fence as `artifacts._context` passes it to the mention rule: the
    stripped text since the previous block, its last `CONTEXT_CHARS` characters."""
    text = (before or "").strip()
    return text[-CONTEXT_CHARS:] if text else None
