"""Pair syntax of languages from different families that short blocks make look alike.

The close pairs of `_pairs.py` are relatives (C and C++, Swift and Kotlin, F# and OCaml); on
the tuning data of the thirteenth pass (evals/pair_rules.py, RESULTS.md) the refitted text
model also reads exercism's Java documentation (`LocalDate date = LocalDate.of(...)` followed
by `// => value`) as JavaScript, the Swift book's short blocks as Go, JavaScript, F# or
GraphQL, C exercises as C#, Julia as Ruby, F# as JavaScript or Swift, Groovy as Kotlin: a few
lines share the braces, `let` or `end` of both, and one line in them is a declaration only one
of the two can write. `_pairs` merges these tables into its rules (`FAR_PAIRS[b][a]`: the
syntax `b` has and `a` lacks), each pattern checked against the rival language's blocks of all
the tuning sources (the fire counts in RESULTS.md).
"""

from __future__ import annotations

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
# Java against C++: try-with-resources (`try (Sender s = ...)`), `System.out`, `@Override`, a
# `java.` import; none fires on 2,294 C++ blocks of the tuning sources (Linguist's samples,
# fmt, TheAlgorithms' C++, files cut in 40-line blocks). C++ has no syntax of its own listed
# against Java: Java's may switch a C++ answer to Java, nothing switches Java to C++.
_JAVA_NOT_CPP = (
    r"\btry\s*\(\s*[A-Z][\w.<>]*\s+\w+\s*=",
    r"\bSystem\.out\.print",
    r"@Override\b",
    r"^\s*import\s+java\.",
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

FAR_PAIRS: dict[str, dict[str, tuple[str, ...]]] = {
    "java": {"javascript": _JAVA_NOT_JS, "cpp": _JAVA_NOT_CPP},
    "javascript": {
        "java": _JS_NOT_JAVA,
        "fsharp": _JS_NOT_FSHARP,
        "swift": _JS_NOT_SWIFT,
    },
    "swift": {
        "go": _SWIFT_NOT_GO,
        "graphql": _SWIFT_NOT_GRAPHQL,
        "javascript": _SWIFT_NOT_JS,
        "fsharp": _SWIFT_NOT_FSHARP,
    },
    "go": {"swift": _GO_NOT_SWIFT},
    "graphql": {"swift": _GRAPHQL_NOT_SWIFT},
    "c": {"csharp": _C_NOT_CSHARP},
    "csharp": {"c": _CSHARP_NOT_C},
    "groovy": {"kotlin": _GROOVY_NOT_KOTLIN},
    "kotlin": {"groovy": _KOTLIN_NOT_GROOVY},
    "fsharp": {"javascript": _FSHARP_NOT_JS, "swift": _FSHARP_NOT_SWIFT},
    "julia": {"ruby": _JULIA_NOT_RUBY},
    "ruby": {"julia": _RUBY_NOT_JULIA},
}
