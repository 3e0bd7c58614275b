"""Web pages: the main content as Markdown (code exact, tables, headings), links kept apart.

The pages are built here so each test shows what goes in; the benchmark figures are in
evals/web_main_content.py.
"""

from __future__ import annotations

from typing import Any

import lxml.html
import pytest
import trafilatura
from trafilatura import bare_extraction

from contextd.pipeline.ingest.convert import _html, convert
from contextd.pipeline.ingest.convert._extracted import Writer
from contextd.pipeline.toolcalls import storable
from contextd.pipeline.types import Fetched

CODE = (
    "def load(path):\n"
    "    with open(path) as f:   # trailing spaces after this   \n"
    "\treturn f.read()  # a tab\n"
    "\n"
    "\n"
    "print(load('x') < 3 and '<ok>' or \"&no\")  # `tick` *not* _emphasis_"
)
PROSE = (
    "Loading configuration files is something every service does at start-up, and this "
    "article explains how we read ours, which errors we report and why we keep it simple. "
)
NAV = (
    '<nav><ul><li><a href="/">Home</a></li><li><a href="/blog">Blog</a></li>'
    '<li><a href="/about">About us</a></li><li><a href="/jobs">Careers</a></li></ul></nav>'
)
FOOTER = "<footer><p>Copyright 2026 Example Corp. All rights reserved.</p></footer>"


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def page(article: str, *, title: str = "Reading configuration") -> bytes:
    return (
        f"<!DOCTYPE html><html><head><title>{title}</title></head><body>{NAV}"
        f"<main><article>{article}</article></main>"
        '<aside><h3>Popular posts</h3><ul><li><a href="/p/1">Ten tips</a></li>'
        '<li><a href="/p/2">Our year</a></li></ul></aside>'
        f"{FOOTER}</body></html>"
    ).encode()


def article() -> str:
    return (
        "<h1>Reading configuration</h1>"
        f"<p>{PROSE * 2}See <a href='/docs/config'>the configuration reference</a> and "
        "<a href='https://example.org/toml'>the TOML spec</a> for the details.</p>"
        "<h2>The loader</h2>"
        f"<p>{PROSE}</p>"
        f'<div class="highlight-python"><pre>{_escape(CODE)}</pre></div>'
        "<h3>Settings we read</h3>"
        "<table><thead><tr><th>Setting</th><th>Default</th></tr></thead>"
        "<tbody><tr><td>port</td><td>8080</td></tr><tr><td>data_dir</td><td>./data</td></tr>"
        "</tbody></table>"
        f"<p>{PROSE}</p>"
        "<ul><li>Unknown keys are errors.</li><li>Missing keys take their defaults.</li></ul>"
        f"<p>{PROSE} See <a href='/docs/config'>the reference</a> again.</p>"
    )


def convert_page(content: bytes, url: str | None = "https://blog.example.com/posts/config") -> Any:
    return convert(Fetched(content, content_type="text/html", url=url))


def test_a_code_block_is_kept_byte_for_byte_with_its_language() -> None:
    doc = convert_page(page(article()))

    assert f"```python\n{CODE}\n```" in doc.text


def test_headings_and_a_table_survive_as_markdown() -> None:
    doc = convert_page(page(article()))

    assert "# Reading configuration" in doc.text
    assert "\n## The loader\n" in doc.text
    assert "\n### Settings we read\n" in doc.text
    table = "| Setting | Default |\n| --- | --- |\n| port | 8080 |\n| data_dir | ./data |"
    assert table in doc.text
    assert "- Unknown keys are errors.\n- Missing keys take their defaults." in doc.text


def test_page_chrome_is_left_out() -> None:
    doc = convert_page(page(article()))

    assert "Careers" not in doc.text
    assert "Copyright 2026" not in doc.text
    assert "Ten tips" not in doc.text
    assert doc.title == "Reading configuration"


def test_links_keep_their_text_in_the_content_and_their_targets_in_metadata() -> None:
    doc = convert_page(page(article()))

    assert "See the configuration reference and the TOML spec for the details." in doc.text
    assert "](" not in doc.text and "/docs/config" not in doc.text
    assert doc.meta["links"] == [
        {
            "url": "https://blog.example.com/docs/config",
            "text": "the configuration reference",
        },
        {"url": "https://example.org/toml", "text": "the TOML spec"},
    ]


