"""Aider's `.aider.chat.history.md`, read from a real history (Aider's own test fixture)."""

from __future__ import annotations

import pytest

from contextd.pipeline.ingest.sessions import SessionInput, read_session
from contextd.pipeline.ingest.sessions._aider import READER
from contextd.pipeline.ingest.sessions._calls import CUT_MARK, OUTPUT_LIMIT
from contextd.pipeline.types import FileEdit, FileWrite, ShellCommand
from tests.support.session_inputs import (
    MARKDOWN_NOTES,
    PLAIN_TRANSCRIPT,
    chatgpt_export,
    fetched,
    fixture_bytes,
)

HISTORY = fixture_bytes("aider", ".aider.chat.history.md")


def test_real_history_is_read_as_aider_with_its_runs_and_model() -> None:
    session = read_session(fetched(HISTORY, "text/markdown"))
    assert session is not None
    assert session.format == "aider"
    assert session.title == "Use the Spinner instead of the inlined custom spinner"
    assert session.meta["agent"] == "aider"
    assert session.meta["model"] == "claude-3-5-sonnet-20240620"
    assert session.meta["started_at"] == "2024-08-05T19:33:32+00:00"
    assert session.meta["ended_at"] == "2024-08-09T16:51:14+00:00"
    assert [t.index for t in session.turns] == list(range(len(session.turns)))
    users = [t.text for t in session.turns if t.role == "user"]
    assert users[:4] == [
        "Use the Spinner instead of the inlined custom spinner",
        "/diff",
        "/ex",
        "/clear",
    ]
    # Aider's own messages ("> ...") are not turns: no turn text starts with a quote marker.
    assert not any(t.text.startswith(">") for t in session.turns)


def test_search_replace_block_becomes_an_edit_applied_by_aider() -> None:
    session = read_session(fetched(HISTORY))
    assert session is not None
    reply = session.turns[1]
    assert reply.role == "assistant" and reply.speaker == "Aider"
    assert "<<<<<<< SEARCH" in reply.text  # the reply is kept as written
    (call,) = reply.tool_calls
    assert (call.name, call.summary, call.status) == ("edit", "aider/utils.py", "ok")
    (edit,) = call.actions
    assert isinstance(edit, FileEdit)
    assert edit.path == "aider/utils.py"
    assert edit.old.startswith("def run_install(cmd):")
    assert 'spinner = itertools.cycle(["⠋"' in edit.old
    assert 'spinner = Spinner("Installing...")' in edit.new
    assert "spinner = itertools.cycle" not in edit.new


def test_empty_search_creates_a_file_and_an_interrupted_block_is_no_edit() -> None:
    session = read_session(fetched(HISTORY))
    assert session is not None
    reply = next(t for t in session.turns if "We'll create a new test file" in t.text)
    # The reply also starts an edit of tests/basic/test_main.py, cut off by ^C: no action.
    (call,) = reply.tool_calls
    assert call.name == "write" and call.status is None
    (write,) = call.actions
    assert isinstance(write, FileWrite)
    assert write.path == "tests/test_map_tokens.py"
    assert write.content.startswith("import os\n")
    assert "def test_map_tokens_zero():" in write.content


def test_run_command_keeps_its_output_bounded() -> None:
    session = read_session(fetched(HISTORY))
    assert session is not None
    run = next(t for t in session.turns if t.text.startswith("/run "))
    (call,) = run.tool_calls
    assert call.actions == (
        ShellCommand("pytest tests/basic/test_commands.py -k test_cmd_read_with_external_file"),
    )
    assert call.output.startswith("=====")
    assert call.output_cut > 0  # the pytest log is longer than what a turn keeps
    assert "Add the output to the chat?" not in call.output
    assert len(call.output) <= OUTPUT_LIMIT + len(CUT_MARK)
    assert "1 failed, 31 deselected" in call.output  # the end of a run is kept: it says what failed
    fix = session.turns[run.index + 1]
    assert fix.role == "assistant"
    assert [(c.summary, c.status) for c in fix.tool_calls] == [("aider/commands.py", "ok")]


