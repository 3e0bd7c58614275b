"""Cline and Roo Code task histories (`api_conversation_history.json`)."""

from __future__ import annotations

import json

import pytest

from contextd.pipeline.ingest.conversations import detect_export
from contextd.pipeline.ingest.sessions import SessionInput, read_session
from contextd.pipeline.ingest.sessions._calls import CUT_MARK, OUTPUT_LIMIT
from contextd.pipeline.ingest.sessions._cline import READER
from contextd.pipeline.types import FileEdit, FileWrite, ShellCommand, TodoList
from tests.support.session_inputs import (
    PLAIN_TRANSCRIPT,
    chatgpt_export,
    fetched,
    fixture_bytes,
)

NATIVE = fixture_bytes("cline", "api_conversation_history.json")
XML = fixture_bytes("cline", "api_conversation_history.xml-tools.json")
ROO = fixture_bytes("cline", "roo_api_conversation_history.json")


def test_native_tool_calls_with_results_actions_and_meta() -> None:
    session = read_session(fetched(NATIVE, "application/json"))
    assert session is not None and session.format == "cline"
    assert (
        session.title
        == 'Add a /health endpoint to the Flask app that returns {"status": "ok"}, with a test.'
    )
    assert session.meta == {
        "agent": "cline",
        "model": "claude-sonnet-4-5",
        "cwd": "/home/dev/inventory",
        "started_at": "2025-03-14T09:02:11+00:00",
        "ended_at": "2025-03-14T09:03:19+00:00",
    }
    turns = session.turns
    # The environment details never reach a turn's text.
    assert not any("environment_details" in t.text or "Visual Studio Code" in t.text for t in turns)
    calls = [c for t in turns for c in t.tool_calls]
    assert [(c.name, c.status) for c in calls] == [
        ("read_file", "ok"),
        ("replace_in_file", "ok"),
        ("write_to_file", "ok"),
        ("execute_command", "ok"),
        ("execute_command", "error"),
        ("attempt_completion", None),
    ]
    read, edit, write, run, denied, done = calls
    assert read.summary == "app.py" and read.output.startswith("1 | from flask import Flask")
    (change, progress) = edit.actions
    assert change == FileEdit(
        "/home/dev/inventory/app.py",
        '@app.route("/items")\ndef items():\n    return {"items": []}',
        '@app.route("/items")\ndef items():\n    return {"items": []}\n\n\n'
        '@app.route("/health")\ndef health():\n    return {"status": "ok"}',
    )
    assert isinstance(progress, TodoList)
    assert [(i.text, i.status) for i in progress.items] == [
        ("Read app.py", "completed"),
        ("Add /health route", "completed"),
        ("Run the tests", "pending"),
    ]
    (file,) = write.actions
    assert isinstance(file, FileWrite) and file.path.endswith("tests/test_health.py")
    assert "def test_health():" in file.content
    assert run.actions == (ShellCommand("python -m pytest -q"),)
    assert "ModuleNotFoundError" in run.output
    assert denied.output.startswith("The user denied this operation.")
    # The user's feedback on the denied command is their turn; the completion is the reply.
    assert turns[-2].role == "user"
    assert turns[-2].text == "Add a conftest.py instead of changing the command."
    assert turns[-1].text.startswith("Added GET /health")
    (final_todos,) = done.actions
    assert isinstance(final_todos, TodoList)
    assert all(i.status == "completed" for i in final_todos.items)


def test_xml_tools_in_text_thinking_and_failed_edit() -> None:
    session = read_session(fetched(XML))
    assert session is not None and session.format == "cline"
    assert session.meta["cwd"] == "/Users/dev/site"
    assert [t.role for t in session.turns] == [
        "user",
        "assistant",
        "assistant",
        "assistant",
        "assistant",
    ]
    first = session.turns[1]
    assert first.text == ""  # nothing but thinking and the tool call
    assert first.thinking == "The helper is defined in utils.js; a replace_in_file edit is enough."
    (edit,) = first.tool_calls
    assert edit.status == "error"
    assert "does not match anything in the file" in edit.output
    assert edit.actions == (
        FileEdit("utils.js", "function greet(name) {", "function welcome(name) {"),
    )
    (write,) = session.turns[2].tool_calls
    assert write.status == "ok"
    assert write.actions == (
        FileWrite("utils.js", "export const welcome = (name) => `Hello, ${name}!`;"),
    )
    (run,) = session.turns[3].tool_calls
    assert run.actions == (ShellCommand("npm test"),) and "# pass 3" in run.output
    assert session.turns[4].text == "greet() is now welcome(), and the tests pass."
    assert all("<" not in t.text for t in session.turns)


