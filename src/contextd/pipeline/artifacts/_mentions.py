"""A language the prose before a block names ("Here's the TypeScript version:", "### C++").

A block's text cannot separate some pairs (C from C++, JavaScript from TypeScript without
types, CSS from SCSS, OCaml from F#), but the prose that introduces it usually says which. The
rule (`mentioned_language`) only chooses among the text model's own candidates: a language
named within reach of the block replaces the decided one when the model's probability for it
is within `MENTION_MARGIN` nats of its top language's, and never when the decided
language is itself named ("the Python equivalent of this JavaScript:" keeps a JavaScript block
JavaScript). A named superset of the decided language (TypeScript over JavaScript, C++ over C,
SCSS over CSS) wins at any margin: the block is valid code of both. Reach and margin were
chosen on documentation trees that are not held-out sets (evals/langid_context.py; RESULTS.md,
tenth and thirteenth passes).

Names are matched as capitalized whole words. Short names that are also English words or
letters (Go, C, R) count only in a code-ish context: "in Go", "Go code", "a C program",
"### C" alone on a line.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

# The prose read before a block: its last characters (artifacts cuts it there too).
CONTEXT_CHARS = 600
# A named language whose probability is at most this many nats (log-ratio) below the model's
# top language replaces the decided one (see the module docstring): the model's probabilities
# are peaked (0.94 JavaScript to 0.03 TypeScript for an untyped function, 0.99 C to 0.007
# C++ for a `printf` loop), so a difference of probabilities cannot tell a close candidate
# from a far one. Chosen by evals/langid_context.py.
MENTION_MARGIN = 4.0

# A superset answered on its own cues (`_langid.settle`) is not taken back to its base
# language by a name: prose about TypeScript names JavaScript everywhere ("the compiled
# JavaScript"), and typed code is TypeScript whatever the sentence says.
_SUPERSET_OF = {"typescript": "javascript", "cpp": "c", "scss": "css"}

# Display names and common spellings -> canonical language. Matched case-sensitively.
_NAMES: dict[str, str] = {
    "Python": "python",
    "JavaScript": "javascript",
    "Javascript": "javascript",
    "JS": "javascript",
    "Node.js": "javascript",
    "NodeJS": "javascript",
    "TypeScript": "typescript",
    "Typescript": "typescript",
    "TS": "typescript",
    "Java": "java",
    "Kotlin": "kotlin",
    "Scala": "scala",
    "Groovy": "groovy",
    "Clojure": "clojure",
    "C++": "cpp",
    "CPP": "cpp",
    "Cpp": "cpp",
    "C#": "csharp",
    "CSharp": "csharp",
    "F#": "fsharp",
    "FSharp": "fsharp",
    "OCaml": "ocaml",
    "Haskell": "haskell",
    "Rust": "rust",
    "Golang": "go",
    "Ruby": "ruby",
    "PHP": "php",
    "Perl": "perl",
    "Lua": "lua",
    "Swift": "swift",
    "Objective-C": "objective-c",
    "Dart": "dart",
    "Elixir": "elixir",
    "Erlang": "erlang",
    "Julia": "julia",
    "Fortran": "fortran",
    "MATLAB": "matlab",
    "Matlab": "matlab",
    "Zig": "zig",
    "Tcl": "tcl",
    "Solidity": "solidity",
    "CoffeeScript": "coffeescript",
    "PowerShell": "powershell",
    "Powershell": "powershell",
    "Bash": "bash",
    "SQL": "sql",
    "MySQL": "sql",
    "PostgreSQL": "sql",
    "SQLite": "sql",
    "HTML": "html",
    "CSS": "css",
    "SCSS": "scss",
    "Sass": "scss",
    "YAML": "yaml",
    "JSON": "json",
    "TOML": "toml",
    "XML": "xml",
    "GraphQL": "graphql",
    "HCL": "hcl",
    "Terraform": "hcl",
}
# Also English words or letters: named only in a code-ish context.
_AMBIGUOUS: dict[str, str] = {"Go": "go", "C": "c", "R": "r"}

_NAME_RE = re.compile(
    r"(?<![\w.#+/-])("
    + "|".join(re.escape(name) for name in sorted(_NAMES, key=len, reverse=True))
    + r")(?![\w#+]|-\w)"
)
_CODE_WORDS = (
    r"code|program|programs|programming|version|versions|library|libraries|function|functions"
    r"|API|APIs|file|files|implementation|example|examples|module|modules|package|packages"
    r"|struct|structs|compiler|source|snippet|snippets|equivalent|syntax|developers"
    r"|programmers|header|headers|binding|bindings|client|SDK|project|projects|runtime"
    r"|standard|type|types|interface|macro|macros|array|arrays|string|strings|pointer|pointers"
)
_AMBIGUOUS_RE = re.compile(
    r"(?:\b(?:in|In|with|With|using|Using|for|For|of|to|from|From|and|or) "
    r"(?P<after>Go|C|R)(?![\w#+]|-\w|\.\w)"
    r"|(?<![\w.#+/-])(?P<before>Go|C|R)(?:'s)? (?:" + _CODE_WORDS + r")\b)"
)
# A line that is only a name: a heading, a tab title, a bold label ("### C++", "**Go:**").
_LABEL_LINE_RE = re.compile(r"^[#>*_\s`]*([A-Za-z][\w.#+-]*)[*_`\s]*:?[*_`\s]*$")


def mentions(text: str) -> Iterator[tuple[int, str]]:
    """(offset, language) of every language named in `text`, in order."""
    for match in _NAME_RE.finditer(text):
        yield match.start(), _NAMES[match.group(1)]
    for match in _AMBIGUOUS_RE.finditer(text):
        group = "after" if match.group("after") else "before"
        yield match.start(group), _AMBIGUOUS[match.group(group)]
    offset = 0
    for line in text.split("\n"):
        label = _LABEL_LINE_RE.match(line)
        if label is not None and label.group(1) in _AMBIGUOUS:
            yield offset + label.start(1), _AMBIGUOUS[label.group(1)]
        offset += len(line) + 1


def reach(context: str) -> str:
    """The part of the prose before a block whose names count: its last paragraph (the
    intro and the sentences just before it; a heading right above the block is one). Adding
    the nearest heading above that paragraph, or the whole 600 characters, broke more than
    it fixed on the tuning trees (evals/langid_context.py)."""
    text = context[-CONTEXT_CHARS:].rstrip()
    return re.split(r"\n[ \t]*\n", text)[-1] if text else ""


def named_languages(context: str | None) -> frozenset[str]:
    """The languages named within reach of a block (`reach`)."""
    if not context:
        return frozenset()
    return frozenset(language for _, language in mentions(reach(context)))


def mentioned_language(
    language: str | None,
    ranked: list[tuple[str, float]],
    named: frozenset[str],
    margin: float | None = None,
) -> str | None:
    """`language`, or the named language the model ranks closest to its top one, when the
    decided language is not itself named and the named one is within `margin` nats of the
    top (default `MENTION_MARGIN`). A block that reads as no code stays without one."""
    if language is None or not named or language in named or not ranked:
        return language
    margin = MENTION_MARGIN if margin is None else margin
    probability = dict(ranked)
    best = max(named, key=lambda name: probability.get(name, 0.0))
    if _SUPERSET_OF.get(language) == best:
        return language  # a superset was answered on its own evidence (`settle`)
    if _SUPERSET_OF.get(best) == language and best in probability:
        # The block read as the base language is valid code of the superset the prose names
        # (untyped JavaScript is TypeScript, CSS is SCSS): no margin can tell them apart, so
        # the name decides whatever the model's gap.
        return best
    if probability.get(best, 0.0) <= 0.0 or math.log(ranked[0][1] / probability[best]) > margin:
        return language
    return best
