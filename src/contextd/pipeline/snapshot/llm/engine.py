"""The LLM engine's flow: frame the snapshot, ask the model, keep what checks out, fit the budget.

The budget rule, the header, the artifact list and the Markdown are the built-in engine's
(`snapshot.format`); only the sections' bullets come from the model, and only those that cite
known turns or paragraphs (`_answer`). The budget is a hard limit, counted with our tokenizer:
whole bullets are dropped from the end of the least important sections until the Markdown fits,
never a partial line. Any failure raises `LLMUnavailable`; `snapshot_with_fallback` then uses
the built-in engine and returns the reason, so one misbehaving model server never fails a source.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace

from contextd.pipeline.snapshot import format as fmt
from contextd.pipeline.snapshot.builtin import build_snapshot
from contextd.pipeline.snapshot.llm._answer import Bullet, parse
from contextd.pipeline.snapshot.llm._client import LLMConfig, LLMUnavailable, request
from contextd.pipeline.snapshot.llm._prompt import (
    MAX_PROMPT_ARTIFACTS,
    messages,
    paragraph_units,
    turn_units,
    unit_name,
)
from contextd.pipeline.tokens import count_tokens
from contextd.pipeline.types import ArtifactDraft, Document, SnapshotDraft, Turn

log = logging.getLogger("contextd.llm")

ENGINE_PREFIX = "llm:"
# When the answer is over budget, bullets go from these sections first (least important first).
TRIM_ORDER: tuple[str, ...] = (
    "Constraints and facts",
    "Current state",
    "Open questions",
    "Decisions",
    "Next steps",
    "Goal",
)


def build_llm_snapshot(
    turns: Sequence[Turn],
    document: Document,
    artifacts: Sequence[ArtifactDraft],
    *,
    config: LLMConfig,
    budget_tokens: int | None = None,
    ratio: float = 4.0,
) -> SnapshotDraft:
    """Ask the configured model for the snapshot of `turns` (or, without turns, of `document`).

    The budget rule is the built-in engine's: `budget_tokens` if given (and not 0), else
    `tokens_before / ratio` but at least `MIN_BUDGET`, never more than `tokens_before`; the
    result always fits it. Raises ValueError for a non-positive ratio or a negative budget (before
    any request) and `LLMUnavailable` when the model cannot be reached or its answer is unusable.
    """
    fmt.check_options(ratio, budget_tokens)
    conversation = bool(turns)
    prefix = "t" if conversation else "p"
    tokens_before = fmt.source_tokens(turns, document)
    budget = fmt.token_budget(tokens_before, budget_tokens, ratio)
    engine = ENGINE_PREFIX + config.model
    units = turn_units(turns) if conversation else paragraph_units(document)

    title = fmt.snapshot_title(document, conversation)
    header = fmt.header_line(title)
    lines = fmt.artifact_lines(artifacts, prefix)
    frame = fmt.frame(header, lines, prefix=prefix, budget=budget, tokens_before=tokens_before)
    if frame is None:
        # An empty source, or not even the title fits: no question worth asking.
        return fmt.header_only(header, tokens_before, budget, engine)
    if not units:  # only code (a document of code blocks): the artifact list says it all
        markdown, _, listed = _fit(frame, {})
        return fmt.draft(markdown, tokens_before, budget, fmt.cited_turns((), listed), engine)

    prompt = messages(
        units,
        title=title,
        prefix=prefix,
        artifact_index=[item.line for item in lines[-MAX_PROMPT_ARTIFACTS:]],
        prose_budget=frame.room,
        max_input_tokens=config.max_input_tokens,
    )
    answer = request(config, prompt)
    known = {unit.ref for unit in units}
    sections = parse(answer, prefix, known)
    if not any(sections.values()):
        raise LLMUnavailable("invalid answer: no section line cites a known " + unit_name(prefix))

    markdown, sections, listed = _fit(frame, sections)
    cited: tuple[int, ...] = ()
    if conversation:
        refs = (ref for bullets in sections.values() for _, refs in bullets for ref in refs)
        cited = fmt.cited_turns(refs, listed)
    return fmt.draft(markdown, tokens_before, budget, cited, engine)


def snapshot_with_fallback(
    turns: Sequence[Turn],
    document: Document,
    artifacts: Sequence[ArtifactDraft],
    *,
    config: LLMConfig | None,
    budget_tokens: int | None = None,
    ratio: float = 4.0,
    builtin: fmt.SnapshotBuilder = build_snapshot,
) -> tuple[SnapshotDraft, str | None]:
    """The LLM snapshot when `config` is set and the model answers usably, else the built-in one.

    Returns the draft and, when the LLM engine failed, its reason (None otherwise); the draft's
    `engine` then reads e.g. "builtin (fallback from llm:qwen3)". Without `config` the built-in
    engine is used as is and no reason is returned. ValueErrors for invalid options propagate.
    """
    if config is None:
        return builtin(turns, document, artifacts, budget_tokens=budget_tokens, ratio=ratio), None
    try:
        draft = build_llm_snapshot(
            turns, document, artifacts, config=config, budget_tokens=budget_tokens, ratio=ratio
        )
    except LLMUnavailable as exc:
        log.warning("LLM engine %s failed (%s); built-in engine used", config.model, exc.reason)
        fallback = builtin(turns, document, artifacts, budget_tokens=budget_tokens, ratio=ratio)
        engine = f"{fallback.engine} (fallback from {ENGINE_PREFIX}{config.model})"
        return replace(fallback, engine=engine), exc.reason
    return draft, None


def _fit(
    frame: fmt.Frame, sections: dict[str, list[Bullet]]
) -> tuple[str, dict[str, list[Bullet]], list[fmt.Listed]]:
    """Render, dropping whole bullets until the real token count is within the budget.

    Bullets go from the end of the sections in `TRIM_ORDER`, first down to one bullet per
    section, then entirely; the artifact list (already sized to its share) goes last, oldest
    first. Costs of the dropped lines are summed to drop several per count.
    """
    kept = {name: list(bullets) for name, bullets in sections.items()}
    lines = list(frame.listed)

    def render() -> str:
        rendered = {
            name: [fmt.bullet(text, refs, frame.prefix) for text, refs in bullets]
            for name, bullets in kept.items()
        }
        return fmt.render(frame.header, rendered, lines)

    def shed(excess: int) -> bool:
        removed = 0
        while removed < excess:
            victim = _next_victim(kept)
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


def _next_victim(kept: dict[str, list[Bullet]]) -> str | None:
    for name in TRIM_ORDER:
        if len(kept.get(name, ())) > 1:
            return name
    for name in TRIM_ORDER:
        if kept.get(name):
            return name
    return None
