"""Lines of chat answers that look like code to the line model but are not: maths and lists.

Chat answers work sums in plain text (`x = 32.25/36`, `FV = 70,000 * (1 + r)^n`), write LaTeX
(`\\[ \\frac{x}{2} + 6 = 25 \\]`), logic (`P ∧ Q → R`) and numbered lists with colons
(`1: Small village`). Each has the assignments, brackets and operators the line model reads as
code, and no fence to say otherwise. `math_or_list` recognises them so that `unfenced` scores
them as prose; a real program survives because its other lines (calls, keywords, strings,
braces) still read as code and carry a lone arithmetic line along.
"""

from __future__ import annotations

import re

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
_TRAILING_NOTE_RE = re.compile(r"\s*\((?=[^()]*[A-Za-z]{3})[^()]*\)\s*\.?$")
_LIST_MARKER_RE = re.compile(r"^(?:\d{1,3}[.)]|[-*+•])\s+")
# Sums: numbers, short variables (x, r, x_1, FV), a few functions (sqrt), operators, brackets
# and commas, joined by "=".
_FUNCTION = r"(?:sqrt|log|ln|exp|sin|cos|tan|abs|distance)(?=\()"
_TERM = rf"(?:\d[\d,]*(?:\.\d+)?%?|{_FUNCTION}|[A-Za-z](?:_\w{{1,3}})?|[A-Z]{{2,3}}|\.\d+)"
_OPERATOR = "(?:[-+*/^\u00d7\u00f7\u00b7]|\\*\\*)"  # with times, divide, dot
_EXPRESSION = rf"[-+(\s]*{_TERM}(?:[\s)]*(?:{_OPERATOR}|[(,\s])[\s(\-]*{_TERM})*[\s)!]*"
_LHS = r"(?:[A-Za-z][\w']{0,15}(?:\s*\([^()=]{0,20}\))?\s*)"
_ARITHMETIC_RE = re.compile(rf"^(?:{_LHS}=|=)?\s*{_EXPRESSION}(?:=\s*{_EXPRESSION})*$")
_NUMBERED_COLON_RE = re.compile(r"^\d{1,3}:\s+(?=.*[A-Za-z]{3})[^;{}=()\[\]]*$")


def math_or_list(stripped: str) -> bool:
    """True for a line of maths (LaTeX, a worked sum, logic) or a "1: item" list line."""
    if stripped in _LATEX_DELIMITERS:
        return True
    if "\\" in stripped and (_LATEX_RE.search(stripped) or _LATEX_INLINE_RE.match(stripped)):
        return True
    if stripped[:1].isdigit() and ":" in stripped[:4] and _NUMBERED_COLON_RE.match(stripped):
        return True
    if not _CODE_MARKS.isdisjoint(stripped):
        return False
    if not _MATH_SYMBOLS.isdisjoint(stripped):
        return True
    return _is_sum(stripped)


def _is_sum(stripped: str) -> bool:
    """A worked sum: digits and an operator or "=", nothing a program would need."""
    if not any(ch.isdigit() for ch in stripped) or "==" in stripped:
        return False
    text = _LIST_MARKER_RE.sub("", stripped, count=1)
    text = _TRAILING_NOTE_RE.sub("", text)
    if not any(ch in text for ch in "=+-*/^\u00d7\u00f7\u00b7"):
        return False
    return _ARITHMETIC_RE.match(text) is not None
