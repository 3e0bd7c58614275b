"""`contextd import chatgpt|claude`: dry run, selection, and incremental re-imports."""

from __future__ import annotations

import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from contextd.cli.common import EXIT_USAGE
from tests.support.cli import Cli
from tests.support.factories import chatgpt_export

START = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)


def chatgpt_conversation(
    cid: str, title: str, texts: list[str], *, day: int = 0, abandoned: str | None = None
) -> dict[str, Any]:
    """A ChatGPT conversation whose current branch says `texts` (user first, alternating);
    `abandoned` adds a regenerated answer on a side branch that is not current."""
    start = START + timedelta(days=day)
    mapping: dict[str, Any] = {
        "root": {"id": "root", "message": None, "parent": None, "children": []}
    }
    parent = "root"
    for i, text in enumerate(texts):
        node = f"{cid}-n{i}"
        role = "user" if i % 2 == 0 else "assistant"
        mapping[node] = {
            "id": node,
            "parent": parent,
            "children": [],
            "message": {
                "id": node,
                "author": {"role": role},
                "create_time": (start + timedelta(minutes=i)).timestamp(),
                "content": {"content_type": "text", "parts": [text]},
            },
        }
        mapping[parent]["children"].append(node)
        parent = node
    if abandoned is not None and len(texts) >= 2:
        side = f"{cid}-side"
        first = f"{cid}-n0"
        mapping[side] = {
            "id": side,
            "parent": first,
            "children": [],
            "message": {
                "id": side,
                "author": {"role": "assistant"},
                "create_time": start.timestamp(),
                "content": {"content_type": "text", "parts": [abandoned]},
            },
        }
        mapping[first]["children"].insert(0, side)
    return {
        "id": cid,
        "conversation_id": cid,
        "title": title,
        "create_time": start.timestamp(),
        "update_time": (start + timedelta(minutes=len(texts))).timestamp(),
        "mapping": mapping,
        "current_node": parent,
    }


def claude_conversation(cid: str, name: str, texts: list[str]) -> dict[str, Any]:
    messages = [
        {
            "uuid": f"{cid}-m{i}",
            "sender": "human" if i % 2 == 0 else "assistant",
            "text": text,
            "content": [{"type": "text", "text": text}],
            "created_at": (START + timedelta(minutes=i)).isoformat(),
        }
        for i, text in enumerate(texts)
    ]
    return {
        "uuid": cid,
        "name": name,
        "created_at": START.isoformat(),
        "updated_at": (START + timedelta(minutes=len(texts))).isoformat(),
        "chat_messages": messages,
    }


def write_zip(path: Path, conversations: list[dict[str, Any]]) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("conversations.json", json.dumps(conversations))
        archive.writestr("user.json", json.dumps({"id": "u1"}))
    return path


PLANNING = [
    "How should we plan the database migration?",
    "Migrate table by table, with a dual-write period of one week.",
    "What about the rollback plan?",
    "Keep the old schema read-only for a month so rollback is a config switch.",
]
LOGO = ["Which colour for the logo?", "Teal, to match the dashboard accents."]
MORE = [
    "And how do we verify the migrated rows?",
    "Compare row counts and checksums per table every night during the dual-write week.",
]


def _sources(cli: Cli, space_id: str) -> list[dict[str, Any]]:
    body = cli.http.get(f"/v1/spaces/{space_id}/sources", params={"per_page": 100}).json()
    return list(body["sources"])


def _turns(cli: Cli, source_id: str) -> list[str]:
    body = cli.http.get(f"/v1/sources/{source_id}/turns", params={"per_page": 100}).json()
    return [t["text"] for t in body["turns"]]


