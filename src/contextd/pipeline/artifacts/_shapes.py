"""A block whose shape names its language, or says it is none, before any cue is weighed.

A diff (`_diffshape`), a shebang, a diagram header (`graph TD`, `@startuml`, `digraph {`), a
shell prompt (`$ `, `PS C:\\>`), a language's REPL prompt (`>>> `, `iex(1)>`, `julia>`...), a
document that parses as JSON, an XML/PHP/HTML prologue decide alone; a file tree, a box drawing
or a network device's console is no programming language. Split from `_langid` (the first of
its three sources of evidence), which asks `shape_answer` first.
"""

from __future__ import annotations

import json
import re

from contextd.pipeline.artifacts._commands import looks_like_command
from contextd.pipeline.artifacts._diffshape import is_diff
from contextd.pipeline.artifacts._languages import SHELL_TOOLS, canonical_language

_SHEBANG_RE = re.compile(r"^#!\s*(?:\S*/)?(?:env\s+(?:-\S+\s+)*)?(?:\S*/)?([\w.+-]+)")
_MERMAID_RE = re.compile(
    r"^\s*(?:graph\s+(?:TD|TB|BT|RL|LR)\b|flowchart\b|sequenceDiagram\b|classDiagram\b"
    r"|stateDiagram(?:-v2)?\b|erDiagram\b|gantt\b|pie\b|journey\b|gitGraph\b|mindmap\b"
    r"|timeline\b|quadrantChart\b|C4Context\b)"
)
_DOT_RE = re.compile(r"^\s*(?:strict\s+)?(?:di)?graph\s+[\w\"]*\s*\{")
_PROMPT_RE = re.compile(r"^\s*(?:(?P<ps>PS[^>\n]*>)|\$|(?P<pct>%))\s+(?P<rest>\S.*)", re.MULTILINE)
# zsh's and csh's `%` prompt is also the comment sign of Erlang, MATLAB, Prolog, TeX and
# Mercury: on Linguist's samples every file that opens with `% text` (26, in 15 such
# languages) was read as a shell session. After `%`, a command must follow: a known tool with
# its arguments (`% brew install wget`, `% git clone ...`) or a program's path (`% ./run.sh`).
_PROGRAM_PATH_RE = re.compile(r"^(?:\./|~/|/)\S")
# A Java properties / server.conf line: a dotted key, `=` with no space before it, a value with
# no call in it. A shell cannot assign to a dotted name (`pg.enabled=false` would run a program
# of that name), and code writes `config.debug = true` with spaces and `;`.
_PROPERTY_RE = re.compile(
    r"^(?!self\.|this\.)[A-Za-z_][\w-]*(?:\.[\w-]+)+=[^\s()][^()\n]*(?<![;{,])$"
)
_DRAWING_RE = re.compile(r"[├└│┌┐┘╔╗╚╝]|^\s*[|`+]--\s")
_DEVICE_PROMPT_RE = re.compile(r"^[A-Za-z][\w.-]*(?:\([\w-]+\))?[#>] ?[a-z]")
# A language's own interactive prompt at the start of a line names the language: these are the
# programs' prompts, not syntax, and on the ~52,000 labelled fences of the training trees they
# fired on their own language only (`>>>`: 518 Python; `julia>`: 1,057 Julia REPL fences,
# `iex>`: 392 Elixir, `scala>`: 34 Scala, `ghci>`/`Prelude>`: 3 Haskell and one exercism note).
# Checked before the network-console rule, whose `name(mode)>` prompt they look like: an
# `iex(1)>` session was read as a router's console and got no language.
_REPL_PROMPTS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (language, re.compile(rf"^[ \t]*(?:{prompt})", re.MULTILINE))
    for language, prompt in (
        ("python", r">>>\s|In \[\d+\]:\s"),
        ("elixir", r"iex(?:\(\d+\))?>\s"),
        ("julia", r"julia>\s"),
        ("scala", r"scala>\s"),
        ("haskell", r"(?:ghci|Prelude(?:\s[\w.]+)*)>\s"),
        ("ruby", r"irb\([^)\n]*\):\d+:\d+[>*]\s"),
        ("clojure", r"(?:user|cljs\.user)=>\s"),
        ("java", r"jshell>\s"),
        ("sql", r"(?:sqlite|mysql|mariadb)>\s"),
        ("sql", r"\w+=[#>]\s*(?i:select|insert|update|delete|create|alter|drop|with)\b"),  # psql
        # erl's numbered prompt before a call and the period that ends an Erlang expression
        # (`1> c(frequency).`, `2> Pid = earth:start().`): a bare `1> ` is also sqlcmd's
        # prompt and a numbered list's marker.
        ("erlang", r"\d+>\s(?:[^\n]*?=\s*)?(?:'[^'\n]+'|[a-z]\w*)(?::\w+)?\([^\n]*\)\.[ \t]*$"),
        # OCaml's toplevel (`# let x = 1;;`, utop's `utop # `): a phrase ends with `;;`.
        ("ocaml", r"(?:utop(?:\[\d+\])?\s*)?#\s[^\n]*;;[ \t]*$"),
    )
)


