"""Lines of chat answers that look like code to the line model but are not: maths and lists.

Chat answers work sums in plain text (`x = 32.25/36`, `FV = 70,000 * (1 + r)^n`), write LaTeX
(`\\[ \\frac{x}{2} + 6 = 25 \\]`), logic (`P ∧ Q → R`) and numbered lists with colons
(`1: Small village`). Each has the assignments, brackets and operators the line model reads as
code, and no fence to say otherwise. `math_or_list` recognises them so that `unfenced` scores
them as prose. Sums are read token by token (numbers, short names, maths functions, operators),
so that money (`$100 + $90 = $190`), implicit products (`20x = 5y - 2`, `(2x - 1)(x - 7) = 0`),
derivatives (`f'(x)`) and units (`1 kcal = 4184 joules`) are maths too, while a call of a
program's function, a program's operator (`+=`, `==`), a statement keyword or a command-line
flag keeps a line on the code side. A real program survives because its other lines (calls,
keywords, strings, braces) still read as code and carry a lone arithmetic line along.
"""

from __future__ import annotations

import re


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# LaTeX maths: a display-math delimiter alone, or a maths command.
_LATEX_DELIMITERS = frozenset({"\\[", "\\]", "$$", "\\(", "\\)"})
_LATEX_INLINE_RE = re.compile(r"^(?:\\\[.*\\\]|\\\(.*\\\)|\$\$.*\$\$)$")
_LATEX_RE = re.compile(
    r"\\(?:frac|dfrac|tfrac|text|textbf|left|right|cdot|times|div|sqrt|sum|prod|int|approx|le|leq"
    r"|ge|geq|neq|pm|mp|quad|qquad|mathrm|mathbf|mathbb|mathcal|infty|pi|alpha|beta|gamma|delta"
    r"|theta|lambda|mu|sigma|omega|Rightarrow|rightarrow|implies|iff|therefore|land|lor|neg"
    r"|forall|exists|subseteq|subset|cup|cap|binom|ldots|dots|boxed|overline|hat|vec|log|ln|sin"
    r"|cos|tan|lim|equiv|circ|partial|nabla)(?![A-Za-z])"
)
# Logic, set and arithmetic signs, degrees, powers and fractions (escaped: they look like letters).
_MATH_SYMBOLS = frozenset(
    "\u2227\u2228\u00ac\u2192\u2194\u21d2\u21d4\u2200\u2203\u22a2\u22a8\u2234\u2235\u2229"
    "\u222a\u2264\u2265\u2260\u2248\u221a\u03c0\u00d7\u00f7\u2211\u220f\u222b\u2208\u2209"
    "\u2282\u2286\u00b0\u00b2\u00b3\u00bd\u00bc"
)
_CODE_MARKS = frozenset(";{}\"'`[]#@$")
# "(probability of liking blue)" after a sum, a list marker before it.
_TRAILING_NOTE_RE = re.compile(r"\s*\((?=[^()]*[A-Za-z]{3})[^()]*\)\s*[.,]?$")
_LIST_MARKER_RE = re.compile(r"^(?:\d{1,3}[.)]|[-*+•])\s+")
_NUMBERED_COLON_RE = re.compile(r"^\d{1,3}:\s+(?=.*[A-Za-z]{3})[^;{}=()\[\]]*$")

# A worked sum, read token by token: numbers (money, percentages, 1.5e-3), words (x, x_1, f',
# Area, it's), operators and relations, brackets, commas. Anything else (quotes, dots between
# words, braces, `:`) is not a sum.
_TOKEN_RE = re.compile(
    r"\s+"
    r"|(?P<num>\$?(?:\d[\d,]*(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+(?![A-Za-z_]))?%?)"
    r"|(?P<word>[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*(?P<prime>'+(?![A-Za-z]))?(?:'[a-z]{1,2}\b)?)"
    r"|(?P<op>\*\*|<=|>=|[-+*/^=<>!|\u00d7\u00f7\u00b7\u2212\u2013\u00b1\u2264\u2265\u2260\u2248])"
    r"|(?P<open>\()|(?P<close>\))|(?P<comma>,)"
    r"|(?P<symbol>[\u221a\u03c0\u00b2\u00b3\u00bd\u00bc\u00b0\u2211\u220f\u222b\u2229\u222a])"
)
# Maths functions; a call of any other word of four letters or more is a program's call.
_MATHS_FUNCTIONS = _words(
    "sqrt log ln exp sin cos tan abs max min round floor ceil gcd lcm mod det distance"
)
# Operators of programs, not of maths: `x += 1`, `a == b`, `p -> q` written by a program.
_PROGRAM_OPERATORS = ("==", "+=", "-=", "*=", "/=", "++", "&&", "||", "->", "=>", "//", ":=", "!=")
# Statements that look like sums: `return x + 1`, `if x > 5:`.
_PROGRAM_KEYWORDS = _words(
    "return if elif while for print echo let var const yield assert until unless set"
)
# "tool -flag": a command line (`kill -9 1234`), not a difference (`5 - 3`, `x = -5`).
_FLAG_RE = re.compile(r"[A-Za-z0-9)]\s+--?[A-Za-z0-9]")


