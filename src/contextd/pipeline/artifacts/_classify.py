"""Decide what kind of artifact a code block is: diagram, schema, command or plain code.

The kind drives how artifacts are listed and reused (a schema or a command is looked up
differently from a module), so each rule below favours precision: when unsure, a block stays
CODE. Schemas are DDL, JSON Schema, OpenAPI, GraphQL SDL, Protobuf, Prisma and Avro, plus data
models written in code: TypeScript that only declares types, and Python classes that only
declare fields (Pydantic, dataclasses, TypedDict, SQLAlchemy models).

The content is never rewritten, with one exception that `_sessions` decides: a block whose
every line is a prompted command loses its prompt markers, so it can be pasted into a shell.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from contextd.domain.enums import ArtifactType
from contextd.pipeline.artifacts._languages import SHELL_LANGUAGES
from contextd.pipeline.artifacts._sessions import read_shell, starts_with_prompt

DIAGRAM_LANGUAGES = frozenset({"mermaid", "plantuml", "dot", "d2", "nomnoml", "ditaa", "svgbob"})
_SCHEMA_LANGUAGES = frozenset({"protobuf", "prisma", "avro"})
# Languages a schema may be written in; DDL inside a Python string stays code.
_SQL_LIKE = frozenset({"sql", None, "text"})
_DATA_LIKE = frozenset({"json", "yaml", None, "text"})

_TREE_RE = re.compile(r"[├└│]──|[├└]─|│\s{2,}|^\s*[|`+]--\s", re.MULTILINE)
_BOX_RE = re.compile(r"[┌┐└┘╔╗╚╝]")
_MERMAID_START_RE = re.compile(
    r"^\s*(?:graph\s+(?:TD|TB|BT|RL|LR)\b|flowchart\b|sequenceDiagram\b|classDiagram\b"
    r"|stateDiagram(?:-v2)?\b|erDiagram\b|gantt\b|journey\b|gitGraph\b|mindmap\b)"
)
_DDL_RE = re.compile(
    r"^\s*(?:CREATE\s+(?:OR\s+REPLACE\s+)?(?:UNLOGGED\s+|TEMP(?:ORARY)?\s+|UNIQUE\s+)?"
    r"(?:TABLE|TYPE|INDEX|VIEW|MATERIALIZED\s+VIEW|SCHEMA|SEQUENCE|DOMAIN|EXTENSION)\b"
    r"|ALTER\s+TABLE\b)",
    re.IGNORECASE | re.MULTILINE,
)
_GRAPHQL_SDL_RE = re.compile(
    r"^\s*(?:extend\s+)?(?:type|input|enum|interface|union|scalar|schema|directive)\b"
    r"(?:\s+@?\w+)?[^=\n]*(?:\{|=|$)",
    re.MULTILINE,
)
_PROTO_RE = re.compile(r"^\s*syntax\s*=\s*\"proto[23]\"|^\s*message\s+\w+\s*\{", re.MULTILINE)
_OPENAPI_RE = re.compile(
    r"^(?:openapi|swagger)\s*:\s*[\"']?\d|^\s*\{?\s*\"(?:openapi|swagger)\"\s*:\s*\"\d",
    re.MULTILINE,
)
_JSON_SCHEMA_RE = re.compile(r"\"\$schema\"\s*:|^\$schema\s*:", re.MULTILINE)
_YAML_SCHEMA_RE = re.compile(r"^type\s*:\s*object\s*$", re.MULTILINE)
_JSON_SCHEMA_KEYWORDS = frozenset(
    {"properties", "items", "required", "enum", "oneOf", "anyOf", "allOf", "$ref", "$defs"}
)
_JSON_SCHEMA_TYPES = frozenset({"object", "array", "string", "number", "integer", "boolean"})

_TS_DECLARATION_RE = re.compile(
    r"^(?:export\s+)?(?:declare\s+)?(?:interface\s+\w+|type\s+\w+(?:<[^>]*>)?\s*=|(?:const\s+)?enum\s+\w+)"
)
_TS_NEUTRAL_RE = re.compile(r"^(?:[}\])]|import\b|//|/\*|\*|\|)")
_PY_MODEL_CLASS_RE = re.compile(
    r"^class\s+\w+\s*\([^)]*\b(?:BaseModel|SQLModel|TypedDict|NamedTuple|Schema|Struct|Base"
    r"|DeclarativeBase|Document|Model|BaseSettings)\b[^)]*\)\s*:"
)
_PY_DATACLASS_RE = re.compile(r"^@(?:dataclasses\.)?dataclass\b|^@attr")
_PY_NEUTRAL_RE = re.compile(r"^(?:from\s+\S+\s+import\b|import\b|@|\)|\]|\"\"\"|#)")
_PY_FIELD_RE = re.compile(
    r"^\s+(?:\w+\s*:\s*\S|\w+\s*=\s*(?:Column|Field|mapped_column|relationship|models\.\w+)\("
    r"|__tablename__\b|model_config\b|class\s+(?:Config|Meta)\b|\"\"\"|[\"\'].*[\"\']\s*$)"
)


@dataclass(frozen=True)
class Classified:
    """The kind of a block, the content to store, and for a COMMAND the commands it runs."""

    type: ArtifactType
    content: str
    commands: tuple[str, ...] = ()
    session: bool = False  # a terminal session: program output among the commands


def classify(content: str, language: str | None) -> Classified:
    """Classify a block whose language is known (or None); see the module docstring."""
    if _is_diagram(content, language):
        return Classified(ArtifactType.DIAGRAM, content)
    if _is_schema(content, language):
        return Classified(ArtifactType.SCHEMA, content)
    if language in SHELL_LANGUAGES or (language is None and starts_with_prompt(content)):
        shell = read_shell(content)
        if shell is not None:
            return Classified(ArtifactType.COMMAND, shell.content, shell.commands, shell.session)
    return Classified(ArtifactType.CODE, content)


def _is_diagram(content: str, language: str | None) -> bool:
    if language in DIAGRAM_LANGUAGES:
        return True
    if language not in (None, "text", "markdown", "ascii", "txt"):
        return False
    if language is None and _MERMAID_START_RE.match(content):
        return True
    lines = [line for line in content.splitlines() if line.strip()]
    tree_lines = sum(1 for line in lines if _TREE_RE.search(line))
    box_lines = sum(1 for line in lines if _BOX_RE.search(line))
    return (tree_lines >= 2 and tree_lines * 3 >= len(lines)) or box_lines >= 2


def _is_schema(content: str, language: str | None) -> bool:
    if language in _SCHEMA_LANGUAGES:
        return True
    if language in _SQL_LIKE and _DDL_RE.search(content):
        return True
    if language == "graphql":
        return _GRAPHQL_SDL_RE.search(content) is not None
    if language in (None, "text") and _PROTO_RE.search(content) and "= 1;" in content:
        return True
    if language in ("typescript", "tsx") and _is_type_declarations(content):
        return True
    if language == "python" and _is_model_classes(content):
        return True
    if language in _DATA_LIKE:
        if _OPENAPI_RE.search(content) or _JSON_SCHEMA_RE.search(content):
            return True
        if language in ("json", None) and _is_json_schema(content):
            return True
        if language == "yaml" and _YAML_SCHEMA_RE.search(content) and "properties:" in content:
            return True
    return False


def _is_type_declarations(content: str) -> bool:
    """TypeScript that only declares types (interfaces, type aliases, enums): a data model."""
    declared = False
    for line in content.split("\n"):
        if not line.strip() or line[:1].isspace():
            continue
        if _TS_DECLARATION_RE.match(line):
            declared = True
        elif not _TS_NEUTRAL_RE.match(line):
            return False
    return declared


def _is_model_classes(content: str) -> bool:
    """Python classes that declare fields (Pydantic, dataclasses, SQLAlchemy...): a data model.

    Every top-level statement is an import, a decorator or a class with a model base (or
    under @dataclass), and most lines of the class bodies are field declarations.
    """
    models = 0
    fields = 0
    body = 0
    decorated = False
    for line in content.split("\n"):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if not line[:1].isspace():
            if _PY_MODEL_CLASS_RE.match(line) or (decorated and line.startswith("class ")):
                models += 1
            elif not _PY_NEUTRAL_RE.match(line):
                return False
            decorated = _PY_DATACLASS_RE.match(line) is not None
            continue
        body += 1
        fields += _PY_FIELD_RE.match(line) is not None
    return models > 0 and fields > 0 and fields * 5 >= body * 3


def _is_json_schema(content: str) -> bool:
    """A top-level object with "properties", or a JSON-Schema "type" plus a schema keyword."""
    stripped = content.strip()
    if not stripped.startswith("{"):
        return False
    try:
        data = json.loads(stripped)
    except ValueError:
        return False
    if not isinstance(data, dict):
        return False
    if isinstance(data.get("properties"), dict):
        return True
    kind = data.get("type")
    if kind == "record" and isinstance(data.get("fields"), list):  # Avro
        return True
    return kind in _JSON_SCHEMA_TYPES and any(key in data for key in _JSON_SCHEMA_KEYWORDS)
