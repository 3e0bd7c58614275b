"""Give each artifact a title a person would recognise it by.

In a long chat the same file is shown again and again, usually introduced as "Create
`app/main.py`:" or headed by a "# file:" comment, so a file name is the best title: it lets later
versions of a file be grouped and the newest one shown. Without one, the first thing the block
defines (a function, class, table) is how people refer to it; then the sentence that introduced
it; and only then a generic "Python snippet".

The same evidence gives an artifact its *key* (`meta["key"]`): a stable identity shared by the
revisions of one thing across turns, so storage can keep them as versions of one artifact.
"file:app/main.py" when a file name is known; otherwise what the block defines:
"def:python:parse_args", "class:typescript:User", "table:users", "schema:Order". A block with
neither (a loose snippet, a list of commands) has no key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from contextd.domain.enums import ArtifactType
from contextd.pipeline.artifacts._languages import (
    display_name,
    language_for_filename,
    looks_like_filename,
)

MAX_TITLE_CHARS = 80
_DEFINITION_SCAN_LINES = 400

_FILE_COMMENT_RE = re.compile(
    r"^\s*(?:#|//|--|;|/\*+|<!--|%|')\s*(?:(?:file|filename|path|name)\s*[:=]\s*)?"
    r"(?P<path>[^\s*>]+?)\s*(?:\*+/|-->)?\s*$",
    re.IGNORECASE,
)
_TOKEN_STRIP = "`*_\"'()[]<>,;:!?"
# Headers of C, C++ and Objective-C alike: on exercism's C++ documents, `**sieve.h**` above
# C++ code turned 8 right answers into C (evals/langid_context.py; RESULTS.md, tenth pass).
_HEADER_EXTENSIONS = (".h",)
_FRAMEWORK_RE = re.compile(r"^[A-Z][A-Za-z0-9]*\.js$")  # "Node.js", "Vue.js": not files
_JS_FAMILY = frozenset({"javascript", "typescript", "jsx", "tsx"})

# (pattern, title format, key kind) triples; the first line matching any pattern names the block.
# A key kind of "sql" means the CREATE statement's object kind ("table", "view", "type").
_DEFINITIONS: tuple[tuple[re.Pattern[str], str, str], ...] = (
    (
        re.compile(
            r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:UNLOGGED\s+|TEMP(?:ORARY)?\s+)?"
            r"(TABLE|VIEW|TYPE)\s+(?:IF\s+NOT\s+EXISTS\s+)?([\w.\"`\[\]]+)",
            re.IGNORECASE,
        ),
        "{name} {kind}",
        "sql",
    ),
    (re.compile(r"^\s*(?:async\s+)?def\s+(\w+)"), "{name}()", "def"),
    (
        re.compile(
            r"^\s*(?:export\s+)?(?:default\s+)?(?:public\s+|private\s+)?(?:abstract\s+)?"
            r"(?:data\s+|sealed\s+)?class\s+(\w+)"
        ),
        "{name}",
        "class",
    ),
    (
        re.compile(r"^\s*(?:export\s+)?(?:default\s+)?(?:async\s+)?function\s*\*?\s*(\w+)"),
        "{name}()",
        "def",
    ),
    (
        re.compile(
            r"^\s*(?:export\s+)?const\s+(\w+)\s*=\s*(?:async\s+)?(?:\([^)]*\)|\w+)\s*(?::[^=]+)?=>"
        ),
        "{name}()",
        "def",
    ),
    (
        re.compile(r"^\s*(?:export\s+)?(?:declare\s+)?(?:interface|type|enum|input)\s+(\w+)"),
        "{name}",
        "class",
    ),
    (re.compile(r"^func\s+(?:\([^)]*\)\s*)?(\w+)"), "{name}()", "def"),
    (re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:async\s+)?fn\s+(\w+)"), "{name}()", "def"),
    (re.compile(r"^\s*(?:pub\s+)?(?:struct|trait)\s+(\w+)"), "{name}", "class"),
    (re.compile(r"^\s*(?:message|service)\s+(\w+)\s*\{"), "{name}", "class"),
    (re.compile(r"^\s*model\s+(\w+)\s*\{"), "{name} model", "class"),
)
_HEADING_RE = re.compile(r"^#{1,6}\s+(\S.*)$", re.MULTILINE)
_SCHEMA_TITLE_RE = re.compile(r"^\s*\"title\"\s*:\s*\"([^\"]{1,80})\"", re.MULTILINE)

_MARKUP_RE = re.compile(r"^\s*(?:#{1,6}\s+|>\s*|[-*+]\s+|\d{1,3}[.)]\s+)+")
_GENERIC_RE = re.compile(
    r"^(?:here(?:'s| is| are)?|sure|ok(?:ay)?|example|for example|e\.g\.|like this|as follows"
    r"|try this|code|output|result|usage|updated|the code|full code|snippet|then|now|and|or)\b",
    re.IGNORECASE,
)
_SENTENCE_END_RE = re.compile(r"(?<=[.!?])\s+")


@dataclass(frozen=True)
class Naming:
    """What an artifact is called, and its identity across revisions (None when unknown)."""

    title: str
    key: str | None


def name_artifact(
    *,
    content: str,
    language: str | None,
    kind: ArtifactType,
    intro: str | None,
    label_filename: str | None,
) -> Naming:
    """Return the best title and key for a block; see the module docstring for the order."""
    if label_filename:
        return Naming(_shorten(label_filename), _file_key(label_filename))
    for candidate in (_first_line_file(content), _mentioned_file(intro)):
        if candidate and _file_fits(candidate, language, kind):
            return Naming(_shorten(candidate), _file_key(candidate))
    if kind is ArtifactType.COMMAND:
        return Naming(_command_title(content, intro), None)
    if kind in (ArtifactType.CODE, ArtifactType.SCHEMA):
        if language == "markdown":
            heading = _first_heading(content)
            if heading:
                return Naming(_shorten(heading), None)
        else:
            defined = _defined_name(content, language)
            if defined is not None:
                return Naming(_shorten(defined[0]), defined[1])
    sentence = _intro_sentence(intro)
    if sentence:
        return Naming(sentence, None)
    return Naming(_fallback(content, language, kind), None)


def _file_key(path: str) -> str | None:
    """The key of a file: its path with "./" and backslashes normalized (None if odd)."""
    normalized = path.strip().strip("`'\"").replace("\\", "/")
    while normalized.startswith("./"):
        normalized = normalized[2:]
    normalized = re.sub(r"/{2,}", "/", normalized)
    if not normalized or len(normalized) > 200:
        return None
    return f"file:{normalized}"


def _command_title(content: str, intro: str | None) -> str:
    """A lone command titles itself; several are named by their introduction, if any."""
    commands = [
        line.strip().rstrip("\\").strip()
        for line in content.split("\n")
        if line.strip() and not line.lstrip().startswith("#")
    ]
    if len(commands) > 1:
        sentence = _intro_sentence(intro)
        if sentence:
            return sentence
    return _shorten(commands[0]) if commands else "Shell commands"


def named_file_language(content: str, intro: str | None) -> str | None:
    """The language of a file the block names in its first line or its intro names, if any.

    "Put this in `nginx.conf`:" or a first line `// src/app.ts` say what the block is better
    than its text does (magika has no nginx label; TypeScript without types reads as JS).
    """
    named = _first_line_file(content) or _mentioned_file(intro)
    if named is not None and named.lower().endswith(_HEADER_EXTENSIONS):
        return None  # `.h`: C, C++ or Objective-C alike; the block's text tells them apart
    language = language_for_filename(named) if named else None
    # a linked document ("see [the guide](../howto/overrides.md)") names no code's language
    return None if language in (None, "text", "markdown") else language


def _first_line_file(content: str) -> str | None:
    first = content.lstrip("\n").split("\n", 1)[0]
    if first.startswith("#!") or len(first) > 300:
        return None
    match = _FILE_COMMENT_RE.match(first)
    if match is None:
        return None
    path = match.group("path")
    return path if looks_like_filename(path) else None


def _mentioned_file(intro: str | None) -> str | None:
    """The first file name in the introducing line: `app/main.py`, **src/db.py**, or bare."""
    if not intro:
        return None
    for raw in intro.split():
        if "://" in raw:
            continue
        token = raw.strip(_TOKEN_STRIP).rstrip(".")
        if not token or not looks_like_filename(token) or "](" in token:
            continue  # a Markdown link's text and target run together: not a file's name
        extension = token.rsplit(".", 1)[-1] if "." in token else ""
        if len(extension) > 1 and not extension.islower():
            continue  # `fs.FS`, `Macro.Env`: a module's member, not a file (`app.py`, `plot.R`)
        if "`" not in raw and _FRAMEWORK_RE.match(token):
            continue
        return token
    return None


def _file_fits(filename: str, language: str | None, kind: ArtifactType) -> bool:
    """A named file titles the block only if their languages agree (or one is unknown).

    "Run this to test `app/main.py`:" followed by a bash block must not title the command
    "app/main.py"; a command block takes a file name only for a shell script.
    """
    file_language = language_for_filename(filename)
    if kind is ArtifactType.COMMAND:
        return file_language == "bash"
    if language in (None, "text") or file_language in (None, "text"):
        return True
    if language == file_language:
        return True
    return language in _JS_FAMILY and file_language in _JS_FAMILY


def _defined_name(content: str, language: str | None) -> tuple[str, str | None] | None:
    """The first thing a block defines, as (title, key)."""
    match = _SCHEMA_TITLE_RE.search(content[:2_000])
    if match is not None:
        return match.group(1), f"schema:{match.group(1).strip()}"
    for index, line in enumerate(content.split("\n")):
        if index >= _DEFINITION_SCAN_LINES:
            break
        for pattern, template, key_kind in _DEFINITIONS:
            found = pattern.match(line)
            if found is None:
                continue
            if key_kind == "sql":
                name = found.group(2).strip('"`[]')
                kind = found.group(1).lower()
                return template.format(name=name, kind=kind), f"{kind}:{_sql_name(name)}"
            name = found.group(1)
            title = template.format(name=name)
            if name.startswith("__") and name.endswith("__"):
                return title, None  # a dunder method is a fragment of some class
            return title, f"{key_kind}:{language or 'code'}:{name}"
    return None


def _sql_name(name: str) -> str:
    """SQL names compare case-insensitively and with or without their quotes."""
    return re.sub(r"[\"`\[\]]", "", name).lower()


def _first_heading(content: str) -> str | None:
    match = _HEADING_RE.search(content[:4_000])
    return match.group(1).strip() if match else None


def _intro_sentence(intro: str | None) -> str | None:
    """The introducing line, cleaned of Markdown, as a title; None if it says nothing."""
    if not intro:
        return None
    text = _MARKUP_RE.sub("", intro).replace("**", "").replace("__", "").replace("`", "")
    text = " ".join(text.split()).rstrip(" :")
    sentences = [s for s in _SENTENCE_END_RE.split(text) if s.strip()]
    if not sentences:
        return None
    sentence = sentences[-1].strip().rstrip(" :")
    if len(sentence) < 3 or (_GENERIC_RE.match(sentence) and len(sentence.split()) <= 4):
        return None
    return _shorten(sentence)


def _fallback(content: str, language: str | None, kind: ArtifactType) -> str:
    if kind is ArtifactType.DIAGRAM:
        return f"{display_name(language)} diagram" if language else "Diagram"
    if kind is ArtifactType.SCHEMA:
        return f"{display_name(language)} schema"
    return f"{display_name(language)} snippet"


def _shorten(text: str, limit: int = MAX_TITLE_CHARS) -> str:
    """Collapse whitespace and cut at a word boundary, marking the cut with an ellipsis."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 1)
    if cut < limit // 2:
        cut = limit - 1
    return text[:cut].rstrip(" ,;:-") + "…"