def test_import_dry_run_then_incremental_reimports(cli: Cli, tmp_path: Path) -> None:
    space = cli.json("spaces", "create", "chats")
    v1 = [
        chatgpt_conversation("c-plan", "Migration plan", PLANNING, abandoned="An abandoned answer"),
        chatgpt_conversation("c-logo", "Logo colours", LOGO, day=1),
    ]
    export = write_zip(tmp_path / "export-v1.zip", v1)

    dry = cli.json("import", "chatgpt", str(export), "--space", "chats", "--dry-run")
    assert dry["dryRun"] is True
    assert {c["id"]: c["action"] for c in dry["conversations"]} == {
        "c-plan": "new",
        "c-logo": "new",
    }
    assert dry["summary"]["new"] == 2 and dry["summary"]["newTurns"] == 6
    assert _sources(cli, space["id"]) == []  # a dry run changes nothing
    for width in (60, 80, 200):  # the table fits the terminal; titles and actions stay
        table = cli("import", "chatgpt", str(export), "--space", "chats", "-n", COLUMNS=str(width))
        assert all(len(line) <= width for line in table.stdout.splitlines()), table.stdout
        assert "Migration plan" in table.stdout and "new" in table.stdout
        assert "would import 2 new conversation(s)" in table.stdout

    first = cli.json("import", "chatgpt", str(export), "--space", "chats", "--wait")
    assert first["summary"]["new"] == 2
    assert all(s["status"] == "COMPLETED" for s in first["sources"]), first["sources"]
    by_id = {c["id"]: c["sourceId"] for c in first["conversations"]}
    plan_turns = _turns(cli, by_id["c-plan"])
    assert plan_turns == PLANNING  # the current branch only: no abandoned answer
    source = cli.http.get(f"/v1/sources/{by_id['c-plan']}").json()
    assert source["name"] == "Migration plan"
    record = source["instructions"]["contextd_import"]
    assert (record["provider"], record["conversation"], record["turns"]) == (
        "chatgpt",
        "c-plan",
        4,
    )

    # The same export again: nothing to do, nothing created, nothing reprocessed.
    again = cli.json("import", "chatgpt", str(export), "--space", "chats")
    assert {c["action"] for c in again["conversations"]} == {"unchanged"}
    assert len(_sources(cli, space["id"])) == 2
    assert cli.http.get(f"/v1/sources/{by_id['c-plan']}").json()["revision"] == source["revision"]

    # The conversation went on (two more turns) and a new one started.
    v2 = [
        chatgpt_conversation("c-plan", "Migration plan", PLANNING + MORE, abandoned="x"),
        chatgpt_conversation("c-logo", "Logo colours", LOGO, day=1),
        chatgpt_conversation(
            "c-new", "Release notes", ["Draft the notes", "Here they are."], day=2
        ),
    ]
    export2 = tmp_path / "conversations.json"
    export2.write_text(json.dumps(v2))
    dry2 = cli.json("import", "chatgpt", str(export2), "--space", space["id"], "--dry-run")
    actions = {c["id"]: (c["action"], c["newTurns"]) for c in dry2["conversations"]}
    assert actions == {"c-plan": ("append", 2), "c-logo": ("unchanged", 0), "c-new": ("new", 2)}

    second = cli.json("import", "chatgpt", str(export2), "--space", "chats", "--wait")
    assert second["summary"]["new"] == 1 and second["summary"]["append"] == 1
    assert all(s["status"] == "COMPLETED" for s in second["sources"]), second["sources"]
    sources = _sources(cli, space["id"])
    assert len(sources) == 3  # no duplicate of the grown conversation
    names = sorted(s["name"] for s in sources if not s["name"].startswith("fast-forward"))
    assert names == ["Logo colours", "Migration plan", "Release notes"]
    # The old source got exactly the new turns, appended by fast-forward.
    assert _turns(cli, by_id["c-plan"]) == PLANNING + MORE
    grown = cli.http.get(f"/v1/sources/{by_id['c-plan']}").json()
    assert grown["instructions"]["contextd_import"]["turns"] == 6
    assert grown["revision"] > source["revision"]

    # And once more: all unchanged.
    third = cli.json("import", "chatgpt", str(export2), "--space", "chats")
    assert {c["action"] for c in third["conversations"]} == {"unchanged"}

    # An earlier message edited: reported as diverged, the source left alone.
    edited = [chatgpt_conversation("c-logo", "Logo colours", ["Which font?", "Inter."], day=1)]
    export3 = tmp_path / "edited.json"
    export3.write_text(json.dumps(edited))
    diverged = cli.json("import", "chatgpt", str(export3), "--space", "chats")
    assert diverged["conversations"][0]["action"] == "diverged"
    assert _turns(cli, by_id["c-logo"]) == LOGO


