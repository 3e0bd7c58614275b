"""Name the language of a piece of code from its text alone (no fence label).

Three sources of evidence, cheapest first:

1. **Certain cues** decide alone: a shebang, a diagram header (`graph TD`, `@startuml`,
   `digraph {`), a shell prompt (`$ `, `PS C:\\>`), a Python REPL (`>>> `), a document that
   parses as JSON, an XML/PHP/HTML prologue. File trees and box drawings get no language.
2. **Weighted syntax cues**: about 150 regular expressions, each tied to one language with a
   weight (`def f(...):` for Python, `=>` and `const x =` for JavaScript, `std::` for C++...).
   Matches are counted (capped, so one long file cannot drown the others) and summed; the weak
   cues are skipped when the strong ones already leave no doubt.
3. **magika**, Google's file-type model (it ships its ONNX model in the wheel and runs offline),
   scores the block when the cues are not decisive. It is the expensive step (~15 ms a call on
   one core, and batching does not speed it up on CPU), so the caller passes a budget of calls.

The final answer adds magika's probabilities to the cue scores. Languages that are supersets
of another (TypeScript of JavaScript, C++ of C) or that models confuse with shells (PowerShell,
Windows batch) are only answered when a cue specific to them was seen, because magika alone
calls a lot of plain JavaScript "TypeScript" and short shell lines "batch".
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass

from contextd.pipeline.artifacts import _magika
from contextd.pipeline.artifacts._languages import SHELL_TOOLS, canonical_language

_SAMPLE_CHARS = 4_000  # what magika and the certain cues see
_CUE_SAMPLE_CHARS = 1_500  # what the ~150 cue patterns scan (their cost grows with it)
_LINE_CAP = 4  # a cue counts at most this many times in one block
# Cue score at which magika is not consulted: the cues already agree on one language by far.
_CONFIDENT_SCORE = 6.0
_CONFIDENT_MARGIN = 3.0
_MAGIKA_WEIGHT = 4.0  # magika's probability (0..1) is worth this many cue points
_MIN_SCORE = 2.0  # below this total, the block gets no language
_MIN_MAGIKA_CHARS = 12

# Languages answered only when a cue of their own was seen (see the module docstring).
_NEEDS_OWN_CUE = frozenset({"typescript", "cpp", "powershell", "batch", "hcl", "gradle", "groovy"})
# The base language a superset falls back to when its own cues are missing.
_FALLBACK = {"typescript": "javascript", "cpp": "c", "powershell": "bash", "batch": "bash"}

# magika labels -> canonical names (labels that are not code map to None).
_MAGIKA_LABELS: dict[str, str | None] = {
    "shell": "bash",
    "cs": "csharp",
    "objectivec": "objective-c",
    "proto": "protobuf",
    "jsonl": "json",
    "txt": None,
    "randomtxt": None,
    "markdown": None,
    "rst": None,
    "csv": None,
    "tsv": None,
    "srt": None,
    "vtt": None,
    "po": None,
    "latex": "latex",
    "asm": "asm",
    "vba": "vbnet",
}


@dataclass(frozen=True)
class _Cue:
    language: str
    pattern: re.Pattern[str]
    weight: float
    cap: int  # matches counted at most


def _cues(language: str, weight: float, *patterns: str, flags: int = 0) -> list[_Cue]:
    """One cue per call: its patterns as one alternation, so a block is scanned once for them."""
    joined = "|".join(f"(?:{p})" for p in patterns)
    return [
        _Cue(language, re.compile(joined, re.MULTILINE | flags), weight, _LINE_CAP * len(patterns))
    ]


_I = re.IGNORECASE
_SHELL_TOOLS = "|".join(sorted((re.escape(t) for t in SHELL_TOOLS), key=len, reverse=True))

_CUES: list[_Cue] = [
    # Python
    *_cues("python", 3.0, r"^\s*(?:async\s+)?def\s+\w+\s*\(.*\)\s*(?:->\s*[^:]+)?:\s*(?:#.*)?$"),
    *_cues("python", 2.5, r"^\s*class\s+\w+\s*(?:\([^)]*\))?\s*:\s*$"),
    *_cues("python", 3.0, r"^\s*from\s+\.{0,3}[\w.]+\s+import\s+[\w*(]"),
    *_cues("python", 1.5, r"^\s+\w+=[^=\s]", r"^%\w+", r"^\s*[a-z_][\w.]*\s+=\s+[^;]*[^;{,\s]\s*$"),
    *_cues("python", 1.5, r"^\s*import\s+[\w.]+(?:\s+as\s+\w+)?(?:\s*,\s*[\w.]+)*\s*$"),
    *_cues("python", 2.0, r"^\s*(?:el)?if\s+.+:\s*$", r"^\s*(?:else|try|finally)\s*:\s*$"),
    *_cues("python", 2.0, r"^\s*except(?:\s+[\w.]+(?:\s+as\s+\w+)?)?\s*:\s*$"),
    *_cues("python", 2.0, r"^\s*for\s+[\w, ]+\s+in\s+.+:\s*$", r"^\s*while\s+.+:\s*$"),
    *_cues("python", 2.0, r"^\s*with\s+.+\s+as\s+\w+\s*:\s*$"),
    *_cues("python", 1.5, r"\bself\.\w+", r"\b(?:None|True|False)\b", r"\bprint\("),
    *_cues("python", 1.0, r"^\s*@[\w.]+(?:\(.*\))?\s*$", r"\b__\w+__\b", r"\blambda\s+\w*:"),
    *_cues("python", 1.5, r"\bf\"[^\"]*\{", r"\bf'[^']*\{", r"^\s*return\b[^;{]*$"),
    *_cues("python", 2.0, r"^(?:>>>|\.\.\.)\s", r"\b(?:elif|nonlocal)\b", r"\bdef\s+__init__"),
    *_cues("python", 1.0, r"^\s*\w+\s*=\s*\w+\(.*\)\s*$", r"\basync\s+with\b", r"\bawait\s+\w"),
    *_cues("python", 1.0, r"\b(?:len|range|isinstance|dict|list|str|int)\("),
    *_cues("python", 1.0, r"^\s*\"\"\"", r"\bpip install\b"),
    # JavaScript (and TypeScript, which repeats these cues)
    *_cues("javascript", 2.5, r"^\s*(?:export\s+)?(?:const|let|var)\s+[\w{}\[\], ]+\s*=(?!=)"),
    *_cues("javascript", 2.5, r"=>", r"\bfunction\s*\*?\s*\w*\s*\(", r"\brequire\(\s*['\"`]"),
    *_cues("javascript", 2.5, r"^\s*import\s+.+\s+from\s+['\"]", r"^\s*import\s+['\"]"),
    *_cues("javascript", 2.0, r"\bconsole\.\w+\(", r"\bmodule\.exports\b", r"\bexport\s+default\b"),
    *_cues("javascript", 1.5, r"===|!==", r"\bnew\s+[A-Z]\w*\(", r"\b(?:null|undefined)\b"),
    *_cues("javascript", 1.5, r"\.then\(", r"\bawait\s+\w", r"\basync\s+(?:function|\()"),
    *_cues("javascript", 1.0, r";\s*$", r"^\s*//", r"^\s*\}\s*\)?;?\s*$", r"\bprocess\.\w+"),
    *_cues("javascript", 1.0, r"\b(?:document|window|JSON|Promise|Buffer|Object)\.\w+"),
    *_cues("javascript", 1.0, r"^\s*(?:export\s+)?class\s+\w+(?:\s+extends\s+[\w.]+)?\s*\{"),
    *_cues("javascript", 1.0, r"`[^`]*\$\{"),
    *_cues("javascript", 2.0, r";\s*//"),
    *_cues("typescript", 3.0, r"^\s*(?:export\s+)?(?:interface|type)\s+\w+(?:<[^>]*>)?\s*[={]"),
    *_cues(
        "typescript",
        3.0,
        r"[\w)]\??:\s*(?:string|number|boolean|any|void|unknown|never)(?:\[\])?\s*[,;=)|{]",
        r"\):\s*(?:Promise<|string|number|boolean|void)",
        r"\bas\s+(?:const|string|number|any|unknown)\b",
        r"^\s*(?:private|public|protected|readonly)\s+\w+\s*[:(]",
        r"^\s*(?:export\s+)?enum\s+\w+\s*\{",
        r"<(?:string|number|boolean|any)(?:\[\])?>",
    ),
    # Shells
    *_cues(
        "bash",
        3.0,
        rf"^\s*(?:sudo\s+)?(?:{_SHELL_TOOLS})(?:\s+(?:-{{1,2}}\w|[\w./~@:=\"'$+-])|\s*$)",
    ),
    *_cues("bash", 3.0, r"^\s*(?:\./|\.\./|~/)[\w./-]+(?:\s|$)"),
    *_cues("bash", 2.0, r"\$\{\w+", r"\$\(\w", r"^\s*export\s+\w+=", r"\s&&\s", r"\s\|\|?\s"),
    *_cues("bash", 1.0, r"\s--?[a-zA-Z][\w-]*", r"\\\s*$", r"\s>>?\s*[\w/.~$]"),
    *_cues("bash", 2.0, r"^\s*(?:if\s+\[|fi$|then$|done$|do$|esac$)", r"\$\w+"),
    *_cues("bash", 2.0, r"^[A-Za-z_]\w*=(?:\"[^\"]*\"|'[^']*'|[^\s,()]+)\s*$"),
    *_cues("powershell", 4.0, r"\b(?:Get|Set|New|Remove|Invoke|Write|Start|Test)-[A-Z]\w+"),
    *_cues("powershell", 3.0, r"\$env:\w+", r"^PS[^>]*>", r"\[\w+(?:\.\w+)+\]::", r"-ErrorAction"),
    *_cues(
        "batch",
        4.0,
        r"^@echo\s+off",
        r"%[A-Za-z_]\w*%",
        r"^\s*(?:rem|REM)\s",
        r"^\s*set\s+\w+=",
        flags=_I,
    ),
    *_cues("batch", 2.0, r"^\s*(?:call|goto|setlocal|endlocal)\b", flags=_I),
    # C family
    *_cues("c", 3.0, r"^#\s*(?:include|define|ifdef|ifndef|endif|pragma)\b"),
    *_cues("c", 2.0, r"\b(?:printf|malloc|free|sizeof|memcpy|strlen)\(", r"\bNULL\b"),
    *_cues(
        "c",
        1.5,
        r"^\s*(?:static\s+)?(?:void|int|char|size_t|bool|double|float|uint\d+_t)\s+\*?\w+\s*\(",
    ),
    *_cues("c", 1.0, r"\bstruct\s+\w+", r"->\w+", r"^\s*typedef\b", r";\s*$", r"^\s*/[/*]"),
    *_cues("cpp", 3.0, r"\bstd::", r"\bnamespace\s+\w+", r"\btemplate\s*<", r"#include\s*<\w+>"),
    *_cues("cpp", 2.5, r"\b(?:v8|node|napi|Napi)::", r"\bnullptr\b", r"\bauto\s+\w+\s*="),
    *_cues("cpp", 2.0, r"^\s*(?:public|private|protected):", r"\w+::\w+\(", r"\bconst\s+\w+&"),
    *_cues("cpp", 1.5, r"\bcout\s*<<", r"\bclass\s+\w+\s*(?::\s*public\s+\w+)?\s*\{"),
    # JVM and .NET
    *_cues("java", 3.0, r"\bpublic\s+(?:static\s+)?(?:final\s+)?(?:class|interface|void)\b"),
    *_cues("java", 3.0, r"\bSystem\.out\.print", r"^\s*import\s+java\.", r"@Override\b"),
    *_cues("java", 1.5, r"^\s*package\s+[\w.]+;", r"\bprivate\s+final\s+\w+"),
    *_cues("kotlin", 3.0, r"^\s*fun\s+\w+\s*\(", r"^\s*(?:val|var)\s+\w+\s*(?::\s*\w+)?\s*="),
    *_cues("kotlin", 2.0, r"\bdata\s+class\b", r"\bprintln\(", r"\bcompanion\s+object\b"),
    *_cues(
        "csharp", 3.0, r"^\s*using\s+System", r"\bConsole\.Write", r"\{\s*get;\s*(?:set;)?\s*\}"
    ),
    *_cues("csharp", 2.0, r"\bpublic\s+(?:async\s+)?(?:Task|void|string|int)\s+\w+\s*\("),
    *_cues("scala", 3.0, r"^\s*object\s+\w+", r"^\s*case\s+class\b", r"^\s*def\s+\w+.*=\s*$"),
    # Go, Rust, Swift, Ruby, PHP, Lua, R, Dart
    *_cues("go", 4.0, r"^package\s+\w+\s*$", r"^func\s+(?:\([^)]*\)\s*)?\w+\s*\("),
    *_cues("go", 2.5, r":=", r"\bfmt\.\w+\(", r"\berr\s*!=\s*nil\b", r"^import\s+\($"),
    *_cues("rust", 4.0, r"^\s*(?:pub(?:\(\w+\))?\s+)?(?:async\s+)?fn\s+\w+", r"\blet\s+mut\b"),
    *_cues("rust", 2.5, r"^\s*use\s+\w+::", r"^\s*impl\b", r"\bprintln!\(", r"#\[derive\("),
    *_cues("rust", 2.0, r"&(?:mut\s+)?(?:str|self)\b", r"\b(?:Vec|Option|Result|Box)<", r"\w+!\("),
    *_cues("swift", 3.0, r"^\s*import\s+(?:UIKit|SwiftUI|Foundation)", r"\bguard\s+let\b"),
    *_cues("swift", 2.0, r"^\s*func\s+\w+\s*\(", r"\bvar\s+\w+\s*:\s*\w+"),
    *_cues("ruby", 3.0, r"^\s*def\s+\w+[?!]?\s*(?:\([^)]*\))?\s*$", r"^\s*end\s*$", r"\bputs\b"),
    *_cues("ruby", 2.0, r"\bdo\s*\|\w+", r"^\s*require\s+['\"]", r"\.each\b", r"\bnil\b"),
    *_cues("php", 5.0, r"<\?php"),
    *_cues("php", 2.0, r"\$\w+\s*->\s*\w+", r"^\s*\$\w+\s*=", r"\becho\s+\$"),
    *_cues("lua", 3.0, r"^\s*local\s+\w+\s*=", r"^\s*local\s+function\b", r"~="),
    *_cues("r", 3.0, r"\w+\s*<-\s*", r"\blibrary\(\w+\)"),
    *_cues("dart", 3.0, r"\bvoid\s+main\(\)", r"\bWidget\s+build\("),
    # Data and config
    *_cues("json", 1.0, r"^\s*\"[^\"]+\"\s*:\s*(?:[\"\[{\d-]|true|false|null)"),
    *_cues("json", 1.0, r"^\s*[\[{]\s*$", r"^\s*[\]}],?\s*$"),
    *_cues("yaml", 2.0, r"^\s*[\w.-]+:\s+[^\s{;=(][^;{]*$", r"^\s*[\w.-]+:\s*$"),
    *_cues("yaml", 1.5, r"^\s*-\s+[\w\"'.]+:\s", r"^---\s*$", r"^\s*-\s+\w"),
    *_cues("toml", 3.0, r"^\[\[?[\w.\"-]+\]\]?\s*$"),
    *_cues(
        "toml", 2.0, r"^\s*[\w.\"-]+\s*=\s*(?:\"[^\"]*\"|'[^']*'|\d[\d_.]*|true|false|\[.*)\s*$"
    ),
    *_cues("ini", 1.0, r"^\[[\w .:-]+\]\s*$", r"^\s*[\w.-]+\s*=\s*[^\"'\[\s][^\"']*$", r"^\s*;"),
    *_cues(
        "sql", 4.0, r"^\s*SELECT\b.+\bFROM\b", r"^\s*(?:INSERT\s+INTO|DELETE\s+FROM)\b", flags=_I
    ),
    *_cues(
        "sql", 4.0, r"^\s*(?:CREATE|ALTER|DROP)\s+(?:TABLE|INDEX|VIEW|SCHEMA|DATABASE)\b", flags=_I
    ),
    *_cues("sql", 2.0, r"^\s*(?:WHERE|GROUP BY|ORDER BY|JOIN|LEFT JOIN|VALUES|SET)\b"),
    *_cues("sql", 1.5, r"\b(?:VARCHAR|INTEGER|PRIMARY KEY|NOT NULL|REFERENCES)\b", flags=_I),
    *_cues("html", 3.0, r"<(?:div|span|p|a|ul|li|body|head|html|script|button|form|input)\b[^>]*>"),
    *_cues("html", 2.0, r"</(?:div|span|p|a|ul|li|body|head|html|script|button|form)>"),
    *_cues("xml", 2.0, r"^\s*<[\w:-]+(?:\s+[\w:-]+=\"[^\"]*\")*\s*/?>\s*$", r"</[\w:-]+>\s*$"),
    *_cues("css", 3.0, r"^\s*(?!.*:\s)[.#:]?[\w-][\w\s.#:>+~,*=\[\]\"'-]*\{\s*$"),
    *_cues("css", 2.0, r"^\s*[\w-]+\s*:\s*[^;{]+;\s*$", r"^\s*@media\b"),
    *_cues("scss", 3.0, r"^\s*\$[\w-]+\s*:", r"&:\w+", r"@mixin\b", r"@include\b"),
    *_cues("dockerfile", 3.0, r"^FROM\s+\S+", r"^(?:RUN|COPY|CMD|ENTRYPOINT|WORKDIR|EXPOSE)\s"),
    *_cues(
        "makefile", 3.0, r"^\.PHONY:", r"^[\w.-]+:(?:\s+[\w.$()/-]+)*\s*$\n\t", r"\$\([A-Z_]+\)"
    ),
    *_cues("graphql", 3.0, r"^\s*(?:query|mutation|subscription|fragment)\b[^=]*\{\s*$"),
    *_cues("graphql", 2.0, r"^\s*(?:type|input|enum)\s+\w+\s*\{\s*$", r":\s*\[?\w+!?\]?!\s*$"),
    *_cues("protobuf", 4.0, r"^\s*syntax\s*=\s*\"proto", r"^\s*message\s+\w+\s*\{", r"=\s*\d+;"),
    *_cues("hcl", 4.0, r"^\s*(?:resource|provider|variable|module|output|data)\s+\"[\w-]+\""),
    *_cues("diff", 3.0, r"^@@\s", r"^(?:---|\+\+\+)\s+[ab]/", r"^diff\s+--git\b"),
    *_cues("diff", 1.0, r"^[-+](?![-+])"),
]

# Strong cues first; the weak ones only when the strong ones leave the answer open.
_STRONG_WEIGHT = 2.5
_STAGES = (
    tuple(cue for cue in _CUES if cue.weight >= _STRONG_WEIGHT),
    tuple(cue for cue in _CUES if cue.weight < _STRONG_WEIGHT),
)
_EARLY_EXIT_SCORE = 15.0
_EARLY_EXIT_MARGIN = 10.0

# Everything a TypeScript file may contain that JavaScript also may.
_SHARED_WITH = {"typescript": "javascript", "cpp": "c"}


def _words(text: str) -> frozenset[str]:
    """A set of the whitespace-separated words of `text` (for long word lists)."""
    return frozenset(text.split())


_SHEBANG_RE = re.compile(r"^#!\s*(?:\S*/)?(?:env\s+(?:-\S+\s+)*)?(?:\S*/)?([\w.+-]+)")
_MERMAID_RE = re.compile(
    r"^\s*(?:graph\s+(?:TD|TB|BT|RL|LR)\b|flowchart\b|sequenceDiagram\b|classDiagram\b"
    r"|stateDiagram(?:-v2)?\b|erDiagram\b|gantt\b|pie\b|journey\b|gitGraph\b|mindmap\b"
    r"|timeline\b|quadrantChart\b|C4Context\b)"
)
_DOT_RE = re.compile(r"^\s*(?:strict\s+)?(?:di)?graph\s+[\w\"]*\s*\{")
_PROMPT_RE = re.compile(r"^\s*(?:(?P<ps>PS[^>\n]*>)|\$|%)\s+\S", re.MULTILINE)
# A lone line "program subcommand --option path": a command of a tool the cues do not know.
_ONE_LINE_COMMAND_RE = re.compile(r"^[a-z][\w.-]*(?:\s+(?:--?[\w-]+(?:=\S+)?|[+\w./:@~-]+))+$")
_ONE_LINE_COMMAND_SCORE = 2.0
_STOPWORDS = _words(
    """
    a an the of to and or in on for with is are be this that if you your
    """
)
_DRAWING_RE = re.compile(r"[├└│┌┐┘╔╗╚╝]|^\s*[|`+]--\s")
_REPL_RE = re.compile(r"^>>>\s", re.MULTILINE)


def identify_language(content: str, *, use_model: bool = True) -> str | None:
    """The language of one block, or None when the evidence is too weak; see the module doc."""
    return identify_languages([content], model_budget=1 if use_model else 0)[0]


def identify_languages(
    contents: Sequence[str], *, model_budget: int | None = None
) -> list[str | None]:
    """Identify many blocks at once, calling magika for at most `model_budget` of them.

    `None` means no limit. Blocks are served in order, so the first ones get the model.
    """
    results: list[str | None] = []
    budget = len(contents) if model_budget is None else model_budget
    for content in contents:
        sample = content[:_SAMPLE_CHARS]
        if _is_drawing(sample):
            results.append(None)  # a file tree or box diagram is no programming language
            continue
        certain = _certain(sample)
        if certain is not None:
            results.append(certain)
            continue
        scores = cue_scores(sample[:_CUE_SAMPLE_CHARS])
        ranked = sorted(scores.items(), key=lambda item: -item[1])
        top = ranked[0] if ranked else ("", 0.0)
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if top[1] >= _CONFIDENT_SCORE and top[1] - runner_up >= _CONFIDENT_MARGIN:
            results.append(_settle(top[0], scores) or top[0])
            continue
        probabilities: dict[str, float] = {}
        if budget > 0 and len(sample.strip()) >= _MIN_MAGIKA_CHARS and _magika.available():
            budget -= 1
            probabilities = _model_scores(sample)
        results.append(_decide(scores, probabilities))
    return results


def cue_scores(sample: str) -> dict[str, float]:
    """Sum the weighted syntax cues per language (TypeScript also scores JavaScript's cues)."""
    scores: dict[str, float] = {}
    line = sample.strip()
    if "\n" not in line and _ONE_LINE_COMMAND_RE.match(line) and not _has_stopword(line):
        scores["bash"] = _ONE_LINE_COMMAND_SCORE  # "fastapi dev", "mytool --help"
    for stage in _STAGES:
        for cue in stage:
            hits = 0
            for _ in cue.pattern.finditer(sample):
                hits += 1
                if hits >= cue.cap:
                    break
            if hits:
                scores[cue.language] = scores.get(cue.language, 0.0) + cue.weight * hits
        if _clear_winner(scores):
            break  # the weak cues could not change the answer: skip them (half the cost)
    for superset, base in _SHARED_WITH.items():
        if superset in scores and base in scores:
            scores[superset] += scores[base]
    return scores


def _clear_winner(scores: dict[str, float]) -> bool:
    ranked = sorted(scores.values(), reverse=True)
    if not ranked:
        return False
    runner_up = ranked[1] if len(ranked) > 1 else 0.0
    return ranked[0] >= _EARLY_EXIT_SCORE and ranked[0] - runner_up >= _EARLY_EXIT_MARGIN


def _has_stopword(line: str) -> bool:
    return any(word in _STOPWORDS for word in line.lower().split())


def _model_scores(sample: str) -> dict[str, float]:
    scores: dict[str, float] = {}
    for label, probability in _magika.top_labels(sample).items():
        language = _MAGIKA_LABELS[label] if label in _MAGIKA_LABELS else canonical_language(label)
        if language:
            scores[language] = scores.get(language, 0.0) + probability
    return scores


def _decide(scores: dict[str, float], probabilities: dict[str, float]) -> str | None:
    combined = dict(scores)
    for language, probability in probabilities.items():
        combined[language] = combined.get(language, 0.0) + _MAGIKA_WEIGHT * probability
    for language, total in sorted(combined.items(), key=lambda item: -item[1]):
        if total < _MIN_SCORE:
            return None
        settled = _settle(language, scores)
        if settled is not None:
            return settled
    return None


def _settle(language: str, scores: dict[str, float]) -> str | None:
    """A superset or look-alike without a cue of its own falls back to its base (or to None)."""
    if language in _NEEDS_OWN_CUE and _own_score(language, scores) <= 0:
        return _FALLBACK.get(language)
    return language


def _own_score(language: str, scores: dict[str, float]) -> float:
    base = _SHARED_WITH.get(language)
    own = scores.get(language, 0.0)
    return own - scores.get(base, 0.0) if base else own


def _is_drawing(sample: str) -> bool:
    lines = [line for line in sample.split("\n") if line.strip()]
    drawn = sum(1 for line in lines if _DRAWING_RE.search(line))
    return drawn >= 2 and drawn * 3 >= len(lines)


def _certain(sample: str) -> str | None:
    stripped = sample.strip()
    if not stripped:
        return None
    first = stripped.split("\n", 1)[0].strip()
    if first.startswith("#!"):
        match = _SHEBANG_RE.match(first)
        if match is not None:
            program = re.sub(r"[\d.]+$", "", match.group(1))
            language = canonical_language(program)
            if language is not None:
                return language
    if _MERMAID_RE.match(first):
        return "mermaid"
    if first.lower().startswith("@startuml"):
        return "plantuml"
    if _DOT_RE.match(stripped):
        return "dot"
    if first.startswith("<?php"):
        return "php"
    if first.startswith("<?xml"):
        return "xml"
    if first.lower().startswith(("<!doctype html", "<html")):
        return "html"
    if _REPL_RE.match(stripped):
        return "python"
    prompt = _PROMPT_RE.match(stripped)
    if prompt is not None:
        return "powershell" if prompt.group("ps") else "bash"
    if stripped[:1] in "{[" and stripped[-1:] in "}]":
        try:
            json.loads(stripped)
        except ValueError:
            pass
        else:
            return "json"
    return None
