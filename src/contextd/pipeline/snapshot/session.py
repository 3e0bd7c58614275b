"""The snapshot of a coding-agent session: what someone resuming the work needs first.

A session's turns carry tool calls (files written and edited, commands run, todo lists), which
say more about where the work stands than the prose around them. So when the turns carry tool
calls, `builtin.build_snapshot` hands over to this module, which writes the same format
(`format.py`: header, bullets citing turns, fitting) with the sections of a hand-over note:

* **Goal**: the first user prompt, then later user turns that change direction;
* **Current state**: the last assistant conclusions and the last command's result;
* **Files touched**: one line per path (created / edited N times / deleted, the last edit's
  gist when short);
* **Commands**: failures with their error line, paired with the run that passed after a fix;
* **Decisions and constraints** and **Next steps**: the cue machinery of `_cues` on what the
  user and the assistant said;
* **Open todo items**: the pending and in-progress items of the last todo list.

Thinking is never read, nor tool outputs beyond a command's error or result line. The lines are
chosen by a fixed priority (goal, open todos, current state, fixed failures, files...) rather
than by the builtin engine's scores: a resumer needs those first, whatever the wording.

**Fast-forward**: `_session_update.update_session` merges the previous snapshot's bullets with
the new turns' lines, section by section.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from contextd.pipeline.snapshot import format as fmt
from contextd.pipeline.snapshot._cues import DECISIONS, FACTS, NEXT, QUESTIONS, judge
from contextd.pipeline.snapshot._selection import Candidate
from contextd.pipeline.snapshot._sentences import split_sentences
from contextd.pipeline.tokens import count_tokens
from contextd.pipeline.types import (
    ArtifactDraft,
    Document,
    FileEdit,
    FilePatch,
    FileWrite,
    ShellCommand,
    SnapshotDraft,
    TodoList,
    Turn,
)

GOAL = "Goal"
STATE = "Current state"
FILES = "Files touched"
COMMANDS = "Commands"
CHOICES = "Decisions and constraints"
TODOS = "Open todo items"
SESSION_SECTIONS: tuple[str, ...] = (GOAL, STATE, FILES, COMMANDS, CHOICES, TODOS, NEXT)
"""The sections of a session snapshot, in the order they are shown."""

ENGINE = "builtin"
MAX_GOAL_CHARS = 300
MAX_LINE_CHARS = 200
MAX_ERROR_CHARS = 90
MAX_GIST_CHARS = 50
MAX_FILES = 30
MAX_COMMANDS = 8
MAX_CHOICES = 8
MAX_NEXT = 3
MAX_STATE_SENTENCES = 3
MAX_REFS = 3
_MIN_STATE_WORDS = 4  # "You're welcome!" says nothing about the work
_NEXT_FROM = 0.75  # next steps are looked for in the last quarter of the turns
_DECISION_FLOOR = 1.7  # a "Constraints and facts" judgement this high had a constraint cue

# What a bullet must never show: ids, signatures, JSON.
_UUID_RE = re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I)
_JUNK_RE = re.compile(r"\b[A-Za-z0-9+/=_-]{60,}")  # signatures, tokens, base64
_JSON_KEY_RE = re.compile(r'"[\w-]+"\s*:')
_MAX_JSON_KEYS = 2  # '{"status": "ok"}' is prose about JSON; more keys make a dump
_REDIRECT_RE = re.compile(
    r"\b(instead|actually|rather|change|switch|stop|don't|do not|forget|never mind|"
    r"let's|also|now|no longer|undo|revert|use)\b",
    re.I,
)
_ERROR_RE = re.compile(
    r"(\w*(Error|Exception)\b|\bFAILED\b|\bfailed\b|\bfatal\b|\berror\b|No such file|"
    r"not found|denied|Traceback)",
    re.I,
)
_FAILED_OUTPUT_RE = re.compile(r"^E\s|\b\w+(Error|Exception):|\b\d+ (failed|errors?)\b", re.M)
_EXIT_RE = re.compile(r"^(Exit code:? -?\d+|Command executed\.|Output:)\s*$", re.I)
_RUNNER_RE = re.compile(
    r"^(?:\w+=\S*\s+)*(?:sudo\s+)?(?:(?:uv|poetry|pdm|pipenv|hatch)\s+run\s+|npx\s+|bunx\s+)?"
    r"(?:python[\d.]*\s+-m\s+)?(\S+)"
)
_LOOKING = frozenset(
    [
        "ls",
        "cat",
        "head",
        "tail",
        "grep",
        "rg",
        "find",
        "pwd",
        "echo",
        "wc",
        "sed",
        "tree",
        "which",
        "file",
        "stat",
    ]
)
_NOT_A_PROMPT_RE = re.compile(  # what agents store as user turns but the user did not write
    r"^\s*(?:<|\[|Caveat: The messages below|This session is being continued)"
)


def is_session(turns: Sequence[Turn]) -> bool:
    """Whether these turns are a coding agent's: some carry tool calls."""
    return any(turn.tool_calls for turn in turns)


