"""A web page's main content as Markdown, its links apart as metadata; code byte for byte.

trafilatura finds the main content: on the WCXB benchmark (`evals/web_main_content.py`) it
keeps more of it and less chrome than readability-lxml did, on every kind of page. Its own
text and Markdown outputs flatten code and tables, so we take its XML tree and write the
Markdown ourselves (`_extracted`), restoring each code block from the page's `<pre>`.

The page is parsed once, by lxml: trafilatura works on a copy of that tree, and the code blocks,
title, language labels and links are read from the original. When trafilatura finds nothing (a
page of one short paragraph, a table of links) the whole body is written instead; when it
flattened a small page, the element of the page that holds what it found is written.

trafilatura is called with its own defaults (no links, no bold or italic, no images): asking for
links or formatting changes which blocks it keeps, and on WCXB's dev split that cost word F1
(pages where it then kept half an article, or nothing). The links of the content are found
afterwards, by matching the page's links to the written text (`_links`), when the document's
metadata is first read (`_PageMeta`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from itertools import islice
from urllib.parse import urljoin, urlsplit

import lxml.html
from lxml.etree import ElementDefaultClassLookup, ParserError, _Element, strip_elements
from trafilatura import bare_extraction

from contextd.pipeline.ingest.convert._decode import decode_text, meta_charset, repair_mojibake
from contextd.pipeline.ingest.convert._extracted import Code, Writer, code_key
from contextd.pipeline.ingest.convert._markdown import language_of
from contextd.pipeline.ingest.convert._trafilatura import skip_comparison_from
from contextd.pipeline.types import Document, Fetched, UnsupportedFormat

# trafilatura's own parser settings, so the tree it gets is the one it would have built.
_PARSER = lxml.html.HTMLParser(
    collect_ids=False,
    default_doctype=False,
    encoding="utf-8",
    remove_comments=True,
    remove_pis=True,
)
# Every element an `HtmlElement`, chosen in C: lxml.html's own lookup is a Python call for each
# element handed to Python (to give `<form>` or `<input>` their own classes, which neither
# trafilatura nor we use), a few percent of a page's conversion. Same output on WCXB dev.
_PARSER.set_element_class_lookup(
    ElementDefaultClassLookup(
        element=lxml.html.HtmlElement,
        comment=lxml.html.HtmlComment,
        pi=lxml.html.HtmlProcessingInstruction,
        entity=lxml.html.HtmlEntity,
    )
)
_DROP_TAGS = ("script", "style", "noscript", "template", "svg", "iframe", "head", "object")
_NOT_LINKS = re.compile(r"(?i)^(?:javascript|data|vbscript|about):|^#")
_WORD = re.compile(r"\w+")
_INLINE = frozenset(
    {"span", "strong", "b", "em", "i", "u", "small", "font", "mark", "cite", "code", "abbr", "sup"}
)
_MARKER = re.compile(r"^(?:[-*+>#]+|\d+[.)])\s+")


def _parse(html: str) -> _Element | None:
    try:
        return lxml.html.document_fromstring(html.encode("utf-8", "replace"), parser=_PARSER)
    except (ParserError, ValueError):  # an empty or all-whitespace document
        return None


def _pre_text(pre: _Element) -> str:
    """A `<pre>`'s text as shown: `<br>` is a line break, tags are dropped."""
    parts = [pre.text or ""]
    for child in pre:
        if isinstance(child.tag, str):
            parts.append("\n" if child.tag.lower() == "br" else _pre_text(child))
        parts.append(child.tail or "")
    return "".join(parts)


def _element_language(pre: _Element) -> str | None:
    """The label on a `<pre>`, its `<code>` or the wrappers around it (Sphinx puts it on a
    `div.highlight-python` two levels up)."""
    code = pre.find("code")
    candidates = [pre, *([code] if code is not None else []), *islice(pre.iterancestors(), 3)]
    for el in candidates:
        data = el.get("data-lang") or el.get("data-language")
        language = language_of(str(el.get("class") or ""), data)
        if language:
            return language
    return None


def _page_codes(tree: _Element) -> dict[str, Code]:
    """Each `<pre>` of the page as written, by `code_key`; its label is also put on the `<pre>`
    itself, where it survives extraction."""
    codes: dict[str, Code] = {}
    for pre in tree.iter("pre"):
        language = _element_language(pre)
        if language:
            pre.set("class", f"{pre.get('class') or ''} language-{language}".strip())
        text = _pre_text(pre)
        codes.setdefault(code_key(text), Code(text, language))
    return codes


def _title(tree: _Element) -> str | None:
    for found in (tree.find(".//title"), tree.find(".//h1")):
        if found is not None:
            title = " ".join(found.text_content().split())
            if title:
                return title
    return None


def _words(text: str) -> str:
    """Text as its lower-cased `\\w+` words, each followed by a space, so that `in` between two
    of these matches whole words only."""
    words = _WORD.findall(text.lower())
    return " ".join(words) + " " if words else ""


