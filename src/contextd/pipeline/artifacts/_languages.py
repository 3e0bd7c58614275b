"""Canonical language names for code blocks: from fence labels and file names.

Artifacts are filtered and highlighted by language, so "py", "python3" and "Python" must all
become "python". Fence labels are what authors and models actually write and are trusted first;
code without a label is identified from its text by `_langid`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
    "common-lisp": "lisp",
    "commonlisp": "lisp",
    "elisp": "lisp",
    "emacs-lisp": "lisp",
    "scm": "scheme",
    "rkt": "racket",
    "octave": "matlab",
    "nginxconf": "nginx",
    "f90": "fortran",
    "f95": "fortran",
    "coffee": "coffeescript",
    "ps1xml": "xml",
    "vhd": "vhdl",
    "sv": "verilog",
    "systemverilog": "verilog",
    "https": "http",
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
        "lisp",
        "scheme",
        "racket",
        "clojure",
        "fortran",
        "cobol",
        "pascal",
        "prolog",
        "tcl",
        "verilog",
        "vhdl",
        "solidity",
        "coffeescript",
        "awk",
        "cmake",
        "jinja",
        "handlebars",
        "autohotkey",
        "smali",
        "postscript",
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
    "clj": "clojure",
    "cljs": "clojure",
    "scm": "scheme",
    "ss": "scheme",
    "rkt": "racket",
    "lisp": "lisp",
    "el": "lisp",
    "jl": "julia",
    "pl": "perl",
    "pm": "perl",
    "hs": "haskell",
    "ml": "ocaml",
    "fs": "fsharp",
    "erl": "erlang",
    "f90": "fortran",
    "psm1": "powershell",
    "bat": "batch",
    "cmd": "batch",
    "http": "http",
    "tcl": "tcl",
    "groovy": "groovy",
    "tex": "latex",
    "fsx": "fsharp",
    "mli": "ocaml",
    "hrl": "erlang",
    "f95": "fortran",
    "mk": "makefile",
    "coffee": "coffeescript",
    "mm": "objective-c",
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
    "nginx.conf": "nginx",
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

# Shells: a block in one of them runs commands, and a file named near it is what they act on.
SHELL_LANGUAGES = frozenset({"bash", "powershell", "fish", "batch"})

_FILENAME_RE = re.compile(r"^[\w.\-/\\@+]*[\w\-@+]\.([A-Za-z0-9]{1,10})$")
_LABEL_SPLIT_RE = re.compile(r"[\s,{}]+")
_LABEL_KEY_RE = re.compile(r"""(?:title|file|filename|name|path)\s*=\s*["']?([^"'\s}]+)""")


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


# --- command-line tools ---------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    """A set of the whitespace-separated words of `text` (for long word lists)."""
    return frozenset(text.split())


# Programs whose name at the start of a line (or of an inline `code` span) marks a shell command.
# Used by the language cues, the unfenced-code line model and the inline-command finder.
SHELL_TOOLS: frozenset[str] = _words(
    """
    pip pip3 pipx python python3 npm npx yarn pnpm node docker docker-compose podman kubectl
    helm git cd ls mkdir rm cp mv cat curl wget export sudo apt apt-get brew cargo go make uv
    uvx poetry pytest uvicorn gunicorn alembic systemctl journalctl chmod chown ssh scp tar
    unzip echo source touch conda virtualenv terraform aws gcloud az psql createdb redis-cli
    openssl ruff mypy black rustup deno bun mvn gradle dotnet ln grep sed awk tail head find
    xargs env which kill tee gzip rsync flask jupyter gh nvm pyenv gem bundle rails composer
    javac gcc g++ clang cmake ninja gdb tsc eslint prettier jest webpack vite ansible-playbook
    vagrant nix apk yum dnf pacman snap jq tox nox hatch twine mkdocs pre-commit rustc sqlite3
    mysql nginx certbot ollama hf huggingface-cli node-gyp choco winget scoop setx kind minikube
    wrangler vercel heroku flyctl supabase firebase stripe pwd printenv whoami uname
    """
)
# Of those, the names that are also everyday English words ("make", "find", "source"): a line
# or inline span starting with one needs a command-looking argument to count.
AMBIGUOUS_TOOLS: frozenset[str] = _words(
    """
    cat find head kill make set source tail touch which start open code env go sort echo
    """
)
