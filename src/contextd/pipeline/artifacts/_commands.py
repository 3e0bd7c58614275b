"""Shell commands written inside prose: "run `pip install foo`", or a line "$ make test".

Chat answers often give a one-line command in running text instead of a code block. Those are
COMMAND artifacts too. A candidate counts only when it starts with a known command-line tool
(`_languages.SHELL_TOOLS`) and has at least one argument, so `python` or `git` alone, and
function calls such as `print(x)`, stay prose. Tools that are also English words ("make",
"find", "source") need an argument that looks like a path, option or variable.
"""

from __future__ import annotations

import re

from contextd.pipeline.artifacts._languages import AMBIGUOUS_TOOLS, SHELL_TOOLS

_INLINE_RE = re.compile(r"(?<!`)`([^`\n]{3,300})`(?!`)")
_PROMPT_LINE_RE = re.compile(r"^\s*(?:(?:[-*+]|\d{1,3}[.)])\s+)?\$\s+(\S.*)$")
_CALL_RE = re.compile(r"^\w[\w.]*\(")
_COMMAND_ARG_RE = re.compile(r"^-|[/.~$=*]")
_MAX_COMMAND_CHARS = 300
_ENV_ASSIGNMENT_RE = re.compile(r"^[A-Za-z_]\w*=")


def inline_commands(line: str) -> list[str]:
    """The shell commands that one line of prose gives, in order."""
    prompted = _PROMPT_LINE_RE.match(line)
    if prompted is not None:
        command = prompted.group(1).strip().strip("`").strip()
        return [command] if looks_like_command(command) else []
    if "`" not in line:
        return []
    commands = []
    for match in _INLINE_RE.finditer(line):
        command = match.group(1).strip()
        if command.startswith("$ "):
            command = command[2:].strip()
        if looks_like_command(command):
            commands.append(command)
    return commands


def names_a_program(line: str) -> bool:
    """True when a command line starts with a known tool or a path to a program.

    Environment assignments and `sudo` in front are skipped: `DEBUG=1 sudo make -j4`.
    """
    tokens = line.split()
    while tokens and (tokens[0] == "sudo" or _ENV_ASSIGNMENT_RE.match(tokens[0])):
        tokens = tokens[1:]
    if not tokens:
        return False
    program = tokens[0]
    return program in SHELL_TOOLS or "/" in program


def looks_like_command(text: str) -> bool:
    """True for "pip install foo", "sudo apt-get update", "make -j4"; False for "python"."""
    if len(text) > _MAX_COMMAND_CHARS or "\n" in text or _CALL_RE.match(text):
        return False
    tokens = text.split()
    if tokens and tokens[0] == "sudo":
        tokens = tokens[1:]
    if len(tokens) < 2 or tokens[0] not in SHELL_TOOLS:
        return False
    if tokens[0] in AMBIGUOUS_TOOLS:
        return any(_COMMAND_ARG_RE.search(token) for token in tokens[1:])
    return True
