"""Artifact extraction: the code, schemas, diagrams and commands inside a source.

People paste long AI conversations to get back the things that were built in them. Three kinds
of place hold them, and each is scanned in one pass over each turn's text:

* **fenced blocks** (see `_fences` for the dialects handled): the fence's label names the
  language when there is one;
* **code that lost its fences** in the prose between them (copied chat text, plain-text
  exports): `unfenced` finds the code lines and `_langid` names their language from the text
  alone. A lone line of unfenced code is kept only when it is a command or a schema;
* **one-line commands in running text**, "run `pip install foo`" or a line "$ make test"
  (`_commands`).

Each block then gets its kind (`_classify`), title and identity key (`_titles`). Identical
content repeated across turns becomes one artifact citing every turn; different contents that
share a key ("file:app/main.py") stay separate drafts, in order of appearance, for storage to
keep as versions of one artifact.

Everything is linear in the input. The one slow step, magika's language model (~15 ms a call),
runs only for unlabelled blocks whose syntax cues are not decisive, and at most
`MAX_MODEL_CALLS` times per call, so a huge paste cannot stall the worker.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain

from contextd.domain.enums import ArtifactType
from contextd.pipeline._fences import Prose, split_segments
from contextd.pipeline.artifacts._classify import classify
from contextd.pipeline.artifacts._commands import inline_commands, names_a_program
from contextd.pipeline.artifacts._langid import identify_languages
from contextd.pipeline.artifacts._languages import FenceLabel, parse_fence_label
from contextd.pipeline.artifacts._mentions import CONTEXT_CHARS
from contextd.pipeline.artifacts._titles import name_artifact
from contextd.pipeline.artifacts.agent import extract_agent_artifacts, merge_agent_drafts
from contextd.pipeline.artifacts.unfenced import find_code_spans
from contextd.pipeline.types import ArtifactDraft, Document, Turn

MAX_MODEL_CALLS = 64
# A block is kept only if at least one line has this many non-blank characters ("}" or "ok"
# alone is noise).
_MIN_MEANINGFUL_CHARS = 3
# Unfenced code of fewer lines is kept only as a command or a schema.
_MIN_UNFENCED_CODE_LINES = 2

FENCED, UNFENCED, INLINE = "fenced", "unfenced", "inline"
# The meta keys of an artifact that did not come from a fence: unfenced code, a command in
# prose, what a coding agent did (`agent`). The store reads them (`fence_languages`).
NOT_FENCED_KEYS = (UNFENCED, INLINE, "agent")


@dataclass
class _Candidate:
    """A block found in one turn, before its language, kind and name are settled."""

    origin: str  # FENCED | UNFENCED | INLINE
    content: str
    intro: str | None
    turn_index: int | None
    label: FenceLabel | None = None
    closed: bool = True
    language: str | None = None
    # a fence's prose since the previous block (`_mentions.reach`); None for unfenced code,
    # whose language decides whether it is kept (`_keeps_unfenced`): a name must not change it
    context: str | None = None


@dataclass
class _Found:
    """An artifact being assembled; repeats of the same content add turn indexes."""

    type: ArtifactType
    title: str
    content: str
    language: str | None
    meta: dict[str, object]
    turn_indexes: list[int] = field(default_factory=list)


def extract_artifacts(
    document: Document,
    turns: Sequence[Turn],
    *,
    known_files: Mapping[str, str] | None = None,
    fence_languages: Sequence[str] = (),
) -> list[ArtifactDraft]:
    """Return the artifacts of a source, in order of first appearance.

    With turns, each turn's text is scanned and an artifact cites the turns it appears in
    (identical content in several turns becomes one artifact; the first occurrence's title
    wins). Without turns the document text is scanned and `turn_indexes` is empty.

    Turns with tool calls (a coding-agent session) add what the agent did (`agent`): the files
    it wrote as path-keyed versions, its commands and todo list; `known_files` gives the
    content of files written before these turns (fast-forward). `fence_languages` are the
    languages of the fences the source already holds (fast-forward): they weigh on the bare
    fences of these turns as the source's other fences do (`_document`).
    """
    drafts = _text_artifacts(document, turns, fence_languages)
    if not any(turn.tool_calls for turn in turns):
        return drafts
    cwd = document.meta.get("cwd")
    agent = extract_agent_artifacts(
        turns, cwd=cwd if isinstance(cwd, str) else None, known_files=known_files
    )
    return merge_agent_drafts(drafts, agent)


def _text_artifacts(
    document: Document, turns: Sequence[Turn], fence_languages: Sequence[str]
) -> list[ArtifactDraft]:
    sources: Iterator[tuple[str, int | None]] = iter([(document.text, None)])
    if turns:
        in_turns = ((turn.text, turn.index) for turn in turns)
        sources = chain([(_preamble(document.text, turns), None)], in_turns)
    line_scores: dict[str, float] = {}  # shared by all turns: chats repeat lines
    candidates = [c for text, index in sources for c in _candidates(text, index, line_scores)]
    _identify(candidates, fence_languages)
    # Keyed by content with trailing spaces and surrounding blank lines ignored: the same code
    # shown again is one artifact, stored as first written.
    found: dict[str, _Found] = {}
    # A block repeated verbatim is built once: (origin, content, language) -> key in `found`.
    built: dict[tuple[str, str, str | None], str | None] = {}
    for candidate in candidates:
        signature = (candidate.origin, candidate.content, candidate.language)
        if signature in built:
            key = built[signature]
            existing = found[key] if key is not None else None
        else:
            item = _artifact_for(candidate)
            key = _normalize(item.content) if item is not None else None
            built[signature] = key
            existing = None if item is None or key is None else found.setdefault(key, item)
        if existing is None:
            continue
        index = candidate.turn_index
        if index is not None and index not in existing.turn_indexes:
            existing.turn_indexes.append(index)
    return [
        ArtifactDraft(
            type=item.type,
            title=item.title,
            content=item.content,
            language=item.language,
            turn_indexes=tuple(sorted(item.turn_indexes)),
            meta=item.meta,
        )
        for item in found.values()
    ]


def _preamble(text: str, turns: Sequence[Turn]) -> str:
    """The text above a transcript's first turn, which no turn holds.

    A document read as a transcript because of label lines ("Constraints:", "Explanation:")
    keeps its opening problem statement there, fenced code included: it must not be lost.
    Agent sessions and exports render their turns into the text, so they have none.
    """
    if any(turn.tool_calls for turn in turns):
        return ""
    first = next((line.strip() for line in turns[0].text.split("\n") if line.strip()), None)
    if first is None:
        return ""
    lines = text.split("\n")
    for index, line in enumerate(lines):
        if first in line:
            return "\n".join(lines[:index])
    return ""


# --- finding blocks ------------------------------------------------------------------------


def _candidates(
    text: str, turn_index: int | None, line_scores: dict[str, float]
) -> Iterator[_Candidate]:
    """Every block of one text, in order: fenced, unfenced, and commands in prose."""
    intro: str | None = None
    context: str | None = None
    for segment in split_segments(text):
        if isinstance(segment, Prose):
            found, intro, context = _prose_candidates(segment.lines, turn_index, line_scores)
            yield from found
            continue
        label = parse_fence_label(segment.info)
        yield _Candidate(
            origin=FENCED,
            content=segment.content,  # byte for byte: a fence body is stored as written
            intro=intro,
            turn_index=turn_index,
            label=label,
            closed=segment.closed,
            language=label.language,
            context=context,
        )
        # a block directly after another block has no introduction of its own
        intro = context = None


def _prose_candidates(
    lines: Sequence[str], turn_index: int | None, line_scores: dict[str, float]
) -> tuple[list[_Candidate], str | None, str | None]:
    """Unfenced code and inline commands of a prose run, its last line of real prose, and
    its prose after the last unfenced block (the context of a fence that follows)."""
    found: list[_Candidate] = []
    spans = find_code_spans(lines, line_scores)
    last_prose: str | None = None
    position = 0
    for span in [*spans, None]:
        stop = span.start if span is not None else len(lines)
        for line in lines[position:stop]:
            if not line.strip():
                continue
            for command in inline_commands(line):
                found.append(
                    _Candidate(INLINE, command, line.strip(), turn_index, None, True, "bash")
                )
            last_prose = line.strip()
        if span is None:
            break
        content = _normalize(_dedent(lines[span.start : span.end]))
        found.append(_Candidate(UNFENCED, content, last_prose, turn_index))
        last_prose = None
        position = span.end
    return found, last_prose, _context(lines[position:])


def _context(lines: Sequence[str]) -> str | None:
    """The prose before a block as the mention rule reads it (its last characters)."""
    text = "\n".join(lines).strip()
    return text[-CONTEXT_CHARS:] if text else None


def _identify(candidates: Sequence[_Candidate], fence_languages: Sequence[str] = ()) -> None:
    """Name the language of every block without one, in one batch (model calls capped).

    The source's fences are one document: the languages of its labelled fences (and of the
    fences it held before, `fence_languages`) and the answers for its other bare ones weigh on
    each bare fence (`_document`); unfenced code neither gives nor takes that prior."""
    pending: dict[tuple[str, str | None, str | None], list[_Candidate]] = {}
    labelled: list[str] = list(fence_languages)
    for candidate in candidates:
        if candidate.language is None and candidate.origin != INLINE:
            key = (candidate.content, candidate.intro, candidate.context)
            pending.setdefault(key, []).append(candidate)
        elif candidate.origin == FENCED and candidate.language is not None:
            labelled.append(candidate.language)
    blocks = list(pending)
    languages = identify_languages(
        [content for content, _, _ in blocks],
        model_budget=MAX_MODEL_CALLS,
        intros=[intro for _, intro, _ in blocks],
        contexts=[context for _, _, context in blocks],
        document=[pending[block][0].origin == FENCED for block in blocks],
        labelled=labelled,
    )
    for block, language in zip(blocks, languages, strict=True):
        for candidate in pending[block]:
            candidate.language = language


# --- building artifacts --------------------------------------------------------------------


def _artifact_for(candidate: _Candidate) -> _Found | None:
    if not _is_meaningful(candidate.content):
        return None
    language = candidate.language
    classified = classify(candidate.content, language)
    if not _is_meaningful(classified.content):
        return None
    if classified.type is ArtifactType.COMMAND and language is None:
        language = "bash"  # prompted lines ("$ make") that no cue could place
    commands = "\n".join(classified.commands)
    if candidate.origin == UNFENCED and not _keeps_unfenced(
        classified.type, commands or classified.content, language
    ):
        return None
    meta: dict[str, object] = {}
    label = candidate.label
    if label is not None and label.raw:
        meta["fence_language"] = label.raw
    if not candidate.closed:
        meta["unclosed"] = True
    if candidate.origin != FENCED:
        meta[candidate.origin] = True
    if classified.session:
        meta["commands"] = list(classified.commands)  # the content keeps prompts and output
    naming = name_artifact(
        content=commands if classified.type is ArtifactType.COMMAND else classified.content,
        language=language,
        kind=classified.type,
        intro=candidate.intro,
        label_filename=label.filename if label is not None else None,
    )
    if naming.key is not None:
        meta["key"] = naming.key
    return _Found(
        type=classified.type,
        title=naming.title,
        content=classified.content,
        language=language,
        meta=meta,
    )


def _keeps_unfenced(kind: ArtifactType, content: str, language: str | None) -> bool:
    """Unfenced code is a guess; keep it only when the guess is well supported.

    A command must name a program somewhere (`width="400"` lines are not commands); code must
    have an identified language and at least `_MIN_UNFENCED_CODE_LINES` lines.
    """
    lines = [line for line in content.split("\n") if line.strip()]
    if kind is ArtifactType.COMMAND:
        return any(names_a_program(line) for line in lines if not line.lstrip().startswith("#"))
    if kind is ArtifactType.CODE:
        return language is not None and len(lines) >= _MIN_UNFENCED_CODE_LINES
    return True


def _normalize(content: str) -> str:
    """Drop trailing spaces and surrounding blank lines so repeats compare equal.

    Only unfenced code is stored this way: a fence body is stored as written, byte for byte.
    """
    lines = [line.rstrip() for line in content.split("\n")]
    start, end = 0, len(lines)
    while start < end and not lines[start]:
        start += 1
    while end > start and not lines[end - 1]:
        end -= 1
    return "\n".join(lines[start:end])


def _dedent(lines: Sequence[str]) -> str:
    """Remove the indentation all non-blank lines share (code copied from a list item)."""
    indents = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(indents, default=0)
    if cut and any(line[:cut].strip() for line in lines if line.strip()):
        cut = 0  # mixed tabs and spaces: leave as is
    return "\n".join(line[cut:] for line in lines)


def _is_meaningful(content: str) -> bool:
    return any(len(line.strip()) >= _MIN_MEANINGFUL_CHARS for line in content.split("\n"))
