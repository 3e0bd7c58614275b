"""Raw client input at every place it reaches code that could raise: each hostile request gets
a clear 4xx in the documented error body (or, where the input is odd but legal, a 2xx), never
a 500. And an error that is not the client's fault is logged once, briefly.

Requests are written as raw bytes on a socket, so headers, paths and query strings reach the
server exactly as a hostile client sends them (no client-side encoding or validation).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from contextd.api.routers import system
from tests.support.errors import assert_error
from tests.support.service import Client, Service, raw_request

SIG = "0" * 64  # well-formed, never the right one
LONG = 5000  # digits: more than Python's int() accepts from a string by default


@dataclass(frozen=True)
class Raw:
    """One request as bytes. `{space}` in the target is filled in; `auth` adds the user's key."""

    why: str
    method: str
    target: str
    statuses: tuple[int, ...]
    headers: tuple[bytes, ...] = ()
    body: bytes = b""
    auth: bool = True
    contains: str | None = None
    parser: bool = False  # refused by uvicorn's HTTP parser (plain text), before the app


@dataclass
class Env:
    service: Service
    client: Client
    space: str


def build(case: Raw, env: Env) -> bytes:
    lines = [f"{case.method} {case.target.format(space=env.space)} HTTP/1.1".encode(), b"Host: t"]
    if case.auth:
        lines.append(f"Authorization: Bearer {env.client.key}".encode())
    lines.extend(case.headers)
    if not any(h.lower().startswith(b"content-length:") for h in case.headers):
        lines.append(b"Content-Length: %d" % len(case.body))
    lines.append(b"Connection: close")
    return b"\r\n".join(lines) + b"\r\n\r\n" + case.body


def js(value: Any) -> bytes:
    return json.dumps(value).encode()


JSON = b"Content-Type: application/json"
TEXT = b"Content-Type: text/plain"
PUT = "/uploads/uploads/u/k/a.txt"  # shaped like a real key, never signed
OK_Q = f"expires=9999999999&size=3&signature={SIG}"
SOURCES = "/v1/spaces/{space}/sources"
SEARCH = "/v1/spaces/{space}/search"


def put(query: str, *, path: str = PUT, headers: tuple[bytes, ...] = (TEXT,), **kw: Any) -> Raw:
    statuses = kw.pop("statuses", (403,))
    return Raw(kw.pop("why"), "PUT", f"{path}?{query}", statuses, headers, b"abc", False, **kw)


UPLOAD_PUT = [
    put("expires=1&size=1&signature=%C3%A9", why="signature: non-ASCII", contains="signature"),
    put("expires=1&size=1&signature=%FF%FE", why="signature: invalid UTF-8"),
    put("expires=1&size=1&signature=", why="signature: empty"),
    put("expires=1&size=1&signature=" + "%F0%9F%92%A5" * 16, why="signature: emoji"),
    put("expires=1&size=1&signature=" + "G" * 64, why="signature: 64 non-hex"),
    put("expires=1&size=1&signature=" + "A" * 64, why="signature: upper-case hex"),
    put("expires=1&size=1&signature=" + "0" * 63 + "%00", why="signature: NUL", statuses=(400,)),
    put("expires=1&size=1", why="signature: absent", statuses=(400,)),
    put("expires=1&size=1&signature=" + "a" * 10_000, why="signature: 10k", statuses=(400,)),
    put("expires=1&size=1&signature=a&signature=b", why="signature: twice"),
    put(f"expires=abc&size=3&signature={SIG}", why="expires: not a number", statuses=(400,)),
    put(f"expires=1.5&size=3&signature={SIG}", why="expires: fraction", statuses=(400,)),
    put(f"expires=-1&size=3&signature={SIG}", why="expires: negative"),
    put(f"expires={10**30}&size=3&signature={SIG}", why="expires: 10^30"),
    put(f"expires={'9' * LONG}&size=3&signature={SIG}", why="expires: 5000 digits",
        statuses=(400, 403)),
    put(f"expires=%EF%BC%91&size=3&signature={SIG}", why="expires: full-width digit",
        statuses=(400, 403)),
    put(f"size=3&signature={SIG}", why="expires: absent", statuses=(400,)),
    put(f"expires=9999999999&size=abc&signature={SIG}", why="size: not a number",
        statuses=(400,)),
    put(f"expires=9999999999&size=0&signature={SIG}", why="size: zero", statuses=(400,)),
    put(f"expires=9999999999&size=-5&signature={SIG}", why="size: negative", statuses=(400,)),
    put(f"expires=9999999999&size={10**30}&signature={SIG}", why="size: 10^30"),
    put(f"expires=9999999999&size={'9' * LONG}&signature={SIG}", why="size: 5000 digits",
        statuses=(400, 403)),
    put(OK_Q, path="/uploads/%C3%A9%F0%9F%92%A5", why="key: unicode"),
    put(OK_Q, path="/uploads/%FF%FE%FD", why="key: invalid UTF-8"),
    put(OK_Q, path="/uploads/a%0D%0AX-Evil:%201", why="key: CRLF", statuses=(403, 404)),
    put(OK_Q, path="/uploads/a%00b", why="key: NUL", statuses=(404,)),
    put(OK_Q, path="/uploads/" + "k" * 10_000, why="key: 10k characters"),
    put(OK_Q, path="/uploads/%2e%2e/%2e%2e/x", why="key: encoded dot-dot", statuses=(403, 404)),
    put(OK_Q, headers=(b"Content-Type: text/\xff\xfe",), why="content type: invalid UTF-8"),
    put(OK_Q, headers=(b"Content-Type: " + "é".encode(),), why="content type: non-ASCII"),
    put(OK_Q, headers=(b"Content-Type: " + b"x" * 10_000,), why="content type: 10k"),
    put(OK_Q, headers=(), why="content type: absent"),
]  # fmt: skip

