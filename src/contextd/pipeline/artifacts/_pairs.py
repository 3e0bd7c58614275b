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

Every pattern was checked on real code of all the other languages (evals/pair_rules.py on
tuning data; RESULTS.md, twelfth pass): what one fires on among other languages' blocks, and
what each rule fixed and broke, per pair, on two halves of the sources.
"""

from __future__ import annotations

import math
import re

# A candidate this many nats (log-ratio of the text model's probabilities) below the answer,
# or closer, may take its place. Chosen by evals/pair_rules.py on the tune half.
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

# Java against JavaScript (and back): a declaration with a type before the name, typed
# parameters, generics after `new`; JavaScript's `const`/`let`, `function`, `=>`, `===`.
# (`var x =` is Java 10's too.)
_JAVA_NOT_JS = (
    r"\bSystem\.out\.print",
    r"^\s*(?:(?:public|private|protected|static|final)\s+)*(?:int|long|double|float|char|boolean"
    r"|byte|short|[A-Z]\w*(?:<[\w<>, ?]*>)?)(?:\[\])*\s+[a-z]\w*\s*(?:=(?!=)|;)",
    r"^\s*(?:public|private|protected)\s+(?:\w+\s+)*[\w<>\[\]]+\s*\(",
    r"^\s*static\s+(?!async\b|get\b|set\b)[\w<>\[\]]+\s+\w+\s*\(",
    r"[(,]\s*(?:final\s+)?(?:int|long|double|float|char|boolean|byte|short|String|[A-Z]\w*<[^>\n]*>)"
    r"(?:\[\])*\s+[a-z]\w*\s*[,)]",
    r"\bnew\s+[A-Z]\w*<[\w<>, ?]*>\s*\(",
    r"^\s*import\s+(?:static\s+)?[\w.]+(?:\.\*)?;\s*$",
    r"^\s*package\s+[\w.]+;\s*$",
    r"@Override\b",
)
_JS_NOT_JAVA = (
    r"^\s*(?:export\s+)?(?:const|let)\s+[\w{\[]",
    r"(?:^\s*(?:export\s+(?:default\s+)?)?(?:async\s+)?|[=(,:]\s*)function\s*\*?\s*(?:[a-z_$][\w$]*\s*)?\(",
    r"^(?:(?!//|/\*)[^\n])*?=>",
    r"[!=]==",
    r"\bconsole\.\w+",
    r"\brequire\(",
    r"^\s*import\s[^;\n]*\bfrom\s+['\"]",
    r"^\s*export\s",
)
# Swift against Go: Go has no `let`, `->` return types, `\(` interpolation or `??`; Go's `:=`,
# `package`, receivers, `fmt.` and `err != nil` are not Swift.
_SWIFT_NOT_GO = (
    r"\bfunc\s+\w+\s*(?:<[^>\n]*>)?\([^)\n]*\)\s*(?:async\s+)?(?:(?:re)?throws(?:\(\w+\))?\s*)?->",
    r"\bfunc\s+\w+\s*(?:<[^>\n]*>)?\([^)\n]*\)\s*(?:async\s+)?(?:re)?throws\b",
    r"\\\(",
    r"[\w)\]]\s*\?\?(?!\?)\s*[\w\"\[(]",
    r"^\s*let\s+\w+\s*[:=]",
    r"\bguard\s+let\b",
    r"\bif\s+(?:let|var)\s+\w+\s*=",
    r"^\s*var\s+\w+\s*:\s*[\w\[(]",
    r"^\s*(?:(?:public|private|final|open)\s+)?(?:class|struct|enum|protocol|extension)\s+\w+"
    r"(?:\s*:\s*\w+)?\s*\{",
    r"^\s*import\s+(?:UIKit|Foundation|SwiftUI|Combine|XCTest)\s*$",
    r"^\s*case\s+\.\w+",
    r"^\s*(?:(?:override|convenience|required)\s+)*init\s*\(",
    r"^\s*deinit\s*\{",
    r"\bfunc\s+\w+\s*(?:<[^>\n]*>)?\(\s*(?:_\s+)?\w+\s*:",
    r"\b\w+\((?:[^()\n\"{}\[\]]*,\s*)?[a-z]\w*:\s*[\w\"\[(&.-]",
    r"\w\?\.\w",
    r"<#[^#\n]+#>",
)
_GO_NOT_SWIFT = (
    r":=",
    r"^\s*package\s+\w+\s*$",
    r"\bfunc\s*\(\s*\w+\s+\*?\w+\s*\)",
    r"\bfmt\.\w+",
    r"^\s*type\s+\w+\s+(?:struct|interface)\b",
    r"\bgo\s+func\b",
    r"\bchan\b",
    r"\berr\s*!=\s*nil\b",
)
# C against C#: headers, pointers, `_t` types, the C library; C#'s `using`, `namespace`,
# classes, `var`, `new`, `string`, `=>`, `$"`, `Console`.
_C_NOT_CSHARP = (
    r"^\s*#\s*(?:include|ifn?def)\b",
    r"^\s*#\s*define\s+\w+(?:\(|\s+\S)",
    r"\b[a-z]\w*_t\b",
    r"\b(?:printf|fprintf|sprintf|snprintf|malloc|calloc|realloc|free|strcmp|strncmp|strlen"
    r"|strcpy|strncpy|memcpy|memset|sizeof)\s*\(",
    r"\bNULL\b",
    r"\w\s*->\s*\w",
    r"\bchar\s*\*",
    r"\b(?:unsigned|signed)\s+(?:int|char|long|short)\b",
    r"\bstruct\s+\w+\s*\*",
    r"^\s*typedef\b",
)
_CSHARP_NOT_C = (
    r"^\s*using\s+[\w.]+;\s*$",
    r"^\s*namespace\s+[\w.]+",
    r"^\s*(?:(?:public|private|protected|internal|static|sealed|abstract|partial)\s+)*class\s+\w+",
    r"^\s*(?:public|private|protected|internal)\s+(?:\w+\s+)*[\w<>\[\]?]+\s+\w+\s*[({=;]",
    r"^\s*var\s+\w+\s*=",
    r"\bnew\s+[A-Z]\w*",
    r"\bstring\s+\w+\s*[=;,)]",
    r"^(?:(?!//)[^\n])*?=>",
    r"\$\"",
    r"\bConsole\.",
    r"\bforeach\s*\(",
)
# Groovy against Kotlin: `def`, `[:]`, `new`, `static`, lower-case casts, `println "x"`;
# Kotlin's `fun`, `val`, `data class`, `when`, `!!`, typed parameters.
_GROOVY_NOT_KOTLIN = (
    r"^\s*def\s+\w+",
    r"\[\s*:\s*\]",
    r"\bnew\s+[A-Z]\w*",
    r"\bstatic\s+\w+",
    r"\bas\s+(?:int|long|double|float|boolean|char)\b",
    r"\bprintln\s+[\"'\w$]",
)
_KOTLIN_NOT_GROOVY = (
    r"^\s*(?:(?:private|public|internal|override|suspend|inline|operator)\s+)*fun\s+[\w<.]",
    r"^\s*(?:(?:private|public|internal|override)\s+)*val\s+\w+",
    r"\bdata\s+class\b",
    r"\bwhen\s*(?:\([^)]*\))?\s*\{",
    r"[\w)\]]!!(?:\.|\s*[),]|\s*$)",
    r"\(\s*\w+\s*:\s*(?:Int|Long|String|Boolean|Double|Float|Char|List<|Map<|Set<)\b",
)

# F# against JavaScript: a `let` with parameters, `{ x with ... }`, pipes, match arms, `fun`,
# `<-`; JavaScript's `const`, `function`, `=>`, `===`, `console.` and statements ending `;`.
_FSHARP_NOT_JS = (
    r"^\s*let\s+(?:rec\s+|inline\s+|private\s+)?\w+(?:\s+(?:\(\s*\w+\s*(?::[^)\n]*)?\)|\w+))+\s*"
    r"(?::\s*[\w<>]+\s*)?=",
    r"\{\s*\w+\s+with\b",
    r"\|>",
    r"^\s*\|\s*[^|\n]*->",
    r"\bfun\s+[\w(]",
    r"\bmatch\s+[^\n]*\bwith\b",
    r"\[\|",
    r"\blet\s+mutable\b",
    r"\w\s*<-\s*\w",
    r"\bprintfn\b",
    r"^\s*open\s+[A-Z]",
    r"^\s*type\s+\w+\s*(?:<[^>\n]*>)?\s*=",
)
_JS_NOT_FSHARP = (
    r"^\s*(?:export\s+)?const\s+[\w{\[]",
    r"(?:^\s*(?:export\s+(?:default\s+)?)?(?:async\s+)?|[=(,:]\s*)function\s*\*?\s*(?:[a-z_$][\w$]*\s*)?\(",
    r"^(?:(?!//|/\*)[^\n])*?=>",
    r"[!=]==",
    r"\bconsole\.\w+",
)
# Swift against GraphQL: Xcode's `<#placeholder#>` of the Swift book, statements; GraphQL's
# operations, fragments, variables and non-null field types.
_SWIFT_NOT_GRAPHQL = (
    r"<#[^#\n]+#>",
    r"^\s*(?:if|while|for|guard|switch|repeat|func|let|var|return|import|init|deinit)\b",
    r"\}\s*else\b",
)
_GRAPHQL_NOT_SWIFT = (
    r"^\s*(?:query|mutation|subscription)\b\s*(?:\w+\s*)?[({]",
    r"^\s*fragment\s+\w+\s+on\b",
    r"^\s*(?:schema|scalar|input|directive)\s+[@\w{]",
    r"^\s*[a-z]\w*(?:\([^)\n]*\))?\s*:\s*(?:\[[A-Z]\w*!?\]|[A-Z]\w*)!\s*$",
    r"\.\.\.\s*on\b",
    r"\$\w+\s*:",
)

# Swift against JavaScript: `func`, labelled arguments, `\(`, `nil`, conditions without
# parentheses, optional subscripts, overflow operators, typed `let`/`var`; JavaScript's
# `const`, `function`, `=>`, `===`, `console.`, modules.
_SWIFT_NOT_JS = (
    r"\bfunc\s+\w+",
    r"\b\w+\((?:[^()\n\"{}\[\]]*,\s*)?[a-z]\w*:\s*[\w\"\[(&.-]",
    r"\"[^\"\n]*(?<!\\)\\\([a-zA-Z_]",
    r"\bnil\b",
    r"^\s*(?:if|while|guard)\s+[^(\s][^\n]*\{\s*$",
    r"[\w\]]\?\[",
    r"&[+\-*]\s",
    r"^\s*(?:let|var)\s+\w+\s*:\s*[\w\[(]",
    r"\bguard\s+let\b",
    r"\bif\s+(?:let|var)\s+\w+\s*=",
    r"^\s*(?:(?:override|convenience|required)\s+)*init\??\s*\(",
    r"^\s*import\s+(?:UIKit|Foundation|SwiftUI|Combine|XCTest)\s*$",
    r"<#[^#\n]+#>",
)
_JS_NOT_SWIFT = (
    r"^\s*(?:export\s+)?const\s+[\w{\[]",
    r"(?:^\s*(?:export\s+(?:default\s+)?)?(?:async\s+)?|[=(,:]\s*)function\s*\*?\s*(?:[a-z_$][\w$]*\s*)?\(",
    r"^(?:(?!//|/\*)[^\n])*?=>",
    r"\bconsole\.\w+",
    r"\brequire\(",
    r"^\s*import\s[^;\n]*\bfrom\s+['\"]",
    r"^\s*export\s",
)

# Julia against Ruby: `elseif`, bang functions called bare, `end` inside an index, `function`,
# `println(`, typed arguments, `1:n` ranges; Ruby's `def`, `puts`, block parameters, `#{`,
# `elsif`, `nil`, `unless`, `require`, `.each`.
_JULIA_NOT_RUBY = (
    r"\belseif\b",
    r"(?<![.\w])(?:push|pushfirst|pop|popfirst|append|sort|empty|fill|deleteat|insert|map|filter"
    r"|reverse|setindex|resize|copyto|unique|shuffle|delete)!\(",
    r"\[[^\]\n]*\bend\s*\]",
    r"^\s*function\s+[\w.!]+\s*\(",
    r"\bprintln\(",
    r"^\s*for\s+\w+\s+in\s+\w+:\w+",
    r"^\s*(?:mutable\s+)?struct\s+\w+",
)
_RUBY_NOT_JULIA = (
    r"^\s*def\s",
    r"(?<![.\w])puts\b",
    r"\|\w+(?:,\s*\w+)*\|",
    r"#\{",
    r"\belsif\b",
    r"\bnil\b",
    r"\bunless\b",
    r"^\s*require(?:_relative)?\s+['\"]",
    r"\battr_(?:reader|writer|accessor)\b",
    r"\.each\b",
)

# F# against Swift: `then`/`elif`, capitalised record fields, `with` copies, computation
# expressions, `let rec`/`mutable`, pipes, match arms, `<-`; Swift's `func`, `var`, `guard`,
# `\(` in strings, type declarations with braces, `} else {` (F# names values `nil` and
# `self` too).
_FSHARP_NOT_SWIFT = (
    r"^\s*(?:if|elif)\b[^\n]*\bthen\s*$",
    r"^\s*elif\b",
    r"\{\s*[A-Z]\w*\s*=[^=]",
    r"\{\s*\w+\s+with\b",
    r"\bseq\s*\{",
    r"\blet\s+(?:rec|mutable|inline|private)\b",
    r"\|>",
    r"^\s*\|\s*[^|\n]*->",
    r"\bmatch\s+[^\n]*\bwith\s*$",
    r"\w\s*<-\s*\w",
    r"\bprintfn\b",
    r"^\s*open\s+[A-Z]",
    r"\[<\w+",
    r"^\s*yield!?\s",
)
_SWIFT_NOT_FSHARP = (
    r"\bfunc\s+\w+(?:<[^>\n]*>)?\(",
    r"^\s*var\s+\w+",
    r"\bguard\s+(?:let|var|!?\w)",
    r"\"[^\"\n]*(?<!\\)\\\([a-zA-Z_]",
    r"^\s*(?:(?:public|private|final|open)\s+)?(?:class|struct|enum|protocol|extension)\s+\w+[^\n=]*\{",
    r"\}\s*else\s*\{",
    r"\bif\s+(?:let|var)\s+\w+\s*=",
    r"^\s*import\s+(?:UIKit|Foundation|SwiftUI|Combine|XCTest)\s*$",
    r"^\s*case\s+\.\w+",
)

# `_ONLY[b][a]`: the syntax `b` has and `a` lacks; a rule exists for each pair listed. An empty
# tuple says that `b` has no syntax of its own against `a` (C is C++'s subset, CSS SCSS's, Java
# Groovy's): `a`'s own syntax may switch an answer `b` to `a`, nothing switches `a` to `b`.
_RAW: dict[str, dict[str, tuple[str, ...]]] = {
    "cpp": {"c": _CPP_NOT_C, "objective-c": _CPP_NOT_C},
    "c": {"cpp": (), "objective-c": (), "csharp": _C_NOT_CSHARP},
    "objective-c": {"c": _OBJC_NOT_C, "cpp": _OBJC_NOT_C},
    "typescript": {"javascript": _TS_NOT_JS},
    "javascript": {
        "typescript": (),
        "solidity": _JS_NOT_SOLIDITY,
        "java": _JS_NOT_JAVA,
        "fsharp": _JS_NOT_FSHARP,
        "swift": _JS_NOT_SWIFT,
    },
    "scss": {"css": _SCSS_NOT_CSS},
    "css": {"scss": ()},
    "swift": {
        "kotlin": _SWIFT,
        "scala": _SWIFT,
        "go": _SWIFT_NOT_GO,
        "graphql": _SWIFT_NOT_GRAPHQL,
        "javascript": _SWIFT_NOT_JS,
        "fsharp": _SWIFT_NOT_FSHARP,
    },
    "go": {"swift": _GO_NOT_SWIFT},
    "graphql": {"swift": _GRAPHQL_NOT_SWIFT},
    "kotlin": {
        "swift": _KOTLIN,
        "scala": _KOTLIN,
        "java": _KOTLIN_NOT_JAVA,
        "groovy": _KOTLIN_NOT_GROOVY,
    },
    "scala": {"swift": _SCALA, "kotlin": _SCALA},
    "java": {
        "csharp": _JAVA,
        "kotlin": _JAVA_NOT_KOTLIN,
        "groovy": (),
        "javascript": _JAVA_NOT_JS,
    },
    "csharp": {"java": _CSHARP, "c": _CSHARP_NOT_C},
    "groovy": {"java": _GROOVY_NOT_JAVA, "kotlin": _GROOVY_NOT_KOTLIN},
    "ruby": {"elixir": _RUBY_NOT_ELIXIR, "julia": _RUBY_NOT_JULIA},
    "elixir": {"ruby": _ELIXIR_NOT_RUBY},
    "julia": {"python": _JULIA_NOT_PYTHON, "matlab": _JULIA_NOT_MATLAB, "ruby": _JULIA_NOT_RUBY},
    "python": {"julia": _PYTHON_NOT_JULIA},
    "matlab": {"julia": _MATLAB_NOT_JULIA},
    "fsharp": {
        "ocaml": _FSHARP_NOT_OCAML,
        "javascript": _FSHARP_NOT_JS,
        "swift": _FSHARP_NOT_SWIFT,
    },
    "ocaml": {"fsharp": _OCAML_NOT_FSHARP},
    "solidity": {"javascript": _SOLIDITY_NOT_JS},
}


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
