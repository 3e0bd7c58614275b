"""MkDocs hook (`hooks:` in `mkdocs.yml`): the pages generated at build time.

The API reference (from the OpenAPI document), the raw document beside it, and the CLI
reference (from the command tree) are added to the build in memory, never written into
`docs/`, so they always describe the code being built. The settings page is different: it is
committed (`docs/reference/settings.md`, written by `scripts/settings_table.py`) so a reader of
the repository sees it too, and `make lint` checks it is current.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File, Files

sys.path.insert(0, str(Path(__file__).resolve().parent))

import cli_reference
import openapi_markdown


def generated_pages() -> dict[str, str]:
    """Path under docs/ -> content, for every generated page."""
    document = openapi_markdown.openapi_document()
    return {
        "reference/openapi.json": json.dumps(document, indent=2) + "\n",
        "reference/api.md": openapi_markdown.render(document),
        "reference/cli.md": cli_reference.render(),
    }


# First, before the plugins (htmlproofer keeps the file list it is shown to check links against).
@event_priority(100)
def on_files(files: Files, config: MkDocsConfig) -> Files:
    for path, content in generated_pages().items():
        files.append(File.generated(config, path, content=content))
    return files
