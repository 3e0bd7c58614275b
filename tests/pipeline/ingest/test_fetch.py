"""fetch_url and post_json against real HTTP(S) servers on loopback.

Loopback is private, so the default policy cannot reach these servers at all. To test the checks
honestly the tests open exactly one loopback address with ``allowed_networks`` (a server on
127.0.0.2) and show that everything else - 127.0.0.1, the metadata address, a name that resolves
to loopback - is still refused, on the first request and on every redirect hop.

Two autouse fixtures keep the tests off the network: DNS is a fake table (unknown names fail), and
any socket connect to a non-loopback address fails the test instead of sending a packet.
"""

from __future__ import annotations

import gzip
import ipaddress
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import trustme

from contextd.pipeline.ingest import NetPolicy, check_url, fetch_url, post_json
from contextd.pipeline.types import BlockedURL, FetchError

PUBLIC_IP = "93.184.215.14"  # only ever returned by the fake resolver, never connected to
ONLY_127_0_0_2 = NetPolicy(allowed_networks=("127.0.0.2/32",))
OPEN = NetPolicy(allow_private=True)

_real_getaddrinfo = socket.getaddrinfo
_real_connect = socket.socket.connect


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[str]]]:
    """A resolver table; names not in it fail like NXDOMAIN, and literals resolve numerically."""
    table: dict[str, list[str]] = {"localhost": ["127.0.0.1"]}

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        kwargs["flags"] = kwargs.get("flags", 0) | socket.AI_NUMERICHOST
        if name in table:
            return [_real_getaddrinfo(ip, port, *args, **kwargs)[0] for ip in table[name]]
        return _real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield table


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test (not the packet) if anything tries to connect off this machine."""

    def connect(sock: socket.socket, address: Any) -> None:
        host = address[0] if isinstance(address, tuple) else address
        assert ipaddress.ip_address(host.split("%")[0]).is_loopback, f"connect to {host}"
        _real_connect(sock, address)

    monkeypatch.setattr(socket.socket, "connect", connect)


# --- a small loopback HTTP server -------------------------------------------------------------


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]  # names lower-cased
    body: bytes


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, host: str, tls: ssl.SSLContext | None) -> None:
        super().__init__((host, 0), _Handler)
        self.host = host
        self.tls = tls
        self.seen: list[Seen] = []
        self.stop = threading.Event()

    def finish_request(self, request: Any, client_address: Any) -> None:
        if self.tls is None:
            super().finish_request(request, client_address)
            return
        # Handshake in the worker thread, not the accept loop. The TLS socket takes over the
        # descriptor, so it is the one to close (the server closes only the plain one).
        with self.tls.wrap_socket(request, server_side=True) as wrapped:
            super().finish_request(wrapped, client_address)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients hanging up mid-body (size and time limits) are expected here."""


