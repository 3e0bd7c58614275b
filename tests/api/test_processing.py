"""Sources are processed for real, from creation to a final status, for every type."""

from __future__ import annotations

import pytest

from tests.support.errors import assert_error
from tests.support.factories import chatgpt_export, transcript
from tests.support.pages import PageServer
from tests.support.service import Client

pytestmark = pytest.mark.all_engines  # processing: also under the procrastinate engine


def test_a_200_turn_conversation_completes_with_code_artifacts_and_a_snapshot(
    client: Client,
) -> None:
    space = client.space()
    text = transcript(200)
    source = client.source(space["id"], {"type": "CONTENT", "initial_data": {"data": text}})
    done = client.wait(source["id"])
    assert done["status"] == "COMPLETED", done["message"]
    assert done["stats"]["turns"] == 200
    code = [a for a in done["artifacts"] if a["type"] == "CODE"]
    assert code and all(a["language"] == "python" for a in code)
    assert any(a["title"].startswith("module_") for a in code)

    snapshot = done["snapshot"]
    assert snapshot is not None
    assert snapshot["tokens_after"] * 3 <= snapshot["tokens_before"]
    full = client.get(f"/v1/sources/{source['id']}/snapshot").json()
    assert full["content"].startswith("# Context snapshot")
    assert full["tokens_after"] <= full["budget"]

    turns = client.get(f"/v1/sources/{source['id']}/turns", params={"per_page": 3}).json()
    assert turns["pagination"]["total"] == 200
    assert [t["speaker"] for t in turns["turns"]] == ["User", "Assistant", "User"]

    listed = client.get(
        f"/v1/spaces/{space['id']}/artifacts", params={"type": "CODE", "sourceId": source["id"]}
    ).json()
    assert listed["pagination"]["total"] == len(code)
    one = client.get(f"/v1/artifacts/{code[0]['id']}").json()
    assert "def handler_" in one["content"]
    raw = client.get(f"/v1/artifacts/{code[0]['id']}/raw")
    assert raw.status_code == 200 and raw.text == one["content"]


def test_a_chatgpt_export_keeps_turns_and_finds_the_schema(client: Client) -> None:
    space = client.space()
    source = client.source(
        space["id"], {"type": "CONTENT", "initial_data": {"data": chatgpt_export()}}
    )
    done = client.wait(source["id"])
    assert done["status"] == "COMPLETED", done["message"]
    assert done["stats"]["turns"] == 6
    assert done["format"] == "chatgpt"
    assert any(a["type"] == "SCHEMA" and a["language"] == "sql" for a in done["artifacts"])


def test_a_uri_source_fetches_a_loopback_page(client: Client, pages: PageServer) -> None:
    url = pages.add(
        "/article",
        "<html><head><title>Deploy notes</title></head><body><article><h1>Deploy notes</h1>"
        "<p>We deploy with one command. The service listens on port 8080 by default.</p>"
        '<pre><code class="language-bash">make run\n</code></pre>'
        "<p>Data lives under the data directory and is kept between restarts. "
        '<a href="/runbook">The runbook</a> says how to restore it.</p>'
        "</article></body></html>",
    )
    space = client.space()
    source = client.source(space["id"], {"type": "URI", "initial_data": {"url": url}})
    done = client.wait(source["id"])
    assert done["status"] == "COMPLETED", done["message"]
    assert done["format"] == "html"
    content = client.get(f"/v1/sources/{source['id']}/content").text
    assert "make run" in content and "one command" in content
    assert "The runbook says how to restore it." in content
    # the link's target is kept apart, on the source, absolute
    assert done["links"] == [{"url": pages.url("/runbook"), "text": "The runbook"}]


def test_a_uri_that_fails_to_fetch_fails_the_source_with_a_message(
    client: Client, pages: PageServer
) -> None:
    space = client.space()
    source = client.source(
        space["id"], {"type": "URI", "initial_data": {"url": pages.url("/missing")}}
    )
    done = client.wait(source["id"])
    assert done["status"] == "FAILED"
    assert "404" in done["message"]


def test_the_file_upload_flow(client: Client) -> None:
    data = b"# Notes\n\nUse `contextd serve`.\n\n```bash\ncontextd serve --port 8080\n```\n"
    presigned = client.post(
        "/v1/upload/s3",
        json={"filename": "notes.md", "contentType": "text/markdown", "size": len(data)},
    ).json()
    assert set(presigned) == {"uploadUrl", "publicUrl", "fileKey"}
    put = client.put(
        presigned["uploadUrl"], content=data, headers={"Content-Type": "text/markdown"}
    )
    assert put.status_code == 200, put.text
    assert client.get(presigned["publicUrl"]).content == data

    space = client.space()
    source = client.source(
        space["id"], {"type": "FILE", "initial_data": {"data": presigned["fileKey"]}}
    )
    done = client.wait(source["id"])
    assert done["status"] == "COMPLETED", done["message"]
    assert done["format"] == "markdown"
    assert any(a["language"] == "bash" for a in done["artifacts"])