HEADERS = [
    Raw("Authorization: invalid UTF-8", "GET", "/v1/spaces", (401,),
        (b"Authorization: Bearer \xff\xfe\xfd",), auth=False),
    Raw("Authorization: non-ASCII key", "GET", "/v1/spaces", (401,),
        (b"Authorization: Bearer " + "clé_💥".encode(),), auth=False),
    Raw("Authorization: 8k key", "GET", "/v1/spaces", (401,),
        (b"Authorization: Bearer " + b"k" * 8000,), auth=False),
    Raw("Authorization: Basic", "GET", "/v1/spaces", (401,),
        (b"Authorization: Basic dXNlcjpwYXNz",), auth=False),
    Raw("Authorization: Bearer alone", "GET", "/v1/spaces", (401,),
        (b"Authorization: Bearer",), auth=False),
    Raw("Authorization: tab separated", "GET", "/v1/spaces", (401,),
        (b"Authorization: Bearer\tx",), auth=False),
    Raw("Content-Length: 30 digits", "POST", "/v1/spaces", (400,),
        (JSON, b"Content-Length: " + b"9" * 30), parser=True),
    Raw("Content-Length: 5000 digits", "POST", "/v1/spaces", (400,),
        (JSON, b"Content-Length: " + b"9" * LONG), parser=True),
    Raw("Content-Length: superscript digit", "POST", "/v1/spaces", (400,),
        (JSON, "Content-Length: ²".encode()), parser=True),
    Raw("Content-Length: 19 digits", "POST", "/v1/spaces", (413,),
        (JSON, b"Content-Length: " + b"9" * 19)),
    Raw("Content-Type: invalid UTF-8", "POST", "/v1/spaces", (415,),
        (b"Content-Type: application/\xff",), js({"name": "x"})),
    Raw("Content-Type: JSON with an odd charset", "POST", "/v1/spaces", (201, 400, 415),
        (b"Content-Type: application/json; charset=\xff\xfe",), js({"name": "x"})),
    Raw("Content-Type: 8k long", "POST", "/v1/spaces", (415,),
        (b"Content-Type: " + b"a" * 8000,), js({"name": "x"})),
    Raw("X-Request-Id: invalid UTF-8", "GET", "/v1/nope", (404,),
        (b"X-Request-Id: \xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8",)),
    Raw("Accept: invalid UTF-8", "GET", "/v1/nope", (404,), (b"Accept: \xff\xfe",)),
]  # fmt: skip

PRESIGN = [
    Raw(f"presign: {why}", "POST", "/v1/upload/s3", statuses, (JSON,), body)
    for why, statuses, body in [
        ("NUL in the filename", (200, 400),
         js({"filename": "a\x00b", "contentType": "text/plain", "size": 1})),
        ("lone surrogate in the filename", (400,),
         b'{"filename": "a\\ud800", "contentType": "text/plain", "size": 1}'),
        ("right-to-left override in the filename", (200,),
         js({"filename": "\u202etxt.exe", "contentType": "text/plain", "size": 1})),
        ("non-ASCII content type", (400,),
         js({"filename": "a", "contentType": "text/plaïn", "size": 1})),
        ("NUL in the content type", (400,),
         js({"filename": "a", "contentType": "text/pl\x00ain", "size": 1})),
        ("size 10^30", (400,), js({"filename": "a", "contentType": "text/plain", "size": 10**30})),
        ("size as a 5000-digit string", (400,),
         js({"filename": "a", "contentType": "text/plain", "size": "9" * LONG})),
    ]
]  # fmt: skip