def is_session_snapshot(markdown: str) -> bool:
    """Whether a stored snapshot has the sections only a session snapshot has."""
    return any(f"\n## {name}\n" in markdown for name in (FILES, COMMANDS, TODOS, CHOICES))


@dataclass
class Line:
    """One bullet: its section, text and cited turns, and its rank (lower survives longer)."""

    section: str
    text: str
    refs: tuple[int, ...]
    rank: tuple[float, int]
    path: str = ""  # Files touched: the path the line is about

    def render(self) -> str:
        return fmt.bullet(self.text, self.refs[-MAX_REFS:] or (0,), "t")


# --- building ------------------------------------------------------------------------------


def build_session_snapshot(
    turns: Sequence[Turn],
    document: Document,
    artifacts: Sequence[ArtifactDraft],
    *,
    budget: int,
    tokens_before: int,
    header: str,
    fill: Sequence[Candidate] = (),
) -> SnapshotDraft:
    """The snapshot of a coding-agent session within `budget` (see the module's docstring).

    The hand-over sections come first; `fill`, the general engine's best sentences of the
    conversation, takes the budget they leave (a session's facts are also in what the user and
    the agent said: measured on real sessions, the sections alone used under half the budget
    and kept fewer of the named things than random turns did).
    """
    lines = session_lines(turns, document)
    return assemble(lines + fill_lines(fill, lines), artifacts, header, budget, tokens_before)


_FILL_SECTION = {
    GOAL: GOAL,  # the same names as the general engine's sections
    STATE: STATE,
    DECISIONS: CHOICES,
    FACTS: CHOICES,
    QUESTIONS: NEXT,
    NEXT: NEXT,
}
_FILL_RANK = 7  # after every hand-over line


def fill_lines(pool: Sequence[Candidate], taken: Sequence[Line]) -> list[Line]:
    """The general engine's candidates as lines ranked after the hand-over ones, best first;
    bookkeeping and what a hand-over line already says are left out."""
    said = {line.text for line in taken}
    lines: list[Line] = []
    for k, candidate in enumerate(sorted(pool, key=lambda c: (-c.score, c.order))):
        text = clean(candidate.text)
        if not text or any(text in other or other in text for other in said):
            continue  # a hand-over line (or a better candidate) already says it
        said.add(text)
        section = _FILL_SECTION.get(candidate.section, STATE)
        refs = tuple(sorted({candidate.cite, *candidate.citations}))
        lines.append(Line(section, text, refs, (_FILL_RANK, k)))
    return lines


def session_lines(
    turns: Sequence[Turn], document: Document, *, continued: bool = False
) -> list[Line]:
    """Every candidate line of the snapshot, each with its rank."""
    cwd = str(document.meta.get("cwd") or "")
    lines = _goal_lines(turns, continued)
    lines += _state_lines(turns, cwd)
    lines += _file_lines(turns, cwd)
    lines += _command_lines(turns, cwd)
    used = {line.text for line in lines}
    lines += _cue_lines(turns, used)
    lines += _todo_lines(turns)
    return lines


