"""Split Markdown-ish text into prose runs and fenced code blocks, in one linear pass.

Both extraction stages need the same split: artifacts take the code blocks, the snapshot takes
the prose and only links to the code. Chat transcripts are messier than CommonMark, so beyond the
standard rules (``` or ~~~, closing fence of the same character and at least the same length,
a longer outer fence can hold shorter ones) this scanner also handles what models emit:

* fences indented inside list items, or right after a list marker ("1. ```bash");
* a ```markdown block that itself holds ```python ... ``` blocks: an inner fence line *with* a
  language label opens a nested level, and a bare fence closes it, so the outer block is not
  cut at the inner closing fence;
* an unclosed fence runs to the end of the text (as in CommonMark) and is flagged;
* a fence inside a block quote ("> ```bash", GitHub's "> [!NOTE]" boxes) is a block too, its
  lines without their quote markers; it ends where the quote ends.

Code blocks keep their bytes: lines are cut only at real line breaks (`str.splitlines` would also
cut at form feeds and other separators that code may hold), and removing a fence's indentation
touches only the leading whitespace it covers (tabs inside the code stay tabs).

The nesting rule is a guess. When it leaves a block open at the end of the text although a
strict closing fence was seen, the block is closed there instead and the guess is switched off
for the rest of the text, so a text is scanned at most twice (the pass stays linear).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

_OPEN_RE = re.compile(
    r"^(?P<lead>[ \t]*(?:(?:[-*+]|\d{1,9}[.)])[ \t]+)?)(?P<fence>`{3,}|~{3,})(?P<info>.*)$"
)
_CLOSE_RE = re.compile(r"^[ \t]*(?P<fence>`{3,}|~{3,})[ \t]*$")
_LINE_BREAK_RE = re.compile(r"\r\n|\r|\n")
_QUOTE_RE = re.compile(r"[ ]{0,3}>[ ]?")


@dataclass(frozen=True)
class Prose:
    """Consecutive lines outside any code block."""

    lines: tuple[str, ...]


@dataclass(frozen=True)
class CodeBlock:
    """A fenced block: its info string, its content with the fence's indentation removed."""

    info: str
    content: str
    closed: bool


Segment = Prose | CodeBlock


def split_segments(text: str) -> Iterator[Segment]:
    """Yield the prose runs and code blocks of `text`, in order, covering every line."""
    lines = split_lines(text)
    nesting = True
    prose_start = 0
    i = 0
    count = len(lines)
    while i < count:
        opening = _match_open(lines[i])
        if opening is None:
            quoted = _quoted_block(lines, i)
            if quoted is not None:
                if prose_start < i:
                    yield Prose(tuple(lines[prose_start:i]))
                block, i = quoted
                yield block
                prose_start = i
                continue
            i += 1
            continue
        lead, fence, info = opening
        end, closed, strict_end = _find_close(lines, i + 1, fence, nesting=nesting)
        if not closed and strict_end is not None:
            end, closed, nesting = strict_end, True, False
        if prose_start < i:
            yield Prose(tuple(lines[prose_start:i]))
        body = _dedent(lines[i + 1 : end], len(lead.expandtabs(4)))
        yield CodeBlock(info=info.strip(), content="\n".join(body), closed=closed)
        i = end + 1 if closed else count
        prose_start = i
    if prose_start < count:
        yield Prose(tuple(lines[prose_start:count]))


def _quoted_block(lines: Sequence[str], start: int) -> tuple[CodeBlock, int] | None:
    """A fence inside a block quote ("> ```bash"): the block and the index after it, or None.

    The block ends at its closing fence or where the quote ends (CommonMark: a fence does not
    outlive its container); the quote markers are removed from every line of the body.
    """
    line = lines[start]
    if ">" not in line[:4] or ("``" not in line and "~~" not in line):
        return None
    depth = 0
    position = 0
    while (marker := _QUOTE_RE.match(line, position)) is not None:
        depth, position = depth + 1, marker.end()
    opening = _match_open(line[position:]) if depth else None
    if opening is None:
        return None
    body: list[str] = []
    for candidate in lines[start + 1 :]:
        unquoted = _unquote(candidate, depth)
        if unquoted is None:
            break
        body.append(unquoted)
    lead, fence, info = opening
    end, closed, _ = _find_close(body, 0, fence, nesting=False)
    content = "\n".join(_dedent(body[:end], len(lead.expandtabs(4))))
    after = start + 1 + (end + 1 if closed else len(body))
    return CodeBlock(info=info.strip(), content=content, closed=closed), after


def _unquote(line: str, depth: int) -> str | None:
    position = 0
    for _ in range(depth):
        marker = _QUOTE_RE.match(line, position)
        if marker is None:
            return None
        position = marker.end()
    return line[position:]


def trim_blank_lines(lines: Sequence[str]) -> str:
    """Join a code block's lines, dropping the blank lines around it; every other character,
    indentation included, stays as written (code is kept byte for byte)."""
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[start:end])


def split_lines(text: str) -> list[str]:
    """The lines of `text`, cut at CommonMark's line endings only (no empty last line)."""
    lines = _LINE_BREAK_RE.split(text)
    if lines and not lines[-1]:
        lines.pop()
    return lines


def _match_open(line: str) -> tuple[str, str, str] | None:
    if "``" not in line and "~~" not in line:  # fast path for the common prose line
        return None
    match = _OPEN_RE.match(line)
    if match is None:
        return None
    fence, info = match.group("fence"), match.group("info")
    if fence[0] == "`" and "`" in info:  # "```inline``` code" is not a fence (CommonMark)
        return None
    return match.group("lead"), fence, info


def _find_close(
    lines: Sequence[str], start: int, fence: str, *, nesting: bool
) -> tuple[int, bool, int | None]:
    """Return (index of the closing line or len(lines), closed?, first strict closing line).

    The third value is where CommonMark would have closed the block; the caller falls back to
    it when the nesting guess never balanced.
    """
    char, size = fence[0], len(fence)
    depth = 0
    strict_end: int | None = None
    for j in range(start, len(lines)):
        line = lines[j]
        if char * 3 not in line:
            continue
        close = _CLOSE_RE.match(line)
        if close is not None:
            other = close.group("fence")
            if other[0] != char or len(other) < size:
                continue
            if strict_end is None:
                strict_end = j
            if depth == 0:
                return j, True, strict_end
            depth -= 1
            continue
        if nesting:
            opening = _match_open(line)
            if (
                opening is not None
                and opening[1][0] == char
                and len(opening[1]) >= size
                and opening[2].strip()
            ):
                depth += 1
    return len(lines), False, strict_end


def _dedent(body: Sequence[str], indent: int) -> list[str]:
    """Remove up to `indent` columns of leading whitespace, as CommonMark does for fences.

    A tab counts to the next multiple of four columns; one that straddles the cut leaves its
    remaining columns as spaces. Nothing after the removed indentation changes.
    """
    if indent == 0:
        return list(body)
    result = []
    for line in body:
        column = 0
        cut = 0
        while cut < len(line) and column < indent and line[cut] in " \t":
            column = column + 4 - column % 4 if line[cut] == "\t" else column + 1
            cut += 1
        result.append(" " * max(column - indent, 0) + line[cut:])
    return result