def test_import_selection_and_mismatched_exports(cli: Cli, tmp_path: Path) -> None:
    cli("spaces", "create", "picked")
    conversations = [
        chatgpt_conversation("a1", "Kubernetes upgrade", LOGO, day=0),
        chatgpt_conversation("a2", "Kubernetes costs", LOGO, day=5),
        chatgpt_conversation("a3", "Holiday plans", LOGO, day=9),
    ]
    export = tmp_path / "conversations.json"
    export.write_text(json.dumps(conversations))

    def chosen(*args: str) -> set[str]:
        body = cli.json("import", "chatgpt", str(export), "-s", "picked", "--dry-run", *args)
        return {c["id"] for c in body["conversations"]}

    assert chosen("--select", "kubernetes") == {"a1", "a2"}
    assert chosen("--select", "a3") == {"a3"}
    assert chosen("--match", r"^kube.*costs$") == {"a2"}
    assert chosen("--select", "kubernetes", "--since", "2026-03-04") == {"a2"}
    assert chosen("--since", "2026-03-08") == {"a3"}
    body = cli.json("import", "chatgpt", str(export), "-s", "picked", "-n", "--select", "holiday")
    assert body["summary"]["notSelected"] == 2

    imported = cli.json("import", "chatgpt", str(export), "-s", "picked", "--select", "a2")
    assert imported["summary"]["new"] == 1
    assert len(cli.json("sources", "list", "picked")) == 1

    claude = tmp_path / "claude.json"
    claude.write_text(json.dumps([claude_conversation("k1", "Chat", LOGO)]))
    wrong = cli("import", "chatgpt", str(claude), "--space", "picked", code=EXIT_USAGE)
    assert "Claude export" in wrong.stderr and "contextd import claude" in wrong.stderr
    not_export = tmp_path / "other.json"
    not_export.write_text('{"hello": "world"}')
    cli("import", "claude", str(not_export), "--space", "picked", code=EXIT_USAGE)


def test_claude_zip_through_add_and_factory_export(cli: Cli, tmp_path: Path) -> None:
    space = cli.json("spaces", "create", "claude chats")
    export = write_zip(
        tmp_path / "claude-export.zip",
        [claude_conversation("k1", "Schema review", PLANNING), claude_conversation("k2", "", LOGO)],
    )
    # `add` recognises a chat export and imports it conversation by conversation.
    added = cli("add", "claude chats", str(export), "--wait")
    assert "claude export" in added.stderr
    sources = {s["name"]: s for s in _sources(cli, space["id"])}
    assert set(sources) == {"Schema review", "Untitled"}
    assert _turns(cli, sources["Schema review"]["id"]) == PLANNING
    again = cli.json("import", "claude", str(export), "--space", "claude chats")
    assert again["summary"]["unchanged"] == 2 and again["summary"]["new"] == 0

    # Exports without conversation ids (the factory's) still re-import idempotently.
    factory = tmp_path / "factory.json"
    factory.write_text(chatgpt_export(turns=4))
    cli.json("import", "chatgpt", str(factory), "--space", "claude chats", "--wait")
    repeat = cli.json("import", "chatgpt", str(factory), "--space", "claude chats")
    assert repeat["summary"]["unchanged"] == 1
    assert len(_sources(cli, space["id"])) == 3