def assemble(
    lines: list[Line],
    artifacts: Sequence[ArtifactDraft],
    header: str,
    budget: int,
    tokens_before: int,
) -> SnapshotDraft:
    """Choose by rank within the budget, render in section order, fit to the real count."""
    others = [a for a in artifacts if not a.meta.get("agent")]  # files are in "Files touched"
    frame = fmt.frame(
        header,
        fmt.artifact_lines(others, "t"),
        prefix="t",
        budget=budget,
        tokens_before=tokens_before,
    )
    if frame is None:
        return fmt.header_only(header, tokens_before, budget, ENGINE)
    kept: list[Line] = []
    used = 0
    opened: set[str] = set()
    for line in sorted(lines, key=lambda ln: ln.rank):
        cost = count_tokens(line.render() + "\n")
        cost += fmt.section_cost(line.section) if line.section not in opened else 0
        if used + cost <= frame.room:
            used += cost
            kept.append(line)
            opened.add(line.section)
    listed = list(frame.listed)

    def render() -> str:
        sections: dict[str, list[Line]] = {}
        for line in kept:
            sections.setdefault(line.section, []).append(line)
        shown = {
            name: [ln.render() for ln in sorted(items, key=_shown_order)]
            for name, items in sections.items()
        }
        return fmt.render(frame.header, shown, listed, order=SESSION_SECTIONS)

    def shed(excess: int) -> bool:
        if kept:
            kept.remove(max(kept, key=lambda ln: ln.rank))
            return True
        if listed:
            listed.pop(0)
            return True
        return False

    markdown = fmt.fit(render, shed, budget)
    cited = fmt.cited_turns((ref for line in kept for ref in line.refs[-MAX_REFS:]), listed)
    return fmt.draft(markdown, tokens_before, budget, cited, ENGINE)


def _shown_order(line: Line) -> tuple[int, float, int]:
    """Within a section, lines are shown in the order of the turns they cite."""
    return (min(line.refs, default=0), line.rank[0], line.rank[1])


# --- text ----------------------------------------------------------------------------------


def clean(text: str, limit: int = MAX_LINE_CHARS) -> str:
    """One line of plain text, at most `limit` characters; "" when it is bookkeeping."""
    text = " ".join(text.replace("```", " ").split())
    if not text or _UUID_RE.search(text) or _JUNK_RE.search(text):
        return ""
    if len(_JSON_KEY_RE.findall(text)) > _MAX_JSON_KEYS:
        return ""
    if len(text) > limit:
        cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[:limit] else text[: limit - 1]
        text = cut.rstrip(" ,;:") + "…"
    return text


def _sentences(text: str) -> list[str]:
    return [s.text for s in split_sentences(text) if not s.heading]


def _relative(path: str, cwd: str) -> str:
    shown = path.replace("\\", "/") if "\\" in path and "/" not in path else path
    base = cwd.rstrip("/\\").replace("\\", "/") if "\\" in cwd and "/" not in cwd else cwd
    base = base.rstrip("/")
    if base and shown.startswith(base + "/"):
        shown = shown[len(base) + 1 :]
    return shown or path


# --- the sections --------------------------------------------------------------------------


def _goal_lines(turns: Sequence[Turn], continued: bool) -> list[Line]:
    """The first prompt (unless continuing), then the user turns that redirect the work."""
    lines: list[Line] = []
    first = not continued
    for turn in turns:
        if turn.role != "user" or not turn.text.strip() or _NOT_A_PROMPT_RE.match(turn.text):
            continue
        if first:
            text = clean(turn.text, MAX_GOAL_CHARS)
            if text:
                lines.append(Line(GOAL, text, (turn.index,), (0, turn.index)))
                first = False
            continue
        if _REDIRECT_RE.search(turn.text):
            text = clean(turn.text, MAX_LINE_CHARS)
            if text:
                lines.append(Line(GOAL, text, (turn.index,), (2.5, -turn.index)))
    return lines


def _state_lines(turns: Sequence[Turn], cwd: str) -> list[Line]:
    """The last assistant conclusions, and the last command's result."""
    lines: list[Line] = []
    for turn in reversed(turns):
        if turn.role == "assistant" and turn.text.strip():
            said = [clean(s) for s in _sentences(turn.text)]
            said = [s for s in said if len(s.split()) >= _MIN_STATE_WORDS][-MAX_STATE_SENTENCES:]
            for k, text in enumerate(said):  # the last sentence is the conclusion
                lines.append(Line(STATE, text, (turn.index,), (2, len(said) - k)))
            if said:
                break
    done = runs(turns, cwd)
    doing = [run for run in done if run.key not in _LOOKING]  # "ls" says little of the state
    for run in (doing or done)[-1:]:
        verdict = "failed" if run.failed else "passed"
        result = f" ({run.result})" if run.result else ""
        text = clean(f"Last command: `{run.shown}` {verdict}{result}")
        if text:
            lines.append(Line(STATE, text, (run.turn,), (2, MAX_STATE_SENTENCES + 1)))
    return lines


