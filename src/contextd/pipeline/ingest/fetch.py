"""Outbound HTTP for URI sources and webhook postbacks, behind the SSRF policy of ``netpolicy``.

Why our own guard rather than ``httpx-secure``: that package (2.0.0) wraps ``httpx.AsyncClient``
only, while the pipeline stages and the webhook sender are synchronous; and its on/off decision
is a per-host callback with a DNS cache, whereas contextd needs the operator's ``allow_private``
switch, allow/deny CIDR lists and one place that decides. The guard is small enough to own:

* A custom httpcore ``NetworkBackend`` does the one DNS lookup of each connection, checks every
  answer against the policy, then opens the TCP socket to one of those checked addresses. httpcore
  still performs TLS with the original hostname as SNI and verifies the certificate for it, and
  the Host header is untouched, so virtual hosting and HTTPS work while a rebinding DNS server
  gets no second chance to answer differently.
* Redirects are followed by hand so each hop's URL is re-validated (scheme, userinfo, numeric
  hosts) before its connection, which the backend then checks again by address.
* Environment proxies and ``.netrc`` are ignored (``trust_env=False``): a proxy would make the
  connect-time check judge the proxy's address instead of the target's.

``fetch_url`` and ``post_json`` share ``_guarded_client`` and ``_network_errors``.
"""

from __future__ import annotations

import contextlib
import functools
import ssl
import time
from collections.abc import Iterable, Iterator
from email.message import Message
from typing import Any

import httpcore
import httpx

from contextd.pipeline.ingest.netpolicy import NetPolicy, check_url, resolve_checked
from contextd.pipeline.types import BlockedURL, Fetched, FetchError

_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_ACCEPT = "text/html,application/xhtml+xml,application/pdf,text/*;q=0.9,*/*;q=0.8"


def fetch_url(url: str, policy: NetPolicy) -> Fetched:
    """GET ``url`` under ``policy`` and return its body, following at most
    ``policy.max_redirects`` redirects.

    ``policy.timeout`` bounds the whole fetch (every hop and the body), not only each socket
    operation, so a server that trickles bytes cannot hold a worker for long.
    """
    deadline = _Deadline(policy.timeout)
    current = check_url(url, policy, resolve=False)
    with _guarded_client(policy) as client:
        for _hop in range(policy.max_redirects + 1):
            with _network_errors(current, policy):
                request = client.build_request(
                    "GET", current, headers={"Accept": _ACCEPT}, timeout=deadline.remaining()
                )
                response = client.send(request, stream=True)
                try:
                    location = response.headers.get("location")
                    if response.status_code in _REDIRECTS and location:
                        current = _redirect_target(response.url, location, policy)
                        continue
                    if not 200 <= response.status_code < 300:
                        raise FetchError(f"HTTP {response.status_code} from {current}")
                    content = _read_limited(response, policy, deadline)
                    return _to_fetched(response, content)
                finally:
                    response.close()
    raise FetchError(f"too many redirects (more than {policy.max_redirects}) from {url}")


def post_json(url: str, body: bytes, headers: dict[str, str], policy: NetPolicy) -> int:
    """POST ``body`` to a webhook URL under ``policy`` and return the HTTP status.

    Redirects are not followed (a 3xx is returned as is): a webhook receiver has no reason to
    redirect, and following would re-send the body somewhere the user never named. The response
    body is not read, so a hostile receiver cannot make us buffer anything.
    """
    deadline = _Deadline(policy.timeout)
    target = check_url(url, policy, resolve=False)
    merged = httpx.Headers({"Content-Type": "application/json"})
    merged.update(headers)  # case-insensitive: the caller's Content-Type replaces ours
    with _guarded_client(policy) as client, _network_errors(target, policy):
        request = client.build_request(
            "POST", target, content=body, headers=merged, timeout=deadline.remaining()
        )
        response = client.send(request, stream=True)
        response.close()
    return response.status_code


