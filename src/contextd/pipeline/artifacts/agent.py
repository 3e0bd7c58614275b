"""Artifacts from what a coding agent did: the files it wrote, the commands it ran, its todo list.

A coding-agent session holds the agent's work as tool calls, which the readers normalize into
actions (`pipeline.types`: `FileWrite`, `FileEdit`, `FilePatch`, `ShellCommand`, `TodoList`).
Those are better evidence than any fenced block: the file's path is known, and so is every
state it went through. So:

* **Files** become one lineage per path (`meta["key"] = "path:<path>"`, the path made relative
  to the session's working directory), one draft per state in turn order: a tool call's actions
  on one file give one version (a `MultiEdit` is one state). A write sets the content; an edit
  or a patch is applied to the previous known content of the file. When that content is unknown
  (the file predates the session) or the edit does not match it, the version is the edit itself
  as a diff (`language="diff"`, `meta["partial"] = True`) and the file's content stays unknown
  until the next whole write: content is never invented. A deleted file gets a last, empty
  version titled "<path> (deleted)" with `meta["deleted"] = True`, so the lineage's current
  version says the file is gone. Calls whose result is an error changed nothing and are skipped.
  On fast-forward, `known_files` (the stored current contents per path) lets edits in the new
  turns apply to files written in earlier ones.
* **Commands** become COMMAND artifacts, verbatim, one per distinct command: running the same
  command again adds its turn (and updates `meta["exit_code"]` to the last known one,
  `meta["runs"]` counts the runs) rather than making versions of identical text. Read-only
  inspection (`ls`, `cat`, `pwd`, `git status`...) is left out: it is what the agent looked at,
  not something to run again, and it stays visible in the turns.
* **The todo list** is kept in its last state as one Markdown checklist (CODE, `markdown`,
  key "todo"), the closest existing artifact type.

`merge_agent_drafts` then drops the text-extracted drafts that repeat an agent artifact's
content (the assistant showing the code it just wrote), adding their turns to it.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from contextd.domain.enums import ArtifactType
from contextd.pipeline.artifacts._classify import classify
from contextd.pipeline.artifacts._langid import identify_language
from contextd.pipeline.artifacts._languages import language_for_filename
from contextd.pipeline.artifacts._patch import added_content, apply_patch, creates_file, parse_hunks
from contextd.pipeline.types import (
    ArtifactDraft,
    FileEdit,
    FilePatch,
    FileWrite,
    ShellCommand,
    TodoList,
    Turn,
)

PATH_KEY_PREFIX = "path:"
TODO_KEY = "todo"

# Extensions and file names the shared table (`_languages`) does not know; agents write real
# paths, so these cannot be confused with words in prose.
_MORE_EXTENSIONS: dict[str, str] = {
    "cxx": "cpp",
    "hh": "cpp",
    "hxx": "cpp",
    "m": "objective-c",
    "mm": "objective-c",
    "pl": "perl",
    "pm": "perl",
    "hs": "haskell",
    "jl": "julia",
    "clj": "clojure",
    "cljs": "clojure",
    "ml": "ocaml",
    "erl": "erlang",
    "sol": "solidity",
    "zig": "zig",
    "nim": "nim",
    "nix": "nix",
    "groovy": "groovy",
    "bat": "batch",
    "cmd": "batch",
    "psm1": "powershell",
    "fish": "fish",
    "svg": "xml",
    "sass": "scss",
    "tex": "latex",
    "j2": "jinja",
    "jinja": "jinja",
    "hbs": "handlebars",
    "diff": "diff",
    "patch": "diff",
    "ipynb": "json",
    "jsonl": "json",
    "rst": "rst",
    "vb": "vbnet",
    "fs": "fsharp",
    "cmake": "cmake",
    "tfvars": "terraform",
    "http": "http",
    "d2": "d2",
    "gv": "dot",
    "avsc": "avro",
}
_MORE_NAMES: dict[str, str] = {
    "cmakelists.txt": "cmake",
    "gnumakefile": "makefile",
    "justfile": "makefile",
    "rakefile": "ruby",
    "podfile": "ruby",
    "brewfile": "ruby",
    "build": "python",  # Bazel/Starlark
    "build.bazel": "python",
    "workspace": "python",
    "go.mod": "go",
    "go.sum": "text",
    ".bashrc": "bash",
    ".zshrc": "bash",
    ".profile": "bash",
    ".editorconfig": "ini",
    ".gitattributes": "text",
    ".npmrc": "ini",
}

# Programs whose plain use only shows something (see the module docstring).
_READ_ONLY = frozenset(
    {
        *("ls", "ll", "la", "pwd", "cat", "head", "tail", "wc", "cd", "which", "whereis"),
        *("tree", "file", "stat", "less", "more", "whoami", "date", "grep", "rg", "echo"),
        *("type", "realpath", "basename", "dirname"),
    }
)
_GIT_READ_ONLY = frozenset({"status", "diff", "log", "show", "branch", "remote", "rev-parse"})
_WRITES_RE = re.compile(r">|\$\(|`|\btee\b")
_SPLIT_RE = re.compile(r"&&|\|\||;|\||\n")
_ENV_RE = re.compile(r"^[A-Za-z_]\w*=")


def file_language(path: str, content: str | None = None) -> str | None:
    """The language of a file: from its name or extension first, then from its content."""
    base = PurePosixPath(path.replace("\\", "/")).name.lower()
    language = _MORE_NAMES.get(base) or language_for_filename(base)
    if language is None and "." in base.lstrip("."):
        language = _MORE_EXTENSIONS.get(base.rsplit(".", 1)[1])
    if language is None and content and content.strip():
        language = identify_language(content)
    return language


def display_path(path: str, cwd: str | None) -> str:
    """The path relative to the session's working directory when it lies inside it."""
    windows = "\\" in path and "/" not in path  # C:\proj\app.py is shown as C:/proj/app.py
    shown = path.replace("\\", "/") if windows else path
    if cwd:
        root = (cwd.replace("\\", "/") if windows else cwd).rstrip("/")
        if shown.startswith(root + "/"):
            shown = shown[len(root) + 1 :]
    while shown.startswith("./"):
        shown = shown[2:]
    return shown or path