def math_or_list(stripped: str) -> bool:
    """True for a line of maths (LaTeX, a worked sum, logic) or a "1: item" list line."""
    if stripped in _LATEX_DELIMITERS:
        return True
    if "\\" in stripped and (_LATEX_RE.search(stripped) or _LATEX_INLINE_RE.match(stripped)):
        return True
    if stripped[:1].isdigit() and ":" in stripped[:4] and _NUMBERED_COLON_RE.match(stripped):
        return True
    if _CODE_MARKS.isdisjoint(stripped) and not _MATH_SYMBOLS.isdisjoint(stripped):
        return True
    return _is_sum(stripped)


def _is_sum(stripped: str) -> bool:
    """A worked sum or formula: numbers, short variables, maths functions and operators.

    It needs an operator and some mark of maths (a number, a maths sign, a prime `f'(x)`, a
    one-letter function `P(A)`); a call of a longer name, a program's operator, a snake_case
    name with a long head (`total_cost`) or a command-line flag makes it a program's line.
    """
    if any(op in stripped for op in _PROGRAM_OPERATORS) or _FLAG_RE.search(stripped):
        return False
    text = _LIST_MARKER_RE.sub("", stripped, count=1)
    text = _TRAILING_NOTE_RE.sub("", text).rstrip(".,")
    tokens = _tokens(text)
    if not tokens or tokens[0][1] in _PROGRAM_KEYWORDS or _starts_like_a_command(tokens):
        return False
    operators = maths = False
    for index, (kind, value) in enumerate(tokens):
        following = tokens[index + 1] if index + 1 < len(tokens) else ("", "")
        if kind == "op":
            operators = True
        elif kind in ("num", "symbol", "prime"):
            maths = maths or kind != "num" or any(ch.isdigit() for ch in value)
        elif kind == "word":
            name = value.split("'")[0]
            if (
                following == ("open", "(")
                and len(name) >= 4
                and name.lower() not in _MATHS_FUNCTIONS
            ):
                return False  # compute(data)
            if "_" in name and len(name.split("_")[0]) > 2:
                return False  # total_cost
            if following == ("open", "(") and len(name) == 1:
                maths = True  # P(A), f(x)
    return operators and maths


def _starts_like_a_command(tokens: list[tuple[str, str]]) -> bool:
    """ "hf download Qwen/Qwen3-0.6B": a program and its subcommand, two lower-case words."""
    return (
        len(tokens) > 1
        and tokens[0][0] == tokens[1][0] == "word"
        and len(tokens[0][1]) > 1
        and tokens[0][1].islower()
        and tokens[1][1].islower()
    )


def _tokens(text: str) -> list[tuple[str, str]] | None:
    """The sum's tokens (kind, text), or None when some character is not part of a sum."""
    tokens: list[tuple[str, str]] = []
    position = 0
    while position < len(text):
        match = _TOKEN_RE.match(text, position)
        if match is None or match.end() == position:
            return None
        position = match.end()
        kind = match.lastgroup
        if kind is None:
            continue  # whitespace
        # An opening bracket right after a word is a call: "(" alone, " (" otherwise.
        tokens.append(
            (
                kind,
                " ("
                if kind == "open" and text[match.start() - 1 : match.start()].isspace()
                else match.group(),
            )
        )
        if kind == "word" and match.group("prime"):
            tokens.append(("prime", ""))  # f'(x): a derivative
    return tokens
