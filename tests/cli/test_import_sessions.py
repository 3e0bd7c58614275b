"""`contextd import <agent>`: sessions found where the agents keep them, one space per project
and one source per session; re-runs send only the new lines (or, for JSON sessions, the new
messages)."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from contextd.cli import import_sessions
from contextd.client.agent_sessions import (
    META_KEY,
    default_root,
    discover,
    latest_claude_code_session,
)
from contextd.client.resources.sources import Sources
from contextd.client.resources.spaces import Spaces
from contextd.client.resources.uploads import Uploads
from tests.support.cli import Cli
from tests.support.session_trees import (
    aider_history,
    claude_session,
    claude_subagent,
    cline_task,
    codex_rollout,
    continue_session_file,
    gemini_chat,
    placed_fixture,
)

APP = "/home/dev/src/app"
TOOLS = "/home/dev/src/tools"

Calls = list[tuple[str, dict[str, Any]]]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Calls:
    """Every request of the SDK that changes something, as (what, arguments), still sent."""
    seen: Calls = []

    def spy(owner: type, name: str) -> None:
        original: Callable[..., Any] = getattr(owner, name)

        def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
            seen.append((f"{owner.__name__}.{name}", {"args": args, **kwargs}))
            return original(self, *args, **kwargs)

        monkeypatch.setattr(owner, name, wrapper)

    spy(Sources, "create")
    spy(Sources, "fast_forward")
    spy(Spaces, "create")
    spy(Uploads, "upload")
    return seen


def sessions_tree(root: Path) -> None:
    claude_session(root, APP, "s-app-1", ["Fix the flaky login test please", "Done: retried."])
    claude_session(root, APP, "s-app-2", ["Add a dark mode toggle", "Added it."])
    claude_session(root, TOOLS, "s-tools-1", ["Write a release script", "Here it is."])
    claude_subagent(root, APP, "s-app-1", "a1", "Search the tests for login helpers")


def by_session(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["session"]: s for s in body["sessions"]}


def test_dry_run_then_import_then_rerun_sends_only_new_lines(
    cli: Cli, tmp_path: Path, calls: Calls
) -> None:
    root = tmp_path / "projects"
    sessions_tree(root)
    args = ("import", "claude-code", "--projects-dir", str(root))

    dry = cli.json(*args, "--dry-run")
    assert calls == []
    listed = by_session(dry)
    assert set(listed) == {"s-app-1", "s-app-2", "s-tools-1"}
    assert {s["action"] for s in listed.values()} == {"new"}
    first = listed["s-app-1"]
    assert first["project"] == APP and first["space"] == APP
    assert first["name"] == "Fix the flaky login test please (2026-03-01)"
    assert first["turnsEstimate"] == 3  # two in the main file, one in the subagent's
    assert set(first["files"]) == {"main", "subagents/agent-a1.jsonl"}
    for width in (60, 80, 200):  # the table fits the terminal; the session names stay
        text = cli(*args, "--dry-run", COLUMNS=str(width)).stdout
        assert all(len(line) <= width for line in text.splitlines()), text
        assert "would import 3 new session(s)" in text and "new" in text
        assert "flaky" in text

    done = cli.json(*args)
    created = [c for c in calls if c[0] == "Sources.create"]
    assert len(created) == 3
    spaces = {s["name"]: s for s in cli.http.get("/v1/spaces").json()["spaces"]}
    assert {APP, TOOLS} <= set(spaces)
    assert sorted(c[1]["args"][0] for c in calls if c[0] == "Spaces.create") == [APP, TOOLS]
    app_sources = cli.http.get(f"/v1/spaces/{spaces[APP]['id']}/sources").json()["sources"]
    assert sorted(s["name"] for s in app_sources) == [
        "Add a dark mode toggle (2026-03-01)",
        "Fix the flaky login test please (2026-03-01)",
    ]
    sent = {c[1]["instructions"][META_KEY]["conversation"]: c[1] for c in created}
    body = sent["s-app-1"]["initial_data"]["data"]
    lines = [json.loads(line) for line in body.splitlines()]
    assert [r.get("isSidechain") for r in lines] == [False, False, True]  # subagent after
    assert sent["s-app-1"]["type"] == "CONTENT"
    for item in by_session(done).values():
        cli.http.wait(item["sourceId"])

    calls.clear()
    again = cli.json(*args)
    assert calls == []  # nothing new: no request that changes anything
    assert {s["action"] for s in again["sessions"]} == {"unchanged"}

    claude_session(root, APP, "s-app-1", ["Also cover the logout path", "Covered."], first=2)
    grown = cli.json(*args)
    assert by_session(grown)["s-app-1"]["action"] == "append"
    assert [c[0] for c in calls] == ["Sources.fast_forward"]
    forward = calls[0][1]
    new_lines = [json.loads(x) for x in forward["initial_data"]["data"].splitlines()]
    assert new_lines[0]["message"]["content"] == "Also cover the logout path"
    assert len(new_lines) == 2
    record = forward["instructions"][META_KEY]
    assert record["provider"] == "claude-code" and record["conversation"] == "s-app-1"
    source_id = by_session(grown)["s-app-1"]["sourceId"]
    cli.http.wait(source_id)
    stored = cli.http.get(f"/v1/sources/{source_id}").json()
    assert stored["instructions"][META_KEY]["files"]["main"] == record["files"]["main"]

    # The record travels with the source: the same sessions copied to another machine's
    # folder are recognised as imported.
    elsewhere = tmp_path / "other-machine" / "projects"
    shutil.copytree(root, elsewhere)
    calls.clear()
    moved = cli.json("import", "claude-code", "--projects-dir", str(elsewhere))
    assert {s["action"] for s in moved["sessions"]} == {"unchanged"}
    assert calls == []


def test_incomplete_last_line_waits_and_rewritten_file_diverges(
    cli: Cli, tmp_path: Path, calls: Calls
) -> None:
    root = tmp_path / "projects"
    path = claude_session(root, APP, "s1", ["Rename the config loader", "Renamed."])
    with path.open("a", encoding="utf-8") as handle:
        handle.write('{"type":"user","message":')  # being written right now
    args = ("import", "claude-code", "--projects-dir", str(root), "--space", "one")
    cli("spaces", "create", "one")
    body = cli.json(*args)
    sent = calls[-1][1]["initial_data"]["data"]
    assert sent.endswith("}\n") and sent.count("\n") == 2
    cli.http.wait(by_session(body)["s1"]["sourceId"])
    path.write_text(path.read_text().replace("Rename", "Delete"), encoding="utf-8")
    calls.clear()
    assert by_session(cli.json(*args))["s1"]["action"] == "diverged"
    assert calls == []


def test_space_since_project_and_large_files(
    cli: Cli, tmp_path: Path, calls: Calls, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "projects"
    sessions_tree(root)
    old = root / "-home-dev-src-tools" / "s-tools-1.jsonl"
    os.utime(old, (1_600_000_000, 1_600_000_000))  # 2020
    recent = cli.json(
        "import", "claude-code", "--projects-dir", str(root), "--since", "2024-01-01", "--dry-run"
    )
    assert set(by_session(recent)) == {"s-app-1", "s-app-2"}
    only = cli.json(
        "import", "claude-code", "--projects-dir", str(root), "--project", "tools", "--dry-run"
    )
    assert set(by_session(only)) == {"s-tools-1"}

    cli("spaces", "create", "everything")
    monkeypatch.setattr(import_sessions, "CONTENT_MAX", 100)  # every session is "large"
    body = cli.json("import", "claude-code", "--projects-dir", str(root), "--space", "everything")
    assert {s["space"] for s in body["sessions"]} == {"everything"}
    assert [c[0] for c in calls].count("Uploads.upload") == 3
    assert {c[1]["type"] for c in calls if c[0] == "Sources.create"} == {"FILE"}
    for item in body["sessions"]:
        done = cli.http.wait(item["sourceId"])
        assert done["status"] == "COMPLETED", done


def test_other_agents_are_found_where_they_keep_sessions(tmp_path: Path) -> None:
    codex = tmp_path / "codex"
    codex_rollout(codex, "c-1", "/home/dev/src/api", "Make the API paginate")
    [rollout] = discover("codex", codex)
    assert (rollout.id, rollout.project, rollout.title) == (
        "c-1",
        "/home/dev/src/api",
        "Make the API paginate",
    )

    gemini = tmp_path / "gemini"
    gemini_chat(gemini, "ab" * 32, "g-1234567", ["Explain the build", "And the tests"])
    [chat] = discover("gemini", gemini)
    assert (chat.id, chat.project, chat.turns, chat.kind) == (
        "g-1234567",
        "gemini-" + "ab" * 6,
        4,
        "json",
    )

    storage = tmp_path / "globalStorage"
    cline_task(storage, "saoudrizwan.claude-dev", "1767225600000", "/home/dev/web", "Fix CSS")
    cline_task(storage, "rooveterinaryinc.roo-cline", "1767225700000", "/home/dev/web", "Add i18n")
    tasks = discover("cline", storage)
    assert [(t.title, t.project, t.started is not None) for t in tasks] == [
        ("Fix CSS", "/home/dev/web", True),
        ("Add i18n", "/home/dev/web", True),
    ]

    aider_history(tmp_path / "repos" / "shop", "Add a cart endpoint")
    [history] = discover("aider", tmp_path / "repos")
    assert history.title == "Add a cart endpoint" and history.project.endswith("shop")

    claude = tmp_path / "claude"
    older = claude_session(claude, APP, "old", ["First"])
    newest = claude_session(claude, APP, "new", ["Second"])
    os.utime(older, (1_700_000_000, 1_700_000_000))
    assert latest_claude_code_session(Path(APP), claude) == newest
    assert latest_claude_code_session(Path("/elsewhere"), claude) is None


def test_json_sessions_send_only_their_new_messages(cli: Cli, tmp_path: Path, calls: Calls) -> None:
    gemini = tmp_path / "gemini"
    path = gemini_chat(gemini, "cd" * 32, "g-1", ["Explain the build"])
    args = ("import", "gemini", "--projects-dir", str(gemini), "--space", "gem")
    cli("spaces", "create", "gem")
    first = cli.json(*args)
    cli.http.wait(by_session(first)["g-1"]["sourceId"])
    gemini_chat(gemini, "cd" * 32, "g-1", ["Explain the build", "Now the tests"])
    assert path.exists()
    calls.clear()
    cli.json(*args)
    [(what, forward)] = calls
    assert what == "Sources.fast_forward"
    sent = json.loads(forward["initial_data"]["data"])
    assert [m["content"] for m in sent["messages"]] == ["Now the tests", "ok"]
    assert sent["sessionId"] == "g-1"


def test_codex_and_aider_import_through_the_cli(cli: Cli, tmp_path: Path, calls: Calls) -> None:
    codex = tmp_path / "codex"
    codex_rollout(codex, "c-7", "/home/dev/src/api", "Make the API paginate")
    body = cli.json("import", "codex", "--projects-dir", str(codex))
    [item] = body["sessions"]
    assert (item["action"], item["space"], item["name"]) == (
        "new",
        "/home/dev/src/api",
        "Make the API paginate (2026-03-01)",
    )
    cli.http.wait(item["sourceId"])

    repo = tmp_path / "repos" / "shop"
    history = aider_history(repo, "Add a cart endpoint")
    args = ("import", "aider", "--dir", str(tmp_path / "repos"), "--space", "shop")
    cli("spaces", "create", "shop")
    [first] = cli.json(*args)["sessions"]
    assert first["action"] == "new"
    cli.http.wait(first["sourceId"])
    with history.open("a", encoding="utf-8") as handle:
        handle.write("\n#### Now add a checkout\n\nDone.\n")
    calls.clear()
    [grown] = cli.json(*args)["sessions"]
    assert grown["action"] == "append" and grown["sourceId"] == first["sourceId"]
    [(what, forward)] = [c for c in calls if c[0].startswith("Sources.")]
    assert what == "Sources.fast_forward"
    assert forward["initial_data"]["data"] == "\n#### Now add a checkout\n\nDone.\n"
    # The session's id is its folder's path: the staged payload still stays in a temporary one.
    assert sorted(p.name for p in (tmp_path / "repos").iterdir()) == ["shop"]
    cli.http.wait(grown["sourceId"])


QWEN_CHAT = "4f6c1d2e-8a3b-4c5d-9e0f-1a2b3c4d5e6f.jsonl"


def test_more_agents_are_found_where_they_keep_sessions(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PI_CODING_AGENT_DIR", str(tmp_path / "pi-agent"))
    monkeypatch.setenv("CONTINUE_GLOBAL_DIR", str(tmp_path / "continue"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    qwen_root = default_root("qwen")
    assert qwen_root == tmp_path / "home" / ".qwen" / "projects"
    placed_fixture(qwen_root / "-home-dev-inventory" / "chats", "qwen", QWEN_CHAT)
    [chat] = discover("qwen")
    assert (chat.id, chat.project, chat.kind) == (QWEN_CHAT[:-6], "/home/dev/inventory", "lines")
    assert chat.title.startswith("The stock count goes negative")
    assert chat.turns == 8  # two prompts and six answers, the rewound one included

    pi_root = default_root("pi")
    assert pi_root == tmp_path / "pi-agent" / "sessions"
    placed_fixture(pi_root / "--home-dev-notes-app--", "pi", "tree-v3.jsonl")
    [pi] = discover("pi")
    assert (pi.id, pi.project) == ("8d3f0a52-6c1e-4b7a-9e21-5f0c2d7b9a41", "/home/dev/notes-app")
    assert pi.title == "Add a slugify helper in src/slug.ts and run"  # eight words

    continue_session_file(default_root("continue"))
    [session] = discover("continue")  # not the `sessions.json` list beside it
    assert (session.project, session.kind, session.turns) == ("/home/dev/shop front", "json", 13)
    assert session.title.startswith("The cart total ignores item quantities")

    placed_fixture(default_root("goose"), "goose", "20251031_1.jsonl")
    [goose] = discover("goose")
    assert (goose.id, goose.project, goose.title) == (
        "20251031_1",
        "/home/dev/weather-cli",
        "Add a --units flag",
    )

    storage = tmp_path / "globalStorage"
    cline_task(storage, "kilocode.kilo-code", "1767225800000", "/home/dev/web", "Add dark mode")
    [kilo] = discover("cline", storage)  # Kilo Code, a Roo Code fork, keeps the same tasks
    assert (kilo.title, kilo.project) == ("Add dark mode", "/home/dev/web")


def test_continue_sessions_send_their_new_history(cli: Cli, tmp_path: Path, calls: Calls) -> None:
    folder = tmp_path / "continue" / "sessions"
    continue_session_file(folder, items=3)
    args = ("import", "continue", "--dir", str(folder), "--space", "shop")
    cli("spaces", "create", "shop")
    [first] = cli.json(*args)["sessions"]
    assert first["action"] == "new"
    done = cli.http.wait(first["sourceId"])
    assert done["format"] == "continue" and done["stats"]["turns"] == 2
    continue_session_file(folder)
    calls.clear()
    [grown] = cli.json(*args)["sessions"]
    assert grown["action"] == "append"
    [(what, forward)] = calls
    assert what == "Sources.fast_forward"
    sent = json.loads(forward["initial_data"]["data"])
    assert sent["sessionId"] == "b8c1f2d4-3e5a-4b6c-8d7e-9f0a1b2c3d4e"
    assert [item["message"]["role"] for item in sent["history"][:2]] == ["tool", "tool"]
    assert len(sent["history"]) == 10
    assert cli.http.wait(grown["sourceId"])["stats"]["turns"] > 2


def test_pi_and_qwen_sessions_send_their_new_lines(cli: Cli, tmp_path: Path, calls: Calls) -> None:
    pi_folder = tmp_path / "pi" / "--home-dev-notes-app--"
    placed_fixture(pi_folder, "pi", "tree-v3.jsonl", lines=6)
    args = ("import", "pi", "--dir", str(tmp_path / "pi"))
    [first] = cli.json(*args)["sessions"]
    assert (first["action"], first["space"]) == ("new", "/home/dev/notes-app")
    assert cli.http.wait(first["sourceId"])["format"] == "pi"
    placed_fixture(pi_folder, "pi", "tree-v3.jsonl")
    calls.clear()
    [grown] = cli.json(*args)["sessions"]
    assert grown["action"] == "append"
    [(what, forward)] = [c for c in calls if c[0].startswith("Sources.")]
    assert what == "Sources.fast_forward"
    sent = [json.loads(line) for line in forward["initial_data"]["data"].splitlines()]
    assert [entry["id"] for entry in sent[:2]] == ["a0000006", "a0000007"]
    cli.http.wait(grown["sourceId"])

    qwen = tmp_path / "qwen" / "-home-dev-inventory" / "chats"
    placed_fixture(qwen, "qwen", QWEN_CHAT)
    [chat] = cli.json("import", "qwen", "--dir", str(tmp_path / "qwen"))["sessions"]
    done = cli.http.wait(chat["sourceId"])
    assert (done["format"], chat["space"]) == ("qwen-code", "/home/dev/inventory")
