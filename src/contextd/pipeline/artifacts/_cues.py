"""The syntax cues of language identification: about 170 patterns, each tied to one language.

Each cue is a regular expression with a weight. A block's score for a language is the sum of
its cues' weights times their matches (capped, so one long file cannot drown the others). Every
cue was checked against real code of the other languages (Linguist's samples, see
evals/language_id.py): a cue that fires on another language's ordinary code is a bug (the old
Protocol Buffers cue `= 1;` tagged every C assignment).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from contextd.pipeline.artifacts._languages import SHELL_TOOLS

_LINE_CAP = 4  # a cue counts at most this many times in one block


@dataclass(frozen=True)
class Cue:
    language: str
    pattern: re.Pattern[str]
    weight: float
    cap: int  # matches counted at most


def _cues(language: str, weight: float, *patterns: str, flags: int = 0) -> list[Cue]:
    """One cue per call: its patterns as one alternation, so a block is scanned once for them."""
    joined = "|".join(f"(?:{p})" for p in patterns)
    return [
        Cue(language, re.compile(joined, re.MULTILINE | flags), weight, _LINE_CAP * len(patterns))
    ]


_I = re.IGNORECASE
_SHELL_TOOLS = "|".join(sorted((re.escape(t) for t in SHELL_TOOLS), key=len, reverse=True))

CUES: list[Cue] = [
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
    # a triple-quoted string assigned to a bare name (Kotlin, Scala, Swift say val/let/var first)
    *_cues("python", 3.0, r"^\s*[a-z_]\w*\s*=\s*[rbfu]?(?:\"\"\"|''')"),
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
    # `type X {` (no `=`) is no TypeScript: it is GraphQL's object type (and Aiken's, BAML's).
    *_cues(
        "typescript",
        3.0,
        r"^\s*(?:export\s+)?interface\s+\w+(?:<[^>]*>)?\s*[={]",
        r"^\s*(?:export\s+)?type\s+\w+(?:<[^>]*>)?\s*=",
    ),
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
        "powershell",
        3.0,
        r"\s-(?:eq|ne|lt|le|gt|ge|and|or|not|like|match|contains)\s",
        r"\[(?:int|string|array|hashtable|double|bool|char)(?:\[\])?\]\s*\$",
        r"^\s*param\s*\(",
        r"\|\s*(?:%|\?|ForEach-Object|Where-Object|Select-Object)\s*\{",
        r"\$_\.?\b",
    ),
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
    *_cues(
        "cpp", 3.0, r"\bstd::", r"^\s*namespace\s+\w+\s*\{", r"\btemplate\s*<", r"#include\s*<\w+>"
    ),
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
    *_cues(
        "csharp",
        3.0,
        r"^\s*namespace\s+[\w.]+\s*;?\s*$",
        r"^\s*using\s+[A-Z][\w.]*;\s*$",
        r"\bforeach\s*\(\s*var\b",
        r"\basync\s+Task\b",
        r"\bvar\s+\w+\s*=\s*new\s",
        r"^\s*\[[A-Z]\w+(?:\(.*\))?\]\s*$",
        r"\b(?:string|int|bool|object)\[\]\s+\w+",
        r"\.(?:ToString|Length|Count|Add|Equals|GetType)\(",
    ),
    *_cues("scala", 3.0, r"^\s*object\s+\w+", r"^\s*case\s+class\b", r"^\s*def\s+\w+.*=\s*$"),
    # Go, Rust, Swift, Ruby, PHP, Lua, R, Dart
    *_cues("go", 4.0, r"^package\s+\w+\s*$", r"^func\s+(?:\([^)]*\)\s*)?\w+\s*\("),
    # Go's type declarations (the CSS rule cue, which used to give these blocks their evidence,
    # now leaves `type X ...{` lines to GraphQL and Go)
    *_cues("go", 4.0, r"^\s*type\s+\w+(?:\[[^\]]*\])?\s+(?:struct|interface)\s*\{"),
    *_cues("go", 2.5, r":=", r"\bfmt\.\w+\(", r"\berr\s*!=\s*nil\b", r"^import\s+\($"),
    *_cues("rust", 4.0, r"^\s*(?:pub(?:\(\w+\))?\s+)?(?:async\s+)?fn\s+\w+", r"\blet\s+mut\b"),
    *_cues("rust", 2.5, r"^\s*use\s+\w+::", r"^\s*impl\b", r"\bprintln!\(", r"#\[derive\("),
    *_cues("rust", 2.0, r"&(?:mut\s+)?(?:str|self)\b", r"\b(?:Vec|Option|Result|Box)<", r"\w+!\("),
    *_cues("swift", 3.0, r"^\s*import\s+(?:UIKit|SwiftUI|Foundation)", r"\bguard\s+let\b"),
    *_cues("swift", 2.0, r"^\s*func\s+\w+\s*\(", r"\bvar\s+\w+\s*:\s*\w+"),
    *_cues("ruby", 3.0, r"^\s*def\s+\w+[?!]?\s*(?:\([^)]*\))?\s*$", r"^\s*end\s*$", r"\bputs\b"),
    *_cues("ruby", 2.0, r"\bdo\s*\|\w+", r"^\s*require\s+['\"]", r"\.each\b", r"\bnil\b"),
    *_cues("php", 5.0, r"<\?php"),
    *_cues(
        "tcl", 3.0, r"^\s*proc\s+[\w:]+\s+\{", r"\[expr\s", r"^\s*set\s+\w+\s+\S", r"\bputs\s+\$"
    ),
    *_cues("elixir", 3.0, r"^\s*defmodule\s+[\w.]+\s+do\s*$", r"\|>", r"^\s*defp?\s+\w+.*\bdo\s*$"),
    *_cues("elixir", 2.0, r"\bIO\.(?:puts|inspect)\b", r"\bEnum\.\w+", r"\bfn\s+[\w,\s{}]*->"),
    *_cues(
        "groovy", 3.0, r"^\s*def\s+\w+\s*=", r"\.each(?:WithIndex)?\s*\{", r"\bprintln\s+[\"'\w]"
    ),
    *_cues(
        "dart",
        2.0,
        r"^\s*final\s+\w+\s*=",
        r"^\s*(?:var|final)\s+\w+\s*=.*;\s*$",
        r"\bprint\(.*\);",
    ),
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
    # Capitals only: case-blind, these fired on 673 tuning blocks, 54 of them SQL ("is not
    # null", "an integer" in comments); in capitals 31 of 37 (RESULTS, sixth pass).
    *_cues("sql", 1.5, r"\b(?:VARCHAR|INTEGER|PRIMARY KEY|NOT NULL|REFERENCES)\b"),
    *_cues("html", 3.0, r"<(?:div|span|p|a|ul|li|body|head|html|script|button|form|input)\b[^>]*>"),
    *_cues("html", 2.0, r"</(?:div|span|p|a|ul|li|body|head|html|script|button|form)>"),
    *_cues("xml", 2.0, r"^\s*<[\w:-]+(?:\s+[\w:-]+=\"[^\"]*\")*\s*/?>\s*$", r"</[\w:-]+>\s*$"),
    # not a `name {` over a bare word: that is a GraphQL selection set, no CSS rule
    *_cues(
        "css",
        3.0,
        r"^\s*(?!.*:\s)(?!(?:type|input|enum|interface|query|mutation|subscription)\s+[A-Z])"
        r"[.#:]?[\w-][\w\s.#:>+~,*=\[\]\"'-]*\{[ \t]*$(?!\n[ \t]*\w+[ \t]*\{?[ \t]*$)",
    ),
    *_cues("css", 2.0, r"^\s*[\w-]+\s*:\s*[^;{]+;\s*$", r"^\s*@media\b"),
    *_cues("scss", 3.0, r"^\s*\$[\w-]+\s*:", r"&:\w+", r"@mixin\b", r"@include\b"),
    # Dockerfile instructions, each its own cue (and cap): a RUN's shell body scores Bash's cues
    # on every line (`&&`, `\\`, apt-get), so one capped Dockerfile cue lost to them.
    *_cues(
        "dockerfile",
        4.0,
        r"^FROM\s+(?:--platform=\S+\s+)?[\w.${}/:@-]+(?:\s+(?i:AS)\s+[\w.-]+)?\s*$",
    ),
    *_cues("dockerfile", 4.0, r"^RUN\s+(?:--\w+=\S+\s+)*\S"),
    *_cues("dockerfile", 4.0, r"^(?:COPY|ADD)\s+(?:--[\w-]+=\S+\s+)*\S+\s+\S"),
    *_cues("dockerfile", 4.0, r"^(?:CMD|ENTRYPOINT)\s+(?:\[\s*\"|\S)"),
    *_cues("dockerfile", 3.0, r"^(?:ENV|ARG|LABEL)\s+\w[\w.-]*(?:=|\s+\S|\s*$)"),
    *_cues(
        "dockerfile",
        3.0,
        r"^(?:WORKDIR|USER|VOLUME|EXPOSE|HEALTHCHECK|ONBUILD|STOPSIGNAL|SHELL|MAINTAINER)\s+\S",
    ),
    *_cues("dockerfile", 8.0, r"^#\s*syntax\s*=\s*\S*dockerfile", r"^#\s*escape\s*=\s*[\\`]\s*$"),
    *_cues(
        "makefile", 3.0, r"^\.PHONY:", r"^[\w.-]+:(?:\s+[\w.$()/-]+)*\s*$\n\t", r"\$\([A-Z_]+\)"
    ),
    # GraphQL: operations, fragments and the schema language (SDL). Its field lines (`name:
    # String`) are YAML's `key: value` too, so the shapes no other language has weigh most.
    *_cues("graphql", 4.0, r"^\s*(?:query|mutation|subscription)(?:\s+\w+)?\s*\{\s*$"),
    *_cues(
        "graphql",
        6.0,
        r"^\s*(?:query|mutation|subscription)\s+\w+\s*\(\s*\$\w+\s*:\s*\[?\w+",
        r"^\s*fragment\s+\w+\s+on\s+\w+",
        r"^\s*directive\s+@\w+",
        r"^\s*(?:extend\s+)?(?:type|interface)\s+\w+\s+implements\s+\w+",
        r"^\s*extend\s+(?:type|schema|interface|input|enum|union)\b",
    ),
    *_cues(
        "graphql",
        5.0,
        r"^\s*(?:type|input)\s+\w+(?:\s+@\w+(?:\([^)]*\))?)*\s*\{\s*$",
        r"^\s*schema\s*\{\s*$",
        r"^\s*union\s+\w+\s*=\s*\|?\s*\w+(?:\s*\|\s*\w+)*\s*$",
        r"^\s*scalar\s+\w+(?:\s+@\w+.*)?$",
        r"^\s*\.\.\.\s*on\s+\w+\s*\{",
        r"@(?:include|skip)\(if:\s*\$\w+\)",
        r"[\w!\]][ \t]+@deprecated\b",
    ),
    # A selection set: `name {` (or `name(arg: 1) {`) over a bare field name, then another or
    # `}`: CSS, nginx and HCL put `prop: v;` or `x = 1` there; block keywords are left out.
    *_cues(
        "graphql",
        2.0,
        r"^[ \t]*(?!(?:else|loop|do|try|finally|default|begin|then|unsafe|async)\b)\w+"
        r"(?:\([^)\n]*\))?[ \t]*\{[ \t]*(?=\n(?:[ \t]*#.*\n)*[ \t]+\w+(?:[ \t]*\{)?[ \t]*\n"
        r"[ \t]*(?:\w+(?:[ \t]*\{)?|\})[ \t]*$)",
    ),
    # an anonymous query: a block opening on `{` whose first field has a selection set
    *_cues(
        "graphql", 4.0, r"\A\s*\{[ \t]*\n(?:[ \t]*#.*\n)*[ \t]+\w+(?:\([^)\n]*\))?[ \t]*\{[ \t]*$"
    ),
    # a field's arguments are the operation's variables: `hero(id: $id) {`
    *_cues("graphql", 4.0, r"^[ \t]+\w+\((?:\w+:[ \t]*\$\w+,?[ \t]*)+\)[ \t]*\{?[ \t]*$"),
    # A field: `name: Type!`, `[Type!]!`, `name(arg: ID!): Type`, not after a declaration word
    # (`var x: String!` is Swift) nor followed by `,` `;` `{` (Kotlin, TypeScript).
    *_cues(
        "graphql",
        2.5,
        r"^\s+(?!(?:var|let|val|const)\b)\w+(?:\([^)]*\))?\s*:\s*\[?\w+!?\]?!\s*(?:@\w+.*)?$",
        r"^\s+\w+\((?:\s*\w+:\s*\[?\w+!?\]?!?(?:\s*=\s*[^,)]+)?,?)+\)\s*:\s*\[?[A-Z]\w*!?\]?!?\s*$",
    ),
    # CMake (not a class of the fitted model: its cues alone name it, `_CUE_ONLY_SCORE`)
    *_cues(
        "cmake",
        4.0,
        r"^\s*(?:cmake_minimum_required|add_executable|add_library|target_link_libraries"
        r"|target_include_directories|target_compile_(?:options|definitions|features)"
        r"|find_package|add_subdirectory|include_directories|add_custom_(?:command|target)"
        r"|cmake_parse_arguments|set_target_properties)\s*\(",
        r"^\s*install\s*\(\s*(?:TARGETS|FILES|DIRECTORY|PROGRAMS|EXPORT)\b",
        r"\$\{CMAKE_\w+\}",
    ),
    *_cues(
        "cmake",
        3.0,
        r"^\s*(?:endif|endforeach|endfunction|endmacro|endwhile)\s*\([^)\n]*\)\s*$",
        r"^\s*set\s*\(\s*[A-Z_][A-Z0-9_]*[\s)]",
        r"\bmessage\s*\(\s*(?:STATUS|WARNING|AUTHOR_WARNING|FATAL_ERROR|SEND_ERROR)\b",
    ),
    *_cues("protobuf", 4.0, r"^\s*syntax\s*=\s*\"proto", r"^\s*message\s+\w+\s*\{"),
    # A field only with a type C, C++ and MATLAB lack (`int x = 1;` is everyone's assignment).
    *_cues(
        "protobuf",
        3.0,
        r"^\s*(?:repeated|optional|required)\s+[\w.]+\s+\w+\s*=\s*\d+\s*(?:\[[^\]]*\])?;",
        r"^\s*(?:u?int(?:32|64)|s?fixed(?:32|64)|sint(?:32|64)|bytes)\s+\w+\s*=\s*\d+\s*;",
        r"^\s*rpc\s+\w+\s*\(\s*(?:stream\s+)?[\w.]+\s*\)\s*returns\b",
        r"^\s*map<\w+,\s*[\w.]+>\s+\w+\s*=\s*\d+;",
    ),
    # Lisps: magika says "lisp" for all of them; the defining forms tell the dialect.
    *_cues("scheme", 3.0, r"\(define\s+[(\w]", r"^#lang\s+\w+", r"\(let\s+loop\b"),
    *_cues("scheme", 2.0, r"#[tf]\b", r"\(lambda\s+\(", r"\((?:display|newline|set!|cond|else)\b"),
    *_cues("lisp", 3.0, r"\(def(?:un|var|parameter|macro|generic|method|class|const)\s"),
    *_cues("lisp", 2.0, r"\((?:setq|setf|let\*|in-package|format\s+t|loop\s+for)\b", r"#'[\w-]"),
    *_cues("clojure", 3.0, r"\(defn-?\s", r"^\(ns\s+[\w.-]+", r"\(fn\s+\[", r"\(let\s+\["),
    *_cues("clojure", 2.0, r"\(def\s+\S", r":require\b", r"\(->>?\s", r"#\{", r"\bprintln\s"),
    # MATLAB / Octave.
    *_cues(
        "matlab",
        3.0,
        r"^\s*function\s+(?:\[[^\]]*\]|\w+)\s*=\s*\w+",
        r"^\s*for\s+\w+\s*=\s*[\w(]+\s*:\s*[\w(]",
        r"\b(?:zeros|ones|linspace|numel|disp|fprintf|figure|subplot|xlabel)\(",
    ),
    *_cues("matlab", 2.0, r"^\s*%(?!\w+%)", r"\.\*|\.\^|\./", r"\bend;?\s*$", r"\w'\s*[;*)]"),
    *_cues("matlab", 2.0, r"^\s*(?:elseif|endfunction|endif|endfor)\b", r"=\s*\[[\d.\s;,-]+\];"),
    # Server configuration and protocols.
    *_cues(
        "nginx",
        4.0,
        r"^\s*(?:server|http|events|upstream\s+\w+|location\s+[~=^/@][^{]*)\s*\{\s*$",
        r"^\s*(?:listen|server_name|proxy_pass|proxy_set_header|try_files|worker_processes"
        r"|worker_connections|ssl_certificate(?:_key)?|access_log|error_log|fastcgi_pass"
        r"|client_max_body_size|keepalive_timeout|add_header|gzip)\s+[^;=]*;\s*$",
    ),
    *_cues(
        "http",
        5.0,
        r"^(?:GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS)\s+(?:/|https?://)\S*(?:\s+HTTP/\d(?:\.\d)?)?$",
        r"^HTTP/\d(?:\.\d)?\s+\d{3}\b",
    ),
    *_cues(
        "http",
        2.0,
        r"^(?:Host|Content-Type|Content-Length|Authorization|Accept|User-Agent|Cookie):\s",
    ),
    # HCL/Terraform: only the block-shaped forms (`x = "y"` is TOML's and INI's too).
    *_cues("hcl", 4.0, r"^\s*(?:resource|provider|variable|module|output|data)\s+\"[\w-]+\""),
    *_cues(
        "hcl",
        4.0,
        r"^\s*(?:terraform|locals|required_providers|lifecycle)\s*\{\s*$",
        r"^\s*(?:backend|dynamic|provisioner|check)\s+\"[\w-]+\"\s*\{\s*$",
        r"^\s*(?:moved|removed)\s*\{\s*$",
    ),
    *_cues(
        "hcl",
        3.0,
        r"=\s*(?:var|local|module|data)\.\w+(?:\.\w+)*(?:\[[^\]]*\])?\s*$",
        r"\$\{(?:var|local|module|data|each|count)\.\w+",
        r"^\s*(?:for_each|depends_on|count)\s*=\s*(?:\[|\{|var\.|local\.|length\(|toset\()",
    ),
    *_cues("diff", 3.0, r"^@@\s", r"^(?:---|\+\+\+)\s+[ab]/", r"^diff\s+--git\b"),
    *_cues("diff", 1.0, r"^[-+](?![-+])"),
]

# Languages the fitted model knows (or not: Dockerfile) whose own cues answer before it when
# they score at least `_CUE_ONLY_SCORE` and this many times the runner-up's cue score (the model
# read GraphQL schemas as TypeScript or YAML; a Python test holding a GraphQL query in a
# string must stay Python). Chosen on tuning data (evals/cue_check.py; RESULTS, tenth pass).
CUE_DECIDES: dict[str, float] = {"graphql": 1.5, "hcl": 1.5, "dockerfile": 0.0}

# Strong cues first; the weak ones only when the strong ones leave the answer open.
_STRONG_WEIGHT = 2.5
STAGES = (
    tuple(cue for cue in CUES if cue.weight >= _STRONG_WEIGHT),
    tuple(cue for cue in CUES if cue.weight < _STRONG_WEIGHT),
)