@dataclass
class FileChanges:
    path: str
    created: bool = False
    rewrites: int = 0
    edits: int = 0
    deleted: bool = False
    gist: str = ""
    turns: list[int] = field(default_factory=list)

    def describe(self) -> str:
        parts: list[str] = []
        if self.created:
            parts.append("created")
        if self.rewrites:
            parts.append("rewritten" if self.rewrites == 1 else f"rewritten {self.rewrites} times")
        if self.edits:
            parts.append("edited once" if self.edits == 1 else f"edited {self.edits} times")
        if self.deleted:
            parts.append("deleted")
        what = ", ".join(parts) or "changed"
        gist = f" (last: `{self.gist}`)" if self.gist and not self.deleted else ""
        return f"`{self.path}`: {what}{gist}"


def _gist(old: str, new: str) -> str:
    """The first line the change adds, when it is short: "def divide(a, b):"."""
    before = {line.strip() for line in old.splitlines()}
    for line in new.splitlines():
        stripped = line.strip()
        if stripped and stripped not in before:
            text = clean(stripped, MAX_GIST_CHARS + 10).replace("`", "'")
            return text if len(text) <= MAX_GIST_CHARS else ""
    return ""


def _patch_gist(patch: str) -> str:
    added = [line[1:] for line in patch.splitlines() if line.startswith("+") and line[1:2] != "+"]
    removed = [line[1:] for line in patch.splitlines() if line.startswith("-")]
    return _gist("\n".join(removed), "\n".join(added))


def touched(turns: Sequence[Turn], cwd: str) -> dict[str, FileChanges]:
    files: dict[str, FileChanges] = {}
    for turn in turns:
        for call in turn.tool_calls:
            if call.status == "error":
                continue  # a refused or failed write changed nothing
            patched: set[str] = set()
            for action in call.actions:
                if not isinstance(action, (FileWrite, FileEdit, FilePatch)):
                    continue
                path = _relative(action.path, cwd)
                if isinstance(action, FileWrite) and path in patched:
                    continue  # a patch tool's resulting content, not a second change
                patched.add(path)
                known = path in files
                entry = files.setdefault(path, FileChanges(path))
                files[path] = files.pop(path)  # most recently touched last
                if not entry.turns or entry.turns[-1] != turn.index:
                    entry.turns.append(turn.index)
                if isinstance(action, FileWrite):
                    if known and not entry.deleted:
                        entry.rewrites += 1
                    else:
                        entry.created, entry.deleted = True, False
                    entry.gist = ""
                elif isinstance(action, FileEdit):
                    entry.edits += 1
                    entry.gist = _gist(action.old, action.new)
                elif action.operation == "delete":
                    entry.deleted = True
                elif action.operation == "add":
                    entry.created, entry.deleted, entry.gist = True, False, ""
                else:
                    entry.edits += 1
                    entry.gist = _patch_gist(action.patch)
    return files


def _file_lines(turns: Sequence[Turn], cwd: str) -> list[Line]:
    files = list(touched(turns, cwd).values())[-MAX_FILES:]
    total = len(files)
    return [
        Line(FILES, entry.describe(), tuple(entry.turns), (4, total - k), entry.path)
        for k, entry in enumerate(files)
    ]


@dataclass(frozen=True)
class Run:
    command: str
    shown: str
    turn: int
    failed: bool
    result: str  # the error line of a failure, the last output line of a success

    @property
    def key(self) -> str:
        match = _RUNNER_RE.match(self.command.strip())
        return match.group(1).rsplit("/", 1)[-1] if match else self.command


def runs(turns: Sequence[Turn], cwd: str) -> list[Run]:
    runs: list[Run] = []
    for turn in turns:
        for call in turn.tool_calls:
            for action in call.actions:
                if not isinstance(action, ShellCommand) or not action.command.strip():
                    continue
                failed = call.status == "error" or (action.exit_code or 0) != 0
                if action.exit_code is None and call.status != "error":
                    failed = _FAILED_OUTPUT_RE.search(call.output) is not None
                shown = clean(action.command, 80).replace("`", "'")
                if shown:
                    result = _result(call.output, failed, cwd)
                    runs.append(Run(action.command, shown, turn.index, failed, result))
    return runs


