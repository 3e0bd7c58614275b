"""Find code that lost its fences: copied chat text, plain-text exports, flattened Markdown.

Each line gets a score: the log-odds that it is code, from a linear model over ~45 cheap line
features (how it starts and ends, brackets, assignments, calls, keywords, shell tools, prompts,
and on the prose side: sentence shape, stop words, Markdown list/link/heading/table syntax,
inline `code`, speaker prefixes). The weights live in `_unfenced_weights.py`; they were fitted
by `evals/train_unfenced.py` on the dev half of the evaluation set and never on the held-out
half that `evals/artifacts_eval.py` reports.

A few shapes the line model cannot see are scored by rule: Mermaid/PlantUML diagrams, whole
HTML pages and file trees; maths and "1: item" lists (`_prose_shapes`) as prose; a
sentence or list item ending in ":" ("2. Introsort:") as a cut between two programs; the output
lines that follow a "$ command" line (a console session is one artifact), and YAML paragraphs
(each "script:" line alone reads like prose). Markdown comments are prose.

Lines are then segmented with a two-state Viterbi pass (prose / code): switching state costs a
penalty inside a paragraph (at a blank line it is free), so a lone code-looking line inside
prose stays prose while a run of code lines survives an odd comment or output line among them.
Prose-leaning lines at the edges of a run ("Run this:") are trimmed off, and a run made only of
comment lines ("# Title") is dropped.

Everything is linear in the number of lines. Long lines that are obviously prose (many words,
no code punctuation) take a fast path that skips the feature regexes, every other regex runs
only when a cheap character test says it could match, and callers may share a cache of line
scores across the turns of a conversation (chats repeat lines).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

from contextd.pipeline.artifacts._languages import SHELL_TOOLS
from contextd.pipeline.artifacts._prose_shapes import math_or_list
from contextd.pipeline.artifacts._unfenced_weights import (
    BIAS,
    MIN_SPAN_EVIDENCE,
    SWITCH_AT_BLANK,
    SWITCH_IN_PARAGRAPH,
    WEIGHTS,
)

_MAX_LINE_CHARS = 2_000  # longer lines are minified code or data; judged on a prefix
_CACHE_LINES = 100_000  # bound on a shared line-score cache


@dataclass(frozen=True)
class CodeSpan:
    """Lines `start` (inclusive) to `end` (exclusive) of the scanned lines are code."""

    start: int
    end: int


# --- line features -------------------------------------------------------------------------


def _words(text: str) -> frozenset[str]:
    """A set of the whitespace-separated words of `text` (for long word lists)."""
    return frozenset(text.split())


_STOPWORDS = _words(
    """
    a an the to of and or is are was were be been being in on at for with by from as it its this
    that these those you your we our they their he she his her i me my not no can will would
    should could may might must do does did have has had if then than so but also which who what
    when where how why there here all any some more most very just about into over after before
    because while such only other each both up out use using used
    """
)
_KEYWORD_START_RE = re.compile(
    r"^(?:def|class|import|from\s+[\w.]+\s+import|return|if|elif|else|for|while|try|except|"
    r"finally|with|async|await|const|let|var|function|export|public|private|protected|static|"
    r"void|int|package|func|fn|use|impl|struct|enum|interface|type\s+\w+\s*=|#include|#define|"
    r"raise|yield|pass|break|continue|lambda|new|throw|catch|switch|case|default|do|end|begin|"
    r"module|require|include|namespace|template|typedef|unsafe|pub|mut|val|print|println|"
    r"printf|echo|assert|del|global|nonlocal|goto|auto|char|float|double|bool|string|this|"
    r"self|super|local|then|fi|done|esac|select|insert|update|delete|create|alter|drop|"
    r"SELECT|INSERT|UPDATE|DELETE|CREATE|ALTER|DROP|WITH|FROM|WHERE|GROUP|ORDER)\b"
)
_TOOLS = "|".join(sorted((re.escape(t) for t in SHELL_TOOLS), key=len, reverse=True))
_SHELL_START_RE = re.compile(rf"^(?:sudo\s+)?(?:{_TOOLS})(?:\s+[-\w./~@:=\"'$%\\\[]|$)")
_PROMPT_RE = re.compile(r"^(?:\$|%|PS[^>]{0,60}>|[A-Z]:\\[^>]{0,60}>)\s*\S")
# "tool subcommand --option ./path": a command line of a program the tool list does not know.
_CLI_RE = re.compile(
    r"^[a-z][\w.-]*(?:\s+(?:--?[\w-]+(?:=\S+)?|[+\w./:@~=\[\],'\"*-]+))+\s*(?:#.*)?$"
)
_CLI_ARG_RE = re.compile(r"\s--?\w|\s\S*[/=.]|^\S*[-\d]\S*\s")
_ASSIGN_RE = re.compile(r"^[\w.\[\]\"'$@*]+(?:\s*,\s*[\w.\[\]*]+)*\s*(?:[-+*/%|&^]|//|\*\*)?=(?!=)")
_CALL_RE = re.compile(r"[\w\]>)]\((?!\s*\))|\w\(\)")
_MEMBER_CALL_RE = re.compile(r"\w\.\w+\(")
_OPERATOR_RE = re.compile(r"=>|->|::|:=|===|!==|!=|==|&&|\|\||\+=|-=|<<|>>|\+\+|--\w")
_COMMENT_RE = re.compile(r"^(?://|/\*|\*/|\*\s|--\s|;;|<!--)")
_HASH_COMMENT_RE = re.compile(r"^#(?:\s+[a-z0-9_(\[`'\"]|[^\s#!]|\s*$)")
_HEADING_RE = re.compile(r"^#{1,6}\s+\S")
_DEEP_HEADING_RE = re.compile(r"^#{2,6}\s")
_LIST_RE = re.compile(r"^(?:[-*+•]|\d{1,3}[.)])\s+\S")
_INLINE_CODE_RE = re.compile(r"`[^`\s][^`]*`")
_LINK_RE = re.compile(r"\[[^\]]+\]\([^)\s]+\)|<https?://|!\[")
_EMPHASIS_RE = re.compile(r"\*\*\w|__\w|(?:^|\s)_\w[^_]*_(?:\s|$)")
_TABLE_RE = re.compile(r"^\|.*\|\s*$|^\s*:?-{3,}:?\s*\|")
_STRING_RE = re.compile(r"\"[^\"]*\"|(?<![\w])'[^'\s][^']*'(?![\w])")
_IDENTIFIER_RE = re.compile(r"\b[a-z]+_[a-z0-9_]+\b|\b[a-z]+[A-Z][a-zA-Z]*\b|\b\w+\.\w+\.\w+")
_SENTENCE_START_RE = re.compile(r"^[A-Z][a-z']*,?\s+[a-z]")
_YAML_RE = re.compile(r"^(?:-\s+)?[a-z_][\w.-]*:(?:\s+\S|\s*$)")
_JSON_KEY_RE = re.compile(r"^\"[^\"]+\"\s*:")
_HTML_RE = re.compile(r"^</?[a-zA-Z][\w-]*(?:\s[^>]*)?/?>")
_SPEAKER_RE = re.compile(r"^[A-Z][\w.'-]*(?:\s[A-Z][\w.'-]*){0,3}:\s+\S")
_URL_RE = re.compile(r"https?://")
_FLAG_RE = re.compile(r"(?:^|\s)--?[a-zA-Z][\w-]*")
_PATH_RE = re.compile(
    r"(?:^|[\s\"'(])(?:\.{0,2}/|~/)[\w.-]+|\b[\w-]+\.(?:py|js|ts|json|ya?ml|toml|sh|md|txt|go|rs|c|h|cpp|java|rb|php|html|css)\b"
)
_CAPS_START_RE = re.compile(r"^[A-Z]{3,}(?:\s+[A-Z]{2,})*\s")
_DECORATOR_RE = re.compile(r"^@[\w.]+")
_YAML_ITEM_RE = re.compile(r"^-\s+[\w./\"'-]+\s*$")
_DIAGRAM_RE = re.compile(r"[├└│┌┐┘─]|-->|->>|==>|\|--|`--")
_WORD_RE = re.compile(r"[A-Za-z][a-z']*")
_SYMBOL_RE = re.compile(r"[^\w\s]|_")
_DECLARATIONS = frozenset({"const", "let", "var", "val", "auto", "local"})
_OPERATOR_CHARS = frozenset("=-:&|<>+!")
_PROMPT_FIRST = frozenset("$%PCDEFGH")
_DIAGRAM_CHARS = frozenset("├└│┌┐┘─->=|`")
_CODE_PUNCT = frozenset("(){}[];=<>$|\\_@#`*/&^~")


def line_features(line: str) -> dict[str, float]:
    """The model's features for one non-blank line (names match `_unfenced_weights`).

    Each regular expression runs only when a cheap test (a character present, the first
    character) says it could match: this function is the hot loop of extraction.
    """
    text = line[:_MAX_LINE_CHARS]
    stripped = text.strip()
    indent = len(text) - len(text.lstrip(" \t"))
    words = stripped.split()
    first_word = words[0]
    alpha_words = _WORD_RE.findall(stripped)
    stop = sum(1 for w in alpha_words if w.lower() in _STOPWORDS)
    symbols = len(_SYMBOL_RE.findall(stripped))
    first, last = stripped[0], stripped[-1]
    f: dict[str, float] = {}
    is_list = (first in "-*+•" or first.isdigit()) and _LIST_RE.match(stripped) is not None
    if indent >= 2 and not is_list:
        f["indent2"] = 1.0
        if indent >= 4:
            f["indent4"] = 1.0
    if last == ";":
        f["end_semicolon"] = 1.0
    elif last in "{[(":
        f["end_open"] = 1.0
    elif last == ",":
        f["end_comma"] = 1.0
    elif last == ":":
        f["end_colon"] = 1.0
    elif last == "\\":
        f["end_backslash"] = 1.0
    elif last in ".!?" and len(stripped) > 1 and stripped[-2].isalpha():
        f["end_sentence"] = 1.0
    if last == ")" or stripped.endswith(");"):
        f["end_paren"] = 1.0
    if first in "}])":
        f["start_close"] = 1.0
    if "=" in stripped:
        if _ASSIGN_RE.match(stripped):
            f["assign"] = 1.0
        if first_word in _DECLARATIONS:
            f["declaration"] = 1.0
    if "(" in stripped:
        if _CALL_RE.search(stripped):
            f["call"] = 1.0
        if "." in stripped and _MEMBER_CALL_RE.search(stripped):
            f["member_call"] = 1.0
    if _OPERATOR_CHARS.intersection(stripped) and _OPERATOR_RE.search(stripped):
        f["operator"] = 1.0
    if first.isalpha() or first == "#":
        if _KEYWORD_START_RE.match(stripped):
            f["keyword_start"] = 1.0
        if first.islower() and _SHELL_START_RE.match(stripped):
            f["shell_start"] = 1.0
        if first != "#" and _SENTENCE_START_RE.match(stripped):
            f["sentence_start"] = 1.0
        if stripped[:3].isupper() and _CAPS_START_RE.match(stripped):
            f["caps_start"] = 1.0
    if first in _PROMPT_FIRST and _PROMPT_RE.match(stripped):
        f["prompt"] = 1.0
    elif (first == ">" and stripped.startswith((">>> ", "... "))) or stripped == ">>>":
        f["repl"] = 1.0
    if len(words) == 1 and last == ":":
        f["key_colon" if first.islower() else "label_colon"] = 1.0
    if (
        first.islower()
        and len(words) <= 10
        and _CLI_RE.match(stripped)
        and _CLI_ARG_RE.search(stripped)
        and not any(w.lower() in _STOPWORDS for w in words[1:])
    ):
        f["cli_like"] = 1.0
    if first in "/*-;<" and _COMMENT_RE.match(stripped):
        f["comment"] = 1.0
    if first == "#":
        if _HASH_COMMENT_RE.match(stripped):
            f["hash_comment"] = 1.0
        elif _HEADING_RE.match(stripped):
            f["heading"] = 1.0
        if stripped.startswith("##") and _DEEP_HEADING_RE.match(stripped):
            f["deep_heading"] = 1.0
    if is_list:
        f["list_item" if len(words) >= 3 else "bullet"] = 1.0
    if "`" in stripped and _INLINE_CODE_RE.search(stripped):
        f["inline_code"] = 1.0
    if ("](" in stripped or "<http" in stripped or "![" in stripped) and _LINK_RE.search(stripped):
        f["link"] = 1.0
    if ("**" in stripped or "_" in stripped) and _EMPHASIS_RE.search(stripped):
        f["emphasis"] = 1.0
    if "|" in stripped and (_TABLE_RE.match(stripped) or stripped.count(" | ") >= 2):
        f["table"] = 1.0
    if ('"' in stripped or "'" in stripped) and _STRING_RE.search(stripped):
        f["string"] = 1.0
    if _IDENTIFIER_RE.search(stripped):
        f["identifier"] = 1.0
    if ":" in stripped:
        if first.islower() and _YAML_RE.match(stripped):
            f["yaml"] = 1.0
        if first.isupper() and _SPEAKER_RE.match(stripped):
            f["speaker"] = 1.0
        if "://" in stripped:
            f["url"] = 1.0
    if first == '"' and _JSON_KEY_RE.match(stripped):
        f["json_key"] = 1.0
    if first == "<" and _HTML_RE.match(stripped):
        f["html"] = 1.0
    if "-" in stripped:
        if _FLAG_RE.search(stripped):
            f["flag"] = 1.0
        if first == "-" and _YAML_ITEM_RE.match(stripped):
            f["yaml_item"] = 1.0
    if ("/" in stripped or "." in stripped) and _PATH_RE.search(stripped):
        f["path"] = 1.0
    if first == "@" and _DECORATOR_RE.match(stripped):
        f["decorator"] = 1.0
    if _DIAGRAM_CHARS.intersection(stripped) and _DIAGRAM_RE.search(stripped):
        f["diagram"] = 1.0
    if len(words) == 1:
        f["single_token"] = 1.0
    elif len(words) >= 8:
        f["many_words"] = 1.0
    if alpha_words:
        f["stop_ratio"] = stop / len(alpha_words)
        f["stop_count"] = min(stop, 10) / 10
    else:
        f["no_letters"] = 1.0
    f["symbol_ratio"] = min(symbols / len(stripped), 0.6)
    f["log_words"] = math.log1p(len(words)) / 4
    return f


def _is_plain_prose(stripped: str) -> bool:
    """Fast path: a long line of words with sentence punctuation only is prose, no regexes."""
    if len(stripped) < 60 or stripped.count(" ") < 9:
        return False
    return _CODE_PUNCT.isdisjoint(stripped)


_PLAIN_PROSE_SCORE = -8.0
# Maths and "1: item" lists (`_prose_shapes`): prose, but a lone sum inside a program (whose
# neighbours score high) stays in its span, as the in-paragraph switching cost is higher.
_MATH_SCORE = -3.0
_DIAGRAM_SCORE = 4.0
# "2. Introsort:" or "JavaScript (in a file called "jokes.js"):" between two programs: the
# answer introduces the next block, so the blocks are two artifacts. Scored below the cost of
# two switches, so that Viterbi always cuts there.
_INTRO_SCORE = -2 * SWITCH_IN_PARAGRAPH - 1.0
_INTRO_LIST_RE = re.compile(r"^(?:\d{1,3}[.)]|[-*+•])\s+[A-Z]")
_CONSOLE_OUTPUT_SCORE = 1.0
_EDGE_TRIM_SCORE = 0.0  # lines scoring below this are cut off the edges of a span
_COMMENT_STARTS = ("#", "//", "--", "/*", "<!--", ";")
_YAML_SCORE = 2.0
# "key: value", "key:" or "- item", where neither value nor item reads like a sentence.
_YAML_BLOCK_LINE_RE = re.compile(
    r"^\s*(?:-\s+)?(?:(?P<key>[a-z_][\w.-]*):(?:\s+(?P<value>\S+(?:\s+\S+){0,7}))?"
    r"|(?<=-\s)(?![A-Z][a-z]+\s)\S+(?:\s+\S+){0,7})\s*$"
)
_DIAGRAM_START_RE = re.compile(
    r"^(?:graph\s+(?:TD|TB|BT|RL|LR)|flowchart\s+(?:TD|TB|BT|RL|LR)|sequenceDiagram|classDiagram"
    r"|stateDiagram(?:-v2)?|erDiagram|gantt|gitGraph|mindmap|@startuml|@startmindmap)\s*$"
)
_HTML_PAGE_RE = re.compile(r"^<(?:!doctype\s+html|html)\b", re.IGNORECASE)
_TREE_LINE_RE = re.compile(r"^[\s│|]*(?:[├└]──|[|`+]--\s)")
_TREE_ROOT_RE = re.compile(r"^[\w.@~/-]+/?$")


def line_score(line: str) -> float:
    """Log-odds that a non-blank line is code."""
    stripped = line.strip()
    if _is_plain_prose(stripped[:_MAX_LINE_CHARS]):
        return _PLAIN_PROSE_SCORE
    if stripped[-1] == ":" and not line[0].isspace() and _introduces(stripped):
        return _INTRO_SCORE
    if math_or_list(stripped[:_MAX_LINE_CHARS]):
        return _MATH_SCORE
    total = BIAS
    for name, value in line_features(line).items():
        total += WEIGHTS.get(name, 0.0) * value
    return total


def _introduces(stripped: str) -> bool:
    """A line of prose ending in ":" (the caller checked the colon and the indentation)."""
    if _INTRO_LIST_RE.match(stripped):
        return True
    words = stripped.split()
    return (
        stripped[0].isupper()
        and len(words) >= 3
        and not stripped.startswith("Traceback")
        and any(word.lower().strip("(\"'") in _STOPWORDS for word in words[1:])
    )


# --- segmentation --------------------------------------------------------------------------

_HTML_COMMENT_OPEN = "<!--"
_HTML_COMMENT_CLOSE = "-->"


def find_code_spans(lines: Sequence[str], cache: dict[str, float] | None = None) -> list[CodeSpan]:
    """Return the runs of `lines` that are code, in order (blank lines trimmed off the ends).

    `cache` (see `score_lines`) lets one extraction score each distinct line once.
    """
    return segment(score_lines(lines, cache), lines)


def score_lines(lines: Sequence[str], cache: dict[str, float] | None = None) -> list[float | None]:
    """Each line's log-odds of being code (None for blank lines).

    `cache` (line -> score) may be shared across calls: chats repeat lines a lot.
    """
    if cache is None:
        cache = {}
    scores: list[float | None] = []
    in_comment = False
    diagram: str | None = None  # inside an unfenced Mermaid or PlantUML diagram
    for line in lines:
        stripped = line.strip()
        if not stripped:
            scores.append(None)
            if diagram == "mermaid":
                diagram = None  # a Mermaid diagram ends at a blank line
            continue
        if in_comment or stripped.startswith(_HTML_COMMENT_OPEN):
            # Markdown comments (and the YAML metadata some docs keep in them) are not shown.
            in_comment = _HTML_COMMENT_CLOSE not in stripped
            scores.append(_PLAIN_PROSE_SCORE)
            continue
        if (
            diagram is not None
            or _DIAGRAM_START_RE.match(stripped)
            or _HTML_PAGE_RE.match(stripped)
        ):
            # Diagram languages look like nothing else; the model never saw them. Nor did it see
            # a whole HTML page (the docs it learnt from hold HTML only as Markdown markup).
            if diagram is None:
                diagram = {"@": "plantuml", "<": "html"}.get(stripped[0], "mermaid")
            if (diagram == "html" and "</html>" in stripped.lower()) or (
                diagram == "plantuml" and stripped.startswith("@end")
            ):
                diagram = None
            scores.append(_DIAGRAM_SCORE)
            continue
        if _TREE_LINE_RE.search(line):
            scores.append(_DIAGRAM_SCORE)
            _raise_tree_root(lines, scores)
            continue
        score = cache.get(line)
        if score is None:
            score = line_score(line)
            if len(cache) < _CACHE_LINES:
                cache[line] = score
        scores.append(score)
    _apply_paragraph_rules(lines, scores)
    return scores


def _apply_paragraph_rules(lines: Sequence[str], scores: list[float | None]) -> None:
    """Two shapes a line model cannot see, one paragraph (blank-line-free run) at a time.

    * A console session: the lines right after a "$ command" line are its output, and belong
      to the same artifact (the COMMAND classifier later keeps only the commands).
    * A YAML document: every line is "key: value", "key:" or "- item" with lower-case keys,
      and some line opens a nested level. Each line alone reads like prose ("script:").
    """
    start = 0
    count = len(lines)
    while start < count:
        if scores[start] is None:
            start += 1
            continue
        end = start
        while end < count and scores[end] is not None:
            end += 1
        _console_output(lines, scores, start, end)
        _yaml_block(lines, scores, start, end)
        start = end


def _console_output(lines: Sequence[str], scores: list[float | None], start: int, end: int) -> None:
    prompted = False
    for index in range(start, end):
        stripped = lines[index].lstrip()
        if stripped[:1] in _PROMPT_FIRST and _PROMPT_RE.match(stripped):
            prompted = True
        elif prompted:
            scores[index] = max(scores[index] or 0.0, _CONSOLE_OUTPUT_SCORE)


def _yaml_block(lines: Sequence[str], scores: list[float | None], start: int, end: int) -> None:
    if end - start < 2:
        return
    nested = False
    keys = 0
    for index in range(start, end):
        line = lines[index]
        match = _YAML_BLOCK_LINE_RE.match(line)
        if match is None:
            return
        if match.group("key"):
            keys += 1
            nested = nested or line[:1].isspace() or not match.group("value")
    if keys and nested:
        for index in range(start, end):
            scores[index] = max(scores[index] or 0.0, _YAML_SCORE)


def _raise_tree_root(lines: Sequence[str], scores: list[float | None]) -> None:
    """The line above a file tree's first branch ("src/", "project") belongs to the tree."""
    above = len(scores) - 2
    if above >= 0 and scores[above] is not None and scores[above] != _DIAGRAM_SCORE:
        root = lines[above].strip()
        if _TREE_ROOT_RE.match(root):
            scores[above] = _DIAGRAM_SCORE


