"""A document source's snapshot, through the service: the page's headings are its headings."""

from __future__ import annotations

import re

import pytest

from tests.support.pages import PageServer
from tests.support.service import Client

pytestmark = pytest.mark.all_engines  # processing: also under the procrastinate engine

# From the OCI Image Layout specification (opencontainers/image-spec, Apache-2.0), trimmed.
PAGE = """<html><head><title>OCI Image Layout Specification</title></head><body><article>
<h1>OCI Image Layout Specification</h1>
<p>The OCI Image Layout is the directory structure for OCI content-addressable blobs and
location-addressable references.</p>
<h2>Content</h2>
<p>The image layout is as follows: <code>blobs</code> directory, <code>oci-layout</code> file
and <code>index.json</code> file.</p>
<h2>Blobs</h2>
<p>Object names in the <code>blobs</code> subdirectories are composed of a directory for each
hash algorithm, the children of which will contain the actual content.</p>
<p>The <code>blobs</code> directory MAY contain blobs which are not referenced by any of the
refs. The <code>blobs</code> directory MAY be missing referenced blobs, in which case the
missing blobs SHOULD be fulfilled by an external blob store.</p>
<h3>Example Blobs</h3>
<pre><code class="language-shell">$ shasum -a 256 ./blobs/sha256/afff3924849e458c5ef237db5f8953
</code></pre>
<h2>oci-layout file</h2>
<p>This JSON object serves as a marker for the base of an Open Container Image Layout and to
provide the version of the image-layout in use. The <code>imageLayoutVersion</code> value will
align with the OCI Image Specification version at the time changes to the layout are made,
and will pin a given version until changes to the image layout are required.</p>
</article></body></html>"""


def test_an_html_page_snapshot_keeps_the_page_headings(client: Client, pages: PageServer) -> None:
    url = pages.add("/image-layout", PAGE)
    space = client.space()
    source = client.source(space["id"], {"type": "URI", "initial_data": {"url": url}})
    done = client.wait(source["id"])
    assert done["status"] == "COMPLETED", done["message"]
    assert done["format"] == "html"
    snapshot = client.get(f"/v1/sources/{source['id']}/snapshot").json()
    content = snapshot["content"]
    assert content.startswith("# Context snapshot: OCI Image Layout Specification\n")
    headings = [line for line in content.splitlines()[1:] if line.startswith("#")]
    assert headings[:4] == ["## Content", "## Blobs", "### Example Blobs", "## oci-layout file"]
    assert "## Decisions" not in content and "## Constraints and facts" not in content
    assert re.search(
        r"^- The `blobs` directory MAY contain blobs which are not referenced by any of the "
        r"refs\. \[p\d+\]$",
        content,
        flags=re.MULTILINE,
    )
    assert snapshot["tokens_after"] <= snapshot["budget"]
