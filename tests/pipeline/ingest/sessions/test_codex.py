"""Codex CLI rollouts: the current envelope JSONL, the older bare-item JSONL and the TS-era JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contextd.pipeline.ingest.conversations import detect_export
from contextd.pipeline.ingest.sessions import READERS, SessionInput, read_session
from contextd.pipeline.types import Fetched, FilePatch, FileWrite, ShellCommand, TodoItem, TodoList
from tests.support.agent_sessions import (
    CHAT_EXPORTS,
    OTHER_AGENT_SAMPLES,
    as_fetched,
    other_agents_files,
    read_fixture,
)

CURRENT = "rollout-2025-10-02T09-00-01-0199a213-81c0-7800-8aa1-bbab2a035a53.jsonl"
LEGACY = "rollout-2025-05-20-5973b6c0-94b8-487b-a530-2aeb6098ae0e.jsonl"
# A real rollout (Codex CLI 0.125.0) cut to whole records, as its SOURCE.md says
REAL = "rollout-2026-05-11T11-26-55-019e1625-789d-76c0-80ab-3724b5ddb799.jsonl"
DESKTOP = "rollout-2026-05-11T13-28-45-019e1695-0522-7c83-8b39-0dd379793f80.jsonl"  # also real
CODEX = next(reader for reader in READERS if reader.name == "codex")


def test_current_rollout_turns_skip_the_injected_context() -> None:
    session = read_fixture("codex", CURRENT)
    assert session.format == "codex"
    assert [(t.index, t.role) for t in session.turns] == [
        (0, "user"), (1, "assistant"), (2, "assistant"), (3, "assistant"), (4, "assistant"),
    ]  # fmt: skip
    first = session.turns[0]
    assert first.text == "Add a slugify helper in src/slugify.py with a test, and run the tests."
    assert "environment_context" not in " ".join(t.text for t in session.turns)
    assert session.title == first.text
    # the reasoning summary is thinking, never text; the encrypted reasoning is dropped
    assert session.turns[1].thinking.startswith("**Planning the helper**")
    assert session.turns[1].text == ""
    assert all("gAAAA" not in t.thinking + t.text for t in session.turns)
    assert session.turns[4].text.startswith("Added `slugify`")


def test_current_rollout_meta() -> None:
    meta = read_fixture("codex", CURRENT).meta
    assert meta["agent"] == "codex"
    assert meta["session_id"] == "0199a213-81c0-7800-8aa1-bbab2a035a53"
    assert meta["cwd"] == "/home/dev/slugs"
    assert meta["model"] == "gpt-5-codex"
    assert meta["git_branch"] == "feature/slugify"
    assert meta["started_at"] == "2025-10-02T09:00:01Z"
    assert meta["ended_at"] == "2025-10-02T09:00:14Z"
    assert meta["skipped_lines"] == 1  # the truncated line


def test_shell_calls_become_commands_with_their_exit_codes() -> None:
    calls = [c for t in read_fixture("codex", CURRENT).turns for c in t.tool_calls]
    commands = [(a.command, a.exit_code) for c in calls for a in c.actions
                if isinstance(a, ShellCommand)]  # fmt: skip
    assert commands == [
        ("ls -R src tests", 0),  # `shell` with ["bash", "-lc", ...], JSON output metadata
        ("python -m pytest -q", 1),  # `exec_command`, "Process exited with code 1"
        ("PYTHONPATH=src python -m pytest -q", 0),  # `shell_command`, "Exit code: 0"
    ]
    failed = next(c for c in calls if c.name == "exec_command")
    assert failed.status == "error"
    assert failed.output.startswith("E   ModuleNotFoundError")  # the header is not output
    assert failed.summary == "python -m pytest -q"


def test_apply_patch_gives_one_patch_per_file_and_the_added_file() -> None:
    turns = read_fixture("codex", CURRENT).turns
    calls = [c for t in turns for c in t.tool_calls]
    custom = next(c for c in calls if c.name == "apply_patch")
    assert custom.status == "ok"
    patch, write = custom.actions
    assert isinstance(patch, FilePatch) and patch.operation == "add"
    assert write == FileWrite(
        "src/slugify.py",
        "import re\n\n\ndef slugify(text: str) -> str:\n"
        '    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")\n',
    )
    heredoc = next(c for c in calls if c.id == "call_patch2")  # apply_patch inside `shell`
    assert [(a.path, a.operation) for a in heredoc.actions if isinstance(a, FilePatch)] == [
        ("src/slugify.py", "update"),
        ("README.md", "update"),
        ("src/old_slug.py", "delete"),
    ]
    assert not any(isinstance(a, ShellCommand) for a in heredoc.actions)
    update = heredoc.actions[0]
    assert isinstance(update, FilePatch)
    assert update.patch.startswith("@@ def slugify")
    assert '+    return slug.strip("-")[:80]' in update.patch


def test_update_plan_is_a_todo_list() -> None:
    calls = [c for t in read_fixture("codex", CURRENT).turns for c in t.tool_calls]
    plan = next(c for c in calls if c.name == "update_plan")
    assert plan.actions == (
        TodoList((
            TodoItem("Add src/slugify.py", "in_progress"),
            TodoItem("Add tests/test_slugify.py", "pending"),
            TodoItem("Run pytest", "pending"),
        )),
    )  # fmt: skip


def test_legacy_rollout() -> None:
    session = read_fixture("codex", LEGACY)
    assert [(t.role, t.text) for t in session.turns] == [
        ("user", "Why does `make lint` fail?"),
        ("assistant", ""),
        ("assistant", "`tools/run.py` imports `os` without using it; remove the import."),
    ]
    assert session.turns[1].thinking == "**Running the linter to see the error**"
    (call,) = session.turns[1].tool_calls
    assert call.actions == (ShellCommand("make lint", 2),)
    assert call.status == "error" and "F401" in call.output
    assert session.meta["session_id"] == "5973b6c0-94b8-487b-a530-2aeb6098ae0e"
    assert session.meta["git_branch"] == "main"
    assert session.meta["skipped_lines"] == 0


def test_typescript_era_json() -> None:
    data = {
        "session": {"timestamp": "2025-04-20T08:00:00.000Z", "id": "ts-1", "instructions": ""},
        "items": [
            {"type": "message", "role": "user",
             "content": [{"type": "input_text", "text": "list files"}]},
            {"type": "function_call", "name": "shell", "call_id": "c1",
             "arguments": json.dumps({"command": ["ls"]})},
            {"type": "function_call_output", "call_id": "c1",
             "output": json.dumps({"output": "a.txt\n", "metadata": {"exit_code": 0}})},
            {"type": "message", "role": "assistant",
             "content": [{"type": "output_text", "text": "One file: a.txt"}]},
        ],
    }  # fmt: skip
    session = read_session(as_fetched(data))
    assert session is not None and session.format == "codex"
    assert [t.role for t in session.turns] == ["user", "assistant", "assistant"]
    assert session.turns[1].tool_calls[0].actions == (ShellCommand("ls", 0),)
    assert session.meta["session_id"] == "ts-1"


@pytest.mark.parametrize(("exit_code", "kept"), [(0, 2_000), (1, 600)])
def test_long_output_is_cut_and_counted(exit_code: int, kept: int) -> None:
    """Errors are kept shorter; both keep the start and the end, where a failure says why."""
    output = "first line\n" + "x" * 50_000 + "\nAssertionError: the last line"
    lines = [
        {"timestamp": "2025-10-02T09:00:00Z", "type": "session_meta", "payload": {"id": "s"}},
        {"timestamp": "2025-10-02T09:00:01Z", "type": "response_item",
         "payload": {"type": "function_call", "name": "shell", "call_id": "c",
                     "arguments": json.dumps({"command": ["bash", "-lc", "cat big.log"]})}},
        {"timestamp": "2025-10-02T09:00:02Z", "type": "response_item",
         "payload": {"type": "function_call_output", "call_id": "c",
                     "output": json.dumps({"output": output,
                                           "metadata": {"exit_code": exit_code}})}},
    ]  # fmt: skip
    body = "\n".join(json.dumps(line) for line in lines).encode()
    session = read_session(Fetched(body))
    assert session is not None
    (call,) = session.turns[0].tool_calls
    assert call.output.startswith("first line\n")
    assert call.output.endswith("\nAssertionError: the last line")  # what failed is kept
    assert "[…]" in call.output and len(call.output) < kept + 10
    assert call.output_cut == len(output) - kept
    assert call.status == ("ok" if exit_code == 0 else "error")


def test_malformed_lines_are_skipped_and_counted() -> None:
    good = json.dumps(
        {"timestamp": "2025-10-02T09:00:00Z", "type": "session_meta", "payload": {"id": "s"}}
    )
    user = json.dumps({
        "timestamp": "2025-10-02T09:00:01Z", "type": "response_item",
        "payload": {"type": "message", "role": "user",
                    "content": [{"type": "input_text", "text": "hello"}]},
    })  # fmt: skip
    body = "\n".join([good, "{not json", user, "[1, 2]", ""]).encode()
    session = read_session(Fetched(body))
    assert session is not None
    assert [t.text for t in session.turns] == ["hello"]
    assert session.meta["skipped_lines"] == 2


@pytest.mark.parametrize("path", other_agents_files("codex"), ids=lambda p: p.parent.name)
def test_refuses_other_agents_sessions(path: Path) -> None:
    assert not CODEX.detect(SessionInput(Fetched(path.read_bytes())))


@pytest.mark.parametrize("name", sorted(CHAT_EXPORTS))
def test_leaves_chat_exports_to_their_readers(name: str) -> None:
    data = CHAT_EXPORTS[name]
    assert not CODEX.detect(SessionInput(as_fetched(data)))
    assert read_session(as_fetched(data)) is None
    assert detect_export(data) is not None


def _rollout(*payloads: dict[str, object]) -> bytes:
    lines = [{"timestamp": "2025-10-02T09:00:00Z", "type": "session_meta", "payload": {"id": "s"}}]
    lines += [
        {"timestamp": "2025-10-02T09:00:01Z", "type": "response_item", "payload": payload}
        for payload in payloads
    ]
    return "\n".join(json.dumps(line) for line in lines).encode()


def test_other_tools_are_summarised_without_their_raw_input() -> None:
    arguments = json.dumps({"server": "docs", "uri": "docs://guide/intro", "limit": 5})
    body = _rollout(
        {"type": "function_call", "name": "mcp__docs__read", "arguments": arguments,
         "call_id": "m1"},
        {"type": "web_search_call", "status": "completed",
         "action": {"type": "search", "query": "serde flatten enum"}},
    )  # fmt: skip
    session = read_session(Fetched(body))
    assert session is not None
    mcp, search = session.turns[0].tool_calls
    assert (mcp.name, mcp.summary, mcp.status) == ("mcp__docs__read", "docs", None)
    assert (search.name, search.summary, search.status) == (
        "web_search",
        "serde flatten enum",
        "ok",
    )


def test_a_long_rollout_is_read_line_by_line() -> None:
    """20,000 records (about 4 MB): every call is paired with its output."""
    payloads: list[dict[str, object]] = [
        {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "go"}]}
    ]
    for n in range(10_000):
        command = json.dumps({"command": ["bash", "-lc", f"echo {n}"]})
        output = json.dumps({"output": f"{n}\n" + "." * 300, "metadata": {"exit_code": n % 2}})
        payloads.append(
            {"type": "function_call", "name": "shell", "arguments": command, "call_id": f"c{n}"}
        )
        payloads.append({"type": "function_call_output", "call_id": f"c{n}", "output": output})
    body = _rollout(*payloads)
    assert len(body) > 3_000_000
    session = read_session(Fetched(body))
    assert session is not None
    calls = [c for t in session.turns for c in t.tool_calls]
    assert len(calls) == 10_000
    assert calls[9_999].actions == (ShellCommand("echo 9999", 1),)
    assert sum(c.status == "error" for c in calls) == 5_000


@pytest.mark.parametrize("name", sorted(OTHER_AGENT_SAMPLES))
def test_refuses_other_agents_samples(name: str) -> None:
    assert not CODEX.detect(SessionInput(OTHER_AGENT_SAMPLES[name]))


def test_apply_patch_run_as_a_command_with_the_envelope_as_argument() -> None:
    envelope = "*** Begin Patch\n*** Add File: it's.txt\n+it's here\n*** End Patch"
    arguments = json.dumps({"command": ["apply_patch", envelope]})
    body = _rollout(
        {"type": "function_call", "name": "shell", "arguments": arguments, "call_id": "p"}
    )
    session = read_session(Fetched(body))
    assert session is not None
    (call,) = session.turns[0].tool_calls
    assert call.actions[1] == FileWrite("it's.txt", "it's here\n")
    assert call.summary == "apply_patch it's.txt"


# --- the real rollout ---------------------------------------------------------------------------


def test_real_rollout_turns_and_meta() -> None:
    session = read_fixture("codex", REAL)
    assert session.format == "codex"
    # one prompt, written as a message item and again as a user_message event: one turn; the
    # AGENTS.md instructions Codex injects as a user message are not a turn
    assert [t.role for t in session.turns] == ["user"] + ["assistant"] * 6
    assert session.turns[0].text == "let's update the defailt context compart to 90 in env var"
    assert session.title == session.turns[0].text
    assert "AGENTS.md instructions" not in " ".join(t.text for t in session.turns)
    # its reasoning is encrypted only (no summary): no thinking, and nothing of the ciphertext
    assert all(t.thinking == "" and "gAAAA" not in t.text for t in session.turns)
    assert session.turns[-1].text.startswith("Implemented the default context compaction")
    meta = session.meta
    assert meta["session_id"] == "019e1625-789d-76c0-80ab-3724b5ddb799"
    assert meta["cwd"] == "/Users/Sample_User/repos/codemie-ai/codemie-code"
    assert meta["git_branch"] == "feat/codex-agent-plugin"
    assert meta["model"] == "gpt-5.5"  # from turn_context; the session meta names no model
    assert meta["started_at"] == "2026-05-11T08:27:17Z"
    assert meta["ended_at"] == "2026-05-11T08:44:58Z"
    assert meta["skipped_lines"] == 0


def test_real_rollout_polls_fold_into_the_command_they_poll() -> None:
    """`exec_command` left the test run going; the empty `write_stdin` polls are not calls of
    their own, and the run's output and exit code are what the polls read."""
    calls = [c for t in read_fixture("codex", REAL).turns for c in t.tool_calls]
    assert [c.name for c in calls] == [
        "update_plan", "apply_patch", "exec_command", "apply_patch", "apply_patch",
        "update_plan", "exec_command",
    ]  # fmt: skip
    test_run = (
        "npm test -- --run src/agents/plugins/__tests__/codemie-code-reasoning.test.ts"
        ' -t "Compaction Config"'
    )
    red, green = (c for c in calls if c.name == "exec_command")
    assert red.actions == (ShellCommand(test_run, 1),)  # "Process exited with code 1"
    assert red.status == "error"
    assert red.output.startswith("> @codemieai/code@0.0.51 test\n")  # no "Chunk ID" header
    assert red.output.endswith("[1/1]⎯")  # the last poll's end, where vitest says why
    assert green.actions == (ShellCommand(test_run, 0),)
    assert green.status == "ok"
    assert "Tests  1 passed | 15 skipped (16)" in green.output


