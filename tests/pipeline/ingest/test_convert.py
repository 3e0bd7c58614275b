"""convert(): every supported format becomes normalized text, and code survives byte for byte."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from pypdf import PdfReader, PdfWriter

from contextd.pipeline.ingest.convert import convert, decode_text, detect_format
from contextd.pipeline.types import Fetched, UnsupportedFormat
from tests.support.documents import make_docx, make_pdf

# --- inputs built here, so each test shows exactly what goes in -------------------------------

PYTHON_CODE = (
    "def area(shape):\n"
    "    if shape.kind == 'circle':\n"
    "        return 3.14159 * shape.r ** 2   # trailing comment\n"
    "\treturn shape.w * shape.h  # a tab, kept\n"
    "\n"
    "\n"
    "print(area(s) < 10 and '<ok>' or \"&nope\")  # *not* _emphasis_ `tick`"
)
SHELL_CODE = "pip install contextd\ncontextd serve --port 8080"


def _escape(code: str) -> str:
    return code.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def article_page(*, nav: str = "") -> bytes:
    """A blog post with navigation, prose and two labelled code blocks."""
    prose = (
        "Computing areas is a common task in geometry code, and this article walks through "
        "one way of doing it, with explanations, caveats, and a complete example below. "
    ) * 3
    return f"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Computing areas</title></head>
<body>
<nav>{nav}<a href="/">Home</a> <a href="/blog">Blog</a> <a href="/about">About</a></nav>
<article>
<h1>Computing areas in Python</h1>
<p>{prose}</p>
<pre><code class="language-python">{_escape(PYTHON_CODE)}
</code></pre>
<p>{prose} Installing it takes one command, and starting the server another one.</p>
<div class="highlight-console notranslate"><div class="highlight">
<pre>{SHELL_CODE}</pre></div></div>
<h2>Next steps</h2>
<p>{prose}</p>
</article>
<footer>Copyright 2026</footer>
<script>var tracking = "ignored";</script>
</body></html>""".encode()


def make_zip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return out.getvalue()


PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x02"


# --- HTML ---------------------------------------------------------------------------------------


def test_html_keeps_code_byte_exact_in_labelled_fences() -> None:
    doc = convert(Fetched(article_page(), content_type="text/html"))

    assert doc.format == "html"
    assert f"```python\n{PYTHON_CODE}\n```" in doc.text
    assert f"```console\n{SHELL_CODE}\n```" in doc.text  # label from Sphinx's wrapper div


def test_html_keeps_the_article_as_markdown_without_page_chrome() -> None:
    doc = convert(Fetched(article_page(), content_type="text/html"))

    assert doc.title == "Computing areas"
    assert "# Computing areas in Python" in doc.text
    assert "\n## Next steps\n" in doc.text
    assert "tracking" not in doc.text
    assert "Copyright" not in doc.text


def test_small_pages_are_converted_whole_tables_and_lists_included() -> None:
    page = (
        b"<html><body><ul><li>Alpha</li><li>Beta</li></ul><p>Short.</p>"
        b"<table><tr><th>key</th><th>value</th></tr><tr><td>port</td><td>8080</td></tr></table>"
        b"</body></html>"
    )

    doc = convert(Fetched(page, filename="list.html"))

    assert "- Alpha\n- Beta" in doc.text
    assert "Short." in doc.text
    assert "| key | value |\n| --- | --- |\n| port | 8080 |" in doc.text


def test_html_code_fence_grows_when_the_code_contains_backticks() -> None:
    code = "Example:\n```js\nlet x = 1;\n```"
    page = f"<html><body><pre><code>{code}</code></pre></body></html>".encode()

    doc = convert(Fetched(page, content_type="text/html"))

    assert f"````\n{code}\n````" in doc.text


def test_html_title_comes_from_h1_when_there_is_no_title_element() -> None:
    doc = convert(Fetched(b"<html><body><h1>Release notes</h1><p>Fixed.</p></body></html>"))

    assert doc.title == "Release notes"


