"""The context snapshot: a compact Markdown brief of where the work stands.

A user pastes a 200-turn conversation to continue it elsewhere; the snapshot has to carry the
goal, what was decided, the constraints and facts, the open questions and the next steps in
about a quarter of the tokens, with every line citing the turns it came from so it can be
checked. The same engine serves coding sessions and casual multi-party chat; when the turns
carry a coding agent's tool calls, `session.py` writes the hand-over sections instead (files
touched, commands, open todos...), and the steps below are not used.

This "builtin" engine is extractive, offline and deterministic. A line must carry a fact on
its own, so a turn's prose (code is left to the artifacts, which the snapshot lists) is first
cut into **thoughts** (`_standalone`): a sentence with those after it that point back to it
("We found sunflowers. They were part of my wedding decor."), reply openers, vocatives and
intensifiers cut ("Yeah, ...", "..., Mel!", "really"), a short remark after a thought ("It was
so special.") dropped, a shared photo's caption joined to the sentence that shows it, a reply
that points back or only names something resolved by the question it answers, and what still
points back or is small talk left out; relative time words get the date they mean from the
turn's timestamp (`_dates`: "yesterday (7 May 2023)"). For each thought:

1. **Lexical judgement** while the source streams past: cue phrases place the sentence in a
   section (`_cues`), and its salience (`_salience`: words rare in this source, names, numbers
   and dates, first-person events, minus phatic talk) scales the cue's score, and a cue counts
   only as far as the sentence is specific ("let's use SQLite" is a decision, "let's keep
   going!" a cheer; see `_candidates.worth`). Rarity needs word counts, so one cheap counting
   pass over the text comes first. In a multi-party chat each line is prefixed with its
   speaker. Steps 1 and 2, and the previous snapshot's bullets as candidates for the
   fast-forward, are in `_candidates`.
2. **A capped candidate pool** (`_selection.CandidatePool`): only the best `pool capacity`
   sentences are kept, whatever the source's size.
3. **Superseded content** is removed: lexically (a later "switch to X instead of Y" outdates
   "let's use Y", a later state report restates an earlier one, a later statement answers an
   earlier question) and, for embedded candidates, by meaning (`_semantic.demote_restated`).
4. **The embedding model** (all-MiniLM-L6-v2 through `embed.default_embedder()`, or the
   `embedder` given) embeds at most `max_embedded` candidates (and `MAX_EMBEDDED_TOKENS`
   tokens), the best by lexical score. Their
   closeness to prototypes of small talk lowers their score, and the selection uses their
   vectors for redundancy (maximal marginal relevance; a paraphrase of a chosen line only adds
   its turn to that line's citations).
5. **Selection** is greedy by worth per token within the budget (`_selection.pick`; in a chat
   among people per `cost ** CHAT_COST_EXPONENT`, as a longer line there is a whole event),
   with a floor (`MIN_SCORE`: the budget is a ceiling, not a quota), preferring lines from
   turns not yet cited; then the Markdown is rendered, counted with the real tokenizer and
   trimmed until it fits, so `tokens_after <= budget` always holds.

**Bounded work.** Every stage after the streaming pass is bounded by constants, not by the
input: the pool holds at most `_candidates.MAX_POOL` sentences (20,000; ~30 MB), the counting
pass keeps at most `_salience.MAX_TERMS` distinct words, and the model sees at most
`MAX_EMBEDDED` sentences holding at most `MAX_EMBEDDED_TOKENS` tokens (whatever the source's
size; 1.6 MB of vectors at most). A
million-word conversation therefore costs two linear passes of regular expressions (about 20 s
here) plus that fixed embedding work, and memory for the capped pool plus one joined copy of
the text for the exact token count (`evals/throughput.py` measures both). The model is not
used at all when there is nothing to choose (every candidate fits the budget) or fewer than
`MIN_MODEL_CANDIDATES` candidates (lexical scores suffice there, and loading the model costs
~10 s per process); candidates beyond the embedded ones compete on lexical scores with
word-overlap de-duplication only.

**What the model adds.** On the LoCoMo chats (`evals/snapshot_content.py`) the lexical scores
carry the retention. It is kept for what that metric
does not see: paraphrases merged into one line, small talk and restated decisions recognized
in other words.

**Fast-forward.** `update_snapshot` merges new turns into an existing snapshot without reading
the old turns again: the previous snapshot's bullets are parsed back (section, text, cited
turns), re-scored as sentences, and compete with the new turns' sentences under the new budget;
new content can supersede old lines. In a work chat the old lines of one turn are first joined
again up to the new budget's unit size (`_work.rejoined`): a part's smaller budget cut them
smaller than the whole chat's snapshot would.
"""

