"""The optional LLM snapshot engine: any OpenAI-compatible Chat Completions endpoint.

The built-in engine is extractive: it can only quote. A language model can merge, rephrase and
notice what a revision made obsolete, so operators who run one (Ollama, vLLM, llama.cpp's server,
LM Studio, a hosted API) can point contextd at it. The model is asked for the built-in engine's
sections and citation format, and nothing it returns is trusted:

* only the known section headings are kept, rendered in the fixed order, empty ones omitted;
* every line must cite at least one turn (or paragraph) that exists; unknown references are
  removed and a line left with none is dropped;
* the Artifacts section is not the model's: it is rendered from the extracted artifacts;
* the token budget is a hard limit, counted with our tokenizer: whole bullets are dropped from the
  end of the least important sections until the Markdown fits, never a partial line.

Anything that goes wrong (connection refused, timeout, HTTP error, unreadable or empty answer)
raises `LLMUnavailable`; `snapshot_with_fallback` then uses the built-in engine and returns the
reason, so one misbehaving model server never fails a source.

The client is the official `openai` package (litellm had malicious releases), imported on first
use, one per configuration, with `max_retries=0` so that `LLMConfig.timeout` bounds the wait.
The call is synchronous: run it in the job worker, never on a request path.
"""

from __future__ import annotations

import functools
import heapq
import logging
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Protocol

from contextd.domain.enums import ArtifactType
from contextd.pipeline._cues import SECTIONS, judge
from contextd.pipeline._sentences import split_sentences
from contextd.pipeline.snapshot import MIN_BUDGET, build_snapshot, snapshot_title
from contextd.pipeline.tokens import TOKENIZER_NAME, count_tokens, truncate_to_tokens
from contextd.pipeline.types import ArtifactDraft, Document, SnapshotDraft, Turn

if TYPE_CHECKING:
    import openai
    from openai.types.chat import ChatCompletionMessageParam

log = logging.getLogger("contextd.llm")

ENGINE_PREFIX = "llm:"
ARTIFACTS = "Artifacts"
# When the answer is over budget, bullets go from these sections first (least important first).
TRIM_ORDER: tuple[str, ...] = (
    "Constraints and facts",
    "Current state",
    "Open questions",
    "Decisions",
    "Next steps",
    "Goal",
)
ARTIFACT_SHARE = 0.25  # at most this share of the budget goes to the artifact list
MAX_ARTIFACTS = 30  # listed in the snapshot
MAX_PROMPT_ARTIFACTS = 100  # shown to the model
# Shares of the transcript allowance when the transcript must be shortened: the opening (where
# goals are stated), then the most recent turns; what is left holds key sentences of the middle.
HEAD_SHARE = 0.2
HEAD_AND_TAIL_SHARE = 0.7
_MAX_EXCERPT_CANDIDATES = 20_000
_MAX_REASON_CHARS = 300
_MAX_ARTIFACT_CITATIONS = 3
# The model's tokenizer is not ours: keep a margin below max_input_tokens for the difference and
# for the chat template's per-message tokens.
_INPUT_MARGIN = 0.05
_MIN_TRANSCRIPT_TOKENS = 256
# The openai client insists on a key; this one is never sent (see `_request`).
_NO_KEY = "contextd-no-api-key"


