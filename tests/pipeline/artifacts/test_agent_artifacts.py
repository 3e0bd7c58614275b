"""Artifacts from what a coding agent did: files as path-keyed versions, commands, todo list."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from contextd.domain.enums import ArtifactType
from contextd.pipeline.artifacts import extract_agent_artifacts, extract_artifacts, file_language
from contextd.pipeline.artifacts._patch import apply_patch
from contextd.pipeline.types import (
    Action,
    ArtifactDraft,
    Document,
    FileEdit,
    FilePatch,
    FileWrite,
    ShellCommand,
    TodoItem,
    TodoList,
    ToolCall,
    Turn,
)
from contextd.services.artifacts import known_files, save_artifacts
from contextd.store.tables import Artifact, Source
from tests.support.service import Client, Service

FENCE = "```"


def call(*actions: Action, status: str | None = "ok", name: str = "Tool") -> ToolCall:
    return ToolCall(name=name, status=status, actions=actions)


def turn(index: int, *calls: ToolCall, text: str = "") -> Turn:
    return Turn(index, "Claude", "assistant", text, tool_calls=calls)


def versions(drafts: list[ArtifactDraft], path: str) -> list[ArtifactDraft]:
    return [d for d in drafts if d.meta.get("key") == f"path:{path}"]


def contents(drafts: list[ArtifactDraft], path: str) -> list[str]:
    return [d.content for d in versions(drafts, path)]


# --- writes and edits ----------------------------------------------------------------------


def test_write_then_edit_then_multi_edit_are_versions_in_order() -> None:
    turns = [
        turn(0, call(FileWrite("src/app.py", "def a():\n    return 1\n\n\ndef b():\n    pass\n"))),
        turn(2, call(FileEdit("src/app.py", "return 1", "return 2"))),
        turn(
            4,
            call(  # a MultiEdit: several edits, one state
                FileEdit("src/app.py", "def b():", "def beta():"),
                FileEdit("src/app.py", "pass", "return 3"),
            ),
        ),
    ]
    drafts = extract_agent_artifacts(turns)
    assert contents(drafts, "src/app.py") == [
        "def a():\n    return 1\n\n\ndef b():\n    pass\n",
        "def a():\n    return 2\n\n\ndef b():\n    pass\n",
        "def a():\n    return 2\n\n\ndef beta():\n    return 3\n",
    ]
    found = versions(drafts, "src/app.py")
    assert [d.turn_indexes for d in found] == [(0,), (2,), (4,)]
    assert {(d.title, d.language, d.type) for d in found} == {
        ("src/app.py", "python", ArtifactType.CODE)
    }
    assert not any(d.meta.get("partial") for d in found)


def test_replace_all_replaces_every_occurrence_and_a_plain_edit_only_the_first() -> None:
    drafts = extract_agent_artifacts(
        [
            turn(0, call(FileWrite("a.txt", "x x x\n"))),
            turn(1, call(FileEdit("a.txt", "x", "y"))),
            turn(2, call(FileEdit("a.txt", "x", "z", replace_all=True))),
        ]
    )
    assert contents(drafts, "a.txt") == ["x x x\n", "y x x\n", "y z z\n"]


def test_an_edit_to_an_unknown_file_is_kept_as_the_edit_never_invented() -> None:
    drafts = extract_agent_artifacts(
        [
            turn(1, call(FileEdit("lib/util.py", "old_name()", "new_name()"))),
            turn(2, call(FileEdit("lib/util.py", "a = 1", "a = 2"))),
            turn(3, call(FileWrite("lib/util.py", "a = 3\n"))),
            turn(4, call(FileEdit("lib/util.py", "a = 3", "a = 4"))),
        ]
    )
    found = versions(drafts, "lib/util.py")
    assert [d.meta.get("partial", False) for d in found] == [True, True, False, False]
    first = found[0]
    assert first.language == "diff" and first.title == "lib/util.py"
    assert "-old_name()" in first.content and "+new_name()" in first.content
    assert "a/lib/util.py" in first.content
    assert "old_name" not in found[1].content  # each partial version is its own edit only
    assert [d.content for d in found[2:]] == ["a = 3\n", "a = 4\n"]
    assert found[3].language == "python"


def test_an_edit_whose_text_is_not_in_the_known_content_makes_the_file_unknown() -> None:
    drafts = extract_agent_artifacts(
        [
            turn(0, call(FileWrite("m.go", "package m\n"))),
            turn(1, call(FileEdit("m.go", "package main", "package app"))),
            turn(2, call(FileEdit("m.go", "package m", "package n"))),
        ]
    )
    found = versions(drafts, "m.go")
    assert [d.meta.get("partial", False) for d in found] == [False, True, True]
    assert found[1].language == "diff" and "+package app" in found[1].content


def test_a_failed_call_changed_nothing() -> None:
    drafts = extract_agent_artifacts(
        [
            turn(0, call(FileWrite("a.py", "v = 1\n"))),
            turn(1, call(FileEdit("a.py", "v = 1", "v = 2"), status="error")),
            turn(2, call(FileEdit("a.py", "v = 1", "v = 3"))),
        ]
    )
    assert contents(drafts, "a.py") == ["v = 1\n", "v = 3\n"]


def test_an_edit_with_nothing_to_find_creates_the_file() -> None:
    drafts = extract_agent_artifacts([turn(0, call(FileEdit("new.md", "", "# Title\n")))])
    [only] = versions(drafts, "new.md")
    assert only.content == "# Title\n" and not only.meta.get("partial")


def test_a_return_to_an_earlier_content_is_a_new_version() -> None:
    drafts = extract_agent_artifacts(
        [
            turn(0, call(FileWrite("a.py", "A\n"))),
            turn(1, call(FileEdit("a.py", "A", "B"))),
            turn(2, call(FileEdit("a.py", "B", "A"))),
        ]
    )
    assert contents(drafts, "a.py") == ["A\n", "B\n", "A\n"]


def test_paths_are_relative_to_the_working_directory() -> None:
    drafts = extract_agent_artifacts(
        [turn(0, call(FileWrite("/home/dev/proj/src/main.rs", "fn main() {}\n")))],
        cwd="/home/dev/proj",
    )
    [only] = drafts
    assert only.title == "src/main.rs" and only.meta["key"] == "path:src/main.rs"
    assert only.meta["path"] == "src/main.rs" and only.language == "rust"


# --- patches -------------------------------------------------------------------------------

BASE = "import os\n\n\ndef main():\n    print('hello')\n    return 0\n"

UNIFIED = """--- a/tool.py
+++ b/tool.py
@@ -3,4 +3,5 @@
 
 def main():