def test_thinking_is_kept_apart_and_proposed_commands_are_recorded() -> None:
    text = (
        "# aider chat started at 2025-03-01 10:00:00\n\n"
        "> Main model: deepseek/deepseek-reasoner with diff edit format  \n\n"
        "#### make the tests pass  \n\n"
        "--------------\n► **THINKING**\n\nThe tests fail on import.\n\n"
        "------------\n► **ANSWER**\n\nRun the tests:\n\n```bash\npytest -q\n```\n\n"
        "> Run shell command? (Y)es/(N)o [Yes]: y  \n> Running pytest -q  \n"
    )
    session = read_session(fetched(text.encode()))
    assert session is not None
    reply = session.turns[1]
    assert reply.thinking == "The tests fail on import."
    assert "THINKING" not in reply.text and reply.text.startswith("Run the tests:")
    assert [c.actions for c in reply.tool_calls] == [(ShellCommand("pytest -q"),)]
    assert session.meta["model"] == "deepseek/deepseek-reasoner"


@pytest.mark.parametrize(
    "content",
    [
        PLAIN_TRANSCRIPT,
        MARKDOWN_NOTES,
        chatgpt_export(),
        b"Some notes\n\n# aider chat started at 2024-08-05 19:33:32\n\n#### hi\n",
        b"# aider chat started yesterday\n\n#### hi\n",
    ],
    ids=["plain-transcript", "markdown", "chatgpt", "header-not-first", "bad-date"],
)
def test_other_texts_are_not_taken_for_a_history(content: bytes) -> None:
    assert not READER.detect(SessionInput(fetched(content, "text/markdown")))


@pytest.mark.parametrize(
    "content",
    [
        b"# aider chat started at 2024-08-05 19:33:32\n",
        b"# aider chat started at 2024-08-05 19:33:32\n\n#### fix\n\nfoo.py\n<<<<<<< SEARCH\nx\n",
        b"# aider chat started at 2024-08-05 19:33:32\n\n\xff\xfe\x00garbage\n>>>>>>> REPLACE\n",
    ],
    ids=["header-only", "unclosed-block", "binary-junk"],
)
def test_malformed_histories_are_read_without_failing(content: bytes) -> None:
    session = read_session(fetched(content))
    assert session is not None and session.format == "aider"
    assert all(not call.actions for turn in session.turns for call in turn.tool_calls)


def test_a_block_aider_could_not_apply_is_an_error_with_aiders_report() -> None:
    text = (
        "# aider chat started at 2024-08-06 09:00:00\n\n"
        "#### rename x to y  \n\n"
        "a.py\n```python\n<<<<<<< SEARCH\nx = 1\n=======\ny = 1\n>>>>>>> REPLACE\n```\n\n"
        "b.py\n```python\n<<<<<<< SEARCH\nprint(x)\n=======\nprint(y)\n>>>>>>> REPLACE\n```\n\n"
        "> Tokens: 5,244 sent, 604 received.  \n"
        "> # 1 SEARCH/REPLACE block failed to match!  \n>   \n"
        "> ## SearchReplaceNoExactMatch: This SEARCH block failed to exactly match lines"
        " in b.py  \n"
        "> <<<<<<< SEARCH  \n> print(x)  \n> =======  \n> print(y)  \n> >>>>>>> REPLACE  \n>   \n"
        "> # The other 1 SEARCH/REPLACE block were applied successfully.  \n"
    )
    session = read_session(fetched(text.encode()))
    assert session is not None
    first, second = session.turns[1].tool_calls
    assert first.summary == "a.py" and first.status == "ok"  # "the other block" was applied
    assert second.summary == "b.py" and second.status == "error"
    assert second.output.startswith("# 1 SEARCH/REPLACE block failed to match!")
