"""The snapshot format, written once for every engine: the budget rule, the Markdown, the fitting.

A snapshot is the same document whichever engine chose its lines (`builtin.py` quotes the source,
`llm/` asks a model): a `# Context snapshot: title` header, the sections of `_cues.SECTIONS` in
that fixed order (a coding-agent session's: `session.SESSION_SECTIONS`), empty ones left out,
one bullet per line ending with the turns ("t12") or paragraphs ("p3") it comes from, then an
`## Artifacts` list built from the extracted artifacts, never from the engine. Stored snapshots
are parsed back by `builtin.update_snapshot`, and users compare snapshots made by both engines,
so the rules below must not drift apart between them.

The budget is a hard ceiling on the real token count (`tokens_after <= budget` always): each
engine sums per-line costs while choosing, then `fit` renders, counts the whole and lets the
engine drop lines until it fits, since joining lines can shift the count by a token or two. What
to drop first is the engine's call: the builtin engine drops its least worthy lines, the LLM
engine the last bullets of the least important sections.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from contextd.domain.enums import ArtifactType
from contextd.pipeline.snapshot._cues import SECTIONS
from contextd.pipeline.tokens import TOKENIZER_NAME, count_tokens, truncate_to_tokens
from contextd.pipeline.toolcalls import conversation
from contextd.pipeline.types import ArtifactDraft, Document, SnapshotDraft, Turn

MIN_BUDGET = 200
MAX_ARTIFACTS = 30  # listed in the snapshot
ARTIFACT_SHARE = 0.25  # at most this share of the budget goes to the artifact list
ARTIFACTS = "Artifacts"
MAX_ARTIFACT_CITATIONS = 3
_MAX_TITLE_CHARS = 100


class SnapshotBuilder(Protocol):
    """The shape of `build_snapshot`, for the fallback engine."""

    def __call__(
        self,
        turns: Sequence[Turn],
        document: Document,
        artifacts: Sequence[ArtifactDraft],
        /,
        *,
        budget_tokens: int | None = ...,
        ratio: float = ...,
    ) -> SnapshotDraft: ...


# --- the budget ----------------------------------------------------------------------------


def check_options(ratio: float, budget_tokens: int | None) -> None:
    """Raise ValueError for a non-positive ratio or a negative budget, before any work."""
    if not ratio > 0:
        raise ValueError("ratio must be positive")
    if budget_tokens is not None and budget_tokens < 0:
        raise ValueError("budget_tokens must not be negative")


def source_tokens(turns: Sequence[Turn], document: Document) -> int:
    """The source's size, the one figure budgets, ratios and `tokens_before` (and the source's
    token count) come from: for a conversation, what was said (`toolcalls.conversation`: the
    turns' texts and their tool calls' one-line summaries, blank-line joined; never thinking,
    tool outputs or the file's own envelope, so a 5 MB agent-session JSONL whose conversation
    is 40k tokens counts 40k); for anything else, the document's text."""
    if not turns:
        return count_tokens(document.text)
    return count_tokens(conversation(turns))


def added_tokens(new_turns: Sequence[Turn]) -> int:
    """What turns appended to a conversation add to `source_tokens` (joined as it joins them:
    within a token of a recount, as the joint may merge into one token)."""
    return count_tokens("\n\n" + conversation(new_turns)) if new_turns else 0


def token_budget(tokens_before: int, budget_tokens: int | None, ratio: float) -> int:
    """`budget_tokens` if given (and not 0), else `tokens_before / ratio` but at least
    `MIN_BUDGET`; either way never more than `tokens_before`."""
    wanted = budget_tokens or max(MIN_BUDGET, math.floor(tokens_before / ratio))
    return min(wanted, tokens_before)


# --- the Markdown --------------------------------------------------------------------------


def snapshot_title(document: Document, conversation: bool) -> str:
    """The snapshot's heading, shared by every engine so a source keeps one name."""
    title = " ".join((document.title or "").split())
    if not title:
        return "Untitled conversation" if conversation else "Untitled document"
    if len(title) > _MAX_TITLE_CHARS:
        title = title[: _MAX_TITLE_CHARS - 1].rstrip() + "…"
    return title


def header_line(title: str) -> str:
    return f"# Context snapshot: {title}"


def bullet(text: str, refs: Iterable[int], prefix: str) -> str:
    """One line: "- text [t3, t12]", references sorted, `prefix` "t" (turns) or "p" (paragraphs)."""
    return f"- {text} [{', '.join(f'{prefix}{ref}' for ref in sorted(refs))}]"


def section_block(name: str, lines: Sequence[str]) -> str:
    return f"\n## {name}\n" + "".join(line + "\n" for line in lines)


def section_cost(name: str) -> int:
    """The tokens a section's heading adds."""
    return count_tokens(f"\n## {name}\n")


def render(
    header: str,
    sections: Mapping[str, Sequence[str]],
    listed: Sequence[Listed],
    order: Sequence[str] = SECTIONS,
) -> str:
    """The snapshot: `sections` (bullets by name) in the fixed `order` (a conversation's or
    document's `SECTIONS`, or a coding session's `session.SESSION_SECTIONS`), then the
    artifacts."""
    parts = [header + "\n"]
    for name in order:
        if sections.get(name):
            parts.append(section_block(name, sections[name]))
    if listed:
        parts.append(section_block(ARTIFACTS, [item.line for item in listed]))
    return "".join(parts)


