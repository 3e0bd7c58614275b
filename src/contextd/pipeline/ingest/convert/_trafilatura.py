"""trafilatura's extraction as the HTML converter calls it, with one change to its cascade.

trafilatura first runs its own extractor, then (unless `fast`) compares the result with
readability's and justext's and may take theirs. The comparison is most of the difference in
time between its fast and default modes (a third of a page's extraction on WCXB dev), and it
only pays where its own extraction is short: on WCXB dev, for pages where the fast mode keeps
3000 visible characters or more, the comparison changed 45 of 977 pages and lowered word F1 on
them. So the comparison is left out when the own extraction is long (`skip_comparison_from`);
otherwise trafilatura runs as it is. Its `fast` mode is not that: it also keeps teaser blocks
and leaves out the justext candidate of its recall escalation.

The change is made by putting `_extract_and_compare` in place of trafilatura's function of
that name (trafilatura 2.3.1, pinned), for the calls made inside `skip_comparison_from` only: a
context variable holds the bound, so trafilatura called by anyone else, in any thread, is as
it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from copy import copy

import trafilatura.core
from lxml.etree import _Element
from lxml.html import HtmlElement
from trafilatura.external import compare_extraction
from trafilatura.main_extractor import extract_content
from trafilatura.settings import Extractor

# Visible characters (spacing left out) of trafilatura's own extraction from which it is not
# compared with readability and justext; 0 when not inside `skip_comparison_from`.
_BOUND: ContextVar[int] = ContextVar("contextd_skip_comparison_from", default=0)
_THEIRS = trafilatura.core._extract_and_compare


def _extract_and_compare(
    cleaned_tree: HtmlElement,
    cleaned_tree_backup: HtmlElement,
    tree: HtmlElement,
    options: Extractor,
) -> tuple[_Element, str]:
    """trafilatura's stages 1-2 (its own extractor, then the comparison unless in fast mode),
    the comparison left out when the own extraction is at least the bound."""
    bound = _BOUND.get()
    if not bound:
        return _THEIRS(cleaned_tree, cleaned_tree_backup, tree, options)
    body, text = extract_content(cleaned_tree, options)
    if options.fast or len("".join(text.split())) >= bound:
        return body, text
    return compare_extraction(cleaned_tree_backup, copy(tree), body, text, options)


trafilatura.core._extract_and_compare = _extract_and_compare


@contextmanager
def skip_comparison_from(bound: int) -> Iterator[None]:
    """trafilatura called within keeps its own extraction when it has `bound` visible
    characters or more, without comparing it with readability's and justext's."""
    token = _BOUND.set(bound)
    try:
        yield
    finally:
        _BOUND.reset(token)
