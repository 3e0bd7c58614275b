"""Pair rules: between two close candidates, the syntax only one of them has decides.

The fitted text model confuses pairs of related languages: C and C++, Objective-C and C,
untyped TypeScript and JavaScript, SCSS and CSS, Swift and Kotlin, Java and C#, Groovy and
Java, Ruby and Elixir, Julia and Python, F# and OCaml, Solidity and JavaScript. Its tokens see
that a block is "C-family" or "ML-family"; which member it is often rests on one or two lines
(`std::`, `@interface`, `x: string`, `$var:`, `guard let`, `{ get; set; }`...) that the
model's many other features outweigh.

A rule acts after the model's answer is settled (`_langid.decide_block`) and never changes the
model's input features (the shipped weights were fitted without it). For the answer A and
each candidate B whose text-model probability is within `PAIR_MARGIN` nats of A's (or above
it: a superset settled to its base), in the model's order, the block is read for the syntax
**only B has against A** (`_ONLY[B][A]`) and the syntax only A has against B
(`_ONLY[A][B]`): B is answered when the first matches and the second does not. "Only" is
relative to the pair: `let x: Int` is Swift's against Kotlin (`val`) but TypeScript's too, so
it is listed for Swift against Kotlin and Scala only.

Pairs of languages from different families that short blocks make look alike (Java and
JavaScript, Swift and Go, C and C#...) have their tables in `_pairs_far`, merged here.

Every pattern was checked on real code of all the other languages (evals/pair_rules.py on
tuning data; RESULTS.md, twelfth and thirteenth passes): what one fires on among other
languages' blocks, and what each rule fixed and broke, per pair, on two halves of the sources.
The margin was checked again with the refitted weights of the twelfth pass (thirteenth pass).
"""

from __future__ import annotations

import math
import re

from contextd.pipeline.artifacts._pairs_far import FAR_PAIRS

# A candidate this many nats (log-ratio of the text model's probabilities) below the answer,
# or closer, may take its place. Chosen by evals/pair_rules.py on the tune half (twelfth pass)
# and chosen again with the refitted weights (thirteenth pass: the most fixes with nothing
# broken; the check half agrees).
PAIR_MARGIN = 4.0
_SAMPLE_CHARS = 4_000

