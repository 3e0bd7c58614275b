"""The README's quick start, as a new user runs it: a real `contextd serve` process."""

from __future__ import annotations

import http.server
import threading
from pathlib import Path

import pytest

from tests.support.cluster import server_process
from tests.support.factories import transcript
from tests.support.service import Client

pytestmark = pytest.mark.slow


def test_readme_quick_start(tmp_path: Path) -> None:
    server = server_process(tmp_path / "data", CONTEXTD_ALLOW_PRIVATE_URLS="true")
    output = server.cli("keys", "create", "--name", "me", "--email", "me@example.test")
    key = output.strip().splitlines()[-1]
    assert key.startswith("ctx_")

    site = tmp_path / "site"
    site.mkdir()
    (site / "guide.html").write_text(
        "<html><head><title>Guide</title></head><body><main><h1>Guide</h1>"
        "<p>Install the service, then create a key and a space before adding sources.</p>"
        "<pre><code class='language-python'>print('hello')\n</code></pre></main></body></html>"
    )
    handler = lambda *a: http.server.SimpleHTTPRequestHandler(*a, directory=str(site))  # noqa: E731
    web = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=web.serve_forever, daemon=True).start()

    server.start()
    try:
        with Client(server.url, key, "") as client:
            space = client.space("my project")

            chat = client.source(
                space["id"], {"type": "CONTENT", "initial_data": {"data": transcript(200)}}
            )
            done = client.wait(chat["id"], timeout=120)
            assert done["status"] == "COMPLETED", done["message"]
            assert done["stats"]["turns"] == 200
            assert any(a["type"] == "CODE" for a in done["artifacts"])
            snapshot = client.get(f"/v1/sources/{chat['id']}/snapshot").json()
            assert snapshot["tokens_before"] >= 3 * snapshot["tokens_after"]

            page_url = f"http://127.0.0.1:{web.server_address[1]}/guide.html"
            page = client.source(space["id"], {"type": "URI", "initial_data": {"url": page_url}})
            done = client.wait(page["id"])
            assert done["status"] == "COMPLETED", done["message"]
            assert done["title"] == "Guide"

            data = b"Plain notes: the service keeps its data under .contextd by default.\n"
            upload = client.post(
                "/v1/upload/s3",
                json={"filename": "notes.txt", "contentType": "text/plain", "size": len(data)},
            ).json()
            assert upload["uploadUrl"].startswith(server.url)
            put = client.put(
                upload["uploadUrl"], content=data, headers={"Content-Type": "text/plain"}
            )
            assert put.status_code == 200
            file_source = client.source(
                space["id"], {"type": "FILE", "initial_data": {"data": upload["fileKey"]}}
            )
            done = client.wait(file_source["id"])
            assert done["status"] == "COMPLETED", done["message"]
    finally:
        server.stop()
        web.shutdown()
        web.server_close()