def test_html_is_decoded_with_the_meta_charset() -> None:
    page = '<html><head><meta charset="windows-1252"></head><body><p>Café “quoted” €5</p>'

    doc = convert(Fetched(page.encode("cp1252"), content_type="text/html"))

    assert "Café “quoted” €5" in doc.text


def test_html_charset_parameter_wins_over_guessing() -> None:
    page = "<html><body><p>Grüße</p></body></html>".encode("iso-8859-15")

    doc = convert(Fetched(page, content_type="text/html", charset="iso-8859-15"))

    assert "Grüße" in doc.text


def test_html_is_recognised_by_content_alone() -> None:
    fetched = Fetched(b"  <!doctype html><html><body><p>Hi</p></body></html>")

    assert detect_format(fetched) == "html"


def test_page_without_text_is_unsupported_with_a_hint() -> None:
    spa = b"<html><body><div id='root'></div><script>render()</script></body></html>"

    with pytest.raises(UnsupportedFormat, match="no readable text"):
        convert(Fetched(spa, content_type="text/html"))


# --- PDF ----------------------------------------------------------------------------------------


def test_pdf_text_comes_page_by_page_separated_by_a_blank_line() -> None:
    pdf = make_pdf([["Hello world.", "Second line (in parentheses)."], ["Page two."]], "Report")

    doc = convert(Fetched(pdf, content_type="application/pdf"))

    assert doc.format == "pdf"
    assert doc.title == "Report"
    assert doc.text == "Hello world.\nSecond line (in parentheses).\n\nPage two.\n"


def test_password_protected_pdf_is_unsupported_with_a_clear_message() -> None:
    writer = PdfWriter()
    writer.append(PdfReader(io.BytesIO(make_pdf([["Secret."]]))))
    writer.encrypt("hunter2", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)

    with pytest.raises(UnsupportedFormat, match="password-protected"):
        convert(Fetched(out.getvalue(), filename="secret.pdf"))


def test_corrupt_pdf_is_unsupported_not_a_traceback() -> None:
    truncated = make_pdf([["Hello."]])[:60]

    with pytest.raises(UnsupportedFormat, match="PDF is damaged"):
        convert(Fetched(truncated, filename="broken.pdf"))


def test_pdf_without_a_text_layer_says_so() -> None:
    with pytest.raises(UnsupportedFormat, match="no text layer"):
        convert(Fetched(make_pdf([[]]), filename="scan.pdf"))


def test_file_named_pdf_that_is_not_a_pdf_is_unsupported() -> None:
    with pytest.raises(UnsupportedFormat, match="declared as a PDF"):
        convert(Fetched(b"plain words", content_type="application/pdf"))


# --- DOCX ---------------------------------------------------------------------------------------


def test_docx_becomes_markdown_with_its_code_block_exact() -> None:
    doc = convert(Fetched(make_docx(PYTHON_CODE), filename="notes.docx"))

    assert doc.format == "docx"
    assert doc.title == "Deployment notes"
    assert doc.text.startswith("# Deploying the service\n\nRun this, then check the logs.\n")
    assert f"```\n{PYTHON_CODE}\n```" in doc.text
    assert "That is **all**" in doc.text


def test_docx_is_recognised_by_content_even_without_a_name() -> None:
    assert (
        detect_format(Fetched(make_docx(PYTHON_CODE), content_type="application/octet-stream"))
        == "docx"
    )


def test_zip_that_is_not_a_word_document_is_unsupported() -> None:
    with pytest.raises(UnsupportedFormat, match="unsupported file format: ZIP archive"):
        convert(Fetched(make_zip({"a.txt": b"hello"}), filename="a.zip"))