# Syntax of C++ that C lacks (C23's `auto`, `constexpr`, `nullptr` are too new to matter).
_CPP_NOT_C = (
    r"\bstd::",
    r"\btemplate\s*<",
    r"^\s*namespace\s+\w+\s*\{",
    r"^\s*using\s+namespace\s+\w+",
    r"#include\s*<(?:iostream|vector|string|map|unordered_map|memory|algorithm|utility"
    r"|functional|set|array|iomanip|sstream|fstream|optional|thread|mutex|chrono|cstdio"
    r"|cstdlib|cstring|cmath|cstdint|cassert)>",
    r"^\s*(?:public|private|protected)\s*:",
    r"\bnullptr\b",
    r"\b(?:cout|cerr|endl)\b",
    r"\b(?:static|dynamic|reinterpret|const)_cast<",
    r"\b(?:virtual|override|constexpr|typename|noexcept)\b",
    r"\bauto\s*&{0,2}\s*\w+\s*[=:(]",
    r"\(\s*const\s+[\w:<>]+\s*&\s*\w+",
    r"\bthis->",
    r"^\s*class\s+\w+\s*(?::\s*(?:public|private)\s+[\w:]+\s*)?\{",
    r"\w+::\w+\s*\(",
)
# Syntax of Objective-C that C and C++ lack.
_OBJC_NOT_C = (
    r"^\s*@(?:interface|implementation|protocol|end|property|synthesize|autoreleasepool)\b",
    r"@selector\(",
    r"\[\s*[A-Za-z_][\w.]*\s+[a-z]\w*(?::|\s*\])",
    r"\bNS[A-Z][a-z]\w*",
    r"^\s*[-+]\s*\(\s*\w+\s*\**\s*\)\s*\w+",
    r"^#import\s*[<\"]",
    r"@\"",
)
# Syntax of TypeScript that JavaScript lacks.
_TS_NOT_JS = (
    r"^\s*(?:export\s+)?(?:declare\s+)?interface\s+\w+",
    r"^\s*(?:export\s+)?type\s+\w+(?:<[^>]*>)?\s*=",
    r"\b(?:let|const|var)\s+\w+\s*:\s*[\w\[{(<]",
    r"[(,]\s*\w+\??\s*:\s*(?:string|number|boolean|any|unknown|void|never)\b",
    r"\(\s*\w+\??\s*:\s*[A-Z]\w*",
    r"\)\s*:\s*(?:string|number|boolean|any|unknown|void|never|Promise|[A-Z]\w*)\b[^:]*[{=]",
    r"[\w)\]]\s+as\s+(?:const|string|number|boolean|any|unknown)\b",
    r"[\w)\]]\s+as\s+[A-Z]\w*(?:<[^>\n]*>)?\s*(?:[;,)\]}]|$)",
    r"^\s*(?:public|private|protected|readonly)\s+\w+",
    r"^\s*import\s+type\b",
    r"\b\w+<(?:string|number|boolean|any|unknown|[A-Z]\w*)(?:\[\])?>\s*\(",
    r"\bimplements\s+\w+",
    r"^\s*(?:export\s+)?(?:declare\s+)?(?:const\s+)?enum\s+\w+",
)
# Syntax of SCSS that CSS lacks (nesting is read by `_scss_nesting`).
_SCSS_NOT_CSS = (
    r"^\s*\$[\w-]+\s*:",
    r"\$[\w-]+",
    r"&(?:[:.\[-]|\s*[{>+~])",
    r"@(?:mixin|include|extend|use|forward|function|return|each|if|else|for|while)\b",
    r"#\{",
    r"^\s*//",
    r"^\s*%[\w-]+\s*\{",
)
_SWIFT = (
    r"^\s*(?:(?:public|private|internal|fileprivate|open|static|override|@\w+)\s+)*func\s+\w+",
    r"\bguard\s+let\b",
    r"\bif\s+(?:let|var)\s+\w+\s*=",
    r"^\s*let\s+\w+\s*[:=]",
    r"\\\(",
    r"^\s*import\s+(?:UIKit|Foundation|SwiftUI|Combine|XCTest)\s*$",
    r"^\s*(?:public\s+|private\s+)?(?:struct|extension|protocol)\s+\w+",
    r"\bself\.",
    r"^\s*(?:@objc|@IBOutlet|@IBAction|@State|@Published|@main)\b",
    r"[\w)\]]\s*\?\?(?!\?)\s*[\w\"\[(]",
    r"^\s*(?:var|let)\s+\w+\s*=\s*\[",
    r"\.\w+\([^()\n\"]*\b[a-z]\w*:\s*[\d\"\[.]",
    r"^\s*(?:indirect\s+)?case\s+\w+\(\w+(?:,\s*\w+)*\)\s*$",
    r"^\s*case\s+[a-z]\w*\s*(?:\(|$|=(?!>)|,)",
    r"^\s*case\s+\.\w+",
    r"^\s*enum\s+\w+\s*:\s*\w+",
    r"[(,]\s*&\w+\s*[,)]",
    r"^\s*(?:(?:override|convenience|required|public|private)\s+)*init\??\s*\(",
    r"^\s*deinit\s*\{",
    r"\bsuper\.init\(",
    r"<#[^#\n]+#>",
)
_KOTLIN = (
    r"^\s*(?:(?:private|public|internal|override|suspend|inline|operator)\s+)*fun\s+[\w<.]",
    r"\bdata\s+class\b",
    r"\bcompanion\s+object\b",
    r"\bwhen\s*(?:\([^)]*\))?\s*\{",
    r"\?:",
    r"\b(?:listOf|mutableListOf|mapOf|mutableMapOf|setOf|arrayOf)\s*[(<]",
    r"\{\s*\w+(?:\s*,\s*\w+)*\s*->",
    r"\bit\.\w+",
    r"!!",
)
_SCALA = (
    r"^\s*(?:(?:override|private|protected|final|implicit)\s+)*def\s+\w+",
    r"^\s*(?:sealed\s+)?trait\s+\w+",
    r"^\s*case\s+(?:class|object)\s+\w+",
    r"\bcase\s+\w+(?:\([^)]*\))?\s*=>",
    r"\bmatch\s*\{",
    r"\bextends\s+\w+(?:\[[^\]]*\])?\s+with\b",
    r"\bimplicit\s+(?:val|def|class|object|lazy)\b",
    r"\(implicit\s+\w+\s*:",
    r"^\s*import\s+[\w.]+\.(?:_|\{)",
    r"\b\w+\s*<-\s*\w",
    r"\b[A-Z]\w*\[[A-Z]\w*\]",
    r"[(,]\s*\"[^\"\n]*\"\s*->",
    r"\w\[[A-Z]\w*\]",
    # A string interpolator (`s"..."`, sttp's `uri"..."`, doobie's `sql"..."`), a constructor
    # called with `new`, a `Seq(...)`: none of them is Kotlin or Swift. Checked on 9,316 Kotlin
    # and 899 Swift blocks of the tuning sources (files cut in 40-line blocks, labelled fences):
    # fires on 1 and 1 (a `new Error(` in JavaScript embedded in Kotlin, a `json"` inside a
    # Swift string); on 337 Scala blocks, 44, 60 and 62 times.
    r'(?:^|(?<=[\s(,=+{\[]))(?:s|f|raw|uri|sql|fr|json|q|ivy)"',
    r"(?:^|(?<=[\s(,=+{\[]))new\s+[A-Z][\w.]*(?:\[[^\]\n]*\])?\(",
    r"\bSeq\(",
)
_JAVA = (
    r"\bSystem\.out\.print",
    r"^\s*import\s+(?:static\s+)?[\w.]+(?:\.\*)?;\s*$",
    r"^\s*package\s+[\w.]+;\s*$",
    r"@Override\b",
    r"\b(?:extends|implements)\s+\w+",
    r"\bString\[\]\s+\w+",
    r"\bboolean\b",
    r"\bthrows\s+\w+",
    r"\.equals\(",
    r"\bfinal\s+\w",
    r"\b(?:ArrayList|HashMap|Optional)<[\w<>, ?]+>\s+\w+\s*[=;]",
    r"\)\s*->\s*[{\w]",
    r"\b[a-z]\w*\.[a-z]\w*\(",
)
_CSHARP = (
    r"^\s*using\s+[\w.]+;\s*$",
    r"^\s*namespace\s+[\w.]+",
    r"\{\s*get;",
    r"\bConsole\.Write",
    r"\bstatic\s+(?:async\s+)?(?:void|int|Task)\s+Main\b",
    r"\b(?:string|bool)\s+\w+\s*[=;,)]",
    r"^(?!\s*//)[^\n]*?[\w)]\s*=>\s*[\w{(]",
    r"\basync\s+Task\b",
    r"\$\"",
    r"^\s*\[[A-Z]\w*(?:\(.*\))?\]\s*$",
    r"\.(?:Length|Count|ToString\(\)|Add\()",
    r"\bforeach\s*\(",
    r"[(,]\s*(?:out|ref)\s+\w+\s+\w+\s*[,)]",
    r"^\s*///",
    r":\s*base\(",
    r"\b[a-z]\w*\.[A-Z]\w*\(",
)
_KOTLIN_NOT_JAVA = (
    r"^\s*(?:(?:private|public|internal|override|suspend)\s+)*fun\s+\w",
    r"^\s*val\s+\w+\s*(?::\s*\w+)?\s*=",
    r"^\s*var\s+\w+\s*:\s*\w+",
    r"\?\.",
    r"\w!!",
    r"\bwhen\s*(?:\([^)]*\))?\s*\{",
    r"\bdata\s+class\b",
)
_JAVA_NOT_KOTLIN = (
    r";\s*$",
    r"\bpublic\s+(?:static\s+)?(?:final\s+)?(?:class|void|int|String|boolean)\b",
    r"\bnew\s+[A-Z]\w*(?:<[^>]*>)?\(",
    r"\bSystem\.out\.print",
)
_GROOVY_NOT_JAVA = (
    r"^\s*def\s+\w+",
    r"\bprintln\s+[\"'\w$]",
    r"\{\s*\w+(?:\s*,\s*\w+)*\s*->",
    r"\.(?:each|collect|findAll|find|inject|eachWithIndex)\s*\{",
    r"\"[^\"\n]*\$\{?\w",
    r"\bit\.\w+",
    r"\[\s*:\s*\]",
    r"^\s*(?:task|apply\s+plugin:|dependencies\s*\{|plugins\s*\{)",
)
_RUBY_NOT_ELIXIR = (
    r"(?<![.\w])puts\b",
    r"^\s*class\s+[A-Z]\w*(?:\s*<\s*[\w:]+)?\s*$",
    r"^\s*module\s+[A-Z][\w:]*\s*$",
    r"@\w+\s*(?:=|\|\|=)",
    r"\|\w+(?:,\s*\w+)*\|",
    r"^\s*require(?:_relative)?\s+['\"]",
    r"\battr_(?:reader|writer|accessor)\b",
    r"\belsif\b",
    r"^\s*def\s+self\.\w+",
)
_ELIXIR_NOT_RUBY = (
    r"^\s*defmodule\b",
    r"^\s*defp?\s+\w+.*\bdo\s*$",
    r"\|>",
    r"%\{",
    r"\bfn\b[^\n]*->",
    r"\b(?:IO|Enum|Map|String|List|Kernel)\.\w+",
    r"^\s*@(?:moduledoc|doc|spec|impl|behaviour|type|typep|callback)\b",
    r"^\s*@\w+\s+(?:\"|\d|%\{|\[|:\w)",
    r"<>",
    r"\bdefstruct\b",
    r"\b\w\.\(",
)
_JULIA_NOT_PYTHON = (
    r"^\s*function\s+[\w.!]+\s*\(",
    r"^\s*end\s*$",
    r"::\s*[A-Z]\w*",
    r"\bprintln\(",
    r"^\s*using\s+\w+",
    r"^\s*(?:mutable\s+)?struct\s+\w+",
    r"\b\w+\.\(",
    r"\b\w+!\(",
    r"\"[^\"\n]*\$\(\w",
    r"\belseif\b",
    r"\bisa\b",
    r"\b[A-Z]\w*\{[A-Z]",
    r"\(\w[^()\n]*;\s*\w+\s*=",
    r"^\s*for\s+\w+\s+in\s+\w+:\w+",
    r"^[^#\n]*?\b\w+\s*->\s*[\w(]",
    r"^\s*[\w.]+\([^()\n]*\)\s*=\s*[^=\s]",
    r"\(\s*-?\d+(?:\.\d+)?:-?\d",
)
_PYTHON_NOT_JULIA = (
    r"^\s*def\s+\w+\s*\(",
    r"^\s*(?:if|for|while|else|elif|try|except|with|class)\b[^#\n]*:\s*$",
    r"\b(?:None|True|False)\b",
    r"\belif\b",
    r"\bself\.",
    r"^\s*(?:import\s+\w+\s+as|from\s+[\w.]+\s+import)\b",
    r"\bf[\"']",
)
_JULIA_NOT_MATLAB = (
    r"::\s*[A-Z]\w*",
    r"\bprintln\(",
    r"^\s*using\s+\w+",
    r"^\s*(?:mutable\s+)?struct\s+\w+",
    r"\b\w+!\(",
    r"^\s*#",
    r"\w\s*->\s*\w",
    r"\"[^\"\n]*\$\(?\w",
)
_MATLAB_NOT_JULIA = (
    r"^\s*%",
    r"^\s*function\s+(?:\[[^\]]*\]|\w+)\s*=\s*\w+",
    r"@\(",
    r"\b(?:disp|fprintf|numel|figure|xlabel|ylabel)\(",
    r"~=",
)
_FSHARP_NOT_OCAML = (
    r"\bprintfn\b",
    r"^\s*//",
    r"\blet\s+mutable\b",
    r"^\s*member\s+",
    r"^\s*open\s+System\b",
    r"\[<\w+",
    r"\b(?:seq|async|task)\s*\{",
    r"^\s*namespace\s+\w+",
    r"\$\"",
    r"\b[a-z]\w*\.[A-Z]\w*\(",
    r"\b[A-Z]\w*<[\w' ,.]+>",
    r"\(\|\w+\|",
    r"^\s*(?:use|yield)!?\s",
    r"(?:^|\s)//\s",
    r"^\s*type\s+[A-Z]\w*",
    r"\blet\s+(?:private|internal|inline)\b",
    r"\(\w+\s*:\s*[A-Z][a-z]\w*(?:<[^>\n]*>)?\)",
    r"\)\s*:\s*[A-Z]\w*(?:<[^>\n]*>)?\s*=",
    r"\{\s*[A-Z]\w*\s*=[^=]",
    r"\bwith\s+[A-Z]\w*\s*=[^=]",
    r"\b[A-Z]\w*\.(?!Make\b)[A-Z][a-z]\w*\(",
    r"\[\s*\w*\s*\.\.\s*\w*\s*\]",
    r":\s*(?:double|decimal|uint64|uint32|byte|sbyte)\b",
)
_OCAML_NOT_FSHARP = (
    r";;",
    r"\bin\s*$",
    r"\b(?:struct|sig|functor)\b",
    r"\b(?:print_endline|print_string|print_int|Printf\.printf)\b",
    r"^\s*module\s+type\b",
    r"^\s*\(\*",
    r"\w\.\(",
    r"\[@@?\w+",
    r"^\s*external\s+\w+",
    r"\blet\s+open\b",
    r"(?<![~\w])~[a-z_]\w*:",  # a labelled argument, `~port:8080`
    r"\blet%\w+|\[%%?[a-z_][\w.]*\s",  # a ppx extension point, `let%lwt`, `[%sql ...]`
    r"^\s*@@\s",  # application, a line a stage: `@@ Dream.logger`
)
_SOLIDITY_NOT_JS = (
    r"^\s*pragma\s+solidity\b",
    r"^\s*(?:abstract\s+)?(?:contract|library)\s+\w+",
    r"\bfunction\s+\w+\s*\([^)]*\)\s*(?:public|external|internal|private|view|pure|payable"
    r"|returns|override|virtual)\b",
    r"\bmapping\s*\(",
    r"\b(?:address|uint\d*|int\d+|bytes\d*)(?:\s+(?:public|private|internal|memory|calldata"
    r"|storage|indexed|payable))*\s+_?[a-z]\w*\s*[;=,)]",
    r"\bmsg\.(?:sender|value)\b",
    r"^\s*emit\s+\w+\(",
    r"^\s*(?:modifier|event)\s+\w+",
)
_JS_NOT_SOLIDITY = (
    r"^\s*(?:const|let|var)\s+\w+",
    r"=>",
    r"\bconsole\.\w+",
    r"===",
)

