"""`contextd extract`: the real command, in-process, on every kind of input, without a server.

Inputs are written by each test (a web page, a PDF, a Word document, Markdown, a ChatGPT export,
a plain transcript, binary garbage), and web pages are served on loopback by the test itself.
"""

from __future__ import annotations

import os
from pathlib import Path

from starlette.applications import Starlette
from starlette.routing import Route

from contextd.jobs.queue import EMBED_CHUNKS
from contextd.testing import ThreadedServer, drain_jobs
from tests.support.cli import Cli, json_lines, run_offline
from tests.support.documents import make_docx, make_pdf
from tests.support.factories import chatgpt_export, transcript
from tests.support.fake_openai import FakeModelServer
from tests.support.pages import PageServer

CODE = "def area(r):\n    # the indent and this comment survive\n\treturn 3.14159 * r ** 2"
PAGE = f"""<!doctype html><html><head><title>Circles in Python</title></head><body>
<nav><a href="/">Home</a> <a href="/blog">Blog</a> <a href="/about">About</a></nav>
<article><h1>Circles in Python</h1>
<p>The area of a circle is pi times the square of its radius. This short function computes it
for any radius you give it, and the comment inside it explains nothing at all.</p>
<pre><code class="language-python">{CODE}</code></pre>
<p>Call it with a float. Negative radii are the caller's problem, as they should be.</p>
</article><footer>Copyright 2026</footer></body></html>"""
MARKDOWN = f"# Notes on circles\n\nThe function we settled on:\n\n```python\n{CODE}\n```\n"
GARBAGE = bytes(range(256)) * 4


def write(folder: Path, name: str, content: bytes | str) -> str:
    path = folder / name
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return str(path)


def test_json_gives_one_line_per_input_in_input_order_and_a_bad_file_fails_alone(
    tmp_path: Path,
) -> None:
    inputs = [
        write(tmp_path, "page.html", PAGE),
        write(tmp_path, "report.pdf", make_pdf([["Quarterly report.", "Revenue grew."]], "Q3")),
        write(tmp_path, "notes.docx", make_docx(CODE)),
        write(tmp_path, "notes.md", MARKDOWN),
        write(tmp_path, "garbage.bin", GARBAGE),
        write(tmp_path, "conversations.json", chatgpt_export(turns=6)),
        write(tmp_path, "chat.txt", transcript(turns=6, code_every=1)),
    ]

    result = run_offline("extract", "--json", "--parts", "text,turns,artifacts", *inputs, code=1)

    lines = json_lines(result)
    assert [line["input"] for line in lines] == inputs
    html, pdf, docx, markdown, bad, export, chat = lines
    assert bad == {"input": inputs[4], "error": bad["error"]}
    assert "unsupported file format" in bad["error"]
    for line in (html, pdf, docx, markdown, export, chat):
        assert set(line) == {
            "input", "format", "title", "text", "links", "turns", "artifacts", "error"
        }  # fmt: skip
        assert line["error"] is None
    assert [line["format"] for line in lines if "format" in line] == [
        "html", "pdf", "docx", "markdown", "chatgpt", "text"
    ]  # fmt: skip

    assert html["title"] == "Circles in Python"
    assert "pi times the square of its radius" in html["text"]
    assert CODE in html["text"]
    assert [a["content"] for a in html["artifacts"]] == [CODE]
    assert html["artifacts"][0]["language"] == "python"
    assert html["turns"] == []

    assert pdf["title"] == "Q3"
    assert "Quarterly report." in pdf["text"] and "Revenue grew." in pdf["text"]
    assert docx["title"] == "Deployment notes"
    assert CODE in [a["content"] for a in docx["artifacts"]]
    assert markdown["title"] == "Notes on circles"
    assert [(a["type"], a["language"], a["content"]) for a in markdown["artifacts"]] == [
        ("CODE", "python", CODE)
    ]

    assert [(t["index"], t["role"]) for t in export["turns"]] == [
        (i, "user" if i % 2 == 0 else "assistant") for i in range(6)
    ]
    sql = [a for a in export["artifacts"] if a["language"] == "sql"]
    assert [a["turns"] for a in sql] == [[3]]
    assert [t["speaker"] for t in chat["turns"]] == ["User", "Assistant"] * 3
    assert chat["artifacts"]
    assert all(a["turns"] and a["turns"][0] % 2 == 1 for a in chat["artifacts"])


