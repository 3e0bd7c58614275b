"""The context snapshot: a compact Markdown brief of where the work stands.

A user pastes a 200-turn conversation to continue it elsewhere; the snapshot has to carry the
goal, what was decided, the constraints, the open questions and the next steps in about a
quarter of the tokens, with every line citing the turns it came from so it can be checked.

This "builtin" engine is extractive, offline and deterministic: sentences are scored by lexical
cues (`_cues`) while the source streams past, the best few thousand are kept (`_selection`),
outdated ones are demoted, and the rest are taken greedily by score per token. Code is not
copied in: it lives in artifacts, which the snapshot lists by title.

The token budget is a hard limit: the rendered Markdown is counted with the real tokenizer and
trimmed until it fits, so `tokens_after <= budget` always holds.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from contextd.domain.enums import ArtifactType
from contextd.pipeline._cues import SECTIONS, Judgement, judge
from contextd.pipeline._selection import (
    Candidate,
    CandidatePool,
    demote_superseded,
    index_words,
    pick,
)
from contextd.pipeline._sentences import split_sentences
from contextd.pipeline.tokens import TOKENIZER_NAME, count_tokens, truncate_to_tokens
from contextd.pipeline.types import ArtifactDraft, Document, SnapshotDraft, Turn

ENGINE = "builtin"
MIN_BUDGET = 200
MAX_ARTIFACTS = 30
ARTIFACT_SHARE = 0.25  # at most this share of the budget goes to the artifact list
EARLY_USER_TURNS = 3  # goals are looked for in this many first user turns
_MAX_TITLE_CHARS = 100
_OTHER_SIDE = {"user": "assistant", "assistant": "user"}
_MAX_ARTIFACT_CITATIONS = 3


@dataclass(frozen=True)
class _Layout:
    """How citations are written: "t12" for conversation turns, "p3" for document paragraphs."""

    prefix: str


def build_snapshot(
    turns: Sequence[Turn],
    document: Document,
    artifacts: Sequence[ArtifactDraft],
    *,
    budget_tokens: int | None = None,
    ratio: float = 4.0,
) -> SnapshotDraft:
    """Build the snapshot of a conversation (`turns`) or, without turns, of `document`.

    The budget is `budget_tokens` if given (and not 0), else `tokens_before / ratio` but at
    least `MIN_BUDGET`; either way never more than `tokens_before`. An empty source gives an empty
    snapshot. Raises ValueError for a non-positive ratio or a negative budget.
    """
    if not ratio > 0:
        raise ValueError("ratio must be positive")
    if budget_tokens is not None and budget_tokens < 0:
        raise ValueError("budget_tokens must not be negative")
    source = "\n\n".join(turn.text for turn in turns) if turns else document.text
    tokens_before = count_tokens(source)
    del source
    budget = _budget(tokens_before, budget_tokens, ratio)
    layout = _Layout("t" if turns else "p")

    header = f"# Context snapshot: {_title(document, bool(turns))}"
    header_cost = count_tokens(header + "\n")
    if header_cost >= budget:
        markdown = truncate_to_tokens(header + "\n", budget)
        return _draft(markdown, tokens_before, budget, ())

    listed = _artifact_lines(
        artifacts, layout, available=int((budget - header_cost) * ARTIFACT_SHARE)
    )
    listed_cost = count_tokens(_section_block("Artifacts", [line for line, _ in listed]))
    artifact_cost = listed_cost if listed else 0

    candidates = _candidates(turns, document, capacity=min(20_000, max(64, budget // 6)))
    index_words(candidates)
    demote_superseded(candidates)
    for candidate in candidates:
        candidate.cost = count_tokens(_bullet(candidate.text, [candidate.cite], layout) + "\n")
    chosen = pick(
        candidates,
        available=budget - header_cost - artifact_cost,
        section_cost=lambda name: count_tokens(f"\n## {name}\n"),
    )

    markdown, chosen, listed = _fit(header, chosen, listed, layout, budget)
    cited: set[int] = set()
    if turns:
        cited.update(i for candidate in chosen for i in candidate.citations)
        cited.update(i for _, a in listed for i in a.turn_indexes[-_MAX_ARTIFACT_CITATIONS:])
    return _draft(markdown, tokens_before, budget, tuple(sorted(cited)))


def _budget(tokens_before: int, budget_tokens: int | None, ratio: float) -> int:
    wanted = budget_tokens or max(MIN_BUDGET, math.floor(tokens_before / ratio))
    return min(wanted, tokens_before)


def _title(document: Document, conversation: bool) -> str:
    title = " ".join((document.title or "").split())
    if not title:
        return "Untitled conversation" if conversation else "Untitled document"
    if len(title) > _MAX_TITLE_CHARS:
        title = title[: _MAX_TITLE_CHARS - 1].rstrip() + "…"
    return title


def _candidates(turns: Sequence[Turn], document: Document, *, capacity: int) -> list[Candidate]:
    """Stream every sentence through the scorer, keeping only the best `capacity`."""
    pool = CandidatePool(capacity)
    order = 0
    if turns:
        last = max(1, len(turns) - 1)
        users_seen = 0
        unanswered = _unanswered(turns)
        for ordinal, turn in enumerate(turns):
            position = ordinal / last if len(turns) > 1 else 1.0
            early = turn.role == "user" and users_seen < EARLY_USER_TURNS
            for sentence in split_sentences(turn.text):
                judged = judge(
                    sentence.text,
                    role=turn.role,
                    position=position,
                    early=early,
                    unanswered=unanswered[ordinal],
                    heading=sentence.heading,
                )
                if judged is not None:
                    pool.offer(_candidate(order, sentence.text, judged, turn.index))
                order += 1
            users_seen += turn.role == "user"
        return pool.chronological()

    paragraphs = max(1, document.text.count("\n\n") + 1)
    early_until = max(3, paragraphs // 10)
    for sentence in split_sentences(document.text):
        judged = judge(
            sentence.text,
            role=None,
            position=min(1.0, sentence.paragraph / paragraphs),
            early=sentence.paragraph <= early_until,
            unanswered=True,  # a document's questions are open wherever they stand
            heading=sentence.heading,
        )
        if judged is not None:
            pool.offer(_candidate(order, sentence.text, judged, sentence.paragraph))
        order += 1
    return pool.chronological()


def _unanswered(turns: Sequence[Turn]) -> list[bool]:
    """For each turn, whether the other side (user vs assistant) has not spoken after it.

    Questions in such turns are still open; earlier ones were most likely answered in the reply.
    """
    result = [True] * len(turns)
    spoke_later: set[str] = set()
    for ordinal in range(len(turns) - 1, -1, -1):
        role = turns[ordinal].role
        other = _OTHER_SIDE.get(role)
        result[ordinal] = other is None or other not in spoke_later
        spoke_later.add(role)
    return result


def _candidate(order: int, text: str, judged: Judgement, cite: int) -> Candidate:
    return Candidate(
        order=order,
        section=judged.section,
        text=text,
        score=judged.score,
        revises=judged.revises,
        cite=cite,
        replaced=judged.replaced,
    )


def _artifact_lines(
    artifacts: Sequence[ArtifactDraft], layout: _Layout, *, available: int
) -> list[tuple[str, ArtifactDraft]]:
    """One bullet per current artifact, newest first until the share of the budget is spent.

    "Current" means the latest version of an artifact shown several times under the same title
    (a file edited over many turns). Code, schemas and diagrams win over shell commands when the
    list is capped at `MAX_ARTIFACTS`; the list is printed in order of last appearance.
    """
    latest: dict[str, tuple[tuple[int, int], ArtifactDraft]] = {}
    for position, artifact in enumerate(artifacts):
        key = " ".join(artifact.title.lower().split())
        rank = (max(artifact.turn_indexes, default=-1), position)
        if key not in latest or rank > latest[key][0]:
            latest[key] = (rank, artifact)
    chronological = sorted(latest.values(), key=lambda pair: pair[0])
    # Commands are listed after code, schemas and diagrams; newest first within each group for
    # conversations, first-come for documents.
    if layout.prefix == "t":
        chronological.reverse()
    ordered = sorted(chronological, key=lambda pair: pair[1].type is ArtifactType.COMMAND)
    ordered = ordered[:MAX_ARTIFACTS]

    heading_cost = count_tokens("\n## Artifacts\n")
    used = heading_cost
    kept: list[tuple[tuple[int, int], str, ArtifactDraft]] = []
    for rank, artifact in ordered:
        line = _artifact_bullet(artifact, layout)
        cost = count_tokens(line + "\n")
        if used + cost > available:
            continue
        used += cost
        kept.append((rank, line, artifact))
    kept.sort(key=lambda item: item[0])
    return [(line, artifact) for _, line, artifact in kept]


def _artifact_bullet(artifact: ArtifactDraft, layout: _Layout) -> str:
    kind = artifact.type.value.lower()
    details = f"{kind}, {artifact.language}" if artifact.language else kind
    text = f"- {' '.join(artifact.title.split())} ({details})"
    cites = artifact.turn_indexes[-_MAX_ARTIFACT_CITATIONS:]
    if cites:
        text += " [" + ", ".join(f"{layout.prefix}{i}" for i in cites) + "]"
    return text


def _bullet(text: str, citations: Sequence[int], layout: _Layout) -> str:
    cites = ", ".join(f"{layout.prefix}{i}" for i in sorted(citations))
    return f"- {text} [{cites}]"


def _section_block(name: str, lines: Sequence[str]) -> str:
    return f"\n## {name}\n" + "".join(line + "\n" for line in lines)


def _render(
    header: str,
    chosen: Sequence[Candidate],
    listed: Sequence[tuple[str, ArtifactDraft]],
    layout: _Layout,
) -> str:
    parts = [header + "\n"]
    for section in SECTIONS:
        items = sorted((c for c in chosen if c.section == section), key=lambda c: c.order)
        if items:
            parts.append(
                _section_block(section, [_bullet(c.text, c.citations, layout) for c in items])
            )
    if listed:
        parts.append(_section_block("Artifacts", [line for line, _ in listed]))
    return "".join(parts)


def _fit(
    header: str,
    chosen: Sequence[Candidate],
    listed: Sequence[tuple[str, ArtifactDraft]],
    layout: _Layout,
    budget: int,
) -> tuple[str, list[Candidate], list[tuple[str, ArtifactDraft]]]:
    """Render, and while the real count exceeds the budget drop the least valuable lines.

    Per-line costs are summed during selection; joining lines can shift the count by a token
    here and there, so the final count is checked rather than assumed. Returns the Markdown and
    the sentences and artifact lines that made it in.
    """
    kept = list(chosen)
    lines = list(listed)
    while True:
        markdown = _render(header, kept, lines, layout)
        excess = count_tokens(markdown) - budget
        if excess <= 0:
            return markdown, kept, lines
        if kept:
            kept.sort(key=lambda c: (c.score / c.cost, -c.order))
            removed = 0
            while kept and removed < excess:
                removed += kept.pop(0).cost
        elif lines:
            lines.pop(0)
        else:
            return truncate_to_tokens(markdown, budget), kept, lines


def _draft(
    markdown: str, tokens_before: int, budget: int, turn_indexes: tuple[int, ...]
) -> SnapshotDraft:
    return SnapshotDraft(
        markdown=markdown,
        tokens_before=tokens_before,
        tokens_after=count_tokens(markdown),
        tokenizer=TOKENIZER_NAME,
        budget=budget,
        turn_indexes=turn_indexes,
        engine=ENGINE,
    )