# `_ONLY[b][a]`: the syntax `b` has and `a` lacks; a rule exists for each pair listed. An empty
# tuple says that `b` has no syntax of its own against `a` (C is C++'s subset, CSS SCSS's, Java
# Groovy's): `a`'s own syntax may switch an answer `b` to `a`, nothing switches `a` to `b`.
_RAW: dict[str, dict[str, tuple[str, ...]]] = {
    "cpp": {"c": _CPP_NOT_C, "objective-c": _CPP_NOT_C},
    "c": {"cpp": (), "objective-c": ()},
    "objective-c": {"c": _OBJC_NOT_C, "cpp": _OBJC_NOT_C},
    "typescript": {"javascript": _TS_NOT_JS},
    "javascript": {"typescript": (), "solidity": _JS_NOT_SOLIDITY},
    "scss": {"css": _SCSS_NOT_CSS},
    "css": {"scss": ()},
    "swift": {"kotlin": _SWIFT, "scala": _SWIFT},
    "kotlin": {"swift": _KOTLIN, "scala": _KOTLIN, "java": _KOTLIN_NOT_JAVA},
    "scala": {"swift": _SCALA, "kotlin": _SCALA},
    "java": {"csharp": _JAVA, "kotlin": _JAVA_NOT_KOTLIN, "groovy": ()},
    "csharp": {"java": _CSHARP},
    "groovy": {"java": _GROOVY_NOT_JAVA},
    "ruby": {"elixir": _RUBY_NOT_ELIXIR},
    "elixir": {"ruby": _ELIXIR_NOT_RUBY},
    "julia": {"python": _JULIA_NOT_PYTHON, "matlab": _JULIA_NOT_MATLAB},
    "python": {"julia": _PYTHON_NOT_JULIA},
    "matlab": {"julia": _MATLAB_NOT_JULIA},
    "fsharp": {"ocaml": _FSHARP_NOT_OCAML},
    "ocaml": {"fsharp": _OCAML_NOT_FSHARP},
    "solidity": {"javascript": _SOLIDITY_NOT_JS},
}
for _language, _rivals in FAR_PAIRS.items():  # languages of other families (`_pairs_far`)
    _RAW.setdefault(_language, {}).update(_rivals)


