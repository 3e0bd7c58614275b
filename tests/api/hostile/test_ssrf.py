"""Server-side request forgery: postback URLs, source URLs and redirects that lead to loopback,
private, link-local or metadata addresses, or to schemes other than http(s), are refused before
any connection, and a listener on 127.0.0.1 hears nothing."""

from __future__ import annotations

import hashlib

import pytest

from tests.api.hostile.world import SOURCES, Bad, World, ids, refused, source_with
from tests.support.errors import assert_error
from tests.support.pages import PageServer
from tests.support.service import Client

# --- postback_url (SSRF through the webhook) --------------------------------------------------

POSTBACK = [
    Bad(f"postback_url {name}", "POST", SOURCES,
        json=source_with(instructions={"postback_url": url}), field="instructions.postback_url")
    for name, url in [
        ("http (not https)", "http://hooks.example.com/x"),
        ("loopback", "https://127.0.0.1/hook"),
        ("metadata", "https://169.254.169.254/latest/meta-data/"),
        ("private", "https://10.0.0.1/hook"),
        ("IPv6 loopback", "https://[::1]/hook"),
        ("localhost", "https://localhost/hook"),
        ("credentials", "https://user:pw@127.0.0.2/hook"),
        ("empty", ""),
        ("number", 42),
        ("array", ["https://example.com"]),
    ]
] + [
    Bad("patch postback_url to loopback", "PATCH", "/v1/sources/{source}",
        json={"instructions": {"postback_url": "https://127.0.0.1/"}},
        field="instructions.postback_url"),
]  # fmt: skip


@pytest.mark.parametrize("case", ids(POSTBACK))
def test_a_bad_request_is_refused_and_changes_nothing(case: Bad, intact: World) -> None:
    refused(case, intact)


# --- SSRF: URLs the service must refuse before connecting ---------------------------------------

BLOCKED_URLS = [
    ("loopback with a live listener", "http://127.0.0.1:{trap}/"),
    ("localhost", "http://localhost:{trap}/"),
    ("localhost with a trailing dot", "http://localhost.:{trap}/"),
    ("a .localhost name", "http://api.localhost:{trap}/"),
    ("IPv6 loopback", "http://[::1]:{trap}/"),
    ("cloud metadata", "http://169.254.169.254/latest/meta-data/"),
    ("10/8", "http://10.0.0.1/"),
    ("192.168/16", "http://192.168.0.1/"),
    ("172.16/12", "http://172.16.0.1/"),
    ("carrier-grade NAT", "http://100.64.0.1/"),
    ("0.0.0.0", "http://0.0.0.0:{trap}/"),
    ("decimal 127.0.0.1", "http://2130706433:{trap}/"),
    ("hex 127.0.0.1", "http://0x7f000001:{trap}/"),
    ("octal 127.0.0.1", "http://017700000001:{trap}/"),
    ("short 127.1", "http://127.1:{trap}/"),
    ("IPv4-mapped IPv6", "http://[::ffff:127.0.0.1]:{trap}/"),
    ("NAT64 of 127.0.0.1", "http://[64:ff9b::7f00:1]:{trap}/"),
    ("IPv6 link-local", "http://[fe80::1]/"),
    ("IPv6 unique local", "http://[fd00::1]/"),
    ("file:", "file:///etc/passwd"),
    ("gopher:", "gopher://127.0.0.1:{trap}/"),
    ("ftp:", "ftp://x/"),
    ("javascript:", "javascript:alert(1)"),
    ("data:", "data:text/html,hi"),
    ("credentials on an allowed host", "http://user:pass@127.0.0.2/"),
    ("no host", "http:///etc/passwd"),
    ("padded with spaces", "  http://127.0.0.1:{trap}/  "),
]


@pytest.mark.parametrize(("why", "url"), BLOCKED_URLS, ids=[w for w, _ in BLOCKED_URLS])
def test_an_internal_url_is_refused_before_connecting(why: str, url: str, intact: World) -> None:
    c = intact.owner.client
    for spelling in ("url", "uri"):
        body = source_with(type="URI", initial_data={spelling: intact.fill(url)})
        error = assert_error(c.post(f"/v1/spaces/{intact.owner.space}/sources", json=body), 400)
        assert error["details"][0]["field"] == f"initial_data.{spelling}", error


def test_fast_forward_refuses_an_internal_url_too(intact: World) -> None:
    c = intact.owner.client
    for url in ("http://127.0.0.1:{trap}/", "http://169.254.169.254/"):
        body = {"type": "URI", "initial_data": {"url": intact.fill(url)}}
        response = c.post(f"/v1/sources/{intact.owner.source}/fast-forward", json=body)
        assert assert_error(response, 400)["details"][0]["field"] == "initial_data.url"


# Each chain starts on the allowed test host (127.0.0.2); the last hop points somewhere internal.
REDIRECTS = [
    ("302 to a loopback listener", [302], "http://127.0.0.1:{trap}/"),
    ("301 to cloud metadata", [301], "http://169.254.169.254/latest/meta-data/"),
    ("307 to IPv6 loopback", [307], "http://[::1]:{trap}/"),
    ("308 to decimal 127.0.0.1", [308], "http://2130706433:{trap}/"),
    ("303 to localhost", [303], "http://localhost:{trap}/"),
    ("302 to file:", [302], "file:///etc/passwd"),
    ("three hops, then loopback", [302, 307, 301], "http://127.0.0.1:{trap}/admin"),
    ("two hops, then metadata", [301, 302], "http://169.254.169.254/"),
]


@pytest.mark.parametrize(("why", "statuses", "target"), REDIRECTS, ids=[w for w, *_ in REDIRECTS])
def test_a_redirect_to_an_internal_url_fails_the_source(
    why: str, statuses: list[int], target: str, client: Client, world: World, pages: PageServer
) -> None:
    slug = "/redir-" + hashlib.sha1(why.encode()).hexdigest()[:8]
    paths = [f"{slug}/{i}" for i in range(len(statuses))]
    for i, status in enumerate(statuses):
        location = pages.url(paths[i + 1]) if i + 1 < len(paths) else world.fill(target)
        pages.add(paths[i], "", status=status, headers={"Location": location})

    space = client.space()
    created = client.source(
        space["id"], {"type": "URI", "initial_data": {"url": pages.url(paths[0])}}
    )
    assert created["status"] in ("PENDING", "PROCESSING")  # the first URL itself is allowed
    done = client.wait(created["id"])
    assert done["status"] == "FAILED"
    assert "not allowed" in done["message"], done["message"]
    assert [h for h in pages.hits if h.startswith(slug)][: len(paths)] == paths  # hops were real
    assert world.trap.hits == []