def test_real_rollout_patches_and_plans() -> None:
    calls = [c for t in read_fixture("codex", REAL).turns for c in t.tool_calls]
    patched = [
        (a.path, a.operation) for c in calls if c.name == "apply_patch" for a in c.actions
        if isinstance(a, FilePatch)
    ]  # fmt: skip
    assert patched == [
        ("src/agents/plugins/__tests__/codemie-code-reasoning.test.ts", "update"),
        ("src/agents/plugins/codemie-code.plugin.ts", "update"),
        ("src/agents/plugins/opencode/opencode.plugin.ts", "update"),
    ]
    assert all(c.status == "ok" for c in calls if c.name == "apply_patch")
    second = next(
        a for c in calls if c.name == "apply_patch" for a in c.actions if isinstance(a, FilePatch)
        if a.path.endswith("codemie-code.plugin.ts")
    )  # fmt: skip
    assert "+      threshold: 0.9," in second.patch
    first_plan, last_plan = (c.actions[0] for c in calls if c.name == "update_plan")
    assert isinstance(first_plan, TodoList) and isinstance(last_plan, TodoList)
    assert [i.status for i in first_plan.items] == ["in_progress", "pending", "pending"]
    assert [i.status for i in last_plan.items] == ["completed", "completed", "in_progress"]
    assert last_plan.items[2].text == "Run focused verification"


