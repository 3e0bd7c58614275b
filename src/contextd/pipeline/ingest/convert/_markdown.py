"""The Markdown both HTML writers share: code fences, language labels, tidying.

Two writers produce Markdown from HTML: `_extracted` writes a web page's main content (the tree
trafilatura leaves), and markdownify, configured here, writes the HTML mammoth makes of a Word
document. Both must keep code byte for byte, label fences the same way and tidy the same way,
so those rules live here once.
"""

from __future__ import annotations

import re
from typing import Any

from bs4 import Tag
from markdownify import MarkdownConverter

from contextd.pipeline._fences import trim_blank_lines

_LANGUAGE_CLASS = re.compile(
    r"(?:language-|lang-|highlight-source-|highlight-|brush:)([A-Za-z0-9_+#.-]{1,30})"
)
_NOT_LANGUAGES = frozenset({"default", "none", "nohighlight", "plain", "notranslate"})
_LANGUAGE_NAME = re.compile(r"[A-Za-z0-9_+#.-]{1,30}")


def language_from_classes(classes: str) -> str | None:
    """The language a class attribute names: `language-x` or `lang-x` (Prism, highlight.js,
    CommonMark), `highlight-x` (Sphinx), `highlight-source-x` (GitHub), `brush: x`
    (SyntaxHighlighter)."""
    for name in classes.replace("brush: ", "brush:").split():
        m = _LANGUAGE_CLASS.fullmatch(name)
        if m and m.group(1).lower() not in _NOT_LANGUAGES:
            return m.group(1)
    return None


def language_of(classes: str, data_lang: str | None) -> str | None:
    """An element's language label, from `data-lang` / `data-language` or its classes."""
    if data_lang and _LANGUAGE_NAME.fullmatch(data_lang):
        return data_lang
    return language_from_classes(classes)


def fence(code: str, language: str | None) -> str:
    """A fenced block around `code` as written, with more backticks than it contains, so no
    line of the code can close it early; empty when there is no code."""
    code = trim_blank_lines(code.split("\n"))
    if not code.strip():
        return ""
    longest = max((len(run) for run in re.findall(r"`{3,}", code)), default=0)
    marks = "`" * max(3, longest + 1)
    return f"{marks}{language or ''}\n{code}\n{marks}"


_FENCE_OPEN = re.compile(r"[ \t]*(`{3,}|~{3,})")


def tidy(markdown: str) -> str:
    """Trim trailing spaces and runs of blank lines outside code fences; inside, change nothing."""
    out: list[str] = []
    marks: str | None = None
    for line in markdown.split("\n"):
        if marks is not None:
            out.append(line)
            stripped = line.strip()
            if stripped.startswith(marks) and not stripped.strip(marks[0]):
                marks = None
            continue
        opening = _FENCE_OPEN.match(line)
        if opening:
            marks = opening.group(1)
        line = line.rstrip()
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip("\n") + "\n"


def _classes(tag: Tag) -> str:
    value = tag.get("class")
    return " ".join(value) if isinstance(value, list) else str(value or "")


def _pre_language(el: Tag) -> str:
    code = el.find("code")
    candidates = [el, *([code] if isinstance(code, Tag) else [])]
    for candidate in candidates:
        explicit = candidate.get("data-lang") or candidate.get("data-language")
        language = language_of(_classes(candidate), explicit if isinstance(explicit, str) else None)
        if language:
            return language
    return ""


# markdownify's stub declares only part of the class; its converters are reached through this.
_MarkdownBase: Any = MarkdownConverter


class _Markdown(MarkdownConverter):
    """markdownify with exact code blocks, fences that cannot be closed early, no inline images.

    markdownify's own `<pre>` handling strips trailing spaces and always fences with three
    backticks; ours keeps the code as written. Images embedded as data: URIs (mammoth does that)
    would bury the text in base64.
    """

    def __init__(self) -> None:
        super().__init__(
            heading_style="ATX",
            bullets="-",
            escape_underscores=False,
            code_language_callback=_pre_language,
        )

    def convert_pre(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        block = fence(text, _pre_language(el))
        return f"\n\n{block}\n\n" if block else ""

    def convert_br(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        if "pre" in parent_tags:
            return "\n"
        return str(_MarkdownBase.convert_br(self, el, text, parent_tags))

    def convert_img(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        if str(el.get("src") or "").startswith("data:"):
            return str(el.get("alt") or "")
        return str(_MarkdownBase.convert_img(self, el, text, parent_tags))


def to_markdown(html: str) -> str:
    """An HTML fragment (a whole converted document, not a web page) as tidy Markdown."""
    return tidy(str(_Markdown().convert(html)))
