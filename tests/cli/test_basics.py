"""Spaces, collections, connection settings, errors and exit codes."""

from __future__ import annotations

import json
import stat

from contextd.cli.common import EXIT_API, EXIT_CONNECTION, EXIT_USAGE
from tests.support.cli import Cli


def test_spaces_and_collections(cli: Cli) -> None:
    space = cli.json("spaces", "create", "project x", "--description", "the x")
    assert space["name"] == "project x" and space["description"] == "the x"
    plain = cli("spaces", "create", "other")
    other_id = plain.stdout.strip()  # people get the id alone on stdout, for $(...)
    assert cli.http.get(f"/v1/spaces/{other_id}").json()["name"] == "other"

    listed = cli.json("spaces", "list")
    assert {s["name"] for s in listed} == {"project x", "other"}
    table = cli("spaces", "list").stdout
    # Short ids in tables (any unique prefix is taken back), whole ones with --wide.
    assert "project x" in table and space["id"][:8] in table and space["id"] not in table
    assert space["id"] in cli("spaces", "list", "--wide").stdout
    assert cli.json("spaces", "show", space["id"][:8])["name"] == "project x"

    # Collections by space name, parents by name; the tree view shows the nesting.
    docs = cli.json("collections", "create", "project x", "docs")
    api = cli.json("collections", "create", "project x", "api", "--parent", "docs")
    assert api["parentId"] == docs["id"]
    tree = cli.json("collections", "list", space["id"])
    assert tree[0]["name"] == "docs" and tree[0]["children"][0]["id"] == api["id"]
    shown = cli("collections", "list", "project x").stdout
    assert "docs" in shown and "api" in shown
    assert shown.index("docs") < shown.index("api")

    show = cli.json("spaces", "show", "project x")
    assert show["sources"] == 0 and show["collections"][0]["id"] == docs["id"]

    cli("collections", "delete", "project x", "docs/api")
    assert cli.json("collections", "list", "project x")[0]["children"] == []

    cli("spaces", "delete", "other", "--yes")
    assert [s["name"] for s in cli.json("spaces", "list")] == ["project x"]
    # Without --yes it asks; "n" keeps the space.
    kept = cli("spaces", "delete", "project x", input="n\n", code=1)
    assert "Delete space" in kept.stderr
    assert len(cli.json("spaces", "list")) == 1


def test_api_errors_print_message_and_request_id(cli: Cli) -> None:
    result = cli("status", "no-such-source", code=EXIT_API)
    assert result.stdout == ""
    assert result.stderr.startswith("error: ")
    assert "not found" in result.stderr and "requestId req_" in result.stderr

    # --json changes nothing about errors: stdout stays empty, the message goes to stderr.
    result = cli("spaces", "show", "nope", "--json", code=EXIT_API)
    assert result.stdout == "" and "no space" in result.stderr

    bad_key = cli("spaces", "list", "--api-key", "ctx_wrong", code=EXIT_API)
    assert "requestId" in bad_key.stderr and "contextd login" in bad_key.stderr


def test_usage_and_connection_errors(cli: Cli) -> None:
    assert cli("spaces", "list", CONTEXTD_API_KEY="", code=EXIT_USAGE).stderr.startswith(
        "error: no API key"
    )
    assert cli("search", "x", "q", "--mode", "fuzzy", code=EXIT_USAGE).stderr.startswith("error:")
    assert cli("spaces", "frobnicate", code=EXIT_USAGE).exit_code == EXIT_USAGE
    down = cli("spaces", "list", "--url", "http://127.0.0.1:9", code=EXIT_CONNECTION)
    assert "cannot reach the server" in down.stderr


def test_login_stores_a_private_config_that_flags_and_env_override(cli: Cli) -> None:
    wrong = cli("login", "--url", cli.url, "--api-key", "ctx_wrong", code=EXIT_API)
    assert "error:" in wrong.stderr
    assert not (cli.config_home / "contextd" / "config.json").exists()

    cli("login", "--url", cli.url, input=f"{cli.key}\n", CONTEXTD_URL="", CONTEXTD_API_KEY="")
    path = cli.config_home / "contextd" / "config.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert json.loads(path.read_text()) == {"url": cli.url, "api_key": cli.key}

    # No flags, no environment: the saved login is used.
    cli("spaces", "create", "via config", CONTEXTD_URL="", CONTEXTD_API_KEY="")
    assert cli.json("spaces", "list")[0]["name"] == "via config"
    # A flag wins over the file.
    cli("spaces", "list", "--api-key", "ctx_wrong", CONTEXTD_API_KEY="", code=EXIT_API)

    cli("logout")
    assert not path.exists()
    cli("spaces", "list", CONTEXTD_URL="", CONTEXTD_API_KEY="", code=EXIT_USAGE)


def test_the_installed_command_end_to_end(cli: Cli) -> None:
    """The real entry point in a subprocess, configured by the environment alone."""
    import os
    import subprocess
    import sys

    env = {**os.environ, **cli.env()}
    run = [sys.executable, "-m", "contextd"]
    created = subprocess.run(
        [*run, "spaces", "create", "from a shell"], env=env, capture_output=True, text=True
    )
    assert created.returncode == 0, created.stderr
    space_id = created.stdout.strip()
    added = subprocess.run(
        [*run, "add", space_id, "-", "--json"],
        input="User: ping?\n\nAssistant: pong.\n",
        env=env,
        capture_output=True,
        text=True,
    )
    assert added.returncode == 0, added.stderr
    assert json.loads(added.stdout)["sources"][0]["spaceId"] == space_id
    missing = subprocess.run([*run, "snapshot", "nope"], env=env, capture_output=True, text=True)
    assert missing.returncode == EXIT_API and missing.stdout == ""
    assert missing.stderr.startswith("error: ") and "requestId" in missing.stderr