def _pieces(markdown: str) -> set[str]:
    """The words of each line and table cell of written Markdown, its list markers left out."""
    return {
        _words(_MARKER.sub("", piece.strip()))
        for line in markdown.split("\n")
        for piece in line.split("|")
    }


def _context(link: _Element, own: str, seen: dict[_Element, str]) -> str:
    """The words of the element around a link: the first ancestor with more text than the link,
    through inline wrappers (`<strong><a>`), up to the nearest block. `seen` keeps each
    element's words, so a block of many links is read once."""

    def words_of(el: _Element) -> str:
        if el not in seen:
            seen[el] = _words(el.text_content())
        return seen[el]

    el = link
    while (parent := el.getparent()) is not None:
        el = parent
        if not isinstance(el.tag, str) or el.tag.lower() not in _INLINE:
            break
        if words_of(el) != own:
            break
    return words_of(el)


def _links(root: _Element, base: str | None, written: str | None = None) -> list[dict[str, str]]:
    """The links of the written content, absolute where the page's address is known, each URL
    once (with the first text that names it).

    trafilatura is asked for no links (asking for them changes what it keeps, for the worse), so
    when `written` is given the page's links are matched to it: a link is kept when the text of
    the element around it (its paragraph, list item, cell) appears in what was written, words
    for words; a link alone in its element (a menu entry) only when it makes a whole line or
    cell there, so a menu's "Blog" is not taken for the word "blog" of a sentence. When the
    whole body was written, every link of it is kept.
    """
    words = " " + _words(written) if written is not None else ""
    pieces: set[str] | None = None  # read only when a link stands alone in its element
    found: dict[str, str] = {}
    seen: dict[_Element, str] = {}
    for el in root.iter("a"):
        target = str(el.get("href") or "").strip()
        if not target or _NOT_LINKS.match(target):
            continue
        text = " ".join("".join(el.itertext()).split())
        if written is not None:
            own = _words(text)
            context = _context(el, own, seen)
            if context == own:
                if pieces is None:
                    pieces = _pieces(written)
                if context not in pieces:
                    continue
            elif not context or " " + context not in words:
                continue
        url = urljoin(base, target) if base else target
        if not found.get(url):
            found[url] = repair_mojibake(text)
    return [{"url": url, "text": url_text} for url, url_text in found.items()]


def _base(tree: _Element, url: str | None) -> str | None:
    base = tree.find(".//base[@href]")
    href = str(base.get("href")) if base is not None else ""
    joined = urljoin(url, href) if url else href
    return joined if urlsplit(joined).scheme in ("http", "https") else url


# Pages with less visible text than this (non-space characters) are written whole.
_SMALL_PAGE = 1000
# An extraction under this share of the page's visible text and under `_SHORT_MAX` visible
# characters is tried again in recall mode, and the second one kept when it writes at least
# `_RECALL_GAIN` times as much (trafilatura's own `ESCALATION_ACCEPT_RATIO`). Chosen on WCXB dev,
# even and odd pages apart: the time `_COMPARED_BELOW` saves pays for retrying more pages than
# trafilatura's own escalation does (share 0.2, 3000 characters): 0.3 and 5000 gained 0.0009
# word F1 more on both halves, for about 6% of the extraction time. Wider still gained more
# (share 0.4: +0.0013 more) but costs more than the speed target leaves.
_SHORT_SHARE = 0.3
_SHORT_MAX = 5000
_RECALL_GAIN = 1.5
# trafilatura's own extraction is compared with readability's and justext's only when it has
# fewer visible characters than this (`_trafilatura`). On WCXB dev, with the retry below as it
# was (0.2, 3000): word F1 0.8234 -> 0.8257 (even pages +0.0014, odd +0.0030), 11% less time
# spent in trafilatura; bounds from 2500 to 4000 scored within 0.0003 of each other.
_COMPARED_BELOW = 3000
# The element a small page is written from holds this share of the words trafilatura found.
_HOLDS = 0.9


_STRUCTURE = ("li", "table", "pre", "h1", "h2", "h3", "h4", "h5", "h6")
_EXTRACTED_STRUCTURE = ("list", "table", "code", "head")


def _size(text: str) -> int:
    """Visible characters: what the page or the Markdown shows, spacing left out."""
    return len("".join(text.split()))


def _whole_page_better(body: _Element, page: int, roots: list[_Element]) -> bool:
    """Whether to write the whole body of a small page rather than what trafilatura kept.

    On a small page with no clear main block trafilatura falls back to a flat run of text,
    losing its lists, tables and headings; there the page's chrome costs little, so the whole
    body is written. (Writing the whole body of every small page, or of every page whose code
    blocks trafilatura left out, scored lower on WCXB's dev split.)
    """
    if not 0 < page < _SMALL_PAGE:
        return False
    flat = not any(next(root.iter(*_EXTRACTED_STRUCTURE), None) is not None for root in roots)
    return flat and next(body.iter(*_STRUCTURE), None) is not None