def segment(scores: Sequence[float | None], lines: Sequence[str] | None = None) -> list[CodeSpan]:
    """Cut scored lines into code spans (Viterbi, then the evidence floor).

    With `lines`, a span made only of comment lines ("# title", "// note") is dropped too:
    a heading that looks like a comment is not an artifact.
    """
    return [
        span
        for span in _viterbi(scores, lines)
        if _evidence(scores, span) >= MIN_SPAN_EVIDENCE
        and (lines is None or not _only_comments(lines, span))
    ]


def _only_comments(lines: Sequence[str], span: CodeSpan) -> bool:
    return all(
        not line.strip() or line.lstrip().startswith(("#", "//"))
        for line in lines[span.start : span.end]
    )


def _viterbi(scores: Sequence[float | None], lines: Sequence[str] | None) -> list[CodeSpan]:
    """Best prose/code labelling: code lines earn their score, prose lines zero, switches cost."""
    prose, code = 0.0, -SWITCH_AT_BLANK  # best totals ending in each state
    back: list[
        tuple[bool, bool]
    ] = []  # per line: (best previous is code | now prose, ... | now code)
    after_blank = True
    for score in scores:
        if score is None:
            back.append((False, True))  # blank lines keep their state for free
            after_blank = True
            continue
        switch = SWITCH_AT_BLANK if after_blank else SWITCH_IN_PARAGRAPH
        from_code_to_prose = code - switch
        prose_prev_code = from_code_to_prose > prose
        new_prose = max(prose, from_code_to_prose)
        from_prose_to_code = prose - switch
        code_prev_code = code >= from_prose_to_code
        new_code = max(code, from_prose_to_code) + score
        prose, code = new_prose, new_code
        back.append((prose_prev_code, code_prev_code))
        after_blank = False
    # Walk back from the best final state.
    state_code = code > prose
    labels = [False] * len(scores)
    for index in range(len(scores) - 1, -1, -1):
        if scores[index] is None:
            labels[index] = state_code
            continue
        labels[index] = state_code
        prose_prev_code, code_prev_code = back[index]
        state_code = code_prev_code if state_code else prose_prev_code
    return _runs(labels, scores, lines)


def _runs(
    labels: Sequence[bool], scores: Sequence[float | None], lines: Sequence[str] | None
) -> list[CodeSpan]:
    spans: list[CodeSpan] = []
    start: int | None = None
    for index, is_code in enumerate([*labels, False]):
        if is_code and start is None:
            start = index
        elif not is_code and start is not None:
            end = index
            # Blank lines, and lines that lean prose, at the edges of a run are not code: the
            # switching cost lets Viterbi swallow "Run this:" right above the code.
            while start < end and _leans_prose(scores[start], lines, start):
                start += 1
            while end > start and _leans_prose(scores[end - 1], lines, end - 1):
                end -= 1
            if start < end:
                spans.append(CodeSpan(start, end))
            start = None
    return spans


def _leans_prose(score: float | None, lines: Sequence[str] | None, index: int) -> bool:
    """A blank line, or a prose-leaning line that is not a comment (comments carry titles)."""
    if score is None:
        return True
    if score >= _EDGE_TRIM_SCORE or lines is None:
        return False
    return not lines[index].lstrip().startswith(_COMMENT_STARTS)


def _evidence(scores: Sequence[float | None], span: CodeSpan) -> float:
    return sum(max(s, -4.0) for s in scores[span.start : span.end] if s is not None)