def test_roo_code_is_told_apart_and_its_tools_are_read() -> None:
    session = read_session(fetched(ROO))
    assert session is not None
    assert session.meta["agent"] == "roo-code"
    assert session.meta["cwd"] == "/work/api"
    assert session.meta["model"] == "anthropic/claude-sonnet-4"
    todo_turn, diff_turn = session.turns[1], session.turns[2]
    assert todo_turn.speaker == "Roo Code"
    (todos,) = todo_turn.tool_calls[0].actions
    assert isinstance(todos, TodoList)
    assert [i.status for i in todos.items] == ["completed", "in_progress", "pending"]
    (edit,) = diff_turn.tool_calls[0].actions
    assert edit == FileEdit(
        "src/config.ts",
        "export const TIMEOUT_MS = 30_000;",
        "export const TIMEOUT_MS = Number(process.env.TIMEOUT_MS ?? 30_000);",
    )


def test_long_outputs_are_cut_and_counted() -> None:
    history = json.loads(NATIVE)
    history[2]["content"][0]["text"] = "[read_file for 'app.py'] Result:\n" + "x" * 10_000
    session = read_session(fetched(json.dumps(history).encode()))
    assert session is not None
    read = session.turns[1].tool_calls[0]
    assert len(read.output) == OUTPUT_LIMIT + len(CUT_MARK) and read.output_cut == 8000


def test_a_plain_message_list_stays_with_the_export_reader() -> None:
    messages = [
        {"role": "user", "content": [{"type": "text", "text": "Hello"}]},
        {
            "role": "assistant",
            "content": [{"type": "tool_use", "id": "1", "name": "x", "input": {}}],
        },
    ]
    content = json.dumps(messages).encode()
    assert not READER.detect(SessionInput(fetched(content)))
    assert read_session(fetched(content)) is None
    assert detect_export(messages) is not None


@pytest.mark.parametrize(
    "content",
    [PLAIN_TRANSCRIPT, chatgpt_export(), fixture_bytes("aider", ".aider.chat.history.md"), b"[]"],
    ids=["plain-transcript", "chatgpt", "aider", "empty-list"],
)
def test_other_formats_are_refused(content: bytes) -> None:
    assert not READER.detect(SessionInput(fetched(content)))


def test_malformed_messages_are_skipped_and_counted() -> None:
    history = json.loads(XML)
    history[1:1] = ["not a message", {"role": "system", "content": "x"}]
    history.append({"role": "assistant", "content": 42})
    history.append(
        {"role": "user", "content": [{"type": "text", "text": "[read_file] Result:\nx"}]}
    )
    session = read_session(fetched(json.dumps(history).encode()))
    assert session is not None
    assert session.meta["skipped_lines"] == 2
    assert len(session.turns) == 5


def test_a_late_result_goes_to_its_call_not_to_the_users_turn() -> None:
    history = json.loads(XML)[:2]  # the task, then the replace_in_file call
    history.append(
        {"role": "user", "content": [{"type": "text", "text": "<feedback>wait</feedback>"}]}
    )
    history.append(
        {
            "role": "user",
            "content": [{"type": "text", "text": "[replace_in_file for 'utils.js'] Result:\nok"}],
        }
    )
    session = read_session(fetched(json.dumps(history).encode()))
    assert session is not None
    assert [t.role for t in session.turns] == ["user", "assistant", "user"]
    assert session.turns[2].tool_calls == ()
    (edit,) = session.turns[1].tool_calls
    assert (edit.status, edit.output) == ("ok", "ok")


def test_cline_notices_are_dropped_and_the_users_words_in_them_kept() -> None:
    """As real histories have them: an answer to a question, a task resumed with a message."""
    history = json.loads(NATIVE)[:2]
    history[1]["content"][1] = {
        "type": "tool_use",
        "id": "tooluse_ask",
        "name": "ask_followup_question",
        "input": {"question": "Proceed to phase 2?", "options": '["Yes", "No"]'},
    }
    history += [
        {
            "role": "user",
            "content": [
                {
                    "type": "text",
                    "text": "[ask_followup_question for 'Proceed to phase 2?'] Result:\n"
                    "<answer>\nApproved - proceed\n</answer>",
                }
            ],
        },
        {
            "role": "user",
            "content": [
                {
                    "type": "text",
                    "text": "[TASK RESUMPTION] This task was interrupted 3 days ago. The "
                    "current working directory is now '/home/dev/inventory'.\n\n"
                    "New instructions for task continuation:\n<user_message>\n"
                    "Skip the tests for now\n</user_message>",
                },
                {
                    "type": "text",
                    "text": "[ERROR] You did not use a tool in your previous response!",
                },
                {
                    "type": "text",
                    "text": "\n# task_progress RECOMMENDED\n\nWhen starting a new task",
                },
            ],
        },
    ]
    session = read_session(fetched(json.dumps(history).encode()))
    assert session is not None
    assert [(t.role, t.text) for t in session.turns[1:]] == [
        (
            "assistant",
            "I'll read the app first to see how routes are declared.\n\nProceed to phase 2?",
        ),
        ("user", "Approved - proceed"),
        ("user", "Skip the tests for now"),
    ]