-    print('hello')
+    print('hello, world')
+    print(os.getcwd())
     return 0
"""

CODEX = """*** Begin Patch
*** Update File: tool.py
@@ def main():
-    print('hello')
+    print('bye')
*** End Patch
"""


PATCHED = "import os\n\n\ndef main():\n    print('hello, world')\n    print(os.getcwd())\n"


@pytest.mark.parametrize(
    ("patch", "expected"),
    [(UNIFIED, PATCHED + "    return 0\n"), (CODEX, BASE.replace("hello", "bye"))],
    ids=["unified", "codex"],
)
def test_a_patch_is_applied_to_the_known_content(patch: str, expected: str) -> None:
    drafts = extract_agent_artifacts(
        [turn(0, call(FileWrite("tool.py", BASE))), turn(1, call(FilePatch("tool.py", patch)))]
    )
    assert contents(drafts, "tool.py") == [BASE, expected]
    assert versions(drafts, "tool.py")[1].language == "python"


def test_a_patch_that_does_not_apply_is_kept_as_a_diff() -> None:
    patch = "@@ -1,2 +1,2 @@\n import sys\n-x = 1\n+x = 2\n"
    drafts = extract_agent_artifacts(
        [
            turn(0, call(FileWrite("tool.py", BASE))),
            turn(1, call(FilePatch("tool.py", patch))),
            turn(2, call(FilePatch("tool.py", CODEX))),  # the base is now unknown
        ]
    )
    found = versions(drafts, "tool.py")
    assert [d.meta.get("partial", False) for d in found] == [False, True, True]
    assert found[1].content == patch and found[1].language == "diff"
    assert found[2].content == CODEX


def test_the_hunk_applier_is_strict_and_applies_hunks_in_order() -> None:
    text = "a\nb\nc\nd\ne\n"
    two_hunks = "@@ -1,2 +1,2 @@\n-a\n+A\n b\n@@ -4,2 +4,3 @@\n d\n-e\n+E\n+f\n"
    assert apply_patch(text, two_hunks) == "A\nb\nc\nd\nE\nf\n"
    # stated line numbers off: the context is still found further on
    assert apply_patch(text, "@@ -1,2 +1,2 @@\n c\n-d\n+D\n") == "a\nb\nc\nD\ne\n"
    assert apply_patch(text, "@@ -1,2 +1,2 @@\n x\n-d\n+D\n") is None  # context differs
    assert apply_patch(text, "@@\n+z\n*** End of File\n") == "a\nb\nc\nd\ne\nz\n"
    assert apply_patch(text, "this is not a patch") is None


def test_add_gives_the_content_and_delete_ends_the_lineage() -> None:
    add = "*** Begin Patch\n*** Add File: web/index.html\n+<!doctype html>\n+<p>hi</p>\n"
    drafts = extract_agent_artifacts(
        [
            turn(0, call(FilePatch("web/index.html", add, operation="add"))),
            turn(1, call(FilePatch("web/index.html", "", operation="delete"))),
            turn(2, call(FilePatch("web/index.html", "<p>back</p>\n", operation="add"))),
            turn(3, call(FilePatch("gone.py", "*** Delete File: gone.py", operation="delete"))),
        ]
    )
    found = versions(drafts, "web/index.html")
    assert [d.content for d in found] == ["<!doctype html>\n<p>hi</p>\n", "", "<p>back</p>\n"]
    assert found[0].language == "html"
    assert found[1].meta["deleted"] is True and found[1].title == "web/index.html (deleted)"
    [gone] = versions(drafts, "gone.py")
    assert gone.meta["deleted"] is True and gone.content == ""


def test_a_unified_diff_creating_a_file_gives_its_content() -> None:
    patch = "--- /dev/null\n+++ b/notes.md\n@@ -0,0 +1,2 @@\n+# Notes\n+first\n"
    [only] = extract_agent_artifacts([turn(0, call(FilePatch("notes.md", patch)))])
    assert only.content == "# Notes\nfirst\n" and only.language == "markdown"
    assert not only.meta.get("partial")


# --- kinds and languages -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "language"),
    [
        ("Dockerfile", "dockerfile"),
        ("deploy/Dockerfile.prod", "dockerfile"),
        ("Makefile", "makefile"),
        ("CMakeLists.txt", "cmake"),
        ("src/lib.rs", "rust"),
        ("ui/App.tsx", "tsx"),
        ("ui/App.vue", "vue"),
        ("main.go", "go"),
        ("Main.java", "java"),
        ("app.kt", "kotlin"),
        ("x.hs", "haskell"),
        ("run.sh", "bash"),
        ("conf/app.yml", "yaml"),
        ("pyproject.toml", "toml"),
        ("schema.prisma", "prisma"),
        ("api.proto", "protobuf"),
        ("q.graphql", "graphql"),
        ("main.tf", "terraform"),
        ("style.scss", "scss"),
        ("README.md", "markdown"),
    ],
)
def test_the_language_comes_from_the_file_name(path: str, language: str) -> None:
    assert file_language(path, "whatever") == language


def test_without_a_known_extension_the_content_names_the_language() -> None:
    script = "#!/usr/bin/env python3\nimport os\n\n\ndef main():\n    print(os.getcwd())\n"
    [only] = extract_agent_artifacts([turn(0, call(FileWrite("bin/tool", script)))])
    assert only.language == "python"


def test_schemas_and_diagrams_keep_their_kind_and_scripts_stay_files() -> None:
    ddl = "CREATE TABLE users (\n  id integer PRIMARY KEY\n);\n"
    chart = "graph TD\n  A --> B\n"
    script = "pip install -r requirements.txt\n"
    drafts = extract_agent_artifacts(
        [
            turn(
                0,
                call(FileWrite("db/schema.sql", ddl)),
                call(FileWrite("docs/flow.mmd", chart)),
                call(FileWrite("setup.sh", script)),
            )
        ]
    )
    assert [(d.title, d.type, d.content) for d in drafts] == [
        ("db/schema.sql", ArtifactType.SCHEMA, ddl),
        ("docs/flow.mmd", ArtifactType.DIAGRAM, chart),
        ("setup.sh", ArtifactType.CODE, script),
    ]


# --- commands and the todo list ------------------------------------------------------------


def test_commands_are_kept_verbatim_with_exit_codes_and_read_only_noise_left_out() -> None:
    odd = "python -c 'print(1)'  \t&& echo done  "  # kept byte for byte, spaces included
    drafts = extract_agent_artifacts(
        [
            turn(1, call(ShellCommand("pytest -q", exit_code=1), name="Bash")),
            turn(2, call(ShellCommand("ls -la"), ShellCommand("cd src && cat a.py | head"))),
            turn(3, call(ShellCommand("git status"), ShellCommand(odd, exit_code=0))),
            turn(5, call(ShellCommand("pytest -q", exit_code=0))),
            turn(6, call(ShellCommand("ls > files.txt"), status="error")),
        ]
    )
    commands = [d for d in drafts if d.type is ArtifactType.COMMAND]
    assert [(c.content, c.turn_indexes, c.meta.get("exit_code")) for c in commands] == [
        ("pytest -q", (1, 5), 0),
        (odd, (3,), 0),
        ("ls > files.txt", (6,), None),
    ]
    assert commands[0].meta["runs"] == 2 and commands[0].language == "bash"
    assert commands[2].meta["status"] == "error"


def test_the_todo_list_is_kept_in_its_last_state() -> None:
    first = TodoList((TodoItem("Write the parser", "in_progress"), TodoItem("Test it", "pending")))
    last = TodoList(
        (
            TodoItem("Write the parser", "completed"),
            TodoItem("Test it", "in_progress"),
            TodoItem("Document it", "pending"),
        )
    )
    drafts = extract_agent_artifacts([turn(0, call(first)), turn(3, call(last))])
    [todo] = drafts
    assert todo.content == (
        "- [x] Write the parser\n- [ ] Test it _(in progress)_\n- [ ] Document it"
    )
    assert todo.turn_indexes == (3,) and todo.meta["key"] == "todo"
    assert (todo.meta["open"], todo.meta["done"]) == (2, 1)
    assert todo.language == "markdown" and todo.type is ArtifactType.CODE


# --- through the stage ---------------------------------------------------------------------


def test_code_shown_in_the_text_and_written_by_a_tool_is_one_artifact() -> None:
    code = "def add(a, b):\n    return a + b\n"
    turns = [
        Turn(0, "User", "user", "Write an add function."),
        turn(1, call(FileWrite("/w/calc.py", code)), text="Creating it."),
        Turn(2, "Claude", "assistant", f"Done:\n\n{FENCE}python\n{code}{FENCE}\n"),
    ]
    document = Document(text="", format="claude-code", meta={"cwd": "/w"})
    drafts = extract_artifacts(document, turns)
    assert [(d.title, d.content, d.turn_indexes) for d in drafts] == [("calc.py", code, (1, 2))]


def test_known_files_continue_a_lineage_on_fast_forward() -> None:
    new_turns = [turn(7, call(FileEdit("src/app.py", "return 1", "return 2")))]
    drafts = extract_artifacts(
        Document(text="", format="claude-code"),
        new_turns,
        known_files={"src/app.py": "def f():\n    return 1\n"},
    )
    [only] = drafts
    assert only.content == "def f():\n    return 2\n" and not only.meta.get("partial")
    assert only.turn_indexes == (7,)


# --- stored: a path-keyed lineage is one artifact with versions 1..n -----------------------


def _stored_versions(service: Service, source_id: str, key: str) -> list[Artifact]:
    with service.runtime.db.session() as session:
        return list(
            session.scalars(
                select(Artifact)
                .where(Artifact.source_id == source_id, Artifact.lineage_key == key)
                .order_by(Artifact.version)
            )
        )


def _save(service: Service, source_id: str, drafts: list[ArtifactDraft], *, append: bool) -> None:
    with service.runtime.db.session() as session:
        source = session.get(Source, source_id)
        assert source is not None
        source.revision += 1
        save_artifacts(session, source, drafts, update_existing=True, append=append)


def test_stored_file_versions_form_one_lineage_and_continue_on_fast_forward(
    client: Client, service: Service
) -> None:
    space = client.space()
    sid = str(client.source(space["id"], {"type": "CONTENT", "initial_data": {"data": "x"}})["id"])
    client.wait(sid)
    document = Document(text="", format="claude-code", meta={"cwd": "/w"})
    first = [
        turn(0, call(FileWrite("/w/app.py", "A = 1\n"))),
        turn(1, call(FileEdit("/w/app.py", "A = 1", "A = 2"))),
        turn(2, call(FileEdit("/w/app.py", "A = 2", "A = 1"))),  # back to the first content
    ]
    _save(service, sid, extract_artifacts(document, first), append=False)
    rows = _stored_versions(service, sid, "path:app.py")
    assert [(r.content, r.version, r.is_current) for r in rows] == [
        ("A = 1\n", 1, False), ("A = 2\n", 2, False), ("A = 1\n", 3, True)
    ]  # fmt: skip
    assert [r.previous_version_id for r in rows] == [None, rows[0].id, rows[1].id]

    # Fast-forward: the new turns edit the file written earlier; its stored content is the base.
    with service.runtime.db.read_session() as session:
        files = known_files(session, sid)
    assert files == {"app.py": "A = 1\n"}
    more = [turn(3, call(FileEdit("/w/app.py", "A = 1", "A = 1\nB = 2")))]
    _save(service, sid, extract_artifacts(document, more, known_files=files), append=True)
    rows = _stored_versions(service, sid, "path:app.py")
    assert [(r.content, r.version, r.is_current) for r in rows][-1] == ("A = 1\nB = 2\n", 4, True)

    listed = client.get(f"/v1/artifacts/{rows[0].id}/versions").json()["versions"]
    assert [v["version"] for v in listed] == [1, 2, 3, 4]
    assert listed[-1]["is_current"] and listed[-1]["title"] == "app.py"
    assert listed[-1]["language"] == "python"


def test_codex_hunks_find_their_place_through_nested_context_lines() -> None:
    method = "    def run(self):\n        return 1\n"
    text = f"class A:\n{method}\n\nclass B:\n{method}"
    hunk = "-        return 1\n+        return 2\n"
    patch = f"*** Update File: m.py\n@@ class B:\n@@ def run(self):\n{hunk}"
    assert apply_patch(text, patch) == text[: text.rindex("1")] + "2\n"
    assert apply_patch(text, f"@@ class C:\n{hunk}") is None


def test_windows_paths_are_shown_with_slashes_relative_to_the_working_directory() -> None:
    [only] = extract_agent_artifacts(
        [turn(0, call(FileWrite("C:\\dev\\proj\\src\\App.cs", "class App {}\n")))],
        cwd="C:\\dev\\proj",
    )
    assert only.title == "src/App.cs" and only.language == "csharp"