def test_only_empty_writes_to_a_running_process_are_polls() -> None:
    """Keys sent to the process (a Ctrl-C) are an action of the agent, and a write to a process
    the rollout never started is kept as it is."""
    running = "Chunk ID: a1\nWall time: 1.0 seconds\nProcess running with session ID 7\nOutput:\n"
    body = _rollout(
        {"type": "function_call", "name": "exec_command", "call_id": "e",
         "arguments": json.dumps({"cmd": "npm run watch"})},
        {"type": "function_call_output", "call_id": "e", "output": running},
        {"type": "function_call", "name": "write_stdin", "call_id": "k",
         "arguments": json.dumps({"session_id": 7, "chars": "\u0003"})},
        {"type": "function_call_output", "call_id": "k", "output": "stopped"},
        {"type": "function_call", "name": "write_stdin", "call_id": "x",
         "arguments": json.dumps({"session_id": 99, "chars": ""})},
    )  # fmt: skip
    session = read_session(Fetched(body))
    assert session is not None
    run, keys, unknown = session.turns[0].tool_calls
    assert (run.name, run.output, run.actions) == (
        "exec_command",
        "",
        (ShellCommand("npm run watch"),),
    )
    assert (keys.name, keys.id, keys.output) == ("write_stdin", "k", "stopped")
    assert (unknown.name, unknown.id) == ("write_stdin", "x")