from __future__ import annotations

import heapq
import itertools
import logging
from collections.abc import Sequence

from contextd.pipeline.embed import Embedder, Vectors, default_embedder
from contextd.pipeline.snapshot import _candidates, _session_update, session
from contextd.pipeline.snapshot import format as fmt
from contextd.pipeline.snapshot._names import name_candidates, name_candidates_after
from contextd.pipeline.snapshot._previous import parse as _parse
from contextd.pipeline.snapshot._salience import TermStats
from contextd.pipeline.snapshot._selection import (
    MIN_SCORE,
    SAME_TURN,
    Candidate,
    demote_superseded,
    index_words,
    pick,
)
from contextd.pipeline.snapshot._semantic import demote_restated, phatic_factor, prototype_vectors
from contextd.pipeline.snapshot._work import (
    WORK_COST_EXPONENT,
    WORK_SAME_TURN,
    rejoined,
    unit_chars,
)
from contextd.pipeline.snapshot.document import build_document_snapshot, is_document_snapshot
from contextd.pipeline.tokens import count_tokens
from contextd.pipeline.types import ArtifactDraft, Document, SnapshotDraft, Turn

log = logging.getLogger(__name__)

ENGINE = "builtin"
MAX_EMBEDDED = 1_024  # sentences the embedding model sees per snapshot, at most
# ... and tokens (their bullets' cost), as the model's time grows with them (at 100,000 words
# the 1,024 best hold ~31,000). Above the LoCoMo tune chats' largest candidate set (13,349,
# conv-41): a chat of their size is embedded whole, as before (bench/README.md, issue 15).
MAX_EMBEDDED_TOKENS = 16_000
MIN_MODEL_CANDIDATES = 32  # below this, lexical scores choose alone
# In a chat among people a line is worth its score / cost ** this, not / cost: a longer line
# there is a whole event with its names and dates, not a wordier statement of one decision
# (LoCoMo tune split, answers kept: 1.0 -> 50.3%, 0.6 -> 50.5%, 0.3 -> 51.9%, 0 -> 50.5%).
CHAT_COST_EXPONENT = 0.3


def build_snapshot(
    turns: Sequence[Turn],
    document: Document,
    artifacts: Sequence[ArtifactDraft],
    *,
    budget_tokens: int | None = None,
    ratio: float = 4.0,
    embedder: Embedder | None = None,
    max_embedded: int = MAX_EMBEDDED,
) -> SnapshotDraft:
    """Build the snapshot of a conversation (`turns`) or, without turns, of `document`.

    The budget is `budget_tokens` if given (and not 0), else `tokens_before / ratio` but at
    least `MIN_BUDGET`; either way never more than `tokens_before`. An empty source gives an empty
    snapshot. `embedder` defaults to the process-wide model (`embed.default_embedder()`), loaded
    only if needed; `max_embedded` caps how many sentences it embeds (0: lexical engine only).
    Raises ValueError for a non-positive ratio or a negative budget.
    """
    fmt.check_options(ratio, budget_tokens)
    tokens_before = fmt.source_tokens(turns, document)
    budget = fmt.token_budget(tokens_before, budget_tokens, ratio)
    header = fmt.header_line(fmt.snapshot_title(document, bool(turns)))
    capacity = _candidates.pool_capacity(budget)
    stats = TermStats()
    if turns:
        stats.add_all(turn.text for turn in turns)
        speakers = _candidates.speaker_names(turns)
        agent = session.is_session(turns)  # a coding agent's turns keep sentence lines
        pool = _candidates.turn_candidates(
            turns,
            stats,
            speakers,
            capacity=capacity,
            early=_candidates.early_user_turns(turns),
            unit_chars=0 if agent else unit_chars(budget),
        )
        if agent:  # a coding agent's turns: the hand-over sections, and
            # the conversation's best sentences in the budget they leave
            return session.build_session_snapshot(
                turns,
                document,
                artifacts,
                budget=budget,
                tokens_before=tokens_before,
                header=header,
                fill=pool,
            )
        pool = name_candidates(turns, stats, speakers, budget=budget) + pool  # a chat's index
    else:  # a document: its own outline and the facts under each heading (`document.py`)
        return build_document_snapshot(
            document,
            artifacts,
            budget=budget,
            tokens_before=tokens_before,
            header=header,
            engine=ENGINE,
        )
    return _assemble(
        header,
        pool,
        artifacts,
        prefix="t" if turns else "p",
        budget=budget,
        tokens_before=tokens_before,
        embedder=embedder,
        max_embedded=max_embedded,
        chat=any(turn.role == "other" for turn in turns),
    )


