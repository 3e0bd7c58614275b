"""The LLM engine's flow: frame the snapshot, ask the model, keep what checks out, fit the budget.

The budget rule, the header, the artifact list and the Markdown are the built-in engine's
(`snapshot.format`), and so are the sections (`_layout`): a conversation's work sections, a
document's own outline; only the sections' bullets come from the model, and only those whose
citations check out against the source (`_answer`, `_citations`). A source that fits the
model's window is sent whole; a longer one goes through map-reduce (`_mapreduce`), and so does
a fast-forward: the stored snapshot's lines are the old notes, the new turns are mapped, and the
two are reduced together. The budget is a hard limit, counted with our tokenizer: whole bullets
are dropped from the end of the least important sections until the Markdown fits, never a
partial line. Any failure raises `LLMUnavailable`; `snapshot_with_fallback` then uses the
built-in engine and returns the reason, so one misbehaving model server never fails a source.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from contextd.pipeline.snapshot import format as fmt
from contextd.pipeline.snapshot.builtin import build_snapshot
from contextd.pipeline.snapshot.llm._answer import Notes, parse
from contextd.pipeline.snapshot.llm._citations import Source, merged
from contextd.pipeline.snapshot.llm._client import LLMConfig, LLMUnavailable
from contextd.pipeline.snapshot.llm._layout import (
    CONVERSATION,
    Layout,
    document_layout,
    render_sections,
)
from contextd.pipeline.snapshot.llm._mapreduce import Writer
from contextd.pipeline.snapshot.llm._prompt import (
    MAX_PROMPT_ARTIFACTS,
    paragraph_units,
    turn_units,
    unit_name,
)
from contextd.pipeline.tokens import count_tokens
from contextd.pipeline.types import ArtifactDraft, Document, SnapshotDraft, Turn

log = logging.getLogger("contextd.llm")

ENGINE_PREFIX = "llm:"


def build_llm_snapshot(
    turns: Sequence[Turn],
    document: Document,
    artifacts: Sequence[ArtifactDraft],
    *,
    config: LLMConfig,
    budget_tokens: int | None = None,
    ratio: float = 4.0,
    previous: SnapshotDraft | None = None,
    new_turns: Sequence[Turn] = (),
) -> SnapshotDraft:
    """Ask the configured model for the snapshot of `turns` (or, without turns, of `document`).

    The budget rule is the built-in engine's: `budget_tokens` if given (and not 0), else
    `tokens_before / ratio` but at least `MIN_BUDGET`, never more than `tokens_before`; the
    result always fits it. With `previous` (the stored snapshot of a conversation) and
    `new_turns` (the turns appended since, also at the end of `turns`), the snapshot is
    fast-forwarded: only the new turns are read, and merged with the previous lines. Raises
    ValueError for a non-positive ratio or a negative budget (before any request) and
    `LLMUnavailable` when the model cannot be reached or its answer is unusable. The draft's
    `note` says how many requests map-reduce took, when it was used.
    """
    fmt.check_options(ratio, budget_tokens)
    conversation = bool(turns)
    prefix = "t" if conversation else "p"
    tokens_before = fmt.source_tokens(turns, document)
    budget = fmt.token_budget(tokens_before, budget_tokens, ratio)
    engine = ENGINE_PREFIX + config.model
    units = turn_units(turns) if conversation else paragraph_units(document)
    layout = CONVERSATION if conversation else document_layout(document)

    title = fmt.snapshot_title(document, conversation)
    header = fmt.header_line(title)
    lines = fmt.artifact_lines(artifacts, prefix)
    frame = fmt.frame(header, lines, prefix=prefix, budget=budget, tokens_before=tokens_before)
    if frame is None:
        # An empty source, or not even the title fits: no question worth asking.
        return fmt.header_only(header, tokens_before, budget, engine)
    if not units:  # only code (a document of code blocks): the artifact list says it all
        markdown, _, listed = _fit(frame, {}, layout)
        return fmt.draft(markdown, tokens_before, budget, fmt.cited_turns((), listed), engine)

    source = Source(units)
    writer = Writer(
        config,
        prefix,
        title,
        [item.line for item in lines[-MAX_PROMPT_ARTIFACTS:]],
        source,
        layout,
    )
    old = _previous_notes(previous, source) if conversation and new_turns else {}
    if writer.fits_whole(units, frame.room):  # one request that sees it all beats merging
        old = {}
        sections = writer.whole(units, frame.room)
    elif any(old.values()):
        fresh = turn_units(new_turns)
        notes = writer.map(fresh, budget, tokens_before) if fresh else {}
        sections = writer.reduce(merged([old, notes]), frame.room)
    else:
        sections = writer.reduce(writer.map(units, budget, tokens_before), frame.room)
    if not any(sections.values()):
        raise LLMUnavailable("invalid answer: no section line cites a known " + unit_name(prefix))

    markdown, sections, listed = _fit(frame, sections, layout)
    cited: tuple[int, ...] = ()
    if conversation:
        refs = (ref for bullets in sections.values() for _, refs in bullets for ref in refs)
        cited = fmt.cited_turns(refs, listed)
    result = fmt.draft(markdown, tokens_before, budget, cited, engine)
    if writer.requests > 1:
        how = "fast-forward" if any(old.values()) else "map-reduce"
        note = (
            f"{how}: {writer.sections} sections mapped, {writer.reduces} reduce "
            f"step{'s' if writer.reduces != 1 else ''}, {writer.requests} requests"
        )
        if source.recited or source.dropped:
            note += f"; citations fixed: {source.recited} re-cited, {source.dropped} dropped"
        result = replace(result, note=note)
    return result


def snapshot_with_fallback(
    turns: Sequence[Turn],
    document: Document,
    artifacts: Sequence[ArtifactDraft],
    *,
    config: LLMConfig | None,
    budget_tokens: int | None = None,
    ratio: float = 4.0,
    builtin: fmt.SnapshotBuilder = build_snapshot,
    previous: SnapshotDraft | None = None,
    new_turns: Sequence[Turn] = (),
) -> tuple[SnapshotDraft, str | None]:
    """The LLM snapshot when `config` is set and the model answers usably, else the built-in one.

    Returns the draft and, when the LLM engine failed, its reason (None otherwise); the draft's
    `engine` then reads e.g. "builtin (fallback from llm:qwen3)". Without `config` the built-in
    engine is used as is and no reason is returned. `previous` and `new_turns` fast-forward
    (see `build_llm_snapshot`); the fallback rebuilds from all `turns`. ValueErrors for invalid
    options propagate.
    """
    if config is None:
        return builtin(turns, document, artifacts, budget_tokens=budget_tokens, ratio=ratio), None
    try:
        draft = build_llm_snapshot(
            turns, document, artifacts, config=config, budget_tokens=budget_tokens, ratio=ratio,
            previous=previous, new_turns=new_turns,
        )  # fmt: skip
    except LLMUnavailable as exc:
        log.warning("LLM engine %s failed (%s); built-in engine used", config.model, exc.reason)
        fallback = builtin(turns, document, artifacts, budget_tokens=budget_tokens, ratio=ratio)
        engine = f"{fallback.engine} (fallback from {ENGINE_PREFIX}{config.model})"
        return replace(fallback, engine=engine), exc.reason
    return draft, None


def _previous_notes(previous: SnapshotDraft | None, source: Source) -> Notes:
    """The stored snapshot's lines as notes, their citations checked against the turns; empty
    when there is none to build on (no snapshot, a document's, a session's other sections)."""
    if previous is None or not previous.markdown.strip():
        return {}
    try:
        notes = parse(previous.markdown, "t", set(source.refs), CONVERSATION)
    except LLMUnavailable:
        return {}
    return source.check(notes)


def _fit(frame: fmt.Frame, sections: Notes, layout: Layout) -> tuple[str, Notes, list[fmt.Listed]]:
    """Render in the layout's sections, dropping whole bullets until the real token count is
    within the budget.

    Bullets go from the end of the sections `layout.next_victim` picks (the work sections in
    `_layout.TRIM_ORDER`, first down to one bullet per section, then entirely; a document's
    fullest section first); the artifact list (already sized to its share) goes
    last, oldest first. Costs of the dropped lines are summed to drop several per count.
    """
    kept = {name: list(bullets) for name, bullets in sections.items()}
    lines = list(frame.listed)

    def render() -> str:
        rendered = {
            name: [fmt.bullet(text, refs, frame.prefix) for text, refs in bullets]
            for name, bullets in kept.items()
        }
        parts = [frame.header + "\n", *render_sections(layout, rendered)]
        if lines:
            parts.append(fmt.section_block(fmt.ARTIFACTS, [item.line for item in lines]))
        return "".join(parts)

    def shed(excess: int) -> bool:
        removed = 0
        while removed < excess:
            victim = layout.next_victim(kept)
            if victim is not None:
                text, refs = kept[victim].pop()
                removed += count_tokens(fmt.bullet(text, refs, frame.prefix) + "\n")
            elif lines:
                removed += count_tokens(lines.pop(0).line + "\n")
            else:
                break
        return removed > 0

    markdown = fmt.fit(render, shed, frame.budget)
    return markdown, kept, lines