def test_real_desktop_rollout_prompts_are_events_only() -> None:
    """Codex Desktop's rollout keeps the prompts as `user_message` events alone."""
    session = read_fixture("codex", DESKTOP)
    assert [t.role for t in session.turns] == [
        "user", "assistant", "user", "assistant", "user", "assistant", "assistant",
    ]  # fmt: skip
    first, second, third = (t.text for t in session.turns if t.role == "user")
    assert first.startswith("\n# Files mentioned by the user:\n\n## Sample Project Demo Prep.vtt")
    assert "## My request for Codex:\nanalyze trascript and summarzie action items" in first
    assert second == (
        "there is a need for nikita to draft demo scenario around governance, budgetings,"
        " analytics\n"
    )
    assert third.startswith("use app tools to go to Analytics and Project management tabs")
    # the title is the request, not the heading of the context the app put before it
    assert session.title is not None
    assert session.title.startswith("analyze trascript and summarzie action items")
    assert session.meta["cwd"] == "/Users/Sample_User/naya"
    assert "model" not in session.meta  # no turn_context, and the session meta names none
    assert session.meta["skipped_lines"] == 0


def test_real_desktop_rollout_mcp_calls_and_a_failed_command() -> None:
    calls = [c for t in read_fixture("codex", DESKTOP).turns for c in t.tool_calls]
    assert [(c.name, c.summary) for c in calls] == [
        ("mcp__node_repl__js", "Connect browser session"),  # the call's namespace + name
        ("exec_command", 'ps -ef | rg -i "Google Chrome|chrome.*remote|codemie|codemie-ui"'),
        ("mcp__node_repl__js", "Open local Codemie UI"),
        ("mcp__node_repl__js", "Open deployed Codemie"),
    ]
    ps = calls[1]
    assert ps.actions == (ShellCommand(ps.summary, 1),)
    assert (ps.status, ps.output) == ("error", "zsh:1: operation not permitted: ps")
    # an MCP result is its content items' text, without the "Wall time" header
    assert calls[2].output.startswith(
        "Browser Use rejected this action due to browser security policy. Reason: The user has"
    )
    assert calls[0].output.startswith('{\n  "tabs": [')
