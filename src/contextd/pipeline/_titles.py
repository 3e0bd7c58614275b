"""Give each artifact a title a person would recognise it by.

In a long chat the same file is shown again and again, usually introduced as "Create
`app/main.py`:" or headed by a "# file:" comment, so a file name is the best title: it lets later
versions of a file be grouped and the newest one shown. Without one, the first thing the block
defines (a function, class, table) is how people refer to it; then the sentence that introduced
it; and only then a generic "Python snippet".
"""

from __future__ import annotations

import re

from contextd.domain.enums import ArtifactType
from contextd.pipeline._languages import display_name, language_for_filename, looks_like_filename

MAX_TITLE_CHARS = 80
_DEFINITION_SCAN_LINES = 400

_FILE_COMMENT_RE = re.compile(
    r"^\s*(?:#|//|--|;|/\*+|<!--|%|')\s*(?:(?:file|filename|path|name)\s*[:=]\s*)?"
    r"(?P<path>[^\s*>]+?)\s*(?:\*+/|-->)?\s*$",
    re.IGNORECASE,
)
_TOKEN_STRIP = "`*_\"'()[]<>,;:!?"
_FRAMEWORK_RE = re.compile(r"^[A-Z][A-Za-z0-9]*\.js$")  # "Node.js", "Vue.js": not files
_JS_FAMILY = frozenset({"javascript", "typescript", "jsx", "tsx"})

# (pattern, format) pairs; the first line matching any pattern names the block.
_DEFINITIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    (
        re.compile(
            r"^\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:UNLOGGED\s+|TEMP(?:ORARY)?\s+)?"
            r"(TABLE|VIEW|TYPE)\s+(?:IF\s+NOT\s+EXISTS\s+)?([\w.\"`\[\]]+)",
            re.IGNORECASE,
        ),
        "{name} {kind}",
    ),
    (re.compile(r"^\s*(?:async\s+)?def\s+(\w+)"), "{name}()"),
    (
        re.compile(
            r"^\s*(?:export\s+)?(?:default\s+)?(?:public\s+|private\s+)?(?:abstract\s+)?"
            r"(?:data\s+|sealed\s+)?class\s+(\w+)"
        ),
        "{name}",
    ),
    (
        re.compile(r"^\s*(?:export\s+)?(?:default\s+)?(?:async\s+)?function\s*\*?\s*(\w+)"),
        "{name}()",
    ),
    (
        re.compile(
            r"^\s*(?:export\s+)?const\s+(\w+)\s*=\s*(?:async\s+)?(?:\([^)]*\)|\w+)\s*(?::[^=]+)?=>"
        ),
        "{name}()",
    ),
    (
        re.compile(r"^\s*(?:export\s+)?(?:declare\s+)?(?:interface|type|enum|input)\s+(\w+)"),
        "{name}",
    ),
    (re.compile(r"^func\s+(?:\([^)]*\)\s*)?(\w+)"), "{name}()"),
    (re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:async\s+)?fn\s+(\w+)"), "{name}()"),
    (re.compile(r"^\s*(?:pub\s+)?(?:struct|trait)\s+(\w+)"), "{name}"),
    (re.compile(r"^\s*(?:message|service)\s+(\w+)\s*\{"), "{name}"),
    (re.compile(r"^\s*model\s+(\w+)\s*\{"), "{name} model"),
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


def derive_title(
    *,
    content: str,
    language: str | None,
    kind: ArtifactType,
    intro: str | None,
    label_filename: str | None,
) -> str:
    """Return the best title for a block; see the module docstring for the order tried."""
    if label_filename:
        return _shorten(label_filename)
    for candidate in (_first_line_file(content), _mentioned_file(intro)):
        if candidate and _file_fits(candidate, language, kind):
            return _shorten(candidate)
    if kind is ArtifactType.COMMAND:
        return _command_title(content, intro)
    if kind in (ArtifactType.CODE, ArtifactType.SCHEMA):
        defined = _first_heading(content) if language == "markdown" else _defined_name(content)
        if defined:
            return _shorten(defined)
    sentence = _intro_sentence(intro)
    if sentence:
        return sentence
    return _fallback(content, language, kind)


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
        if not token or not looks_like_filename(token):
            continue
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


def _defined_name(content: str) -> str | None:
    match = _SCHEMA_TITLE_RE.search(content[:2_000])
    if match is not None:
        return match.group(1)
    for index, line in enumerate(content.split("\n")):
        if index >= _DEFINITION_SCAN_LINES:
            break
        for pattern, template in _DEFINITIONS:
            found = pattern.match(line)
            if found is None:
                continue
            if found.re.groups == 2:
                name = found.group(2).strip('"`[]')
                return template.format(name=name, kind=found.group(1).lower())
            return template.format(name=found.group(1))
    return None


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