def test_spreadsheet_is_named_in_the_message() -> None:
    xlsx = make_zip({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"})

    with pytest.raises(UnsupportedFormat, match=r"Excel workbook \(\.xlsx\)"):
        convert(Fetched(xlsx, filename="budget.xlsx"))


def test_damaged_word_document_is_unsupported() -> None:
    with pytest.raises(UnsupportedFormat, match="Word document is damaged"):
        convert(Fetched(make_zip({"word/document.xml": b"<not-closed"}), filename="x.docx"))


# --- binary and empty input ---------------------------------------------------------------------


def test_image_is_unsupported_and_the_message_names_its_type() -> None:
    with pytest.raises(UnsupportedFormat, match=r"^unsupported file format: image/png"):
        convert(Fetched(PNG, content_type="image/png", filename="shot.png"))


def test_image_without_a_declared_type_is_named_from_its_bytes() -> None:
    with pytest.raises(UnsupportedFormat, match="unsupported file format: PNG image"):
        convert(Fetched(PNG))


def test_unknown_binary_is_unsupported() -> None:
    with pytest.raises(UnsupportedFormat, match=r"unsupported file format: \.bin file"):
        convert(Fetched(bytes(range(256)) * 4, filename="blob.bin"))


def test_control_characters_mark_binary_but_tabs_and_terminal_colours_do_not() -> None:
    noisy = bytes(range(1, 32)) * 20 + b"a few words " * 20
    log = b"\x1b[31merror\x1b[0m\tdisk full\r\n\f" * 50

    with pytest.raises(UnsupportedFormat, match=r"unsupported file format: \.dat file"):
        convert(Fetched(noisy, filename="blob.dat"))
    assert convert(Fetched(log, filename="build.log")).format == "text"


def test_empty_input_is_unsupported() -> None:
    with pytest.raises(UnsupportedFormat, match="empty"):
        convert(Fetched(b" \n\t", filename="empty.txt"))


# --- Markdown, text, JSON -----------------------------------------------------------------------


def test_markdown_is_kept_as_written_with_newlines_and_bom_normalized() -> None:
    raw = "\ufeff# Plan\r\n\r\n```py\r\n    indented()\r\n```\r\n".encode()

    doc = convert(Fetched(raw, content_type="application/octet-stream", filename="plan.md"))

    assert doc.format == "markdown"
    assert doc.title == "Plan"
    assert doc.text == "# Plan\n\n```py\n    indented()\n```\n"


def test_plain_text_falls_back_to_windows_1252_when_not_utf8() -> None:
    doc = convert(Fetched("naïve “smart” quotes".encode("cp1252"), content_type="text/plain"))

    assert doc.format == "text"
    assert doc.text == "naïve “smart” quotes"


def test_text_with_a_utf16_bom_is_decoded() -> None:
    doc = convert(Fetched("hello\r\nworld".encode("utf-16"), filename="notes.txt"))

    assert doc.text == "hello\nworld"


def test_decode_text_survives_a_wrong_declared_charset() -> None:
    assert decode_text("é".encode(), charset="no-such-charset") == "é"
    assert decode_text(b"caf\xe9", charset="us-ascii") == "café"


def test_json_is_pretty_printed_in_a_json_fence() -> None:
    doc = convert(Fetched(b'{"title": "Config", "port": 8080, "tags": ["a"]}'))

    assert doc.format == "json"
    assert doc.title == "Config"
    assert doc.text == (
        '```json\n{\n  "title": "Config",\n  "port": 8080,\n  "tags": [\n    "a"\n  ]\n}\n```\n'
    )


def test_json_chat_export_is_rendered_as_a_transcript() -> None:
    messages = [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello!"}]

    doc = convert(Fetched(json.dumps(messages).encode(), filename="chat.json"))

    assert doc.format == "messages"
    assert doc.text == "### User\n\nHi\n\n### Assistant\n\nHello!\n"


def test_text_that_only_starts_like_json_stays_text() -> None:
    doc = convert(Fetched(b"[link](http://example.com) is a Markdown link"))

    assert doc.format == "text"