def update_snapshot(
    previous: SnapshotDraft,
    new_turns: Sequence[Turn],
    document: Document,
    artifacts: Sequence[ArtifactDraft],
    *,
    budget_tokens: int | None = None,
    ratio: float = 4.0,
    embedder: Embedder | None = None,
    max_embedded: int = MAX_EMBEDDED,
) -> SnapshotDraft:
    """Fast-forward `previous` with the turns appended since, without reading the old turns.

    `previous` is the stored snapshot: only its `markdown` and `tokens_before` are used, so a
    caller holding the stored Markdown and token counts passes
    `SnapshotDraft(markdown=md, tokens_before=before, tokens_after=after,
    tokenizer="o200k_base", budget=budget)`. `new_turns` are the appended turns, whose `index`
    continues the old numbering; `document` gives the title (the previous title is kept when it
    has none); `artifacts` is the full current artifact list (old and new), from which the
    artifact index is rebuilt.

    The previous bullets are parsed back (section, text, cited turns) and re-scored as sentences;
    the new turns' sentences are judged as `build_snapshot` would; the two compete under the new
    budget (`budget_tokens`, else the new `tokens_before / ratio`), and new content removes the old
    lines it revises or restates. Old open questions are closed by any reply (see
    `_candidates.old_candidates`).
    `tokens_before` is the previous count plus the new turns' (joined as `build_snapshot` joins
    turns): within a token of a full rebuild's count, as the joint may merge into one token.
    The snapshot of a document (paragraph citations) cannot be merged: rebuild it.
    """
    fmt.check_options(ratio, budget_tokens)
    if not previous.markdown.strip() or previous.tokens_before <= 0:
        return build_snapshot(
            new_turns,
            document,
            artifacts,
            budget_tokens=budget_tokens,
            ratio=ratio,
            embedder=embedder,
            max_embedded=max_embedded,
        )
    title, lines = _parse(previous.markdown)
    if is_document_snapshot(previous.markdown):
        raise ValueError("the previous snapshot is of a document; rebuild it with build_snapshot")
    tokens_before = previous.tokens_before + fmt.added_tokens(new_turns)
    budget = fmt.token_budget(tokens_before, budget_tokens, ratio)
    shown = " ".join((document.title or "").split())
    header = fmt.header_line(fmt.snapshot_title(document, True) if shown else title)
    if session.is_session(new_turns) or session.is_session_snapshot(previous.markdown):
        stats = TermStats()
        stats.add_all(turn.text for turn in new_turns)
        fill = _candidates.turn_candidates(
            new_turns,
            stats,
            _candidates.speaker_names(new_turns),
            capacity=_candidates.pool_capacity(budget),
            early=set(),
        )
        return _session_update.update_session(
            previous.markdown,
            new_turns,
            document,
            artifacts,
            budget=budget,
            tokens_before=tokens_before,
            header=header,
            fill=fill,
        )

    last = max([t.index for t in new_turns] + [i for line in lines for i in line.turns] + [1])
    stats = TermStats()
    stats.add_all(line.text for line in lines)
    stats.add_all(turn.text for turn in new_turns)
    speakers = _candidates.speaker_names(new_turns)
    names, lines = name_candidates_after(lines, new_turns, stats, speakers, budget=budget)
    chat = any(turn.role == "other" for turn in new_turns)
    if not chat:  # a work chat's units, cut at a part's smaller budget, are joined again
        lines = rejoined(lines, unit_chars(budget))
    old = _candidates.old_candidates(lines, stats, speakers, last=last, new_turns=new_turns)
    capacity = _candidates.pool_capacity(budget)
    new = _candidates.turn_candidates(
        new_turns,
        stats,
        speakers,
        capacity=capacity,
        early=_candidates.early_user_turns(new_turns, first=2 * _candidates.EARLY_USER_TURNS),
        first_order=len(old),
        last_index=last,
        unit_chars=unit_chars(budget),
    )
    pool = names + old + new
    if len(pool) > capacity:
        pool = sorted(heapq.nlargest(capacity, pool, key=lambda c: c.score), key=lambda c: c.order)
    return _assemble(
        header,
        pool,
        artifacts,
        prefix="t",
        budget=budget,
        tokens_before=tokens_before,
        embedder=embedder,
        max_embedded=max_embedded,
        chat=chat,
    )


