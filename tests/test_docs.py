"""The docs say what the code does: the settings page is generated from the `Settings` field
descriptions (`scripts/settings_table.py`, also checked by `make lint`), every `contextd ...`
command and `make` target the pages and the README show exists, the generated API and CLI
references cover every operation and command, the README's links lead somewhere, and the site
builds with warnings as errors (as `make docs` does in CI)."""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

from contextd.config import Settings, env_name

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
SETTINGS_PAGE = DOCS / "reference/settings.md"
# `contextd` where a command starts: a line's start (after `$ ` or VAR=value prefixes), after
# `&&`, `|`, `;` or `$(`, or as `.../bin/contextd`; not the word in a sentence or a path.
COMMAND = re.compile(
    r"(?:^[ \t]*(?:\$[ \t]+)?(?:[A-Z_]+=\S+[ \t]+)*|[;&|(][ \t]*|/bin/)"
    r"contextd((?: [a-z][a-z0-9-]*){1,2})",
    flags=re.M,
)


def load_script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, ROOT / f"scripts/{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def pages() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.rglob("*.md"))]


def code_in(markdown: str) -> list[str]:
    """The text of the fenced blocks and inline code spans: where commands are shown."""
    fenced = re.findall(r"^(`{3,}|~{3,})[^\n]*\n(.*?)^\1", markdown, flags=re.M | re.S)
    blocks = [body for _, body in fenced]
    prose = re.sub(r"^(`{3,}|~{3,})[^\n]*\n.*?^\1", "", markdown, flags=re.M | re.S)
    return blocks + re.findall(r"`([^`\n]+)`", prose)


def test_every_setting_has_a_description() -> None:
    undocumented = [name for name, info in Settings.model_fields.items() if not info.description]
    assert undocumented == []


def test_the_settings_page_is_current_and_names_every_setting() -> None:
    script = load_script("settings_table")
    page = SETTINGS_PAGE.read_text()
    assert script.render(page) == page, "run `python scripts/settings_table.py`"
    table = page.split(script.START)[1].split(script.END)[0]
    missing = [env_name(n) for n in Settings.model_fields if f"| `{env_name(n)}` |" not in table]
    assert missing == []


def test_the_check_fails_on_a_stale_table() -> None:
    script = load_script("settings_table")
    stale = SETTINGS_PAGE.read_text().replace("| `CONTEXTD_SECRET_KEY` |", "| `X` |")
    assert script.render(stale) != stale


def test_every_contextd_command_the_docs_show_exists() -> None:
    commands = set(load_script("cli_reference").command_names())
    groups = {name.rsplit(" ", 1)[0] for name in commands if name.count(" ") == 2}
    unknown: set[tuple[str, str]] = set()
    shown = 0
    for page in pages():
        for code in code_in(page.read_text()):
            for match in COMMAND.finditer(code):
                words = match.group(1).split()
                name = f"contextd {words[0]}"
                if name in groups and len(words) > 1:
                    name = f"{name} {words[1]}"
                shown += 1
                if name not in commands:
                    unknown.add((page.relative_to(ROOT).as_posix(), name))
    assert shown > 50  # the pattern finds the commands the pages show
    assert sorted(unknown) == [], sorted(unknown)


def test_every_make_target_the_docs_show_exists() -> None:
    targets = set(re.findall(r"^([a-z][\w-]*):", (ROOT / "Makefile").read_text(), flags=re.M))
    shown = {
        (page.relative_to(ROOT).as_posix(), target)
        for page in pages()
        for code in code_in(page.read_text())
        for line in code.splitlines()
        for target in re.findall(r"^\s*make ([a-z][\w -]*?)(?:\s+#|$)", line)
    }
    unknown = sorted((page, t) for page, ts in shown for t in ts.split() if t not in targets)
    assert {t for _, t in shown} >= {"run", "test", "docs"}
    assert unknown == []


def test_the_readme_links_lead_to_files_that_exist() -> None:
    readme = (ROOT / "README.md").read_text()
    links = re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", readme)
    local = [link for link in links if "://" not in link and not link.startswith("mailto:")]
    assert local, "the README links into the docs"
    assert [link for link in local if not (ROOT / link).exists()] == []


def test_the_api_reference_documents_every_operation() -> None:
    script = load_script("openapi_markdown")
    document = script.openapi_document()
    page = script.render(document)
    operations = [
        (method, path, op["operationId"])
        for path, item in document["paths"].items()
        for method, op in item.items()
    ]
    assert len(operations) > 30
    missing = [
        op_id
        for method, path, op_id in operations
        if f"### `{method.upper()} {path}` {{#{script.slug(op_id)}}}" not in page
    ]
    assert missing == []
    schemas = document["components"]["schemas"]
    assert [name for name in schemas if f"### {name} {{#" not in page] == []


def test_the_cli_reference_documents_every_command() -> None:
    script = load_script("cli_reference")
    page = script.render()
    names = script.command_names()
    assert {"contextd serve", "contextd mcp", "contextd sources list"} <= set(names)
    assert [name for name in names if f"`{name}`\n" not in page] == []


@pytest.mark.slow
def test_the_docs_build_strictly(tmp_path: Path) -> None:
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")]))
    site = tmp_path / "site"
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0, run.stderr[-4000:]
    for page in ("reference/api", "reference/cli", "reference/sdk", "reference/settings"):
        assert (site / page / "index.html").is_file(), page
    assert "CONTEXTD_DATA_DIR" in (site / "reference/settings/index.html").read_text()