def test_parts_leave_out_what_was_not_asked_for(tmp_path: Path) -> None:
    chat = write(tmp_path, "chat.txt", transcript(turns=4))

    (only_turns,) = json_lines(run_offline("extract", "--json", "--parts", "turns", chat))
    (only_text,) = json_lines(run_offline("extract", "--json", "--parts", "text", chat))

    assert set(only_turns) == {"input", "format", "title", "turns", "error"}
    assert len(only_turns["turns"]) == 4
    assert set(only_text) == {"input", "format", "title", "text", "links", "error"}
    assert only_text["links"] == []  # a chat has no links


def test_a_pages_links_come_out_apart_from_its_text(tmp_path: Path) -> None:
    page = write(
        tmp_path,
        "page.html",
        "<html><body><h1>Notes</h1><p>Read <a href='https://example.org/guide'>the guide</a>"
        " first.</p></body></html>",
    )

    (result,) = json_lines(run_offline("extract", "--json", "--parts", "text", page))

    assert "Read the guide first." in result["text"]
    assert result["links"] == [{"url": "https://example.org/guide", "text": "the guide"}]


def test_snapshot_takes_the_budget_and_is_what_plain_output_prints(tmp_path: Path) -> None:
    chat = write(tmp_path, "chat.txt", transcript(turns=40, code_every=3))

    (line,) = json_lines(
        run_offline("extract", "--json", "--parts", "snapshot", "--budget", "300", chat)
    )
    plain = run_offline("extract", "--parts", "snapshot", "--budget", "300", chat)

    snapshot = line["snapshot"]
    assert set(line) == {"input", "format", "title", "snapshot", "error"}
    assert snapshot["budget"] == 300
    assert snapshot["tokens_before"] > 300 >= snapshot["tokens_after"] > 0
    assert snapshot["content"].startswith("# Context snapshot: chat.txt")  # named after the file
    assert plain.stdout == snapshot["content"]


def test_a_smaller_ratio_gives_a_larger_snapshot(tmp_path: Path) -> None:
    chat = write(tmp_path, "chat.txt", transcript(turns=40, code_every=3))

    lines = [
        json_lines(run_offline("extract", "--json", "--parts", "snapshot", "--ratio", r, chat))
        for r in ("2", "8")
    ]
    budgets = [line["snapshot"]["budget"] for (line,) in lines]

    assert budgets[0] > budgets[1]


def test_plain_output_is_the_text_of_each_input_and_errors_go_to_stderr(tmp_path: Path) -> None:
    notes = write(tmp_path, "notes.md", MARKDOWN)
    chat = write(tmp_path, "chat.txt", "User: hello\nAssistant: hi there\n")
    bad = write(tmp_path, "garbage.bin", GARBAGE)

    result = run_offline("extract", notes, bad, chat, code=1)

    assert result.stdout == MARKDOWN + "\n" + "User: hello\nAssistant: hi there\n"
    assert "garbage.bin" in result.stderr and "unsupported file format" in result.stderr


def test_an_error_names_its_path_whole_and_literally(tmp_path: Path) -> None:
    """A long path is never broken across lines (rich would wrap it at the terminal's width),
    and brackets in it are text, not markup."""
    folder = tmp_path / ("a-folder-with-a-long-name-" * 4)
    folder.mkdir()
    bad = write(folder, "[draft] garbage.bin", GARBAGE)

    result = run_offline("extract", bad, code=1)

    assert bad in result.stderr, result.stderr


def test_standard_input_is_read_with_a_dash() -> None:
    said = "User: what is 2 + 2?\nAssistant: 4.\n"

    (line,) = json_lines(run_offline("extract", "--json", "--parts", "turns", "-", input=said))

    assert line["input"] == "-"
    assert [(t["speaker"], t["text"]) for t in line["turns"]] == [
        ("User", "what is 2 + 2?"),
        ("Assistant", "4."),
    ]