class LLMUnavailable(Exception):
    """The LLM engine could not produce a usable snapshot; `reason` says why, for the user."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class LLMConfig:
    """Where the model is. `base_url` is the API root the client appends `/chat/completions` to,
    e.g. "http://127.0.0.1:11434/v1"; `timeout` is in seconds per request phase (no retries);
    `max_input_tokens` bounds the whole prompt (leave room for the answer in the model's window).
    """

    base_url: str
    model: str
    api_key: str | None = field(default=None, repr=False)
    timeout: float = 60.0
    max_input_tokens: int = 100_000


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


# --- public API ----------------------------------------------------------------------------


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
    if not ratio > 0:
        raise ValueError("ratio must be positive")
    if budget_tokens is not None and budget_tokens < 0:
        raise ValueError("budget_tokens must not be negative")
    conversation = bool(turns)
    prefix = "t" if conversation else "p"
    source = "\n\n".join(turn.text for turn in turns) if conversation else document.text
    tokens_before = count_tokens(source)
    del source
    budget = min(budget_tokens or max(MIN_BUDGET, math.floor(tokens_before / ratio)), tokens_before)
    engine = ENGINE_PREFIX + config.model
    units = _turn_units(turns) if conversation else _paragraph_units(document)

    header = f"# Context snapshot: {snapshot_title(document, conversation)}"
    header_cost = count_tokens(header + "\n")
    if header_cost >= budget:
        # An empty source, or not even the title fits: no question worth asking.
        markdown = truncate_to_tokens(header + "\n", budget) if budget else ""
        return _draft(markdown, tokens_before, budget, (), engine)

    artifact_lines = _artifact_lines(artifacts, prefix)
    available = (budget - header_cost) * ARTIFACT_SHARE
    listed = _fit_artifacts(artifact_lines, available, newest_first=conversation)
    listed_cost = count_tokens(_block(ARTIFACTS, [item.line for item in listed])) if listed else 0
    prose_budget = budget - header_cost - listed_cost
    if not units:  # only code (a document of code blocks): the artifact list says it all
        markdown, _, listed = _fit(header, {}, listed, prefix, budget)
        refs = sorted({ref for item in listed for ref in item.refs})
        return _draft(markdown, tokens_before, budget, tuple(refs), engine)

    messages = _messages(
        units,
        title=snapshot_title(document, conversation),
        prefix=prefix,
        artifact_index=[item.line for item in artifact_lines[-MAX_PROMPT_ARTIFACTS:]],
        prose_budget=prose_budget,
        max_input_tokens=config.max_input_tokens,
    )
    answer = _request(config, messages)
    known = {unit.ref for unit in units}
    sections = _parse(answer, prefix, known)
    if not any(sections.values()):
        raise LLMUnavailable("invalid answer: no section line cites a known " + _unit_name(prefix))

    markdown, sections, listed = _fit(header, sections, listed, prefix, budget)
    cited: set[int] = set()
    if conversation:
        cited.update(ref for bullets in sections.values() for _, refs in bullets for ref in refs)
        cited.update(ref for item in listed for ref in item.refs)
    return _draft(markdown, tokens_before, budget, tuple(sorted(cited)), engine)


def snapshot_with_fallback(
    turns: Sequence[Turn],
    document: Document,
    artifacts: Sequence[ArtifactDraft],
    *,
    config: LLMConfig | None,
    budget_tokens: int | None = None,
    ratio: float = 4.0,
    builtin: SnapshotBuilder = build_snapshot,
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


# --- the request ---------------------------------------------------------------------------


def _request(config: LLMConfig, messages: list[ChatCompletionMessageParam]) -> str:
    """Send one Chat Completions request and return the answer's text, or raise LLMUnavailable."""
    import openai

    try:
        completion = _client(config).chat.completions.create(
            model=config.model,
            messages=messages,
            extra_headers=None if config.api_key else {"Authorization": openai.Omit()},
        )
    except openai.APITimeoutError as exc:
        raise LLMUnavailable(f"timed out after {config.timeout:g} s") from exc
    except openai.APIConnectionError as exc:
        raise LLMUnavailable(_reason(f"connection failed: {_cause(exc)}", config)) from exc
    except openai.APIStatusError as exc:
        detail = _status_detail(exc)
        raise LLMUnavailable(_reason(f"HTTP {exc.status_code}: {detail}", config)) from exc
    except (openai.OpenAIError, ValueError, TypeError) as exc:
        # A 200 whose body is not JSON, a response the client could not build, a bad base URL.
        raise LLMUnavailable(_reason(f"invalid response: {_cause(exc)}", config)) from exc
    return _content(completion)


@functools.lru_cache(maxsize=8)
def _client(config: LLMConfig) -> openai.OpenAI:
    """One client per configuration, kept for its connection pool (it is thread-safe).

    The key is passed explicitly so that the client never picks up OPENAI_API_KEY from the
    environment and sends it to a third-party URL; without a key, `_request` omits the
    Authorization header altogether. `openai` is imported on first use: it takes seconds.
    """
    import openai

    return openai.OpenAI(
        base_url=config.base_url,
        api_key=config.api_key or _NO_KEY,
        timeout=config.timeout,
        max_retries=0,
    )


def _content(completion: object) -> str:
    """The first choice's text; the client does not validate shapes, so neither do we assume."""
    choices = getattr(completion, "choices", None)
    if not isinstance(choices, list) or not choices:
        raise LLMUnavailable("invalid response: no choices")
    message = getattr(choices[0], "message", None)
    content = getattr(message, "content", None)
    if not isinstance(content, str) or not content.strip():
        refusal = getattr(message, "refusal", None)
        if isinstance(refusal, str) and refusal.strip():
            raise LLMUnavailable(f"the model refused: {' '.join(refusal.split())[:200]}")
        raise LLMUnavailable("empty answer")
    return content


def _status_detail(exc: openai.APIStatusError) -> str:
    """The server's own error message ({"error": {"message": ...}} in OpenAI's shape)."""
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error", body)
        message = error.get("message") if isinstance(error, dict) else error
        if message:
            return " ".join(str(message).split())
    text = exc.response.text if not body else str(body)
    return " ".join(text.split()) or exc.response.reason_phrase


def _cause(exc: BaseException) -> str:
    """The innermost useful message: "Connection error." alone says little."""
    parts = [" ".join(str(exc).split()) or type(exc).__name__]
    inner = exc.__cause__ or exc.__context__
    if inner is not None and str(inner) and str(inner) not in parts[0]:
        parts.append(" ".join(str(inner).split()))
    return ": ".join(parts)


def _reason(text: str, config: LLMConfig) -> str:
    if config.api_key:
        text = text.replace(config.api_key, "***")
    if len(text) > _MAX_REASON_CHARS:
        text = text[: _MAX_REASON_CHARS - 1].rstrip() + "…"
    return text


# --- the prompt ----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Unit:
    """One turn or paragraph as the model sees it: "[t12] User: text" or "[p3] text"."""

    ref: int
    label: str
    text: str
    role: str | None


def _turn_units(turns: Sequence[Turn]) -> list[_Unit]:
    return [
        _Unit(
            turn.index, f"[t{turn.index}] {' '.join(turn.speaker.split()) or '?'}: ", t, turn.role
        )
        for turn in turns
        if (t := turn.text.strip())
    ]


def _paragraph_units(document: Document) -> list[_Unit]:
    """Paragraphs numbered as the built-in engine numbers them (code blocks count, unshown)."""
    texts: dict[int, list[str]] = {}
    for sentence in split_sentences(document.text):
        texts.setdefault(sentence.paragraph, []).append(sentence.text)
    return [_Unit(n, f"[p{n}] ", " ".join(parts), None) for n, parts in texts.items()]


def _unit_name(prefix: str) -> str:
    return "turn" if prefix == "t" else "paragraph"


_SYSTEM = """\
You write context snapshots: compact Markdown briefs of a long {source} that let someone (or \
another AI) continue the work without reading it.

Write these sections, with exactly these headings, in this order, leaving out any section \
that would be empty:
## Goal: what the user is trying to achieve.
## Current state: what exists and works now, what is broken.
## Decisions: choices made; when a decision was revised, only the latest one.
## Constraints and facts: requirements, limits, versions, environment facts.
## Open questions: questions still unanswered at the end.
## Next steps: what is planned or should be done next.

Rules:
- Under a heading write only bullets: one line each, starting with "- ". No sub-bullets, no \
prose paragraphs, no tables, no code blocks.
- End every bullet with the {unit}s it comes from, in square brackets, like [{p}12] or \
[{p}12, {p}40]. Cite only markers that appear in the {source}, such as [{p}{example}]. A bullet \
without a valid citation is deleted.
- Do not write a title, an Artifacts section, or anything before the first heading or after \
the last bullet. Code, schemas and commands are listed separately; refer to them by title \
instead of copying them.
- Leave out pleasantries, offers of help and questions that were answered.
- The whole answer must stay within {budget} tokens (about {words} words). Write fewer, \
denser bullets rather than more; if the answer is too long, bullets are deleted from the end \
of the less important sections.
"""


def _messages(
    units: Sequence[_Unit],
    *,
    title: str,
    prefix: str,
    artifact_index: Sequence[str],
    prose_budget: int,
    max_input_tokens: int,
) -> list[ChatCompletionMessageParam]:
    source = _source_name(prefix)
    system = _SYSTEM.format(
        source=source,
        unit=_unit_name(prefix),
        p=prefix,
        example=units[0].ref,
        budget=prose_budget,
        words=max(20, prose_budget * 3 // 4),
    )
    artifacts = "\n".join(artifact_index) if artifact_index else "(none)"
    opening = (
        f"Title: {title}\n\nArtifacts found in the {source} (listed separately, refer to "
        f"them by title):\n{artifacts}\n\n"
    )
    fixed = count_tokens(system) + count_tokens(opening) + 64
    allowance = math.floor(max_input_tokens * (1 - _INPUT_MARGIN)) - fixed
    if allowance < _MIN_TRANSCRIPT_TOKENS:
        raise LLMUnavailable(f"max_input_tokens ({max_input_tokens}) leaves no room for the text")
    body, note = _fit_transcript(units, prefix, allowance)
    user = (
        f"{opening}{note}The {source}, each {_unit_name(prefix)} marked [{prefix}N]:\n"
        f"<{source}>\n{body}\n</{source}>\n\nWrite the snapshot now."
    )
    return [{"role": "system", "content": system}, {"role": "user", "content": user}]


def _fit_transcript(units: Sequence[_Unit], prefix: str, allowance: int) -> tuple[str, str]:
    """The marked text within `allowance` tokens, and a note for the prompt when shortened.

    Too long a text keeps its opening (goals are stated there) and its most recent part in full
    and, from the middle, the sentences the built-in engine's cues rate highest (decisions,
    constraints, state changes), each under its marker, in order.
    """
    costs = [count_tokens(unit.label + unit.text) + 1 for unit in units]
    if sum(costs) <= allowance:
        return "\n\n".join(unit.label + unit.text for unit in units), ""

    if len(units) == 1:
        return _shortened(units[0], allowance), _cut_note(prefix)
    marker_reserve = 64
    lines: dict[int, str] = {}  # position in `units` -> rendered line
    used = 0
    head_end = 0  # units[:head_end] are in the opening
    for position, unit in enumerate(units):
        if used + costs[position] > allowance * HEAD_SHARE:
            if position == 0:
                lines[0] = _shortened(unit, int(allowance * HEAD_SHARE))
                used += count_tokens(lines[0]) + 1
                head_end = 1
            break
        lines[position] = unit.label + unit.text
        used += costs[position]
        head_end = position + 1

    tail_start = len(units)
    tail_cap = allowance * HEAD_AND_TAIL_SHARE - marker_reserve
    for position in range(len(units) - 1, head_end - 1, -1):
        if used + costs[position] > tail_cap:
            if position == len(units) - 1:
                # The latest unit alone is too long: its beginning, with all the room left when
                # nothing lies between it and the opening.
                room = int((allowance if position == head_end else tail_cap) - used)
                if room > count_tokens(units[position].label) + 16:
                    lines[position] = _shortened(units[position], room)
                    used += count_tokens(lines[position]) + 1
                    tail_start = position
            break
        lines[position] = units[position].label + units[position].text
        used += costs[position]
        tail_start = position

    parts = [lines[p] for p in range(head_end)]
    middle = range(head_end, tail_start)
    if not middle:
        parts.extend(lines[p] for p in range(tail_start, len(units)))
        return "\n\n".join(parts), _cut_note(prefix)
    excerpts = _excerpts(units, middle, int(allowance - used - marker_reserve))
    first, last = units[middle.start].ref, units[middle.stop - 1].ref
    span = f"{prefix}{first}\u2013{prefix}{last}" if first != last else f"{prefix}{first}"
    name = _unit_name(prefix)
    parts.append(f"[… {len(middle)} {name}s ({span}) shortened: only key sentences quoted …]")
    parts.extend(excerpts)
    parts.append("[… end of the shortened part …]")
    parts.extend(lines[p] for p in range(tail_start, len(units)))
    note = (
        f"The {_source_name(prefix)} was too long to send in full: its first and its most recent "
        f"{name}s are shown, but from {span} only key sentences are quoted (marked 'excerpt') "
        'and the rest is left out; "[…]" marks a cut. Say nothing about what you cannot '
        "see.\n\n"
    )
    return "\n\n".join(parts), note


def _cut_note(prefix: str) -> str:
    return (
        f'The {_source_name(prefix)} was too long to send in full: "[…]" marks where a long '
        f"{_unit_name(prefix)} was cut. Say nothing about what you cannot see.\n\n"
    )


def _source_name(prefix: str) -> str:
    return "conversation" if prefix == "t" else "document"


def _shortened(unit: _Unit, tokens: int) -> str:
    room = max(0, tokens - count_tokens(unit.label) - 8)
    return unit.label + truncate_to_tokens(unit.text, room).rstrip() + " […]"


def _excerpts(units: Sequence[_Unit], middle: range, allowance: int) -> list[str]:
    """The best-rated sentences of `units[middle]` within `allowance`, grouped by unit, in order."""
    if allowance <= 0 or not middle:
        return []
    last = max(1, len(units) - 1)
    heap: list[tuple[float, int, int, str]] = []  # (score, -order, position, text): a min-heap
    order = 0
    for position in middle:
        unit = units[position]
        for sentence in split_sentences(unit.text):
            judged = judge(
                sentence.text,
                role=unit.role,
                position=position / last,
                early=False,
                unanswered=unit.role is None,  # the middle of a conversation was answered
                heading=sentence.heading,
            )
            order += 1
            if judged is None:
                continue
            item = (judged.score, -order, position, sentence.text)
            if len(heap) < _MAX_EXCERPT_CANDIDATES:
                heapq.heappush(heap, item)
            elif item > heap[0]:
                heapq.heapreplace(heap, item)
    chosen: dict[int, list[tuple[int, str]]] = {}
    used = 0
    for score, negative_order, position, text in sorted(heap, reverse=True):
        del score
        cost = count_tokens(text) + 1
        if position not in chosen:
            cost += count_tokens(units[position].label + "(excerpt) ") + 1
        if used + cost > allowance:
            continue
        used += cost
        chosen.setdefault(position, []).append((-negative_order, text))
    return [
        units[p].label + "(excerpt) " + " … ".join(text for _, text in sorted(chosen[p]))
        for p in sorted(chosen)
    ]


# --- the answer ----------------------------------------------------------------------------

_THINK_RE = re.compile(r"<think(?:ing)?>.*?(?:</think(?:ing)?>|\Z)", re.S | re.I)
_FENCE_RE = re.compile(r"^\s*(```|~~~)")
_HEADING_RE = re.compile(r"^\s{0,3}#{1,6}\s*(.*?)\s*#*\s*$")
_BOLD_HEADING_RE = re.compile(r"^\s*(?:\*\*|__)([^*_]+?)(?:\*\*|__)\s*:?\s*$")
_ITEM_RE = re.compile(r"^\s*(?:>\s*)?(?:[-*+•]|\d{1,3}[.)])\s+")
_DASHES = "\u2013\u2014"
_NUMBERING_RE = re.compile(r"^\d{1,2}[.)]\s*")
_REF = r"([tp])\s?\d+"
_MORE_REFS = rf"(?:\s*(?:,|;|-|{_DASHES}|and|&)\s*(?:[tp]\s?)?\d+)*"
# Citations as models write them: "[t12]", "[t12, t40]", "[T12,40]", "(t3; t4)", "[t3-t5]".
# Both kinds are recognised so that a stray "[t1]" in a document's snapshot is removed too.
_CITATION_RE = re.compile(
    rf"\s*(?:\[\s*{_REF}{_MORE_REFS}\s*\]|\(\s*{_REF}{_MORE_REFS}\s*\))", re.I
)
_SECTION_NAMES = {name.lower(): name for name in (*SECTIONS, ARTIFACTS)}
_SECTION_ALIASES = {
    "goals": "Goal",
    "objective": "Goal",
    "state": "Current state",
    "status": "Current state",
    "current status": "Current state",
    "decision": "Decisions",
    "key decisions": "Decisions",
    "constraints": "Constraints and facts",
    "facts": "Constraints and facts",
    "constraints and key facts": "Constraints and facts",
    "questions": "Open questions",
    "open question": "Open questions",
    "next step": "Next steps",
    "artifact": ARTIFACTS,
}

Bullet = tuple[str, tuple[int, ...]]  # text without citations, cited references in order


def _parse(answer: str, prefix: str, known: set[int]) -> dict[str, list[Bullet]]:
    """The answer's bullets by section, keeping only lines that cite known references.

    Headings may be written loosely ("### 2. Next steps:", "**Decisions**"); unknown sections, the
    model's own Artifacts section, text before the first heading, code blocks and tables are
    ignored. A line citing some unknown references keeps the known ones; duplicates are dropped.
    """
    text = _THINK_RE.sub("", answer)
    if not text.strip():
        raise LLMUnavailable("empty answer")
    sections: dict[str, list[Bullet]] = {name: [] for name in SECTIONS}
    seen: set[str] = set()
    headings = 0
    current: str | None = None
    in_fence = False
    for raw in text.splitlines():
        if _FENCE_RE.match(raw):
            # A fence around the whole answer ("```markdown") hides nothing we want; any other
            # code block is skipped.
            in_fence = not in_fence and not _is_wrapper_fence(raw)
            continue
        line = raw.strip()
        if in_fence or not line or line.startswith("|"):
            continue
        heading = _HEADING_RE.match(raw) or _BOLD_HEADING_RE.match(raw)
        if heading:
            name = _section_name(heading.group(1))
            if name is not None or raw.lstrip().startswith("#"):
                current = name if name in sections else None
                headings += name is not None
                continue
        if current is None:
            continue
        body = _ITEM_RE.sub("", line, count=1)
        refs: list[int] = []
        for match in _CITATION_RE.finditer(body):
            if (match.group(1) or match.group(2)).lower() == prefix:
                refs.extend(int(number) for number in re.findall(r"\d+", match.group(0)))
        cited = tuple(dict.fromkeys(ref for ref in refs if ref in known))
        words = " ".join(_CITATION_RE.sub("", body).split()).strip(" -:;," + _DASHES)
        if not cited or not words:
            continue
        key = words.lower()
        if key in seen:
            continue
        seen.add(key)
        sections[current].append((words, cited))
    if not headings:
        raise LLMUnavailable("invalid answer: none of the snapshot's section headings")
    return sections


def _is_wrapper_fence(line: str) -> bool:
    info = line.strip().lstrip("`~").strip().lower()
    return info in ("", "markdown", "md")


def _section_name(heading: str) -> str | None:
    text = _NUMBERING_RE.sub("", heading.strip().strip("*_").strip())
    text = " ".join(text.replace("&", "and").rstrip(":").lower().split())
    return _SECTION_NAMES.get(text) or _SECTION_ALIASES.get(text)


# --- rendering and the budget --------------------------------------------------------------


def _bullet(text: str, refs: Sequence[int], prefix: str) -> str:
    return f"- {text} [{', '.join(f'{prefix}{ref}' for ref in sorted(refs))}]"


def _block(name: str, lines: Sequence[str]) -> str:
    return f"\n## {name}\n" + "".join(line + "\n" for line in lines)


def _render(
    header: str,
    sections: dict[str, list[Bullet]],
    listed: Sequence[_Listed],
    prefix: str,
) -> str:
    parts = [header + "\n"]
    for name in SECTIONS:
        if sections.get(name):
            parts.append(_block(name, [_bullet(t, refs, prefix) for t, refs in sections[name]]))
    if listed:
        parts.append(_block(ARTIFACTS, [item.line for item in listed]))
    return "".join(parts)


def _fit(
    header: str,
    sections: dict[str, list[Bullet]],
    listed: Sequence[_Listed],
    prefix: str,
    budget: int,
) -> tuple[str, dict[str, list[Bullet]], list[_Listed]]:
    """Render, dropping whole bullets until the real token count is within `budget`.

    Bullets go from the end of the sections in `TRIM_ORDER`, first down to one bullet per
    section, then entirely; the artifact list (already sized to its share) goes last, oldest
    first. Costs of the dropped lines are summed to drop several per count; the rendered result
    is always counted again.
    """
    kept = {name: list(bullets) for name, bullets in sections.items()}
    lines = list(listed)
    while True:
        markdown = _render(header, kept, lines, prefix)
        excess = count_tokens(markdown) - budget
        if excess <= 0:
            return markdown, kept, lines
        removed = 0
        while removed < excess:
            victim = _next_victim(kept)
            if victim is not None:
                text, refs = kept[victim].pop()
                removed += count_tokens(_bullet(text, refs, prefix) + "\n")
            elif lines:
                removed += count_tokens(lines.pop(0).line + "\n")
            else:
                break
        if removed == 0:  # the header alone fits (checked before asking), so this is unreachable
            return truncate_to_tokens(markdown, budget), kept, lines


def _next_victim(kept: dict[str, list[Bullet]]) -> str | None:
    for name in TRIM_ORDER:
        if len(kept.get(name, ())) > 1:
            return name
    for name in TRIM_ORDER:
        if kept.get(name):
            return name
    return None


@dataclass(frozen=True)
class _Listed:
    """One line of the artifact list, with its citations and its place in the source."""

    line: str
    refs: tuple[int, ...]
    rank: tuple[int, int]  # (last turn cited, position among the artifacts)
    command: bool


def _artifact_lines(artifacts: Sequence[ArtifactDraft], prefix: str) -> list[_Listed]:
    """One line per current artifact (the latest of those sharing a title), in order of last
    appearance ("first come" for documents, whose artifacts cite no turns).
    """
    latest: dict[str, tuple[tuple[int, int], ArtifactDraft]] = {}
    for position, artifact in enumerate(artifacts):
        key = " ".join(artifact.title.lower().split())
        rank = (max(artifact.turn_indexes, default=-1), position)
        if key not in latest or rank > latest[key][0]:
            latest[key] = (rank, artifact)
    result: list[_Listed] = []
    for rank, artifact in sorted(latest.values(), key=lambda pair: pair[0]):
        kind = artifact.type.value.lower()
        details = f"{kind}, {artifact.language}" if artifact.language else kind
        line = f"- {' '.join(artifact.title.split())} ({details})"
        refs = tuple(artifact.turn_indexes[-_MAX_ARTIFACT_CITATIONS:]) if prefix == "t" else ()
        if refs:
            line += " [" + ", ".join(f"{prefix}{i}" for i in refs) + "]"
        result.append(_Listed(line, refs, rank, artifact.type is ArtifactType.COMMAND))
    return result


def _fit_artifacts(
    listed: Sequence[_Listed], available: float, *, newest_first: bool
) -> list[_Listed]:
    """At most `MAX_ARTIFACTS` lines within `available` tokens, in order of appearance.

    Code, schemas and diagrams are preferred to commands; within each, the newest for a
    conversation and the first for a document, as the built-in engine does.
    """
    preferred = list(reversed(listed)) if newest_first else list(listed)
    preferred.sort(key=lambda item: item.command)
    used = count_tokens(f"\n## {ARTIFACTS}\n")
    kept: list[_Listed] = []
    for item in preferred[:MAX_ARTIFACTS]:
        cost = count_tokens(item.line + "\n")
        if used + cost <= available:
            used += cost
            kept.append(item)
    return sorted(kept, key=lambda item: item.rank)


def _draft(
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


__all__ = [
    "LLMConfig",
    "LLMUnavailable",
    "SnapshotBuilder",
    "build_llm_snapshot",
    "snapshot_with_fallback",
]