def is_read_only(command: str) -> bool:
    """True for inspection only (`ls -la`, `cd src && cat a.py | head`, `git status`)."""
    if _WRITES_RE.search(command):
        return False
    for part in _SPLIT_RE.split(command):
        tokens = part.split()
        while tokens and _ENV_RE.match(tokens[0]):
            tokens = tokens[1:]
        if not tokens:
            continue
        program = tokens[0]
        if program == "git":
            if len(tokens) < 2 or tokens[1] not in _GIT_READ_ONLY:
                return False
        elif program not in _READ_ONLY:
            return False
    return True


# --- files ---------------------------------------------------------------------------------


@dataclass
class _Change:
    """What one tool call did to one file: the resulting content (None: unknown)."""

    content: str | None
    pieces: list[str] = field(default_factory=list)  # the edits as diffs, when not applied
    deleted: bool = False


def _edit_diff(path: str, old: str, new: str) -> str:
    before, after = old.splitlines(keepends=True), new.splitlines(keepends=True)
    context = max(len(before), len(after))
    lines = difflib.unified_diff(before, after, f"a/{path}", f"b/{path}", n=context)
    text = "".join(line if line.endswith("\n") else line + "\n" for line in lines)
    return text or f"--- a/{path}\n+++ b/{path}\n"


def _apply_edit(change: _Change, path: str, edit: FileEdit) -> None:
    content = change.content
    if content is None and edit.old == "":
        change.content = edit.new  # an edit with nothing to find creates the file
        return
    if content is not None and edit.old and edit.old in content:
        count = -1 if edit.replace_all else 1
        change.content = content.replace(edit.old, edit.new, count)
        return
    change.content = None
    change.pieces.append(_edit_diff(path, edit.old, edit.new))


def _apply_file_patch(change: _Change, patch: FilePatch) -> None:
    if patch.operation == "delete":
        change.content, change.deleted, change.pieces = None, True, []
        return
    change.deleted = False
    if patch.operation == "add":
        added = added_content(patch.patch)
        change.content = added if added is not None else patch.patch
        change.pieces = []
        return
    base = change.content
    if base is None and creates_file(parse_hunks(patch.patch) or []):
        base = ""
    applied = apply_patch(base, patch.patch) if base is not None else None
    if applied is None:
        change.content = None
        change.pieces.append(patch.patch if patch.patch.endswith("\n") else patch.patch + "\n")
    else:
        change.content = applied


def _file_draft(
    path: str, change: _Change, turn: int, languages: dict[str, str | None]
) -> ArtifactDraft:
    meta: dict[str, object] = {"key": f"{PATH_KEY_PREFIX}{path}", "path": path, "agent": True}
    if change.deleted:
        meta["deleted"] = True
        return ArtifactDraft(ArtifactType.CODE, f"{path} (deleted)", "", None, (turn,), meta)
    if change.content is None:
        meta["partial"] = True
        content = "".join(change.pieces)
        return ArtifactDraft(ArtifactType.CODE, path, content, "diff", (turn,), meta)
    if path not in languages or languages[path] is None:
        languages[path] = file_language(path, change.content)
    language = languages[path]
    kind = classify(change.content, language).type
    if kind is ArtifactType.COMMAND:
        kind = ArtifactType.CODE  # a shell script file stays a file, content untouched
    return ArtifactDraft(kind, path, change.content, language, (turn,), meta)


# --- commands and todo list ----------------------------------------------------------------


@dataclass
class _Command:
    turns: list[int] = field(default_factory=list)
    runs: int = 0
    exit_code: int | None = None
    status: str | None = None


