"""Read a shell block: a terminal session, a list of commands, or a script.

A stored block must be the code its author wrote, so this module changes nothing but prompt
markers, and only where they are unmistakable:

* a **prompt** is `$ `, `# ` (root) or `> ` followed by a command, optionally after a
  `user@host:dir` or `(venv)` prefix, or a Windows `PS C:\\dir> ` / `C:\\dir> ` prompt. A `$`
  with no space after it is a variable (`$sourceFolder = ...`, `$IP route add`), never a prompt;
* a `# ` or `> ` line is also a comment or a quotation, so those two count as prompts only in a
  block that reads as a session: some line after a prompt is program output, and no unprompted
  line is itself a command;
* a **script** (a shebang, an assignment, control flow, functions, heredocs, `set -e`) is CODE;
* a session with output is stored as it is, markers and output included: a transcript read
  without its prompts no longer says which lines were typed. Its commands go with it in
  `ShellBlock.commands`. A block whose every line is a prompted command (or a continuation,
  comment or blank line) loses its markers, so it can be pasted into a shell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from contextd.pipeline.artifacts._commands import names_a_program
from contextd.pipeline.artifacts._langid import _has_stopword

MAX_COMMANDS = 20
_MAX_COMMAND_CHARS = 400

# `$ `, `user@host:~/dir$ `, `[user@host dir]# `, `(venv) $ `, `PS C:\dir> `, `C:\dir> `.
_PROMPT_RE = re.compile(
    r"^(?P<indent>[ \t]*)(?P<marker>(?:\([\w.-]+\)[ \t]+)?"
    r"(?:(?:[\w.-]+@[\w.-]+(?::[^\s$#]*)?|\[[\w.-]+@[\w.-]+[^\]]*\])[ \t]?)?"
    r"(?P<sign>[$#>])|PS(?:[ \t][^>\n]{0,80})?>|[A-Z]:\\[^>\n]{0,80}>)"
    r"[ \t](?=[^\s=])"
)
_CLI_WORD_RE = re.compile(r"^[a-z][\w.+-]*$")
_SCRIPT_RE = re.compile(
    r"^\s*(?:if|then|elif|else|fi|for|foreach|while|until|do|done|case|esac|function|select"
    r"|param|try|catch|trap)\b"
    r"|^\s*[\w-]+\s*\(\)\s*\{?|<<-?\s*['\"]?\w+|^\s*set\s+-[euxo]|^\s*[{}]\s*$"
    r"|^\s*(?:local\s+|readonly\s+|declare\s+(?:-\w+\s+)?)?[A-Za-z_]\w*=\S*\s*(?:#.*)?$"
    r"|^\s*\$[\w:{}]+(?:\.\w+|\[[^\]]*\])*\s*[-+*/]?=(?!=)",
    re.MULTILINE,
)


@dataclass(frozen=True)
class ShellBlock:
    """A block of commands: the content to store and the commands it runs."""

    content: str
    commands: tuple[str, ...]
    session: bool  # program output is interleaved with the commands


def read_shell(content: str) -> ShellBlock | None:
    """The commands of a shell block, or None when it is a script (or too long to be commands)."""
    if content.lstrip().startswith("#!"):
        return None
    lines = content.split("\n")
    prompts = _prompts(lines)
    if prompts:  # a session: its output may look like anything, a loop typed at a prompt too
        block = _prompted(lines, prompts)
    elif _SCRIPT_RE.search(content):
        return None
    else:
        block = ShellBlock(content, tuple(_plain_commands(lines)), session=False)
    real = [c for c in block.commands if c.strip() and not c.lstrip().startswith("#")]
    if not real or len(real) > MAX_COMMANDS:
        return None
    if any(len(line) > _MAX_COMMAND_CHARS for line in block.commands):
        return None
    return block


def starts_with_prompt(content: str) -> bool:
    """True when the first non-blank line is a `$ `-style prompt (the shell is then implied)."""
    first = next((line for line in content.split("\n") if line.strip()), "")
    match = _PROMPT_RE.match(first)
    return match is not None and match.group("sign") not in ("#", ">")


def _prompts(lines: list[str]) -> dict[int, int]:
    """Line index -> end of its prompt marker, for the lines that carry a recognised prompt."""
    found: dict[int, int] = {}
    ambiguous: dict[int, int] = {}
    for index, line in enumerate(lines):
        match = _PROMPT_RE.match(line)
        if match is None:
            continue
        if match.group("sign") in ("#", ">") and match.group("marker") in ("#", ">"):
            if _reads_as_command(line[match.end() :]):
                ambiguous[index] = match.end()
        else:
            found[index] = match.end()
    if ambiguous and _is_session(lines, {**found, **ambiguous}):
        found.update(ambiguous)
    if not found:
        return {}
    first = next(i for i, line in enumerate(lines) if line.strip())
    # A prompt counts only if the block starts with one (comments above it aside): a `$ x` line
    # in the middle of other text is not a terminal session.
    leading = [i for i in range(first, len(lines)) if lines[i].strip()]
    for index in leading:
        if index in found:
            return dict(sorted(found.items()))
        if not lines[index].lstrip().startswith("#"):
            return {}
    return {}


def _is_session(lines: list[str], prompts: dict[int, int]) -> bool:
    """Some line after a prompt is output, and no unprompted line is a command of its own."""
    output = False
    seen_prompt = False
    for index, line in enumerate(lines):
        if index in prompts:
            seen_prompt = True
        elif line.strip():
            if names_a_program(line.strip()) and not line.lstrip()[:1].isdigit():
                return False  # "10.8.0.0/24 via ..." is a route, not a path to a program
            output = output or seen_prompt
    return output


def _reads_as_command(text: str) -> bool:
    """`ip route add ...`, `apt-get install x`: a program name and arguments, not a sentence."""
    tokens = text.split()
    if not tokens:
        return False
    if names_a_program(text):
        return True
    if len(tokens) < 2 or _CLI_WORD_RE.match(tokens[0]) is None:
        return False
    return not _has_stopword(text)


def _prompted(lines: list[str], prompts: dict[int, int]) -> ShellBlock:
    """Commands are the prompted lines and their continuations; anything else is output."""
    commands: list[str] = []
    unmarked: list[str] = []
    output = False
    continuing = False
    for index, line in enumerate(lines):
        if index in prompts:
            command = line[prompts[index] :]
            commands.append(command.rstrip())
            unmarked.append(command)
        elif continuing:
            commands.append(line.rstrip())
            unmarked.append(line)
        else:
            unmarked.append(line)
            if line.strip() and not line.lstrip().startswith("#"):
                output = True
        continuing = (index in prompts or continuing) and line.rstrip().endswith("\\")
    if output:
        return ShellBlock("\n".join(lines), tuple(commands), session=True)
    return ShellBlock("\n".join(unmarked), tuple(commands), session=False)


def _plain_commands(lines: list[str]) -> list[str]:
    """Without prompts every non-blank line is a command (continuations joined by the reader)."""
    return [line.strip() for line in lines if line.strip()]