def test_a_missing_file_is_an_input_error_not_a_crash(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope.md")

    (line,) = json_lines(run_offline("extract", "--json", missing, code=1))

    assert line == {"input": missing, "error": line["error"]}
    assert os.strerror(2) in line["error"]


def test_a_loopback_url_is_refused_by_default_and_fetched_when_the_operator_allows_it(
    pages: PageServer,
) -> None:
    url = pages.add("/extract/circles", PAGE)

    (refused,) = json_lines(run_offline("extract", "--json", "--parts", "text", url, code=1))
    (fetched,) = json_lines(
        run_offline("extract", "--json", "--parts", "text", url, CONTEXTD_ALLOW_PRIVATE_URLS="true")
    )

    assert set(refused) == {"input", "error"}
    assert "not allowed" in refused["error"]
    assert fetched["input"] == url
    assert fetched["format"] == "html"
    assert CODE in fetched["text"]


def test_options_that_make_no_sense_are_usage_errors(tmp_path: Path) -> None:
    chat = write(tmp_path, "chat.txt", "User: hi\nAssistant: hello\n")

    both = run_offline("extract", "--ratio", "2", "--budget", "100", chat, code=2)
    unknown = run_offline("extract", "--parts", "text,summary", chat, code=2)

    assert "not both" in both.stderr
    assert "summary" in unknown.stderr
    assert both.stdout == unknown.stdout == ""


def test_extract_gives_what_the_service_stores_for_the_same_input(
    cli: Cli, pages: PageServer, tmp_path: Path
) -> None:
    """The same code, not a look-alike: a transcript pasted into the service and a page it
    fetches come out of `contextd extract` with the same text, turns, artifacts and snapshot."""
    chat = write(tmp_path, "chat.txt", transcript(turns=40, code_every=3))
    url = pages.add("/extract/parity", PAGE)
    http = cli.http
    space = http.space("parity")
    budget = {"snapshot_budget_tokens": 300}
    stored = [
        http.source(
            space["id"],
            {
                "type": "CONTENT",
                "name": "chat.txt",
                "initial_data": {"data": Path(chat).read_text()},
                "instructions": budget,
            },
        ),
        http.source(
            space["id"], {"type": "URI", "initial_data": {"url": url}, "instructions": budget}
        ),
    ]

    lines = json_lines(
        run_offline(
            "extract", "--json", "--budget", "300", chat, url,
            CONTEXTD_ALLOWED_NETWORKS='["127.0.0.2/32"]',
        )
    )  # fmt: skip

    for source, line in zip(stored, lines, strict=True):
        done = http.wait(source["id"])
        assert done["status"] == "COMPLETED", done["message"]
        base = f"/v1/sources/{source['id']}"
        turns = http.get(f"{base}/turns", params={"per_page": 100}).json()["turns"]
        listed = http.get(
            f"/v1/spaces/{space['id']}/artifacts",
            params={"sourceId": source["id"], "per_page": 100},
        ).json()["artifacts"]
        snapshot = http.get(f"{base}/snapshot").json()
        assert http.get(f"{base}/content").text == line["text"]
        assert done["format"] == line["format"]
        assert [(t["index"], t["speaker"], t["role"], t["text"]) for t in turns] == [
            (t["index"], t["speaker"], t["role"], t["text"]) for t in line["turns"]
        ]
        assert sorted(
            (a["type"], a["language"], a["title"], a["content"])
            for a in listed
            if a["type"] != "CONTEXT"
        ) == sorted((a["type"], a["language"], a["title"], a["content"]) for a in line["artifacts"])
        assert line["artifacts"]
        assert {k: snapshot[k] for k in ("content", "tokens_before", "tokens_after", "budget")} == (
            line["snapshot"]
        )
        # The service embeds the chunks after the source completes; the test waits for that
        # work too, so the server never stops (nor the process exits) in the middle of it.
        assert http.runtime is not None
        drain_jobs(http.runtime, source_id=source["id"], kinds=[EMBED_CHUNKS])


def test_the_operators_llm_engine_writes_the_snapshot_as_in_the_service(tmp_path: Path) -> None:
    chat = write(tmp_path, "chat.txt", transcript(turns=40))
    fake = FakeModelServer()
    app = Starlette(routes=[Route("/v1/chat/completions", fake.chat_completions, methods=["POST"])])
    with ThreadedServer(app, timeout_graceful_shutdown=1) as server:
        fake.url = server.url + "/v1"
        fake.answer("## Goal\n- Build the service with a durable job queue [t1]\n")
        (line,) = json_lines(
            run_offline(
                "extract", "--json", "--parts", "snapshot", chat,
                CONTEXTD_SNAPSHOT_ENGINE="llm", CONTEXTD_LLM_URL=fake.url,
                CONTEXTD_LLM_MODEL="local-model",
            )
        )  # fmt: skip

    # The model's line is kept; its citation is checked against the turns' words (and moved to
    # the turn that says it), as the service's LLM engine does.
    assert "- Build the service with a durable job queue [t" in line["snapshot"]["content"]
    assert [request.body["model"] for request in fake.requests] == ["local-model"]