class _GuardedBackend(httpcore.NetworkBackend):
    """Opens TCP connections only to addresses the policy permits (checked after resolving)."""

    def __init__(self, policy: NetPolicy) -> None:
        self._policy = policy
        self._inner = httpcore.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        addresses = resolve_checked(host, port, self._policy)  # raises BlockedURL
        error: Exception | None = None
        for ip in addresses:
            try:
                # An address literal: the inner backend connects without resolving again.
                return self._inner.connect_tcp(
                    ip.compressed, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None  # resolve_checked never returns an empty list
        raise error

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        raise BlockedURL("unix sockets are not allowed")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class _GuardedTransport(httpx.HTTPTransport):
    """httpx's transport with its connection pool rebuilt on the guarded backend.

    httpx 0.28 has no public way to pass a network backend, so the pool is replaced after
    ``HTTPTransport.__init__``; the request/response and exception mapping stay httpx's own.
    The tests would fail loudly if a future httpx stopped using ``_pool``.
    """

    def __init__(self, policy: NetPolicy) -> None:
        context = _ssl_context(policy.ca_bundle)
        super().__init__(verify=context, trust_env=False)
        self._pool = httpcore.ConnectionPool(
            ssl_context=context,
            network_backend=_GuardedBackend(policy),
            max_connections=10,
            max_keepalive_connections=5,
        )


def _guarded_client(policy: NetPolicy) -> httpx.Client:
    return httpx.Client(
        transport=_GuardedTransport(policy),
        follow_redirects=False,
        trust_env=False,
        timeout=policy.timeout,
        headers={"User-Agent": policy.user_agent},
    )


@functools.lru_cache(maxsize=8)
def _ssl_context(ca_bundle: str | None) -> ssl.SSLContext:
    """The default roots (``SSL_CERT_FILE``/``SSL_CERT_DIR`` or certifi) plus the operator's CA.

    Cached: loading the roots costs tens of milliseconds, and contexts are safe to share.
    """
    context = httpx.create_ssl_context()
    if ca_bundle:
        try:
            context.load_verify_locations(cafile=ca_bundle)
        except (OSError, ssl.SSLError) as exc:
            raise FetchError(f"could not load CA bundle {ca_bundle}: {exc}") from exc
    return context


@contextlib.contextmanager
def _network_errors(url: str, policy: NetPolicy) -> Iterator[None]:
    """Turn httpx's exceptions into the pipeline's, with the URL in the message."""
    try:
        yield
    except httpx.TimeoutException as exc:
        raise FetchError(f"timed out after {policy.timeout:g} s fetching {url}") from exc
    except httpx.InvalidURL as exc:
        raise BlockedURL(f"invalid URL {url}: {exc}") from exc
    except httpx.HTTPError as exc:  # connect, TLS, protocol and decoding errors
        raise FetchError(f"could not fetch {url}: {exc or type(exc).__name__}") from exc


class _Deadline:
    """One time budget for a whole request, redirects and body included."""

    def __init__(self, seconds: float) -> None:
        self._seconds = seconds
        self._end = time.monotonic() + seconds

    def remaining(self) -> float:
        left = self._end - time.monotonic()
        if left <= 0:
            raise httpx.TimeoutException(f"over the {self._seconds:g} s budget")
        return left


def _redirect_target(base: httpx.URL, location: str, policy: NetPolicy) -> str:
    try:
        target = base.join(location)
    except httpx.InvalidURL as exc:
        raise FetchError(f"bad redirect location {location!r} from {base}") from exc
    return check_url(str(target), policy, resolve=False)


def _read_limited(response: httpx.Response, policy: NetPolicy, deadline: _Deadline) -> bytes:
    """Read the (decoded) body, refusing past ``max_bytes`` before buffering more."""
    too_large = FetchError(f"response larger than {policy.max_bytes} bytes")
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > policy.max_bytes:
        raise too_large
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        size += len(chunk)
        if size > policy.max_bytes:
            raise too_large
        chunks.append(chunk)
        deadline.remaining()
    return b"".join(chunks)


def _to_fetched(response: httpx.Response, content: bytes) -> Fetched:
    media_type, charset = _content_type(response.headers.get("content-type"))
    return Fetched(
        content=content,
        content_type=media_type,
        filename=_filename(response),
        url=str(response.url),
        charset=charset,
    )


def _content_type(value: str | None) -> tuple[str | None, str | None]:
    """Media type (lower-case, no parameters) and charset of a Content-Type header."""
    if not value:
        return None, None
    media_type = value.split(";", 1)[0].strip().lower()
    header = Message()
    header["content-type"] = value
    charset = header.get_content_charset()
    return (media_type if "/" in media_type else None), charset


def _filename(response: httpx.Response) -> str | None:
    """Content-Disposition's filename (RFC 6266/2231 forms), else the URL path's last segment."""
    disposition = response.headers.get("content-disposition")
    if disposition:
        header = Message()
        header["content-disposition"] = disposition
        name = _safe_name(header.get_filename())
        if name:
            return name
    return _safe_name(response.url.path.rsplit("/", 1)[-1])


def _safe_name(name: str | None) -> str | None:
    """Drop any directory part a server put in a name: it is a label, never a path."""
    if not name:
        return None
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return None if name in ("", ".", "..") else name
