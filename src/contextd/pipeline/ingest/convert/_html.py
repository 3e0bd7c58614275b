"""HTML to Markdown that keeps code byte for byte.

readability-lxml finds the article and markdownify writes it, because that pair keeps `<pre>`
text exact where trafilatura rewrote it; fences keep the language label found on the element.
"""

from __future__ import annotations

import re
from itertools import islice
from typing import Any

import readability
from bs4 import BeautifulSoup, Tag
from markdownify import MarkdownConverter

from contextd.pipeline.ingest.convert._decode import decode_text, meta_charset
from contextd.pipeline.types import Document, Fetched, UnsupportedFormat

_LANGUAGE_CLASS = re.compile(
    r"(?:language-|lang-|highlight-source-|highlight-|brush:)([A-Za-z0-9_+#.-]{1,30})"
)
_NOT_LANGUAGES = frozenset({"default", "none", "nohighlight", "plain", "notranslate"})


def _classes(tag: Tag) -> list[str]:
    value = tag.get("class")
    return list(value) if isinstance(value, list) else str(value or "").split()


def _language_from_classes(classes: list[str]) -> str | None:
    for name in classes:
        m = _LANGUAGE_CLASS.fullmatch(name)
        if m and m.group(1).lower() not in _NOT_LANGUAGES:
            return m.group(1)
    return None


def _element_language(pre: Tag) -> str | None:
    """The language label of a `<pre>`, from it, its `<code>` child or the wrappers around it.

    Sites spell it `language-x` or `lang-x` (Prism, highlight.js, CommonMark), `highlight-x`
    (Sphinx), `highlight-source-x` (GitHub), `brush: x` (SyntaxHighlighter) or `data-lang`.
    """
    code = pre.find("code")
    candidates = [pre, *([code] if isinstance(code, Tag) else []), *islice(pre.parents, 3)]
    for candidate in candidates:
        explicit = candidate.get("data-lang") or candidate.get("data-language")
        if isinstance(explicit, str) and re.fullmatch(r"[A-Za-z0-9_+#.-]{1,30}", explicit):
            return explicit
        classes = " ".join(_classes(candidate)).replace("brush: ", "brush:").split()
        language = _language_from_classes(classes)
        if language:
            return language
    return None


# markdownify's stub declares only part of the class; its converters are reached through this.
_MarkdownBase: Any = MarkdownConverter


class _Markdown(MarkdownConverter):
    """markdownify with exact code blocks, fences that cannot be closed early, no inline images.

    markdownify's own `<pre>` handling strips trailing spaces and always fences with three
    backticks; ours keeps the code as written and fences with more backticks than it contains.
    Images embedded as data: URIs (mammoth does that) would bury the text in base64.
    """

    def __init__(self) -> None:
        super().__init__(
            heading_style="ATX",
            bullets="-",
            escape_underscores=False,
            code_language_callback=_pre_language,
        )

    def convert_pre(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        code = _trim_blank_lines(text)
        if not code.strip():
            return ""
        longest = max((len(run) for run in re.findall(r"`{3,}", code)), default=0)
        fence = "`" * max(3, longest + 1)
        return f"\n\n{fence}{_pre_language(el)}\n{code}\n{fence}\n\n"

    def convert_br(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        if "pre" in parent_tags:
            return "\n"
        return str(_MarkdownBase.convert_br(self, el, text, parent_tags))

    def convert_img(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        if str(el.get("src") or "").startswith("data:"):
            return str(el.get("alt") or "")
        return str(_MarkdownBase.convert_img(self, el, text, parent_tags))


def _pre_language(el: Tag) -> str:
    """Read the label `_mark_languages` put on each `<pre>` (or one mammoth/markdown wrote)."""
    code = el.find("code")
    classes = _classes(el) + (_classes(code) if isinstance(code, Tag) else [])
    return _language_from_classes(classes) or ""


def _trim_blank_lines(text: str) -> str:
    """Drop blank lines around a code block; every other character stays as written."""
    lines = text.split("\n")
    start, end = 0, len(lines)
    while start < end and not lines[start].strip():
        start += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return "\n".join(lines[start:end])


_FENCE_OPEN = re.compile(r"[ \t]*(`{3,}|~{3,})")


def _tidy(markdown: str) -> str:
    """Trim trailing spaces and runs of blank lines outside code fences; inside, change nothing."""
    out: list[str] = []
    fence: str | None = None
    for line in markdown.split("\n"):
        if fence is not None:
            out.append(line)
            stripped = line.strip()
            if stripped.startswith(fence) and not stripped.strip(fence[0]):
                fence = None
            continue
        opening = _FENCE_OPEN.match(line)
        if opening:
            fence = opening.group(1)
        line = line.rstrip()
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip("\n") + "\n"


def to_markdown(html: str | Tag) -> str:
    converter = _Markdown()
    markdown = converter.convert_soup(html) if isinstance(html, Tag) else converter.convert(html)
    return _tidy(str(markdown))


def _text_length(tag: Tag) -> int:
    return len("".join(tag.get_text().split()))


# Pages with less visible text than this (in non-space characters) are converted whole.
_SMALL_PAGE = 1000
_DROP_TAGS = ["script", "style", "noscript", "template", "svg", "iframe", "head", "object"]


def _mark_languages(soup: BeautifulSoup) -> None:
    """Copy each `<pre>`'s language onto its own class, where readability keeps it.

    readability discards the wrappers (Sphinx's `div.highlight-python`) that often carry it.
    """
    for pre in soup.find_all("pre"):
        language = _element_language(pre)
        if language and not _language_from_classes(_classes(pre)):
            pre["class"] = " ".join([*_classes(pre), f"language-{language}"])


def html_to_document(html: str) -> Document:
    """The main content of a page as Markdown, or its whole body when readability finds little.

    "Little" means under a fifth of the body's text, or fewer code blocks than the body has:
    a page of nav links around one snippet is still read whole rather than lose the snippet.
    Small pages are always read whole: there readability's guesses are least reliable (it drops
    tables and lists), and the page chrome it would remove costs little.
    """
    soup = BeautifulSoup(html, "lxml")
    title = _html_title(soup)
    _mark_languages(soup)
    for element in soup.find_all(_DROP_TAGS):
        element.decompose()
    body = soup.body or soup
    try:
        summary = str(readability.Document(str(soup)).summary(html_partial=True))
    except Exception:  # readability raises bare Exceptions (Unparseable) on odd pages
        summary = ""
    article = BeautifulSoup(summary, "lxml")
    body_length, article_length = _text_length(body), _text_length(article)
    small = body_length < _SMALL_PAGE
    too_little = article_length < 0.2 * body_length
    lost_code = len(article.find_all("pre")) < len(body.find_all("pre"))
    text = to_markdown(body if small or too_little or lost_code else article)
    return Document(text=text if text.strip() else "", format="html", title=title)


def _html_title(soup: BeautifulSoup) -> str | None:
    for tag in (soup.title, soup.find("h1")):
        if isinstance(tag, Tag):
            title = " ".join(tag.get_text().split())
            if title:
                return title
    return None


def convert_html(fetched: Fetched) -> Document:
    charset = fetched.charset or meta_charset(fetched.content)
    document = html_to_document(decode_text(fetched.content, charset))
    if not document.text.strip():
        raise UnsupportedFormat(
            "the page has no readable text (it may build its content with JavaScript)"
        )
    return document
