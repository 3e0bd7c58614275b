"""Canonical language names for code blocks: from fence labels, file names, or a guess.

Artifacts are filtered and highlighted by language, so "py", "python3" and "Python" must all
become "python". Fence labels are what authors and models actually write and are trusted first.
Unlabelled blocks get a guess from cheap, high-precision cues; pygments' `guess_lexer` is the last
resort because it is slow (up to ~300 ms a block) and often wrong on short snippets (it calls Go
"Python" and Python "Tera Term macro"), so its answer is kept only for mainstream languages.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

# alias (lower-case) -> canonical name. Canonical names map to themselves implicitly.
_ALIASES: dict[str, str] = {
    "py": "python",
    "py3": "python",
    "python3": "python",
    "python2": "python",
    "ipython": "python",
    "ipython3": "python",
    "pycon": "python",
    "python-repl": "python",
    "js": "javascript",
    "node": "javascript",
    "nodejs": "javascript",
    "mjs": "javascript",
    "cjs": "javascript",
    "ecmascript": "javascript",
    "ts": "typescript",
    "mts": "typescript",
    "cts": "typescript",
    "sh": "bash",
    "shell": "bash",
    "zsh": "bash",
    "ksh": "bash",
    "console": "bash",
    "terminal": "bash",
    "shell-session": "bash",
    "shellsession": "bash",
    "bash-session": "bash",
    "sh-session": "bash",
    "cli": "bash",
    "ps": "powershell",
    "ps1": "powershell",
    "pwsh": "powershell",
    "posh": "powershell",
    "bat": "batch",
    "cmd": "batch",
    "yml": "yaml",
    "jsonc": "json",
    "json5": "json",
    "jsonl": "json",
    "ndjson": "json",
    "md": "markdown",
    "txt": "text",
    "plain": "text",
    "plaintext": "text",
    "output": "text",
    "log": "text",
    "c++": "cpp",
    "cc": "cpp",
    "cxx": "cpp",
    "hpp": "cpp",
    "h": "c",
    "cs": "csharp",
    "c#": "csharp",
    "f#": "fsharp",
    "fs": "fsharp",
    "golang": "go",
    "rs": "rust",
    "rb": "ruby",
    "kt": "kotlin",
    "kts": "kotlin",
    "docker": "dockerfile",
    "containerfile": "dockerfile",
    "make": "makefile",
    "mk": "makefile",
    "postgresql": "sql",
    "postgres": "sql",
    "psql": "sql",
    "pgsql": "sql",
    "plpgsql": "sql",
    "mysql": "sql",
    "sqlite": "sql",
    "sqlite3": "sql",
    "plsql": "sql",
    "tsql": "sql",
    "mssql": "sql",
    "gql": "graphql",
    "proto": "protobuf",
    "proto3": "protobuf",
    "mmd": "mermaid",
    "puml": "plantuml",
    "uml": "plantuml",
    "graphviz": "dot",
    "gv": "dot",
    "htm": "html",
    "xhtml": "html",
    "svg": "xml",
    "sass": "scss",
    "cfg": "ini",
    "conf": "ini",
    "env": "dotenv",
    ".env": "dotenv",
    "tf": "terraform",
    "patch": "diff",
    "objc": "objective-c",
    "objectivec": "objective-c",
    "tex": "latex",
    "ex": "elixir",
    "exs": "elixir",
    "erl": "erlang",
    "hs": "haskell",
    "pl": "perl",
    "jl": "julia",
    "clj": "clojure",
    "ml": "ocaml",
    "sol": "solidity",
    "nasm": "asm",
    "assembly": "asm",
    "j2": "jinja",
    "jinja2": "jinja",
    "hbs": "handlebars",
    "vb": "vbnet",
    "vb.net": "vbnet",
    "rscript": "r",
}

# Names that are canonical already (so a label "python" or a pygments alias is recognised).
_CANONICAL: frozenset[str] = frozenset(
    {
        *(_ALIASES.values()),
        "jsx",
        "tsx",
        "java",
        "c",
        "scala",
        "swift",
        "php",
        "lua",
        "r",
        "dart",
        "css",
        "less",
        "toml",
        "graphql",
        "prisma",
        "d2",
        "nginx",
        "hcl",
        "vue",
        "svelte",
        "groovy",
        "gradle",
        "zig",
        "nim",
        "nix",
        "matlab",
        "fish",
        "csv",
        "http",
        "regex",
        "avro",
        "xml",
    }
)

# File extension -> language, for labels like "app/main.py" and for titles.
_EXTENSIONS: dict[str, str] = {
    "py": "python",
    "pyi": "python",
    "js": "javascript",
    "mjs": "javascript",
    "cjs": "javascript",
    "jsx": "jsx",
    "ts": "typescript",
    "mts": "typescript",
    "tsx": "tsx",
    "json": "json",
    "jsonc": "json",
    "yaml": "yaml",
    "yml": "yaml",
    "toml": "toml",
    "sql": "sql",
    "sh": "bash",
    "bash": "bash",
    "zsh": "bash",
    "ps1": "powershell",
    "md": "markdown",
    "mdx": "markdown",
    "go": "go",
    "rs": "rust",
    "java": "java",
    "kt": "kotlin",
    "kts": "kotlin",
    "rb": "ruby",
    "php": "php",
    "c": "c",
    "h": "c",
    "cpp": "cpp",
    "cc": "cpp",
    "hpp": "cpp",
    "cs": "csharp",
    "swift": "swift",
    "css": "css",
    "scss": "scss",
    "less": "less",
    "html": "html",
    "htm": "html",
    "vue": "vue",
    "svelte": "svelte",
    "proto": "protobuf",
    "graphql": "graphql",
    "gql": "graphql",
    "ini": "ini",
    "cfg": "ini",
    "conf": "ini",
    "env": "dotenv",
    "txt": "text",
    "xml": "xml",
    "tf": "terraform",
    "hcl": "hcl",
    "lua": "lua",
    "r": "r",
    "scala": "scala",
    "ex": "elixir",
    "exs": "elixir",
    "dart": "dart",
    "prisma": "prisma",
    "mmd": "mermaid",
    "puml": "plantuml",
    "dot": "dot",
    "gradle": "gradle",
    "sbt": "scala",
    "lock": "text",
    "csv": "csv",
    "dockerfile": "dockerfile",
}

# Files known by their whole name rather than an extension.
_SPECIAL_FILES: dict[str, str] = {
    "dockerfile": "dockerfile",
    "containerfile": "dockerfile",
    "makefile": "makefile",
    "procfile": "text",
    "jenkinsfile": "groovy",
    "gemfile": "ruby",
    "vagrantfile": "ruby",
    ".env": "dotenv",
    ".gitignore": "text",
    ".dockerignore": "text",
}

_DISPLAY: dict[str, str] = {
    "javascript": "JavaScript",
    "typescript": "TypeScript",
    "jsx": "JSX",
    "tsx": "TSX",
    "sql": "SQL",
    "json": "JSON",
    "yaml": "YAML",
    "toml": "TOML",
    "html": "HTML",
    "css": "CSS",
    "scss": "SCSS",
    "xml": "XML",
    "cpp": "C++",
    "csharp": "C#",
    "fsharp": "F#",
    "graphql": "GraphQL",
    "plantuml": "PlantUML",
    "dot": "Graphviz",
    "php": "PHP",
    "hcl": "HCL",
    "powershell": "PowerShell",
    "dotenv": ".env",
    "objective-c": "Objective-C",
    "latex": "LaTeX",
    "vbnet": "VB.NET",
    "asm": "Assembly",
    "csv": "CSV",
    "http": "HTTP",
}

# Languages pygments' guesses are believed for; its other answers are too often exotic noise.
_GUESSABLE: frozenset[str] = frozenset(
    {"python", "javascript", "typescript", "java", "c", "cpp", "csharp", "go", "rust", "ruby"}
    | {"php", "kotlin", "swift", "html", "xml", "css", "sql", "bash", "yaml", "json", "lua"}
)

_FILENAME_RE = re.compile(r"^[\w.\-/\\@+]*[\w\-@+]\.([A-Za-z0-9]{1,10})$")
_LABEL_SPLIT_RE = re.compile(r"[\s,{}]+")
_LABEL_KEY_RE = re.compile(r"""(?:title|file|filename|name|path)\s*=\s*["']?([^"'\s}]+)""")


class _Lexer(Protocol):
    aliases: Sequence[str]


@dataclass(frozen=True)
class FenceLabel:
    """What a fence's info string says: the raw first word, its language, and any file name."""

    raw: str | None
    language: str | None
    filename: str | None


def canonical_language(name: str | None) -> str | None:
    """Map a language name or alias to its canonical lower-case form (None if unknown)."""
    if not name:
        return None
    key = name.strip().lower()
    if key in _ALIASES:
        return _ALIASES[key]
    if key in _CANONICAL:
        return key
    return None


def language_for_filename(name: str) -> str | None:
    """Return the language a file name implies ("app/main.py" -> "python"), or None."""
    base = re.split(r"[/\\]", name)[-1].lower()
    if base in _SPECIAL_FILES:
        return _SPECIAL_FILES[base]
    if base.startswith("dockerfile"):
        return "dockerfile"
    match = _FILENAME_RE.match(base)
    if match is None:
        return None
    return _EXTENSIONS.get(match.group(1).lower())


def looks_like_filename(token: str) -> bool:
    """True when `token` names a file whose type we know ("src/db.py", "Dockerfile")."""
    return language_for_filename(token) is not None and len(token) <= 200


def parse_fence_label(info: str) -> FenceLabel:
    """Read a fence info string: "py", "python title=app.py", "py:app.py", "{.python}", "app.py".

    An unknown word is kept as a lower-case language name when it looks like one (a later
    version may know it); words with odd characters are treated as no language.
    """
    info = info.strip()
    if not info:
        return FenceLabel(None, None, None)
    key_match = _LABEL_KEY_RE.search(info)
    named_file = key_match.group(1) if key_match else None
    first = _LABEL_SPLIT_RE.split(info.lstrip("{"), maxsplit=1)[0].lstrip(".")
    if not first:
        return FenceLabel(None, None, named_file)
    filename = named_file
    word = first
    if ":" in first:  # "python:src/app.py"
        word, _, rest = first.partition(":")
        filename = filename or (rest if looks_like_filename(rest) else None)
    language = canonical_language(word)
    if language is None and looks_like_filename(word):
        filename = filename or word
        language = language_for_filename(word)
    elif language is None and re.fullmatch(r"[a-z][a-z0-9+#\-_]{0,30}", word.lower()):
        language = word.lower()
    return FenceLabel(first, language, filename)


def display_name(language: str | None) -> str:
    """A human name for titles: "javascript" -> "JavaScript"; None -> "Code"."""
    if not language:
        return "Code"
    return _DISPLAY.get(language, language[:1].upper() + language[1:])


# --- guessing ----------------------------------------------------------------------------

_SHEBANG_RE = re.compile(r"^#!\s*(?:\S*/)?(?:env\s+(?:-\S+\s+)*)?(?:\S*/)?([\w.+-]+)")
_MERMAID_RE = re.compile(
    r"^\s*(?:graph\s+(?:TD|TB|BT|RL|LR)\b|flowchart\b|sequenceDiagram\b|classDiagram\b"
    r"|stateDiagram(?:-v2)?\b|erDiagram\b|gantt\b|pie\b|journey\b|gitGraph\b|mindmap\b"
    r"|timeline\b|quadrantChart\b|C4Context\b)"
)
_DOT_RE = re.compile(r"^\s*(?:strict\s+)?(?:di)?graph\s+[\w\"]*\s*\{")
_SQL_RE = re.compile(
    r"^\s*(?:SELECT|INSERT\s+INTO|UPDATE|DELETE\s+FROM|CREATE|ALTER|DROP|WITH\s+\w+\s+AS)\b",
    re.IGNORECASE,
)
_PROMPT_RE = re.compile(r"^\s*(?:(?P<ps>PS[^>]*>)|\$|%)\s+\S")
_SHELL_TOOLS_TEXT = (
    "pip pip3 python python3 npm npx yarn pnpm node docker docker-compose podman kubectl helm "
    "git cd ls mkdir rm cp mv cat curl wget export sudo apt apt-get brew cargo go make uv poetry "
    "pytest uvicorn alembic gunicorn systemctl journalctl chmod chown ssh scp tar unzip echo "
    "source touch conda virtualenv terraform aws gcloud az psql createdb redis-cli openssl "
    "ruff mypy black rustup deno bun java mvn gradle dotnet ln grep sed awk tail head"
)
_SHELL_TOOLS = frozenset(_SHELL_TOOLS_TEXT.split())
_PY_RE = re.compile(
    r"^(?:\s*(?:async\s+)?def\s+\w+\s*\(.*|\s*class\s+\w+(?:\(.*\))?\s*:\s*|from\s+[\w.]+\s+import\s+.+"
    r"|import\s+[\w.]+(?:\s+as\s+\w+)?|\s*@\w[\w.]*(?:\(.*\))?|if\s+__name__\s*==.*)$",
    re.MULTILINE,
)
_TS_RE = re.compile(
    r"^\s*(?:export\s+)?(?:interface\s+\w+|type\s+\w+\s*=|enum\s+\w+\s*\{)"
    r"|:\s*(?:string|number|boolean|void|Promise<)",
    re.MULTILINE,
)
_JS_RE = re.compile(
    r"^\s*(?:(?:export\s+)?(?:const|let|var)\s+\w+\s*=|(?:export\s+)?(?:async\s+)?function\b"
    r"|import\s+.+\s+from\s+['\"]|module\.exports|require\(['\"]|console\.log\()",
    re.MULTILINE,
)
_GO_RE = re.compile(r"^package\s+\w+\s*$|^func\s+(?:\([^)]*\)\s*)?\w+\(", re.MULTILINE)
_RUST_RE = re.compile(
    r"^\s*(?:pub\s+)?(?:async\s+)?fn\s+\w+|^\s*(?:use\s+\w+::|impl\b|let\s+mut\b)", re.MULTILINE
)
_C_RE = re.compile(r"^#include\s*[<\"]", re.MULTILINE)
_JAVA_RE = re.compile(
    r"^\s*(?:public|private|protected)\s+(?:static\s+)?(?:final\s+)?(?:class|\w+\s+\w+\s*\()",
    re.MULTILINE,
)
_HTML_RE = re.compile(
    r"^\s*(?:<!DOCTYPE\s+html|<html\b|<(?:div|body|head|template|section)\b)", re.IGNORECASE
)
_YAML_LINE_RE = re.compile(r"^\s*(?:-\s+)?[\w.\-\"']+:(?:\s|$)")
_DOCKER_RE = re.compile(r"^FROM\s+\S+", re.MULTILINE)
_DOCKER_STEP_RE = re.compile(r"^(?:RUN|COPY|CMD|ENTRYPOINT|WORKDIR|ENV|EXPOSE)\s", re.MULTILINE)

_MIN_GUESS_CHARS = 60
_MIN_GUESS_LINES = 3
_GUESS_SAMPLE_CHARS = 4_000


def guess_language(content: str, *, allow_pygments: bool = True) -> str | None:
    """Guess the language of an unlabelled block, or None when unsure.

    Cheap cues with few false positives come first; pygments only when they say nothing, the
    block is long enough to judge, and the caller still allows it (it bounds the slow calls).
    """
    sample = content[:_GUESS_SAMPLE_CHARS]
    lines = [line for line in sample.splitlines() if line.strip()]
    if not lines:
        return None
    first = lines[0].strip()
    guessed = (
        _guess_from_shebang(first)
        or _guess_diagram(first, sample)
        or _guess_shell(lines)
        or _guess_data(sample, lines)
        or _guess_code(sample)
    )
    if guessed is not None:
        return guessed
    if allow_pygments and len(lines) >= _MIN_GUESS_LINES and len(sample) >= _MIN_GUESS_CHARS:
        return _guess_with_pygments(sample)
    return None


def _guess_from_shebang(first: str) -> str | None:
    if not first.startswith("#!"):
        return None
    match = _SHEBANG_RE.match(first)
    if match is None:
        return None
    program = re.sub(r"[\d.]+$", "", match.group(1))
    return canonical_language(program)


def _guess_diagram(first: str, sample: str) -> str | None:
    if _MERMAID_RE.match(first):
        return "mermaid"
    if first.lower().startswith("@startuml"):
        return "plantuml"
    if _DOT_RE.match(sample):
        return "dot"
    return None


def _guess_shell(lines: list[str]) -> str | None:
    """Prompted lines ("$ ls") or lines that all start with a well-known command-line tool."""
    prompt = _PROMPT_RE.match(lines[0])
    if prompt is not None:
        return "powershell" if prompt.group("ps") else "bash"
    tools = 0
    for line in lines:
        stripped = line.strip()
        if stripped.startswith("#"):
            continue
        if stripped.split(maxsplit=1)[0] not in _SHELL_TOOLS:
            return None
        tools += 1
    return "bash" if tools else None


def _guess_data(sample: str, lines: list[str]) -> str | None:
    stripped = sample.strip()
    if stripped[:1] in "{[" and stripped[-1:] in "}]":
        try:
            json.loads(stripped)
        except ValueError:
            pass
        else:
            return "json"
    if _SQL_RE.match(sample):
        return "sql"
    if _HTML_RE.match(sample):
        return "html"
    if _DOCKER_RE.search(sample) and _DOCKER_STEP_RE.search(sample):
        return "dockerfile"
    yaml_lines = sum(1 for line in lines if _YAML_LINE_RE.match(line) or line.lstrip()[:2] == "- ")
    if len(lines) >= 2 and yaml_lines == len(lines) and not any(";" in line for line in lines):
        return "yaml"
    return None


def _guess_code(sample: str) -> str | None:
    if _C_RE.search(sample):
        return "cpp" if re.search(r"\bstd::|\bclass\s+\w+|#include\s*<iostream>", sample) else "c"
    if _GO_RE.search(sample):
        return "go"
    if _RUST_RE.search(sample):
        return "rust"
    if _JAVA_RE.search(sample):
        return "java"
    if _PY_RE.search(sample):
        return "python"
    if _TS_RE.search(sample):
        return "typescript"
    if _JS_RE.search(sample):
        return "javascript"
    return None


def _guess_with_pygments(sample: str) -> str | None:
    """Ask pygments, keeping only mainstream answers.

    pygments ships no type hints (and is not in the project's mypy overrides), so it is
    imported through importlib and its lexer is typed by the one attribute we read.
    """
    lexers = importlib.import_module("pygments.lexers")
    util = importlib.import_module("pygments.util")
    try:
        lexer: _Lexer = lexers.guess_lexer(sample)
    except util.ClassNotFound:
        return None
    for alias in lexer.aliases:
        language = canonical_language(alias)
        if language is not None:
            return language if language in _GUESSABLE else None
    return None