def test_links_stay_as_written_when_the_page_has_no_address() -> None:
    doc = convert_page(page(article()), url=None)

    links = doc.meta["links"]
    assert isinstance(links, list)
    assert [link["url"] for link in links] == ["/docs/config", "https://example.org/toml"]


def test_a_short_article_is_kept_whole() -> None:
    short = (
        b"<html><head><title>Release 2.1</title></head><body><h1>Release 2.1</h1>"
        b"<p>Fixed the crash on empty uploads.</p>"
        b"<ul><li>Faster search</li><li>Smaller index</li></ul></body></html>"
    )

    doc = convert_page(short)

    assert "# Release 2.1" in doc.text
    assert "Fixed the crash on empty uploads." in doc.text
    assert "- Faster search\n- Smaller index" in doc.text


def test_the_writer_drops_decorative_images_and_keeps_meaningful_alt_text() -> None:
    # trafilatura is asked for no images (they lowered F1 on WCXB's dev split), so alt text
    # reaches the Markdown where a page is written whole; the writer decides which alt to keep.
    body = lxml.html.fromstring(
        "<div><h1>Architecture</h1><p>How the parts fit.</p>"
        '<img src="/spacer.gif" alt=""><img src="/logo.png" alt="logo">'
        '<img src="/a.png" alt="diagram.png">'
        '<p><img src="/arch.png" alt="The API writes to the queue"></p></div>'
    )

    text = Writer({}).markdown(body)

    assert text == "# Architecture\n\nHow the parts fit.\n\nThe API writes to the queue\n"


def test_the_writer_drops_alt_text_that_repeats_the_caption_beside_it() -> None:
    # A collection page's product cards (after one on WCXB dev): picture and name say the same.
    body = lxml.html.fromstring(
        "<div><h2>Check out my favorites!</h2>"
        '<div class="card"><a href="/p/1"><img src="/1.jpg" '
        'alt="Dr. Praeger\'s Frozen Gluten Free Pizza Stars - 9oz"></a>'
        '<a href="/p/1"><span>Dr. Praeger\'s Frozen Gluten Free Pizza Stars - 9oz</span></a></div>'
        '<figure><img src="/farm.jpg" alt="A tractor in a field of pumpkins">'
        "<figcaption>Where the beets are grown.</figcaption></figure></div>"
    )

    text = Writer({}).markdown(body)

    assert text.count("Pizza Stars") == 1
    assert "A tractor in a field of pumpkins" in text


def test_links_are_those_of_the_written_content_not_of_the_chrome() -> None:
    # trafilatura is asked for no links, so each page link is matched to the written text by the
    # text around it: links in the article's list and table are kept, the navigation's are not,
    # even where a navigation label ("Blog") is also a word of the article.
    extra = (
        f"<p>{PROSE} Our blog has more.</p>"
        '<ul><li>Read <a href="/docs/errors">the error codes</a> first.</li>'
        '<li><a href="https://example.org/spec">The spec</a></li></ul>'
        "<table><tr><th>Setting</th><th>Docs</th></tr>"
        '<tr><td>port</td><td><a href="/docs/port">port reference</a></td></tr></table>'
    )

    doc = convert_page(page(article() + extra))

    urls = [link["url"] for link in doc.meta["links"]]
    assert urls == [
        "https://blog.example.com/docs/config",
        "https://example.org/toml",
        "https://blog.example.com/docs/errors",
        "https://example.org/spec",
        "https://blog.example.com/docs/port",
    ]
    assert "- Read the error codes first." in doc.text


def test_a_link_inside_bold_text_is_matched_by_its_sentence() -> None:
    extra = f'<p>{PROSE} <strong><a href="/docs/limits">The limits</a></strong> apply to all.</p>'

    doc = convert_page(page(article() + extra))

    assert "https://blog.example.com/docs/limits" in [link["url"] for link in doc.meta["links"]]


