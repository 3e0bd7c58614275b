"""Write the API reference page (Markdown) from the server's own OpenAPI document.

The document is built from the routes (`contextd.api.app.create_app`, completed by
`api/openapi.py`), so the reference cannot drift from the server: the docs build runs this
through `scripts/docs_pages.py` and never reads a copy kept in the repository.

    python scripts/openapi_markdown.py           # print the page
    python scripts/openapi_markdown.py --json    # print the OpenAPI document itself
"""

from __future__ import annotations

import json
import re
import sys
import tempfile
from pathlib import Path
from typing import Any

from contextd.api.app import create_app
from contextd.config import Settings
from contextd.runtime import Runtime

Doc = dict[str, Any]
METHODS = ("get", "post", "put", "patch", "delete")


def openapi_document() -> Doc:
    """The document `/openapi.json` serves, from an app on a scratch data dir (no server)."""
    with tempfile.TemporaryDirectory(prefix="contextd-docs-") as data_dir:
        runtime = Runtime.build(Settings(data_dir=Path(data_dir)))
        try:
            return create_app(runtime, embedded_worker=False).openapi()
        finally:
            runtime.close()


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def cell(text: object) -> str:
    """`text` fit for one Markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def schema_anchor(name: str) -> str:
    return f"schema-{slug(name)}"


def type_of(schema: Doc) -> str:
    """A short Markdown rendering of a JSON schema's type, linking named schemas."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        return f"[{name}](#{schema_anchor(name)})"
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            parts = [type_of(part) for part in schema[key]]
            return " \\| ".join(dict.fromkeys(parts))
    if "enum" in schema:
        return " \\| ".join(f"`{json.dumps(value)}`" for value in schema["enum"])
    if "const" in schema:
        return f"`{json.dumps(schema['const'])}`"
    kind = schema.get("type")
    if kind == "array":
        return f"array of {type_of(schema.get('items', {}))}"
    if kind == "object" and "additionalProperties" in schema:
        extra = schema["additionalProperties"]
        return "object" if extra is True or not extra else f"map of {type_of(extra)}"
    if isinstance(kind, list):
        return " \\| ".join(f"`{k}`" for k in kind)
    if kind is None:
        return "any"
    return f"`{kind}`" + (f" ({schema['format']})" if "format" in schema else "")


LIMITS = (
    ("minimum", "at least"),
    ("maximum", "at most"),
    ("minLength", "at least {} characters"),
    ("maxLength", "at most {} characters"),
    ("maxItems", "at most {} items"),
)


def limits_of(schema: Doc) -> str:
    """The default and bounds of a field (`default 10; at least 1; at most 100`)."""
    parts = [schema, *schema.get("anyOf", [])]
    notes = [f"default `{json.dumps(schema['default'])}`"] if "default" in schema else []
    for key, text in LIMITS:
        for part in parts:
            if key in part:
                value = f"{part[key]:g}"
                if key == "minLength" and value == "1":
                    notes.append("not empty")
                else:
                    notes.append(text.format(value) if "{}" in text else f"{text} {value}")
    return "; ".join(notes)


def described(schema: Doc) -> str:
    """A field's description followed by its default and bounds, for one table cell."""
    text, limits = cell(schema.get("description", "")), limits_of(schema)
    return f"{text} ({limits})" if text and limits else text or limits


def operations(doc: Doc) -> list[tuple[str, str, str, Doc]]:
    """(tag, method, path, operation) in the document's order, grouped by first tag."""
    found: list[tuple[str, str, str, Doc]] = []
    for path, item in doc.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                operation = item[method]
                tag = (operation.get("tags") or ["System"])[0]
                found.append((tag, method, path, operation))
    order = list(dict.fromkeys(tag for tag, *_ in found))
    return sorted(found, key=lambda entry: order.index(entry[0]))


def render_operation(method: str, path: str, operation: Doc) -> list[str]:
    op_id = operation.get("operationId", slug(f"{method} {path}"))
    lines = [f"### `{method.upper()} {path}` {{#{slug(op_id)}}}", ""]
    if operation.get("summary"):
        auth = " (authenticated)" if operation.get("security") else ""
        lines += [f"**{operation['summary']}**{auth}", ""]
    if operation.get("description"):
        lines += [operation["description"].strip(), ""]
    params = operation.get("parameters", [])
    if params:
        lines += ["| parameter | in | type | required | description |", "|---|---|---|---|---|"]
        for param in params:
            required = "yes" if param.get("required") else "no"
            lines.append(
                f"| `{param['name']}` | {param['in']} | {type_of(param.get('schema', {}))} | "
                f"{required} | {described({**param.get('schema', {}), **param})} |"
            )
        lines.append("")
    body = operation.get("requestBody", {}).get("content", {})
    for media, content in body.items():
        lines += [f"Request body (`{media}`): {type_of(content.get('schema', {}))}", ""]
        if "example" in content:
            example = json.dumps(content["example"], indent=2, ensure_ascii=False)
            lines += ["```json", example, "```", ""]
    lines += ["| status | meaning | body |", "|---|---|---|"]
    for status, response in operation.get("responses", {}).items():
        contents = response.get("content", {})
        shown = ", ".join(
            f"{type_of(c.get('schema', {}))} (`{media}`)" for media, c in contents.items()
        )
        lines.append(f"| {status} | {cell(response.get('description', ''))} | {shown or '—'} |")
    lines.append("")
    return lines


def render_schema(name: str, schema: Doc) -> list[str]:
    lines = [f"### {name} {{#{schema_anchor(name)}}}", ""]
    if schema.get("description"):
        lines += [schema["description"].strip(), ""]
    properties = schema.get("properties", {})
    if properties:
        required = set(schema.get("required", []))
        lines += ["| field | type | required | description |", "|---|---|---|---|"]
        for field, prop in properties.items():
            lines.append(
                f"| `{field}` | {type_of(prop)} | {'yes' if field in required else 'no'} | "
                f"{described(prop)} |"
            )
        lines.append("")
    elif "enum" in schema or "type" in schema:
        lines += [f"Type: {type_of(schema)}", ""]
    return lines


def render(doc: Doc) -> str:
    info = doc.get("info", {})
    lines = [
        "# API reference",
        "",
        f"Generated from the OpenAPI document of contextd {info.get('version', '')} at docs "
        "build time by `scripts/openapi_markdown.py`; a running server serves the same document "
        "at `/openapi.json` and an interactive explorer at `/docs`. "
        "The raw document: [openapi.json](openapi.json).",
        "",
        info.get("description", "").strip(),
        "",
    ]
    grouped: dict[str, list[tuple[str, str, Doc]]] = {}
    for tag, method, path, operation in operations(doc):
        grouped.setdefault(tag, []).append((method, path, operation))
    for tag, entries in grouped.items():
        lines += [f"## {tag}", ""]
        for method, path, operation in entries:
            lines += render_operation(method, path, operation)
    schemas = doc.get("components", {}).get("schemas", {})
    if schemas:
        lines += ["## Schemas", ""]
        for name in sorted(schemas):
            lines += render_schema(name, schemas[name])
    return "\n".join(lines).rstrip() + "\n"


def main(argv: list[str]) -> int:
    doc = openapi_document()
    sys.stdout.write(json.dumps(doc, indent=2) + "\n" if "--json" in argv else render(doc))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
