"""What `contextd serve` imports before it listens (issue 15: /health within 2 s of spawn).

The client commands (SDK, rich), httpx and pgvector are imported where they are used, not at a
server start; `bench/cold_start.py` measures the time, these tests keep the imports from coming
back unnoticed. Each runs a fresh interpreter, as a start does."""

from __future__ import annotations

import subprocess
import sys

NOT_AT_START = ("contextd.client", "contextd.cli.common", "rich", "httpx", "pgvector")


def _imported(code: str) -> set[str]:
    """The modules a fresh interpreter has imported after running `code`."""
    probe = f"{code}\nimport sys\nprint('\\n'.join(sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return set(result.stdout.split())


def test_the_server_app_leaves_client_and_pgvector_modules_unimported() -> None:
    modules = _imported("from contextd.cli import main\nimport contextd.api.app")
    assert "contextd.api.app" in modules
    assert sorted(m for m in NOT_AT_START if m in modules) == []


def test_a_server_command_runs_without_the_client_commands() -> None:
    code = (
        "import sys\nfrom contextd.cli import main\nsys.argv = ['contextd', 'keys', '--help']\n"
        "try:\n    main.main()\nexcept SystemExit:\n    pass"
    )
    modules = _imported(code)
    assert "contextd.cli.main" in modules
    assert "contextd.client" not in modules
    assert "contextd.cli.client_commands" not in modules


def test_the_whole_tree_still_has_every_command() -> None:
    import typer

    from contextd.cli import main

    command = typer.main.get_command(main.app)
    names = set(getattr(command, "commands", {}))  # a group (typer vendors its click)
    assert {"serve", "keys", "mcp", "extract", "add", "search", "spaces", "import"} <= names