def _result(output: str, failed: bool, cwd: str) -> str:
    """A failure's error line or a success's last line, paths shown relative to the session."""
    if cwd.rstrip("/"):
        output = output.replace(cwd.rstrip("/") + "/", "")
    lines = [
        ln.strip() for ln in output.splitlines() if ln.strip() and not _EXIT_RE.match(ln.strip())
    ]
    if not lines:
        return ""
    picked = lines[-1]
    if failed:
        picked = next((ln for ln in lines if _ERROR_RE.search(ln)), lines[0])
    picked = re.sub(r"^E\s+", "", picked)
    return clean(picked, MAX_ERROR_CHARS).replace("`", "'")


def _command_lines(turns: Sequence[Turn], cwd: str) -> list[Line]:
    """Failures with their error, each paired with the later run of the same tool that passed."""
    lines: list[Line] = []
    edits = edited(turns, cwd)
    open_failures: dict[str, Run] = {}
    for run in runs(turns, cwd):
        if run.failed:
            open_failures.setdefault(run.key, run)
            continue
        failure = open_failures.pop(run.key, None)
        if failure is None:
            continue
        lines.append(passed_line(failure, run, edits))
    for failure in open_failures.values():
        error = f" ({failure.result})" if failure.result else ""
        text = clean(f"`{failure.shown}` failed{error}; not passed since", 2 * MAX_LINE_CHARS)
        lines.append(Line(COMMANDS, text, (failure.turn,), (3, -failure.turn)))
    lines = [line for line in lines if line.text]
    lines.sort(key=lambda line: line.rank)
    return lines[:MAX_COMMANDS]


def edited(turns: Sequence[Turn], cwd: str) -> list[tuple[int, str]]:
    """(turn, path) for every file change."""
    return [(turn, path) for path, entry in touched(turns, cwd).items() for turn in entry.turns]


def passed_line(failure: Run, run: Run, edits: Sequence[tuple[int, str]]) -> Line:
    """ "`cmd` failed (error); passed [as `other`] [after editing x.py]", citing both runs."""
    error = f" ({failure.result})" if failure.result else ""
    how = "" if run.command.strip() == failure.command.strip() else f" as `{run.shown}`"
    fixed = sorted({p for t, p in edits if failure.turn < t <= run.turn})
    after = f" after editing {', '.join(fixed[:3])}" if fixed else ""
    text = clean(f"`{failure.shown}` failed{error}; passed{how}{after}", 2 * MAX_LINE_CHARS)
    return Line(COMMANDS, text, (failure.turn, run.turn), (3, -run.turn))


def _cue_lines(turns: Sequence[Turn], used: set[str]) -> list[Line]:
    """Decisions, constraints and next steps, as the conversation snapshot's cues find them."""
    choices: list[tuple[float, Line]] = []
    upcoming: list[Line] = []
    last = max(1, len(turns) - 1)
    for ordinal, turn in enumerate(turns):
        if turn.role not in ("user", "assistant"):
            continue
        position = ordinal / last
        for sentence in _sentences(turn.text):
            judged = judge(
                sentence, role=turn.role, position=position, early=False, unanswered=False
            )
            if judged is None:
                continue
            text = clean(sentence)
            if not text or any(text in seen for seen in used):
                continue
            if judged.section == DECISIONS or (
                judged.section == FACTS and judged.score >= _DECISION_FLOOR
            ):
                choices.append((judged.score, Line(CHOICES, text, (turn.index,), (5, 0))))
            elif judged.section == NEXT and position >= _NEXT_FROM:
                upcoming.append(Line(NEXT, text, (turn.index,), (6, -turn.index)))
    best = sorted(choices, key=lambda pair: -pair[0])[:MAX_CHOICES]
    result = []
    for k, (_, line) in enumerate(best):
        line.rank = (5, k)
        result.append(line)
    return result + upcoming[-MAX_NEXT:]


def _todo_lines(turns: Sequence[Turn]) -> list[Line]:
    """The pending and in-progress items of the last todo list."""
    for turn in reversed(turns):
        for call in reversed(turn.tool_calls):
            todos = [a for a in call.actions if isinstance(a, TodoList)]
            if not todos:
                continue
            lines = []
            for k, item in enumerate(todos[-1].items):
                if item.status == "completed":
                    continue
                mark = "in progress: " if item.status == "in_progress" else ""
                text = clean(mark + item.text)
                if text:
                    lines.append(Line(TODOS, text, (turn.index,), (1, k)))
            return lines
    return []