def test_the_links_are_matched_when_the_metadata_is_read_and_stored_as_a_mapping() -> None:
    # The links are matched to the written text on the metadata's first read (a caller that
    # wants only the text does not pay for it); the service stores the metadata as JSON.
    doc = convert_page(page(article()))
    plain = convert_page(page(f"<h1>Notes</h1><p>{PROSE * 3}</p>"))

    assert storable(doc.meta) == {
        "links": [
            {"url": "https://blog.example.com/docs/config", "text": "the configuration reference"},
            {"url": "https://example.org/toml", "text": "the TOML spec"},
        ]
    }
    assert dict(doc.meta) == storable(doc.meta)
    assert "links" not in plain.meta and dict(plain.meta) == {}


def _menu(items: int) -> str:
    entries = "".join(
        f'<li><a href="/c/{i}">Garden furniture and outdoor living, part {i}</a></li>'
        for i in range(items)
    )
    return f"<nav><ul>{entries}</ul></nav>"


def _between_menus(article_html: str, items: int) -> str:
    menu = _menu(items)
    return (
        f"<html><head><title>Reading configuration</title></head><body>{menu}"
        f"<main><article>{article_html}</article></main>{menu}</body></html>"
    )


def _extractions(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    """Whether each call to trafilatura during a conversion was in recall mode."""
    calls: list[bool] = []

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(bool(kwargs.get("favor_recall")))
        return bare_extraction(*args, **kwargs)

    monkeypatch.setattr(_html, "bare_extraction", counted)
    return calls


def test_a_short_article_on_a_page_of_menus_is_kept_not_traded_for_the_menus(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The article is a tenth of the page's text, so the page is extracted again in recall mode;
    # that finds no more than the article, so the article stays, its code and table with it.
    html = _between_menus(article(), 120)
    calls = _extractions(monkeypatch)

    doc = convert_page(html.encode())

    assert calls == [False, True]
    assert "Garden furniture" not in doc.text
    assert f"```python\n{CODE}\n```" in doc.text
    assert "| Setting | Default |" in doc.text
    assert "See the configuration reference and the TOML spec for the details." in doc.text


def test_a_long_article_on_a_page_of_menus_is_extracted_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Under the retry share of the page's text, but long: trafilatura does not try such extractions
    # again either, and a second extraction of a big page costs most; the article is kept.
    words = [
        "alpha",
        "beta",
        "gamma",
        "delta",
        "epsilon",
        "zeta",
        "eta",
        "theta",
        "iota",
        "kappa",
        "lambda",
        "mu",
        "nu",
        "xi",
    ]
    long_article = article() + "".join(
        f"<p>Section {i} covers {' '.join(words[i:] + words[:i])}. {PROSE}</p>" for i in range(20)
    )
    html = _between_menus(long_article, 400)
    calls = _extractions(monkeypatch)

    doc = convert_page(html.encode())

    assert calls == [False]
    assert _html._size(doc.text) > _html._SHORT_MAX
    visible = lxml.html.fromstring(html).text_content()
    assert _html._size(doc.text) < _html._SHORT_SHARE * _html._size(visible)
    assert "Garden furniture" not in doc.text
    assert f"```python\n{CODE}\n```" in doc.text


def _post_page() -> str:
    """A link post as a forum shows it (after a real one on WCXB dev): the post's title under the
    site's menus, a sign-up box beside it and links to the rules below."""

    def menu(names: list[str]) -> str:
        items = "".join(f'<li><a href="/{n.lower().replace(" ", "-")}">{n}</a></li>' for n in names)
        return f"<ul>{items}</ul>"

    return (
        "<html><head><title>FCC Chair to Europe : r/technology</title></head><body>"
        f"<header><nav>{menu(['Open menu', 'Go to Reddit Home', 'Log In'])}</nav></header>"
        '<main><div class="post"><a href="/r/technology">r/technology</a>'
        "<h1>FCC Chair to Europe: If You Restrict US Satellite Providers, We'll Ban You Here: "
        '"New barriers are emerging that constrain US businesses operating abroad," Brendan Carr '
        "says.</h1>"
        '<a href="https://www.pcmag.com/news/fcc">pcmag.com</a></div></main>'
        "<aside><p>Create your account and connect with a world of communities.</p></aside>"
        f"<footer>{menu(['Reddit Rules', 'Privacy Policy', 'User Agreement'])}</footer>"
        "</body></html>"
    )


def test_a_small_page_trafilatura_flattened_is_written_from_the_element_holding_its_text(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # On the real page trafilatura found the post's title alone and gave it as a paragraph: the
    # page is small, so it is written from its own markup to keep the heading, but from the
    # element that holds the title, not from the body with its menus and footer.
    def flat(tree: Any, url: str | None, *, recall: bool = False) -> list[Any]:
        title = " ".join(tree.find(".//h1").text_content().split())
        return [lxml.html.fromstring(f"<body><p>{_escape(title)}</p></body>")]

    monkeypatch.setattr(_html, "_extract", flat)

    doc = convert_page(_post_page().encode(), url="https://www.reddit.com/r/technology/comments/1")

    assert doc.text.startswith("# FCC Chair to Europe: If You Restrict US Satellite Providers")
    for chrome in ("Log In", "Create your account", "Privacy Policy", "r/technology"):
        assert chrome not in doc.text
    assert "links" not in doc.meta  # the title holds none; the menus' links are not the content's


def test_a_page_where_nothing_was_found_is_written_from_its_body(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_html, "_extract", lambda tree, url, *, recall=False: [])

    doc = convert_page(_post_page().encode())

    assert "# FCC Chair to Europe" in doc.text
    assert "- Log In" in doc.text
    assert "Create your account and connect with a world of communities." in doc.text


def test_an_extraction_beyond_trafilaturas_escalation_bound_is_tried_again(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 3000 to 5000 visible characters on a page of menus (a listing's first block, say): beyond
    # the length where trafilatura itself would try again, but tried again in recall mode here.
    html = _between_menus("".join(f"<p>Item {i}: {PROSE}</p>" for i in range(24)), 400)
    calls = _extractions(monkeypatch)

    doc = convert_page(html.encode())

    assert 3000 < _html._size(doc.text) < _html._SHORT_MAX
    assert calls == [False, True]


def test_mojibake_in_the_page_itself_is_repaired_and_correct_accents_are_kept() -> None:
    # UTF-8 stored by the page's own author as if it were Windows-1252: the bytes decode
    # correctly, the characters are wrong. French with its own accents and guillemets stays.
    mangled = "It\u2019s the caf\u00e9\u2019s best dish".encode().decode("cp1252")
    french = "Le caf\u00e9 \u00ab d\u00e9j\u00e0 \u00bb ferm\u00e9, h\u00e9las."
    html = page(f"<h1>Menu</h1><p>{mangled} {PROSE * 3}</p><p>{french} {PROSE}</p>", title=mangled)

    doc = convert_page(html)

    assert "It\u2019s the caf\u00e9\u2019s best dish" in doc.text
    assert "\u00e2\u20ac" not in doc.text
    assert french in doc.text
    assert doc.title == "It\u2019s the caf\u00e9\u2019s best dish"


def _compare_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The length of each own extraction trafilatura compares with readability's and justext's
    (the comparison itself runs as it is)."""
    import trafilatura.core
    import trafilatura.external

    from contextd.pipeline.ingest.convert import _trafilatura

    calls: list[int] = []
    real = trafilatura.external.compare_extraction

    def spy(cleaned: Any, raw: Any, body: Any, text: str, options: Any) -> Any:
        calls.append(len(text))
        return real(cleaned, raw, body, text, options)

    monkeypatch.setattr(_trafilatura, "compare_extraction", spy)
    monkeypatch.setattr(trafilatura.core, "compare_extraction", spy)
    return calls


def test_a_long_extraction_is_not_compared_but_trafilatura_elsewhere_is_as_it_was(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    long_article = "".join(f"<p>Part {i}: {PROSE}</p>" for i in range(30))
    calls = _compare_calls(monkeypatch)

    doc = convert_page(page(long_article))

    assert _html._size(doc.text) > _html._COMPARED_BELOW
    assert calls == []
    # trafilatura called directly, outside the converter, still compares its extraction
    assert trafilatura.extract(page(long_article))
    assert len(calls) == 1


def test_a_short_extraction_is_still_compared(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = _compare_calls(monkeypatch)

    convert_page(page(f"<h1>Reading configuration</h1><p>{PROSE * 2}</p>"))

    assert calls and calls[0] < _html._COMPARED_BELOW