def _compile(patterns: tuple[str, ...]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.MULTILINE)


_ONLY: dict[str, dict[str, re.Pattern[str] | None]] = {
    language: {rival: _compile(patterns) for rival, patterns in rivals.items()}
    for language, rivals in _RAW.items()
}


def pair_patterns() -> dict[tuple[str, str], tuple[str, ...]]:
    """`(language, rival)` -> the patterns of syntax `language` has and `rival` lacks (for
    evals/pair_rules.py, which checks each on every language's code)."""
    return {
        (language, rival): patterns
        for language, rivals in _RAW.items()
        for rival, patterns in rivals.items()
        if patterns
    }


def only_syntax(language: str, rival: str, text: str) -> bool:
    """Whether `text` has syntax `language` has and `rival` lacks."""
    pattern = _ONLY.get(language, {}).get(rival)
    return pattern is not None and pattern.search(text) is not None


def pair_answer(
    language: str | None,
    ranked: list[tuple[str, float]],
    content: str,
    margin: float | None = None,
) -> str | None:
    """The decided `language`, or a close candidate whose own syntax the block has while it has
    none of the answer's against it (see the module docstring). `margin` overrides
    `PAIR_MARGIN` (evals/pair_rules.py sweeps it; a negative one turns the rules off)."""
    needed = PAIR_MARGIN if margin is None else margin
    if language is None or needed < 0 or not ranked:
        return language
    probabilities = dict(ranked)
    own = probabilities.get(language, 0.0)
    if own <= 0:
        return language
    text = content[:_SAMPLE_CHARS]
    for candidate, probability in ranked:
        if candidate == language or probability <= 0:
            continue
        if math.log(own / probability) > needed:
            break  # ranked by probability: the rest are further still
        if only_syntax(candidate, language, text) and not only_syntax(language, candidate, text):
            return candidate
    return language