def _assemble(
    header: str,
    pool: list[Candidate],
    artifacts: Sequence[ArtifactDraft],
    *,
    prefix: str,
    budget: int,
    tokens_before: int,
    embedder: Embedder | None,
    max_embedded: int,
    chat: bool = False,
) -> SnapshotDraft:
    """Select from the chronological `pool` within the budget and render the snapshot;
    `chat`: the turns are a chat among people (`CHAT_COST_EXPONENT`)."""
    lines = fmt.artifact_lines(artifacts, prefix)
    frame = fmt.frame(header, lines, prefix=prefix, budget=budget, tokens_before=tokens_before)
    if frame is None:
        return fmt.header_only(header, tokens_before, budget, ENGINE)

    index_words(pool)
    demote_superseded(pool)
    for candidate in pool:
        candidate.cost = count_tokens(_bullet(candidate, prefix) + "\n")
    vectors = _embed(pool, embedder, max_embedded, frame.room)
    chosen = pick(
        pool,
        available=frame.room,
        section_cost=fmt.section_cost,
        vectors=vectors,
        cost_exponent=CHAT_COST_EXPONENT if chat else WORK_COST_EXPONENT,
        same_turn=SAME_TURN if chat else WORK_SAME_TURN,
    )

    markdown, chosen, listed = _fit(frame, chosen)
    cited: tuple[int, ...] = ()
    if prefix == "t":
        cited = fmt.cited_turns((i for c in chosen for i in c.citations), listed)
    return fmt.draft(markdown, tokens_before, budget, cited, ENGINE)


def _embed(
    pool: list[Candidate], embedder: Embedder | None, max_embedded: int, available: int
) -> Vectors | None:
    """Embed the best `max_embedded` candidates when there is a real choice to make.

    Applies the small-talk penalty and the semantic superseding to them, and returns the
    vectors (candidate `row`s index them), or None when the model is not needed or fails (the
    lexical selection still makes a valid snapshot). The similarity thresholds are calibrated
    for all-MiniLM-L6-v2; another model's cosines may need other values.
    """
    viable = [c for c in pool if c.score >= MIN_SCORE]
    if max_embedded <= 0 or len(viable) < MIN_MODEL_CANDIDATES:
        return None
    if sum(c.cost for c in viable) <= available:
        return None  # everything fits: nothing to choose
    best = heapq.nlargest(max_embedded, viable, key=lambda c: (c.score, c.order))
    totals = itertools.accumulate(c.cost for c in best)  # costs > 0: the kept ones lead `best`
    best = [c for c, total in zip(best, totals, strict=True) if total <= MAX_EMBEDDED_TOKENS]
    best.sort(key=lambda c: c.order)
    try:
        model = embedder if embedder is not None else default_embedder()
        vectors = model.embed([c.text for c in best])
        prototypes = prototype_vectors(model)
    except Exception as exc:  # a remote embedder may be unreachable: the lexical engine remains
        log.warning("snapshot: the embedder failed (%r); lexical selection only", exc)
        return None
    for row, candidate in enumerate(best):
        candidate.row = row
    for candidate, factor in zip(best, phatic_factor(vectors, prototypes).tolist(), strict=True):
        candidate.score *= factor
    demote_restated(best, vectors)
    return vectors


# --- rendering -----------------------------------------------------------------------------


def _bullet(candidate: Candidate, prefix: str) -> str:
    refs = set(candidate.citations) or {candidate.cite}
    return fmt.bullet(candidate.label + candidate.text, refs, prefix)


def _fit(
    frame: fmt.Frame, chosen: Sequence[Candidate]
) -> tuple[str, list[Candidate], list[fmt.Listed]]:
    """Render, and while the real count exceeds the budget drop the least valuable lines.

    Sentences go first, by worth per token; the artifact list (already sized to its share) goes
    last, oldest first. Returns the Markdown and the sentences and artifact lines that made it in.
    """
    kept = list(chosen)
    lines = list(frame.listed)

    def render() -> str:
        sections: dict[str, list[str]] = {}
        for candidate in sorted(kept, key=lambda c: c.order):
            sections.setdefault(candidate.section, []).append(_bullet(candidate, frame.prefix))
        return fmt.render(frame.header, sections, lines)

    def shed(excess: int) -> bool:
        if kept:
            kept.sort(key=lambda c: (c.score / c.cost, -c.order))
            removed = 0
            while kept and removed < excess:
                removed += kept.pop(0).cost
            return True
        if lines:
            lines.pop(0)
            return True
        return False

    markdown = fmt.fit(render, shed, frame.budget)
    return markdown, kept, lines