def _postback(url: str) -> bytes:
    return js({"type": "CONTENT", "initial_data": {"data": "hello"},
               "instructions": {"postback_url": url}})  # fmt: skip


POSTBACKS = [
    Raw(f"postback_url: {why}", "POST", SOURCES, (400,), (JSON,), _postback(url))
    for why, url in [
        ("NUL in the host", "https://exa\x00mple.com/"),
        ("unclosed IPv6 bracket", "https://[::1/hook"),
        ("bad IPv6 literal", "https://[zz::1]/hook"),
        ("port out of range", "https://example.com:99999/hook"),
        ("port not a number", "https://example.com:abc/hook"),
        ("empty label", "https://a..b/hook"),
        ("300-character label", "https://" + "a" * 300 + ".com/"),
        ("invalid punycode", "https://xn--/hook"),
        ("unicode dots", "https://127\u30020\u30020\u30021/hook"),
        ("full-width digits", "https://\uff11\uff12\uff17.0.0.1/hook"),
        ("lone surrogate escape", "https://a\udc80.com/"),
        ("only a scheme", "https://"),
        ("100k characters", "https://example.com/" + "p" * 100_000),
    ]
]  # fmt: skip


URI_SOURCES = [
    Raw(f"URI source: {why}", "POST", SOURCES, (400,), (JSON,),
        js({"type": "URI", "initial_data": {"url": url}, "instructions": {}}))
    for why, url in [
        ("invalid punycode", "https://xn--/page"),
        ("unclosed IPv6 bracket", "http://[::1/page"),
        ("NUL in the host", "http://a\x00b.example/"),
        ("port out of range", "http://example.com:70000/"),
        ("cloud metadata name", "http://metadata.google.internal/computeMetadata/v1/"),
        ("IPv4-compatible IPv6", "http://[::a9fe:a9fe]/"),
    ]
]  # fmt: skip

READS = [
    Raw(f"read: {why}", "GET", target, statuses)
    for why, statuses, target in [
        ("file key with invalid UTF-8", (404,), "/v1/files/uploads/%FF%FE/x"),
        ("file key with unicode", (404,), "/v1/files/uploads/%F0%9F%92%A5"),
        ("artifact language filter with invalid UTF-8", (200, 400),
         "/v1/spaces/{space}/artifacts?language=%FF"),
        ("collection filter with emoji", (200, 400), SOURCES + "?collectionId=%F0%9F%92%A5"),
        ("source id with invalid UTF-8", (404,), "/v1/sources/%FF%FE"),
        ("space id with CRLF", (404,), "/v1/spaces/a%0D%0Ab"),
    ]
]  # fmt: skip


def _search(query: Any, **extra: Any) -> bytes:
    return js({"query": query, **extra})


SEARCHES = [
    Raw(f"search: {why}", "POST", SEARCH, statuses, (JSON,), body)
    for why, statuses, body in [
        ("NUL in the query", (400,), _search("a\x00b")),
        ("lone surrogate", (400,), b'{"query": "a\\udc00b"}'),
        ("FTS syntax: a quote", (200,), _search('"')),
        ("FTS syntax: operators only", (200,), _search("AND OR NOT NEAR")),
        ("FTS syntax: star and parentheses", (200,), _search("*) (^ -:")),
        ("FTS syntax: column filter", (200,), _search("content: x {a b}")),
        ("tsquery syntax", (200,), _search("a & !b | c:* <-> d")),
        ("combining marks only", (200,), _search("\u0301\u0301\u0301")),
        ("zero-width and bidi characters", (200,), _search("\u200b\u202e\ufeff")),
        ("emoji", (200,), _search("💥🔥")),
        ("private-use and unassigned", (200,), _search("\ue000\U0010ffff")),
        ("2000 characters of one letter", (200,), _search("a" * 2000)),
        ("NUL in a language filter", (400,), _search("x", filters={"languages": ["p\x00y"]})),
        ("NUL in a collection filter", (400,), _search("x", filters={"collectionId": "\x00"})),
        ("a date without a timezone", (200, 400),
         _search("x", filters={"after": "2020-01-01T00:00:00"})),
        ("the year 99999", (400,), _search("x", filters={"after": "99999-01-01T00:00:00Z"})),
        ("year 1 east of UTC", (400,),
         _search("x", filters={"before": "0001-01-01T00:00:00+01:00"})),
        ("year 9999 west of UTC", (400,),
         _search("x", filters={"after": "9999-12-31T23:59:59-01:00"})),
        ("a time as a number (seconds since 1970?)", (400,), _search("x", filters={"before": 0})),
        ("a time as milliseconds", (400,), _search("x", filters={"after": 1.7e12})),
        ("top_k 10^30", (400,), _search("x", top_k=10**30)),
    ]
]  # fmt: skip