def test_an_upload_url_checks_signature_type_size_and_reuse(client: Client) -> None:
    presigned = client.post(
        "/v1/upload/s3", json={"filename": "a.txt", "contentType": "text/plain", "size": 5}
    ).json()
    url = presigned["uploadUrl"]
    assert_error(client.put(url, content=b"hello", headers={"Content-Type": "text/html"}), 403)
    assert_error(client.put(url.replace("signature=", "signature=0"), content=b"hello",
                            headers={"Content-Type": "text/plain"}), 403)  # fmt: skip
    assert_error(
        client.put(url, content=b"hello world", headers={"Content-Type": "text/plain"}), 413
    )
    assert_error(client.put(url, content=b"hey", headers={"Content-Type": "text/plain"}), 400)
    assert (
        client.put(url, content=b"hello", headers={"Content-Type": "text/plain"}).status_code == 200
    )
    assert_error(client.put(url, content=b"hello", headers={"Content-Type": "text/plain"}), 403)


def test_a_file_that_cannot_be_read_fails_clearly(client: Client) -> None:
    data = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
    presigned = client.post(
        "/v1/upload/s3", json={"filename": "x.png", "contentType": "image/png", "size": len(data)}
    ).json()
    client.put(presigned["uploadUrl"], content=data, headers={"Content-Type": "image/png"})
    space = client.space()
    source = client.source(
        space["id"], {"type": "FILE", "initial_data": {"data": presigned["fileKey"]}}
    )
    done = client.wait(source["id"])
    assert done["status"] == "FAILED"
    assert "unsupported" in done["message"].lower()


def test_a_composition_combines_its_members(client: Client) -> None:
    space = client.space()
    a = client.source(
        space["id"], {"type": "CONTENT", "name": "A", "initial_data": {"data": transcript(10)}}
    )
    b = client.source(
        space["id"], {"type": "CONTENT", "name": "B", "initial_data": {"data": transcript(6)}}
    )
    comp = client.source(
        space["id"], {"type": "COMPOSITION", "initial_data": {"source_ids": [a["id"], b["id"]]}}
    )
    done = client.wait(comp["id"])
    assert done["status"] == "COMPLETED", done["message"]
    assert done["stats"]["turns"] == 16
    content = client.get(f"/v1/sources/{comp['id']}/content").text
    assert content.index("# A") < content.index("# B")


C_MAIN = (
    "#include <stdio.h>\n#include <stdlib.h>\n\nint main(void) {\n    char *name = malloc(32);\n"
    '    printf("%s\\n", name);\n    free(name);\n    return 0;\n}'
)
# Calls of a C string library, nothing of C's own: alone, the model reads it as Java.
CALLS = 'b = bufempty();\nb = bufcat(b,"foo");\nb = bufcat(b,"bar");\nb = bufcat(b,"123");'


def _language_of(client: Client, done: dict[str, object], content: str) -> str | None:
    artifacts = done["artifacts"]
    assert isinstance(artifacts, list)
    for artifact in artifacts:
        full = client.get(f"/v1/artifacts/{artifact['id']}").json()
        if full["content"] == content:
            language: str | None = full["language"]
            return language
    raise AssertionError(f"no artifact holds {content!r}")


def test_a_fast_forward_names_its_bare_fences_with_the_sources_fences(client: Client) -> None:
    """The fences a source already holds weigh on the appended part's bare ones, as they do
    when the whole conversation is processed at once (`pipeline/artifacts/_document.py`)."""
    first = f"User: Show me the C program.\n\nAssistant: Here:\n\n```c\n{C_MAIN}\n```\n"
    more = f"User: And the buffer calls?\n\nAssistant: Like this:\n\n```\n{CALLS}\n```\n"
    space = client.space()
    alone = client.wait(
        client.source(space["id"], {"type": "CONTENT", "initial_data": {"data": more}})["id"]
    )
    assert _language_of(client, alone, CALLS) == "java"  # what the block reads as alone
    whole = client.wait(
        client.source(space["id"], {"type": "CONTENT", "initial_data": {"data": first + more}})[
            "id"
        ]
    )
    assert _language_of(client, whole, CALLS) == "c"
    source = client.source(space["id"], {"type": "CONTENT", "initial_data": {"data": first}})
    assert client.wait(source["id"])["status"] == "COMPLETED"
    done = client.fast_forward(source["id"], more)
    assert _language_of(client, done, CALLS) == "c"