def _todo_markdown(todo: TodoList) -> str:
    marks = {"completed": "- [x] ", "in_progress": "- [ ] "}
    lines = []
    for item in todo.items:
        text = " ".join(item.text.split())
        suffix = " _(in progress)_" if item.status == "in_progress" else ""
        lines.append(f"{marks.get(item.status, '- [ ] ')}{text}{suffix}")
    return "\n".join(lines)


def _todo_draft(todo: TodoList, turn: int) -> ArtifactDraft:
    done = sum(1 for item in todo.items if item.status == "completed")
    meta: dict[str, object] = {
        "key": TODO_KEY,
        "agent": True,
        "todo": True,
        "open": len(todo.items) - done,
        "done": done,
    }
    return ArtifactDraft(
        ArtifactType.CODE, "Todo list", _todo_markdown(todo), "markdown", (turn,), meta
    )


# --- the stage -----------------------------------------------------------------------------


def extract_agent_artifacts(
    turns: Sequence[Turn],
    *,
    cwd: str | None = None,
    known_files: Mapping[str, str] | None = None,
) -> list[ArtifactDraft]:
    """The artifacts of the turns' tool calls, in order (see the module docstring).

    `known_files` maps a path (as `display_path` gives it) to its content before these turns.
    """
    files: dict[str, str | None] = dict(known_files or {})
    languages: dict[str, str | None] = {}
    drafts: list[ArtifactDraft] = []
    commands: dict[str, _Command] = {}
    todo: tuple[TodoList, int] | None = None
    for turn in turns:
        for call in turn.tool_calls:
            changes: dict[str, _Change] = {}
            for action in call.actions:
                if isinstance(action, ShellCommand):
                    _record_command(commands, action, call.status, turn.index)
                    continue
                if call.status == "error":
                    continue  # a failed write, edit or plan update changed nothing
                if isinstance(action, TodoList):
                    todo = (action, turn.index)
                    continue
                path = display_path(action.path, cwd)
                change = changes.get(path)
                if change is None:
                    change = changes[path] = _Change(files.get(path))
                if isinstance(action, FileWrite):
                    change.content, change.pieces, change.deleted = action.content, [], False
                elif isinstance(action, FileEdit):
                    _apply_edit(change, path, action)
                elif isinstance(action, FilePatch):
                    _apply_file_patch(change, action)
            for path, change in changes.items():
                files[path] = change.content
                drafts.append(_file_draft(path, change, turn.index, languages))
    for command, seen in commands.items():
        meta: dict[str, object] = {"agent": True, "runs": seen.runs}
        if seen.exit_code is not None:
            meta["exit_code"] = seen.exit_code
        if seen.status is not None:
            meta["status"] = seen.status
        title, turns_of = _command_title(command), tuple(sorted(seen.turns))
        drafts.append(ArtifactDraft(ArtifactType.COMMAND, title, command, "bash", turns_of, meta))
    if todo is not None and todo[0].items:
        drafts.append(_todo_draft(*todo))
    return drafts


def _record_command(
    commands: dict[str, _Command], action: ShellCommand, status: str | None, turn: int
) -> None:
    command = action.command
    if not command.strip() or is_read_only(command):
        return
    seen = commands.setdefault(command, _Command())
    seen.runs += 1
    if turn not in seen.turns:
        seen.turns.append(turn)
    if action.exit_code is not None:
        seen.exit_code = action.exit_code
    if status is not None:
        seen.status = status


def _command_title(command: str) -> str:
    first = command.strip().split("\n", 1)[0].strip()
    return first if len(first) <= 80 else first[:79] + "…"


def merge_agent_drafts(
    text_drafts: Sequence[ArtifactDraft], agent_drafts: Sequence[ArtifactDraft]
) -> list[ArtifactDraft]:
    """Text-extracted drafts, minus those repeating an agent artifact, then the agent's.

    A fenced block equal to a state of a file the agent wrote (or to a command it ran), but
    for trailing spaces and surrounding blank lines, is the same thing shown twice: it is
    dropped and its turns are added to the agent's draft.
    """
    agent = list(agent_drafts)
    by_content: dict[str, int] = {}
    for position, draft in enumerate(agent):
        if draft.content and not draft.meta.get("partial"):
            by_content.setdefault(_normalized(draft.content), position)
    kept: list[ArtifactDraft] = []
    for draft in text_drafts:
        position_found = by_content.get(_normalized(draft.content))
        if position_found is None:
            kept.append(draft)
            continue
        same = agent[position_found]
        turns = tuple(sorted({*same.turn_indexes, *draft.turn_indexes}))
        agent[position_found] = ArtifactDraft(
            same.type, same.title, same.content, same.language, turns, same.meta
        )
    return kept + agent


def _normalized(content: str) -> str:
    return "\n".join(line.rstrip() for line in content.strip("\n").split("\n")).strip("\n")