@dataclass
class Server:
    httpd: _Server
    scheme: str = "http"
    thread: threading.Thread = field(init=False)

    def __post_init__(self) -> None:
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )
        self.thread.start()

    @property
    def port(self) -> int:
        return int(self.httpd.server_address[1])

    def url(self, path: str, host: str | None = None) -> str:
        return f"{self.scheme}://{host or self.httpd.host}:{self.port}{path}"

    @property
    def seen(self) -> list[Seen]:
        return self.httpd.seen

    def close(self) -> None:
        self.httpd.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _dispatch(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        self.server.seen.append(Seen(self.command, self.path, headers, body))
        parts = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        route = ROUTES.get(parts.path) or ROUTES["/" + parts.path.split("/")[1]]
        route(self, query)

    def reply(self, status: int, body: bytes = b"", **headers: str) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def chunked(self, chunks: Iterator[bytes]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("Connection", "close")
        self.end_headers()
        for chunk in chunks:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
        self.wfile.write(b"0\r\n\r\n")


def _page(h: _Handler, q: dict[str, str]) -> None:
    h.reply(200, "<p>café</p>".encode("latin-1"), Content_Type="Text/HTML; Charset=ISO-8859-1")


def _doc(h: _Handler, q: dict[str, str]) -> None:
    disposition = q.get("cd", 'attachment; filename="report.pdf"')
    h.reply(200, b"%PDF-1.7", Content_Type="application/pdf", Content_Disposition=disposition)


def _host(h: _Handler, q: dict[str, str]) -> None:
    h.reply(200, h.headers["Host"].encode(), Content_Type="text/plain")


def _redirect(h: _Handler, q: dict[str, str]) -> None:
    h.reply(int(q.get("status", "302")), Location=q["to"])


def _chain(h: _Handler, q: dict[str, str]) -> None:
    left = int(h.path.rsplit("/", 1)[1])
    if left == 0:
        h.reply(200, b"end of chain", Content_Type="text/plain")
    else:
        h.reply(301, Location=f"/chain/{left - 1}")


def _big(h: _Handler, q: dict[str, str]) -> None:
    h.reply(200, b"x" * 5000, Content_Type="text/plain")


def _big_chunked(h: _Handler, q: dict[str, str]) -> None:
    h.chunked(b"x" * 500 for _ in range(10))


def _gzip(h: _Handler, q: dict[str, str]) -> None:
    h.reply(200, gzip.compress(b"z" * 5000), Content_Type="text/plain", Content_Encoding="gzip")


def _slow(h: _Handler, q: dict[str, str]) -> None:
    h.server.stop.wait(3)
    h.reply(200, b"too late")


def _drip(h: _Handler, q: dict[str, str]) -> None:
    def drops() -> Iterator[bytes]:
        for _ in range(60):
            if h.server.stop.wait(0.05):
                return
            yield b"."

    h.chunked(drops())


def _missing(h: _Handler, q: dict[str, str]) -> None:
    h.reply(404, b"nope", Content_Type="text/plain")


def _hook(h: _Handler, q: dict[str, str]) -> None:
    h.reply(202, b"x" * 100_000)


ROUTES: dict[str, Callable[[_Handler, dict[str, str]], None]] = {
    "/page.html": _page,
    "/doc": _doc,
    "/host": _host,
    "/redirect": _redirect,
    "/chain": _chain,
    "/big": _big,
    "/big-chunked": _big_chunked,
    "/gzip": _gzip,
    "/slow": _slow,
    "/drip": _drip,
    "/missing": _missing,
    "/hook": _hook,
}


def _serve(host: str, tls: ssl.SSLContext | None = None) -> Iterator[Server]:
    server = Server(_Server(host, tls), scheme="https" if tls else "http")
    yield server
    server.close()


@pytest.fixture
def srv() -> Iterator[Server]:
    """On 127.0.0.1: reachable only with allow_private."""
    yield from _serve("127.0.0.1")


@pytest.fixture
def srv2() -> Iterator[Server]:
    """On 127.0.0.2: the one address ONLY_127_0_0_2 opens, standing in for a public host."""
    yield from _serve("127.0.0.2")


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def tls_srv(ca: trustme.CA) -> Iterator[Server]:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("site.example").configure_cert(context)
    yield from _serve("127.0.0.1", context)


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


# --- the address guard -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "target",
    [
        "http://127.0.0.1:{port}/page.html",
        "http://localhost:{port}/page.html",
        "http://[::1]:{port}/page.html",
        "http://2130706433:{port}/page.html",
        "http://0x7f.1:{port}/page.html",
        "http://017700000001:{port}/page.html",
        "http://[::ffff:127.0.0.1]:{port}/page.html",
        "http://0.0.0.0:{port}/page.html",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://172.16.0.1/",
        "http://100.64.0.1/",
        "file:///etc/passwd",
        "ftp://127.0.0.1:{port}/",
        "gopher://127.0.0.1:{port}/_",
        "javascript:alert(1)",
        "http://user:pw@127.0.0.2:{port}/page.html",
        "http:///page.html",
    ],
)
def test_default_policy_blocks_before_connecting(srv: Server, target: str) -> None:
    with pytest.raises(BlockedURL):
        fetch_url(target.format(port=srv.port), NetPolicy())
    with pytest.raises(BlockedURL):
        post_json(target.format(port=srv.port), b"{}", {}, NetPolicy())
    assert srv.seen == []


def test_check_is_on_the_resolved_address(srv: Server, fake_dns: dict[str, list[str]]) -> None:
    """A public-looking name that resolves to loopback is refused when connecting."""
    fake_dns["innocent.example"] = ["127.0.0.1"]
    with pytest.raises(BlockedURL, match=r"resolves to 127\.0\.0\.1"):
        fetch_url(srv.url("/page.html", host="innocent.example"), NetPolicy())
    assert srv.seen == []


def test_dns_rebinding_after_the_early_check(srv: Server, fake_dns: dict[str, list[str]]) -> None:
    """The early check_url saw a public answer; the connection re-resolves and re-checks."""
    fake_dns["rebind.example"] = [PUBLIC_IP]
    url = check_url(srv.url("/page.html", host="rebind.example"), NetPolicy())
    fake_dns["rebind.example"] = ["127.0.0.1"]
    with pytest.raises(BlockedURL, match="resolves to"):
        fetch_url(url, NetPolicy())
    with pytest.raises(BlockedURL, match="resolves to"):
        post_json(url, b"{}", {}, NetPolicy())
    assert srv.seen == []


def test_any_private_answer_blocks(srv2: Server, fake_dns: dict[str, list[str]]) -> None:
    fake_dns["mixed.example"] = ["127.0.0.2", "169.254.169.254"]
    with pytest.raises(BlockedURL, match=r"169\.254\.169\.254"):
        fetch_url(srv2.url("/page.html", host="mixed.example"), ONLY_127_0_0_2)
    assert srv2.seen == []


def test_unresolvable_host(srv2: Server) -> None:
    with pytest.raises(BlockedURL, match="could not resolve host"):
        fetch_url(srv2.url("/page.html", host="nowhere.invalid"), ONLY_127_0_0_2)


def test_allowed_name_connects_to_the_checked_address(
    srv2: Server, fake_dns: dict[str, list[str]]
) -> None:
    fake_dns["svc.example"] = ["127.0.0.2"]
    fetched = fetch_url(srv2.url("/host", host="svc.example"), ONLY_127_0_0_2)
    assert fetched.content == f"svc.example:{srv2.port}".encode()  # Host header kept


@pytest.mark.parametrize(
    "location",
    [
        "http://127.0.0.1:{port}/page.html",
        "http://localhost:{port}/page.html",
        "http://loopback.example:{port}/page.html",  # resolves to 127.0.0.1
        "http://0x7f000001:{port}/page.html",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/",
        "file:///etc/passwd",
        "http://user:pw@127.0.0.2/",
    ],
)
def test_redirects_are_rechecked(
    srv: Server, srv2: Server, fake_dns: dict[str, list[str]], location: str
) -> None:
    fake_dns["loopback.example"] = ["127.0.0.1"]
    to = location.format(port=srv.port)
    start = srv2.url("/redirect?to=" + to.replace("&", "%26"))
    with pytest.raises(BlockedURL):
        fetch_url(start, ONLY_127_0_0_2)
    assert [s.path for s in srv2.seen] == ["/redirect?to=" + to]
    assert srv.seen == []  # the 127.0.0.1 server never got a request


METADATA_TARGETS = [
    "http://169.254.169.254/latest/meta-data/",
    "http://2852039166/latest/meta-data/",  # decimal
    "http://0xa9.0xfe.0xa9.0xfe/",
    "http://[::ffff:169.254.169.254]/",
    "http://[::a9fe:a9fe]/",  # IPv4-compatible
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64
    "http://[fd00:ec2::254]/latest/meta-data/",
    "http://100.100.100.200/latest/meta-data/",
    "http://168.63.129.16/machine",
    "http://metadata.google.internal./computeMetadata/v1/",
    "http://instance-data/latest/",
    "http://imds.example/latest/meta-data/",  # resolves to 169.254.169.254
]


@pytest.mark.parametrize("target", METADATA_TARGETS)
def test_metadata_is_refused_with_allow_private_directly_and_after_a_redirect(
    srv: Server, fake_dns: dict[str, list[str]], target: str
) -> None:
    """allow_private opens loopback (the redirecting server is on 127.0.0.1), never metadata:
    not as the first URL, not as a redirect hop, not as a postback; nothing leaves the host."""
    fake_dns["imds.example"] = ["169.254.169.254"]
    with pytest.raises(BlockedURL, match="not allowed"):
        fetch_url(target, OPEN)
    with pytest.raises(BlockedURL, match="not allowed"):
        post_json(target, b"{}", {}, OPEN)
    start = srv.url("/redirect?to=" + target)
    with pytest.raises(BlockedURL, match="not allowed"):
        fetch_url(start, OPEN)
    assert [s.path for s in srv.seen] == ["/redirect?to=" + target]  # the first hop was real


def test_a_named_metadata_range_lets_its_name_through(
    srv: Server, fake_dns: dict[str, list[str]]
) -> None:
    """With a metadata range in allowed_networks the metadata names are looked up like any
    other (here faked onto the loopback test server), so an operator can reach them."""
    fake_dns["metadata.google.internal"] = ["127.0.0.1"]
    url = srv.url("/page.html", host="metadata.google.internal")
    with pytest.raises(BlockedURL, match="metadata name"):
        fetch_url(url, OPEN)
    named = NetPolicy(allow_private=True, allowed_networks=("169.254.169.254/32",))
    assert fetch_url(url, named).content
    assert len(srv.seen) == 1


def test_redirects_within_the_limit_are_followed(srv2: Server) -> None:
    fetched = fetch_url(
        srv2.url("/chain/3"), NetPolicy(allowed_networks=("127.0.0.2/32",), max_redirects=3)
    )
    assert fetched.content == b"end of chain"
    assert fetched.url == srv2.url("/chain/0")


def test_too_many_redirects(srv2: Server) -> None:
    policy = NetPolicy(allowed_networks=("127.0.0.2/32",), max_redirects=2)
    with pytest.raises(FetchError, match="too many redirects"):
        fetch_url(srv2.url("/chain/3"), policy)
    assert len(srv2.seen) == 3


# --- what a successful fetch returns -----------------------------------------------------------


def test_fetch_returns_content_type_charset_filename_and_url(srv: Server) -> None:
    fetched = fetch_url(srv.url("/redirect?to=/page.html"), OPEN)
    assert fetched.content == "<p>café</p>".encode("latin-1")
    assert fetched.content_type == "text/html"
    assert fetched.charset == "iso-8859-1"
    assert fetched.filename == "page.html"
    assert fetched.url == srv.url("/page.html")
    assert srv.seen[-1].headers["user-agent"] == OPEN.user_agent


@pytest.mark.parametrize(
    ("disposition", "filename"),
    [
        ('attachment; filename="report.pdf"', "report.pdf"),
        ("attachment; filename*=UTF-8''r%C3%A9sum%C3%A9.pdf", "résumé.pdf"),
        ('attachment; filename="../../etc/passwd"', "passwd"),
        ("inline", "doc"),  # no name given: the URL's last segment
    ],
)
def test_filename_from_content_disposition(srv: Server, disposition: str, filename: str) -> None:
    from urllib.parse import quote

    fetched = fetch_url(srv.url("/doc?cd=" + quote(disposition)), OPEN)
    assert fetched.content_type == "application/pdf"
    assert fetched.charset is None
    assert fetched.filename == filename


def test_gzip_body_is_decoded(srv: Server) -> None:
    assert fetch_url(srv.url("/gzip"), OPEN).content == b"z" * 5000


# --- limits and failures -----------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/big", "/big-chunked"])
def test_body_over_max_bytes(srv: Server, path: str) -> None:
    policy = NetPolicy(allow_private=True, max_bytes=1000)
    with pytest.raises(FetchError, match="response larger than 1000 bytes"):
        fetch_url(srv.url(path), policy)
    assert fetch_url(srv.url(path), NetPolicy(allow_private=True, max_bytes=5000)).content == (
        b"x" * 5000
    )


def test_decoded_size_counts(srv: Server) -> None:
    """A small gzip body that inflates past the limit is refused too."""
    with pytest.raises(FetchError, match="larger than"):
        fetch_url(srv.url("/gzip"), NetPolicy(allow_private=True, max_bytes=1000))


def test_slow_server_times_out(srv: Server) -> None:
    with pytest.raises(FetchError, match="timed out"):
        fetch_url(srv.url("/slow"), NetPolicy(allow_private=True, timeout=0.3))


def test_trickling_body_hits_the_overall_deadline(srv: Server) -> None:
    with pytest.raises(FetchError, match="timed out"):
        fetch_url(srv.url("/drip"), NetPolicy(allow_private=True, timeout=0.5))


def test_http_error_status(srv: Server) -> None:
    url = srv.url("/missing")
    with pytest.raises(FetchError, match=f"HTTP 404 from {url}"):
        fetch_url(url, OPEN)


def test_connection_refused_is_a_fetch_error() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(FetchError, match="could not fetch") as info:
        fetch_url(f"http://127.0.0.1:{port}/", OPEN)
    assert not isinstance(info.value, BlockedURL)


# --- HTTPS -------------------------------------------------------------------------------------


def test_https_with_operator_ca(
    tls_srv: Server, ca_file: str, fake_dns: dict[str, list[str]]
) -> None:
    """TLS verifies the hostname (SNI + certificate) although we connect to a checked IP."""
    fake_dns["site.example"] = ["127.0.0.1"]
    policy = NetPolicy(allowed_networks=("127.0.0.1/32",), ca_bundle=ca_file)
    fetched = fetch_url(tls_srv.url("/host", host="site.example"), policy)
    assert fetched.content == f"site.example:{tls_srv.port}".encode()
    assert fetched.url == tls_srv.url("/host", host="site.example")


def test_https_untrusted_ca_fails(tls_srv: Server, fake_dns: dict[str, list[str]]) -> None:
    fake_dns["site.example"] = ["127.0.0.1"]
    with pytest.raises(FetchError, match=r"CERTIFICATE_VERIFY_FAILED|certificate verify failed"):
        fetch_url(tls_srv.url("/host", host="site.example"), OPEN)
    assert tls_srv.seen == []


def test_https_wrong_hostname_fails(
    tls_srv: Server, ca_file: str, fake_dns: dict[str, list[str]]
) -> None:
    fake_dns["other.example"] = ["127.0.0.1"]
    policy = NetPolicy(allow_private=True, ca_bundle=ca_file)
    with pytest.raises(FetchError, match=r"match|mismatch"):
        fetch_url(tls_srv.url("/host", host="other.example"), policy)
    assert tls_srv.seen == []


# --- post_json ---------------------------------------------------------------------------------


def test_post_json_delivers_and_returns_status(srv: Server) -> None:
    status = post_json(srv.url("/hook"), b'{"event":"done"}', {"Webhook-Id": "msg_1"}, OPEN)
    assert status == 202
    [seen] = srv.seen
    assert (seen.method, seen.path, seen.body) == ("POST", "/hook", b'{"event":"done"}')
    assert seen.headers["content-type"] == "application/json"
    assert seen.headers["webhook-id"] == "msg_1"
    assert seen.headers["user-agent"] == OPEN.user_agent


def test_post_json_caller_content_type_wins(srv: Server) -> None:
    post_json(srv.url("/hook"), b"{}", {"content-type": "application/cloudevents+json"}, OPEN)
    assert srv.seen[0].headers["content-type"] == "application/cloudevents+json"


def test_post_json_does_not_follow_redirects(srv: Server) -> None:
    assert post_json(srv.url("/redirect?status=307&to=/hook"), b"{}", {}, OPEN) == 307
    assert [s.path for s in srv.seen] == ["/redirect?status=307&to=/hook"]


def test_post_json_timeout_and_refused(srv: Server) -> None:
    with pytest.raises(FetchError, match="timed out"):
        post_json(srv.url("/slow"), b"{}", {}, NetPolicy(allow_private=True, timeout=0.3))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(FetchError, match="could not fetch"):
        post_json(f"http://127.0.0.1:{port}/hook", b"{}", {}, OPEN)