def shape_answer(sample: str) -> tuple[str | None] | None:
    """`(answer,)` when the block's shape decides alone: a file tree, a box diagram or a
    router's console is no programming language (`(None,)`; a router session must not become
    a shell session), a certain cue names one (`_certain`); None when the text must be read."""
    if _is_drawing(sample) or _is_console(sample):
        return (None,)
    certain = _certain(sample)
    return (certain,) if certain is not None else None


def _is_drawing(sample: str) -> bool:
    lines = [line for line in sample.split("\n") if line.strip()]
    drawn = sum(1 for line in lines if _DRAWING_RE.search(line))
    return drawn >= 2 and drawn * 3 >= len(lines)


def _is_console(sample: str) -> bool:
    """A network device's console, and not a language's own REPL (`iex(1)>` looks the same)."""
    return _is_device_session(sample) and _repl_language(sample) is None


def _is_device_session(sample: str) -> bool:
    """A network device's console: `Router#`, `Switch(config-if)#` prompts on most lines."""
    lines = [line for line in sample.split("\n") if line.strip()]
    prompted = sum(1 for line in lines if _DEVICE_PROMPT_RE.match(line))
    return prompted >= 2 and prompted * 3 >= len(lines)


def _repl_language(sample: str) -> str | None:
    """The language whose interactive prompt starts a line of `sample`, if any."""
    for language, prompt in _REPL_PROMPTS:
        if prompt.search(sample):
            return language
    return None


def _percent_command(text: str) -> bool:
    """After a `%` prompt, a command line rather than a comment (`% where:`, `% src/app.erl`)."""
    command = text.split(" #", 1)[0].strip()
    program = command.split(maxsplit=1)[0] if command else ""
    return (
        looks_like_command(command)
        or (program in SHELL_TOOLS and " " not in command)
        or _PROGRAM_PATH_RE.match(program) is not None
    )


def _is_properties(text: str) -> bool:
    """Two or more `dotted.key=value` lines and nothing else but comments: a properties file."""
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    settings = [line for line in lines if not line.startswith(("#", "!", ";"))]
    return len(settings) >= 2 and all(_PROPERTY_RE.match(line) for line in settings)


def _certain(sample: str) -> str | None:
    stripped = sample.strip()
    if not stripped:
        return None
    if is_diff(sample):  # before any cue: a patch's body is another language's code
        return "diff"
    first = stripped.split("\n", 1)[0].strip()
    if first.startswith("#!"):
        match = _SHEBANG_RE.match(first)
        if match is not None:
            program = re.sub(r"[\d.]+$", "", match.group(1))
            language = canonical_language(program)
            if language is not None:
                return language
    if _MERMAID_RE.match(first):
        return "mermaid"
    if first.lower().startswith("@startuml"):
        return "plantuml"
    if _DOT_RE.match(stripped):
        return "dot"
    if first.startswith("<?php"):
        return "php"
    if first.startswith("<?xml"):
        return "xml"
    if first.lower().startswith(("<!doctype html", "<html")):
        return "html"
    prompt = _PROMPT_RE.match(stripped)
    if prompt is not None and (not prompt.group("pct") or _percent_command(prompt["rest"])):
        # a shell session that starts a REPL is still a shell session
        return "powershell" if prompt.group("ps") else "bash"
    repl = _repl_language(sample)
    if repl is not None:
        return repl
    if _is_properties(stripped):
        return "ini"
    if stripped[:1] in "{[" and stripped[-1:] in "}]":
        try:
            json.loads(stripped)
        except ValueError:
            pass
        else:
            return "json"
    return None