PAGING = [
    Raw(f"paging: {why}", "GET", f"{SOURCES}?{query}", statuses)
    for why, statuses, query in [
        ("page in Arabic digits", (200, 400), "page=%D9%A1"),
        ("page in full-width digits", (200, 400), "page=%EF%BC%91"),
        ("page 5000 digits", (400,), "page=" + "9" * LONG),
        ("page empty", (400,), "page="),
        ("page with spaces", (200, 400), "page=%201%20"),
        ("page 1e3", (400,), "page=1e3"),
        ("per_page invalid UTF-8", (400,), "per_page=%FF"),
        ("page twice", (200, 400), "page=1&page=abc"),
        ("invalid UTF-8 filter value", (200, 400), "collectionId=%FF%FE"),
        ("unknown parameter with odd bytes", (200, 400), "%FF=%FE"),
        ("a query string of 8000 bytes", (200, 400), "x=" + "y" * 8000),
    ]
]  # fmt: skip

KEYS = [
    Raw(f"api key: {why}", "POST", "/v1/api-keys", (400,), (JSON,), js(body))
    for why, body in [
        ("expiry in year 9999 west of UTC", {"expiration_date": "9999-12-31T23:59:59-01:00"}),
        ("expiry as seconds since 1970", {"expiration_date": 4102444800}),
        ("expiry with a 24-hour offset", {"expiration_date": "2999-01-01T00:00:00+24:00"}),
        ("NUL in the name", {"name": "k\x00"}),
    ]
]

CASES = UPLOAD_PUT + HEADERS + PRESIGN + POSTBACKS + URI_SOURCES + SEARCHES + PAGING + KEYS + READS


@pytest.fixture(scope="module")
def env(service: Service) -> Iterator[Env]:
    with service.client("hostile") as c:
        space = c.space("hostile")
        done = c.wait(
            c.source(space["id"], {"type": "CONTENT", "initial_data": {"data": "User: hello"}})[
                "id"
            ]
        )
        assert done["status"] == "COMPLETED"
        yield Env(service, c, space["id"])


@pytest.mark.parametrize("case", [pytest.param(c, id=c.why) for c in CASES])
def test_hostile_input_gets_a_clear_answer_never_a_500(case: Raw, env: Env) -> None:
    response = raw_request(env.service, build(case, env), timeout=30)
    assert response.status_code in case.statuses, (response.status_code, response.text[:500])
    if response.status_code >= 400 and not case.parser:
        assert_error(response, response.status_code, contains=case.contains)


# --- an unexpected error: one short record, the documented 500 body -----------------------------


class Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@pytest.fixture
def records() -> Iterator[Records]:
    """Every record the server writes: the root logger (contextd's loggers propagate there) and
    uvicorn's, which does not propagate."""
    handler = Records()
    loggers = [logging.getLogger(), logging.getLogger("uvicorn.error")]
    for logger in loggers:
        logger.addHandler(handler)
    yield handler
    for logger in loggers:
        logger.removeHandler(handler)


def _boom() -> bytes:
    raise RuntimeError("metrics exploded\nFAKE LOG LINE")


@pytest.mark.parametrize("debug", [False, True], ids=["info", "debug"])
def test_an_unexpected_error_is_one_short_record_and_the_documented_500(
    debug: bool, env: Env, records: Records, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(system, "generate_latest", _boom)
    api_log = logging.getLogger("contextd.api")
    before = api_log.level
    api_log.setLevel(logging.DEBUG if debug else logging.INFO)  # clears the isEnabledFor cache
    try:
        response = httpx.get(f"{env.service.url}/metrics", timeout=30)
    finally:
        api_log.setLevel(before)
    body = assert_error(response, 500, contains="unexpected")
    assert body["requestId"].startswith("req_")

    errors = [r for r in records.records if r.levelno >= logging.WARNING]
    assert len(errors) == 1, [r.getMessage() for r in errors]
    (record,) = errors
    line = record.getMessage()
    assert record.name == "contextd.api"
    for part in ("RuntimeError", "metrics exploded", "GET /metrics", body["requestId"]):
        assert part in line, line
    assert "test_hostile_params.py:" in line and "in _boom" in line, line  # the innermost frame
    assert "\n" not in line and len(line) < 400, line
    if debug:
        assert record.exc_info is not None and record.exc_info[1] is not None
    else:
        assert record.exc_info is None