# --- the artifact list ---------------------------------------------------------------------


@dataclass(frozen=True)
class Listed:
    """One line of the artifact list, with its citations and its place in the source."""

    line: str
    refs: tuple[int, ...]
    rank: tuple[int, int]  # (last turn cited, position among the artifacts)
    command: bool


def artifact_lines(artifacts: Sequence[ArtifactDraft], prefix: str) -> list[Listed]:
    """One line per current artifact (the latest of those sharing a title), in order of last
    appearance ("first come" for documents, whose artifacts cite no turns).

    "Current" means the latest version of an artifact shown several times under the same title
    (a file edited over many turns).
    """
    latest: dict[str, tuple[tuple[int, int], ArtifactDraft]] = {}
    for position, artifact in enumerate(artifacts):
        key = " ".join(artifact.title.lower().split())
        rank = (max(artifact.turn_indexes, default=-1), position)
        if key not in latest or rank > latest[key][0]:
            latest[key] = (rank, artifact)
    result: list[Listed] = []
    for rank, artifact in sorted(latest.values(), key=lambda pair: pair[0]):
        kind = artifact.type.value.lower()
        details = f"{kind}, {artifact.language}" if artifact.language else kind
        line = f"- {' '.join(artifact.title.split())} ({details})"
        refs = tuple(artifact.turn_indexes[-MAX_ARTIFACT_CITATIONS:]) if prefix == "t" else ()
        if refs:
            line += " [" + ", ".join(f"{prefix}{i}" for i in refs) + "]"
        result.append(Listed(line, refs, rank, artifact.type is ArtifactType.COMMAND))
    return result


def fit_artifacts(
    listed: Sequence[Listed], available: float, *, newest_first: bool
) -> list[Listed]:
    """At most `MAX_ARTIFACTS` lines within `available` tokens, in order of appearance.

    Code, schemas and diagrams are preferred to commands; within each, the newest for a
    conversation and the first for a document.
    """
    preferred = list(reversed(listed)) if newest_first else list(listed)
    preferred.sort(key=lambda item: item.command)
    used = section_cost(ARTIFACTS)
    kept: list[Listed] = []
    for item in preferred[:MAX_ARTIFACTS]:
        cost = count_tokens(item.line + "\n")
        if used + cost <= available:
            used += cost
            kept.append(item)
    return sorted(kept, key=lambda item: item.rank)


# --- the frame every engine fills ----------------------------------------------------------


@dataclass(frozen=True)
class Frame:
    """What is fixed before any line is chosen: the header, the artifact list and the room left.

    `prefix` is "t" for a conversation and "p" for a document; `room` is the budget minus the
    header and the artifact list, for the sections.
    """

    header: str
    prefix: str
    budget: int
    tokens_before: int
    listed: list[Listed]
    room: int


def frame(
    header: str, lines: Sequence[Listed], *, prefix: str, budget: int, tokens_before: int
) -> Frame | None:
    """The frame of a snapshot, or None when not even the header fits the budget.

    `lines` are `artifact_lines(...)`; the artifact list gets at most `ARTIFACT_SHARE` of what
    the header leaves.
    """
    header_cost = count_tokens(header + "\n")
    if header_cost >= budget:
        return None
    available = (budget - header_cost) * ARTIFACT_SHARE
    listed = fit_artifacts(lines, available, newest_first=prefix == "t")
    listed_cost = count_tokens(section_block(ARTIFACTS, [item.line for item in listed]))
    room = budget - header_cost - (listed_cost if listed else 0)
    return Frame(header, prefix, budget, tokens_before, listed, room)


def header_only(header: str, tokens_before: int, budget: int, engine: str) -> SnapshotDraft:
    """The snapshot when nothing but (a prefix of) the header fits: an empty source, say."""
    return draft(truncate_to_tokens(header + "\n", budget), tokens_before, budget, (), engine)


def fit(render: Callable[[], str], shed: Callable[[int], bool], budget: int) -> str:
    """Render, and while the real count exceeds `budget` let the engine drop lines.

    `shed(excess)` drops at least one line (the engine's choice of which, worth about `excess`
    tokens) from what `render` renders, and returns False when nothing is left to drop; the
    Markdown is then cut at the budget.
    """
    while True:
        markdown = render()
        excess = count_tokens(markdown) - budget
        if excess <= 0:
            return markdown
        if not shed(excess):
            return truncate_to_tokens(markdown, budget)


def cited_turns(refs: Iterable[int], listed: Sequence[Listed]) -> tuple[int, ...]:
    """The turns a snapshot cites, its artifact lines included, sorted."""
    cited = set(refs)
    cited.update(ref for item in listed for ref in item.refs)
    return tuple(sorted(cited))


def draft(
    markdown: str, tokens_before: int, budget: int, turn_indexes: tuple[int, ...], engine: str
) -> SnapshotDraft:
    return SnapshotDraft(
        markdown=markdown,
        tokens_before=tokens_before,
        tokens_after=count_tokens(markdown),
        tokenizer=TOKENIZER_NAME,
        budget=budget,
        turn_indexes=turn_indexes,
        engine=engine,
    )