def _extract(tree: _Element, url: str | None, *, recall: bool = False) -> list[_Element]:
    """The main content and the comments trafilatura finds, as its XML trees (none if nothing).

    It is called with its own defaults: asking for links, formatting or images changes what it
    keeps, for the worse (module doc); the links are matched to the written text instead. In
    recall mode its result is not compared with readability's and justext's (`fast`): on a
    listing, that comparison gave back the short block the first extraction had found, where
    the recall extraction alone had the list (WCXB dev). Nor is a long first extraction
    (`_COMPARED_BELOW`): there the comparison costs a third of the time and gains nothing.
    """
    with skip_comparison_from(_COMPARED_BELOW):
        extracted = bare_extraction(
            tree,
            url=url,
            output_format="xml",
            include_comments=True,
            include_tables=True,
            include_formatting=False,
            include_links=False,
            include_images=False,
            favor_recall=recall,
            fast=recall,
        )
    if extracted is None or isinstance(extracted, dict):
        return []
    return [root for root in (extracted.body, extracted.commentsbody) if root is not None]


def html_to_document(html: str, url: str | None = None) -> Document:
    """The main content of a page as Markdown, and the links in it (`meta["links"]`)."""
    tree = _parse(html)
    if tree is None:
        return Document(text="", format="html")
    title = _title(tree)
    codes = _page_codes(tree)
    roots = _extract(tree, url)
    body = _Body(tree)
    writer = Writer(codes)
    text = writer.markdown(*roots)
    # The page's own text is measured only for a short extraction: for a long one neither rule
    # below applies, and reading a big page's text is a few percent of its conversion.
    page = body.size() if _size(text) < _SHORT_MAX else None
    if page is not None and _size(text) < _SHORT_SHARE * page:
        # Little of a busy page kept (a listing, a product page, a forum thread): trafilatura's
        # recall mode keeps more of such pages, and where it finds much more, it is right more
        # often than not (WCXB dev).
        again = _extract(tree, url, recall=True)
        more = writer.markdown(*again)
        if _size(more) >= _RECALL_GAIN * _size(text):
            roots, text = again, more
    whole: _Element | None = None
    if not text.strip() or _whole_page_better(body.element(), page or 0, roots):
        whole = _holder(body.element(), text)
        text = writer.markdown(whole) if whole is body.element() else writer.element(whole)
    base, written = _base(tree, url), None if whole is not None else text
    return Document(
        text=repair_mojibake(text) if text.strip() else "",
        format="html",
        title=repair_mojibake(title) if title else title,
        meta=_PageMeta(lambda: _links(body.element() if whole is None else whole, base, written)),
    )


class _Body:
    """The page's `<body>` without scripts, styles and the like, stripped on first use: a page
    whose extraction is long needs it only for its links, which may never be read."""

    def __init__(self, tree: _Element) -> None:
        found = tree.find("body")
        self._body = tree if found is None else found
        self._stripped = False

    def element(self) -> _Element:
        if not self._stripped:
            strip_elements(self._body, *_DROP_TAGS, with_tail=False)
            self._stripped = True
        return self._body

    def size(self) -> int:
        return _size(self.element().text_content())


def _holder(body: _Element, text: str) -> _Element:
    """The smallest element of the body that holds (nearly) all the words trafilatura found.

    A small page is written from its own markup to keep the structure trafilatura flattened;
    starting from the element that holds what it found, rather than from the body, leaves out
    the menus and footers around it (a forum post under a site's navigation, WCXB dev). With
    nothing found, the body.
    """
    wanted = Counter(_WORD.findall(text.lower()))
    need = _HOLDS * sum(wanted.values())
    el = body
    while need:
        inner = next(
            (
                child
                for child in el
                if isinstance(child.tag, str)
                and sum((wanted & Counter(_WORD.findall(child.text_content().lower()))).values())
                >= need
            ),
            None,
        )
        if inner is None:
            break
        el = inner
    return el


class _PageMeta(Mapping[str, object]):
    """A page's metadata (`links`, when it has any), its links matched to the written text on
    first read: the matching costs about a twentieth of a page's conversion, which a caller
    that wants only the text (a preview, the benchmark against trafilatura, which gives no
    links) need not pay. Any read (a key, iteration, length) matches them, once; the page's
    tree is let go then."""

    def __init__(self, find_links: Callable[[], list[dict[str, str]]]) -> None:
        self._find: Callable[[], list[dict[str, str]]] | None = find_links
        self._meta: dict[str, object] = {}

    def _read(self) -> dict[str, object]:
        if self._find is not None:
            links = self._find()
            self._meta, self._find = ({"links": links} if links else {}), None
        return self._meta

    def __getitem__(self, key: str) -> object:
        return self._read()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._read())

    def __len__(self) -> int:
        return len(self._read())

    def __repr__(self) -> str:
        return repr(self._read())


def convert_html(fetched: Fetched) -> Document:
    charset = fetched.charset or meta_charset(fetched.content)
    document = html_to_document(decode_text(fetched.content, charset), fetched.url)
    if not document.text.strip():
        raise UnsupportedFormat(
            "the page has no readable text (it may build its content with JavaScript)"
        )
    return document
