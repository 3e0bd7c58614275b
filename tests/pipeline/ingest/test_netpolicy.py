"""The SSRF policy on its own: URL text, address ranges and DNS answers (no connections made).

DNS is faked for every test, so nothing here leaves the machine: unknown names fail to resolve
instead of reaching a real resolver.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from contextd.pipeline.ingest import NetPolicy, check_url, is_public_address, resolve_checked
from contextd.pipeline.types import BlockedURL

PUBLIC_IP = "93.184.215.14"  # only ever returned by the fake resolver, never connected to

_real_getaddrinfo = socket.getaddrinfo


@pytest.fixture(autouse=True)
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[str]]]:
    """A resolver table; names not in it fail like NXDOMAIN, and literals resolve numerically."""
    table: dict[str, list[str]] = {"localhost": ["127.0.0.1", "::1"]}

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        kwargs["flags"] = kwargs.get("flags", 0) | socket.AI_NUMERICHOST
        if name in table:
            return [_real_getaddrinfo(ip, port, *args, **kwargs)[0] for ip in table[name]]
        return _real_getaddrinfo(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    yield table


BLOCKED_BY_DEFAULT = [
    "http://127.0.0.1/",
    "http://127.8.9.10:8080/x",
    "http://localhost/",
    "http://LOCALHOST./",
    "http://api.localhost/",
    "http://[::1]/",
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.1/",
    "http://192.168.1.1/",
    "http://172.16.0.1/",
    "http://172.31.255.255/",
    "http://100.64.0.1/",
    "http://0.0.0.0/",
    "http://0/",
    "http://2130706433/",  # decimal 127.0.0.1
    "http://0x7f.1/",  # hex + short form
    "http://0x7f000001/",
    "http://017700000001/",  # octal
    "http://127.1/",
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped IPv6
    "http://[::ffff:a9fe:a9fe]/",  # mapped 169.254.169.254
    "http://[64:ff9b::7f00:1]/",  # NAT64 of 127.0.0.1
    "http://[2002:7f00:1::]/",  # 6to4 of 127.0.0.1
    "http://[fe80::1%25eth0]/",
    "http://[fd00::1]/",
    "http://[::]/",
    "http://224.0.0.1/",
    "http://239.255.255.250/",
    "http://240.0.0.1/",
    "http://255.255.255.255/",
    "http://198.18.0.1/",
]


@pytest.mark.parametrize("url", BLOCKED_BY_DEFAULT)
def test_private_and_local_targets_are_blocked(url: str) -> None:
    with pytest.raises(BlockedURL, match="not allowed"):
        check_url(url, NetPolicy())


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("file:///etc/passwd", "scheme 'file'"),
        ("ftp://example.com/x", "scheme 'ftp'"),
        ("gopher://example.com:70/_", "scheme 'gopher'"),
        ("javascript:alert(1)", "scheme 'javascript'"),
        ("data:text/plain,hi", "scheme 'data'"),
        ("//example.com/x", "scheme"),
        ("http://user:pass@example.com/", "credentials"),
        ("http://user@example.com/", "credentials"),
        ("http://:@example.com/", "credentials"),
        ("http://example.com\\@127.0.0.1/", "credentials"),
        ("http:///path", "no host"),
        ("http://", "no host"),
        ("http://1.2.3.4.5/", "malformed numeric host"),
        ("http://256.1/x", "invalid URL|malformed"),
        ("http://0177.0.0.1/", "invalid URL"),  # httpx refuses zero-padded dotted quads
        ("http://0x1g.1/", "malformed|invalid"),
        ("http://example.com:99999/", "invalid port"),
        ("http://exa mple.com/", "could not resolve"),
        ("https://xn--/", "invalid URL"),  # IDNA decoding fails (was an uncaught IDNAError)
        ("https://xn--a.com/", "invalid URL"),
    ],
)
def test_malformed_or_unsafe_urls_are_blocked(url: str, reason: str) -> None:
    with pytest.raises(BlockedURL, match=reason):
        check_url(url, NetPolicy())


def test_allow_private_keeps_scheme_host_and_userinfo_checks() -> None:
    policy = NetPolicy(allow_private=True)
    assert check_url("http://127.0.0.1:8080/x", policy) == "http://127.0.0.1:8080/x"
    assert check_url("http://localhost/", policy) == "http://localhost/"
    assert check_url("http://0x7f.1/", policy) == "http://127.0.0.1/"
    for url in ("file:///etc/passwd", "http://u:p@127.0.0.1/", "http:///x"):
        with pytest.raises(BlockedURL):
            check_url(url, policy)


def test_public_urls_are_normalized(fake_dns: dict[str, list[str]]) -> None:
    fake_dns["example.com"] = [PUBLIC_IP]
    policy = NetPolicy()
    assert (
        check_url("HTTPS://Example.COM:8443/a?b=1#frag", policy) == "https://example.com:8443/a?b=1"
    )
    assert check_url("  http://example.com  ", policy) == "http://example.com"
    assert check_url("http://0x5db8d70e/", policy) == f"http://{PUBLIC_IP}/"


def test_require_https() -> None:
    policy = NetPolicy()
    with pytest.raises(BlockedURL, match="use https"):
        check_url(f"http://{PUBLIC_IP}/hook", policy, require_https=True)
    assert check_url(f"https://{PUBLIC_IP}/hook", policy, require_https=True)


# Cloud metadata, in every spelling: refused even with allow_private (which opens loopback and
# the LAN), unless the operator names the metadata range in allowed_networks.
METADATA_EVEN_WITH_ALLOW_PRIVATE = [
    "http://169.254.169.254/latest/meta-data/",
    "http://169.254.169.254./",
    "http://2852039166/",  # decimal
    "http://0xa9fea9fe/",  # hex
    "http://0xa9.0xfe.0xa9.0xfe/",  # dotted hex
    "http://0251.0376.0251.0376/",  # dotted octal (httpx refuses it outright)
    "http://025177524776/",  # octal
    "http://169.254.43518/",  # short form
    "http://[::ffff:169.254.169.254]/",  # IPv4-mapped
    "http://[::ffff:a9fe:a9fe]/",
    "http://[::a9fe:a9fe]/",  # IPv4-compatible
    "http://[::169.254.169.254]/",
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64
    "http://[64:ff9b:1::a9fe:a9fe]/",  # local-use NAT64
    "http://[2002:a9fe:a9fe::]/",  # 6to4
    "http://169.254.170.2/v2/credentials",  # AWS ECS task credentials
    "http://[fd00:ec2::254]/latest/meta-data/",  # AWS IMDS over IPv6
    "http://[fe80::a9fe:a9fe%25eth0]/",
    "http://100.100.100.200/latest/meta-data/",  # Alibaba
    "http://168.63.129.16/machine?comp=goalstate",  # Azure wireserver
    "http://192.0.0.192/",  # Oracle classic
    "http://metadata.google.internal/computeMetadata/v1/",
    "http://METADATA.Google.Internal./",
    "http://metadata.google.internal../",
    "http://metadata/",
    "http://metadata.goog/",
    "http://instance-data/latest/",
    "http://instance-data.ec2.internal./",
    "http://metadata.tencentyun.com/",
]


@pytest.mark.parametrize("url", METADATA_EVEN_WITH_ALLOW_PRIVATE)
def test_cloud_metadata_is_refused_even_with_allow_private(url: str) -> None:
    for policy in (
        NetPolicy(allow_private=True),
        NetPolicy(allow_private=True, allowed_networks=("0.0.0.0/0", "::/0")),  # not a name
        NetPolicy(allowed_networks=("100.64.0.0/10", "fd00::/8", "169.0.0.0/8")),  # wider ranges
    ):
        with pytest.raises(BlockedURL, match=r"not allowed|invalid URL"):
            check_url(url, policy)


def test_names_resolving_to_metadata_are_refused_with_allow_private(
    fake_dns: dict[str, list[str]],
) -> None:
    fake_dns["imds.example"] = ["169.254.169.254"]
    fake_dns["v6imds.example"] = ["fd00:ec2::254"]
    fake_dns["mapped.example"] = ["::ffff:169.254.169.254"]
    fake_dns["lan.example"] = ["10.0.0.5"]
    policy = NetPolicy(allow_private=True)
    for host in ("imds.example", "v6imds.example", "mapped.example"):
        with pytest.raises(BlockedURL, match="resolves to"):
            resolve_checked(host, 80, policy)  # what every connection goes through
    assert resolve_checked("lan.example", 80, policy) == [ipaddress.ip_address("10.0.0.5")]
    with pytest.raises(BlockedURL, match="metadata name"):
        resolve_checked("metadata.google.internal.", 80, policy)


def test_ipv4_compatible_ipv6_is_refused_altogether() -> None:
    """``::/96`` embeds an IPv4 address that some stacks still reach: never allowed, whatever
    the policy; ``::1`` and ``::`` keep the loopback rules."""
    for policy in (NetPolicy(allow_private=True), NetPolicy(allowed_networks=("::/96",))):
        for url in ("http://[::a00:1]/", "http://[::8.8.8.8]/", "http://[::7f00:1]/"):
            with pytest.raises(BlockedURL, match="not allowed"):
                check_url(url, policy)
    assert check_url("http://[::1]/", NetPolicy(allow_private=True)) == "http://[::1]/"


def test_an_operator_can_name_a_metadata_address(fake_dns: dict[str, list[str]]) -> None:
    fake_dns["metadata.google.internal"] = ["169.254.169.254"]
    for policy in (
        NetPolicy(allowed_networks=("169.254.169.254/32",)),
        NetPolicy(allow_private=True, allowed_networks=("169.254.169.254/32",)),
    ):
        assert check_url("http://169.254.169.254/x", policy) == "http://169.254.169.254/x"
        assert check_url("http://2852039166/", policy) == "http://169.254.169.254/"
        assert check_url("http://metadata.google.internal/", policy)
        assert resolve_checked("metadata.google.internal", 80, policy)
        for other in ("http://100.100.100.200/", "http://169.254.170.2/"):  # only what is named
            with pytest.raises(BlockedURL, match="cloud metadata"):
                check_url(other, policy)
    alibaba = NetPolicy(allow_private=True, allowed_networks=("100.100.100.200/32",))
    assert check_url("http://100.100.100.200/latest/", alibaba)
    blocked_wins = NetPolicy(
        allowed_networks=("169.254.169.254/32",), blocked_networks=("169.254.0.0/16",)
    )
    with pytest.raises(BlockedURL):
        check_url("http://169.254.169.254/", blocked_wins)


def test_names_are_judged_by_their_dns_answers(fake_dns: dict[str, list[str]]) -> None:
    fake_dns["intranet.example"] = ["10.1.2.3"]
    fake_dns["metadata.example"] = ["169.254.169.254"]
    fake_dns["mixed.example"] = [PUBLIC_IP, "127.0.0.1"]  # every answer counts
    fake_dns["v6.example"] = ["::1"]
    for host in ("intranet.example", "metadata.example", "mixed.example", "v6.example"):
        with pytest.raises(BlockedURL, match="resolves to"):
            check_url(f"https://{host}/", NetPolicy())
        check_url(f"https://{host}/", NetPolicy(), resolve=False)  # text alone is fine


def test_unresolvable_host_is_blocked() -> None:
    with pytest.raises(BlockedURL, match="could not resolve host"):
        check_url("https://no-such-host.invalid/", NetPolicy())
    with pytest.raises(BlockedURL, match="could not resolve host"):
        resolve_checked("no-such-host.invalid", 443, NetPolicy())


def test_allowed_networks_open_only_those_ranges(fake_dns: dict[str, list[str]]) -> None:
    fake_dns["wiki.internal"] = ["10.1.2.3"]
    policy = NetPolicy(allowed_networks=("10.1.2.0/24", "127.0.0.2/32"))
    assert check_url("http://wiki.internal/", policy) == "http://wiki.internal/"
    assert check_url("http://127.0.0.2:81/", policy) == "http://127.0.0.2:81/"
    for url in ("http://10.1.3.1/", "http://127.0.0.1/", "http://169.254.169.254/"):
        with pytest.raises(BlockedURL):
            check_url(url, policy)
    with pytest.raises(BlockedURL, match="local name"):
        check_url("http://localhost/", policy)  # the name rule is separate from the ranges


def test_blocked_networks_win_even_with_allow_private(fake_dns: dict[str, list[str]]) -> None:
    fake_dns["meta.example"] = ["169.254.169.254"]
    policy = NetPolicy(allow_private=True, blocked_networks=("169.254.0.0/16",))
    assert check_url("http://10.0.0.1/", policy)
    with pytest.raises(BlockedURL):
        check_url("http://169.254.169.254/", policy)
    with pytest.raises(BlockedURL, match="resolves to"):
        check_url("http://meta.example/", policy)
    public_blocked = NetPolicy(blocked_networks=(f"{PUBLIC_IP}/32",))
    with pytest.raises(BlockedURL):
        check_url(f"http://{PUBLIC_IP}/", public_blocked)


def test_bad_network_config_fails_at_construction() -> None:
    with pytest.raises(ValueError):
        NetPolicy(allowed_networks=("not-a-cidr",))
    with pytest.raises(TypeError):
        NetPolicy(blocked_networks="10.0.0.0/8")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("8.8.8.8", True),
        (PUBLIC_IP, True),
        ("2606:4700:4700::1111", True),
        ("127.0.0.1", False),
        ("10.255.0.1", False),
        ("100.127.255.254", False),
        ("169.254.169.254", False),
        ("0.0.0.0", False),
        ("192.0.2.1", False),
        ("224.0.1.1", False),
        ("::1", False),
        ("::", False),
        ("::ffff:10.0.0.1", False),
        ("::ffff:8.8.8.8", True),
        ("64:ff9b::a9fe:a9fe", False),
        ("2002:a00:1::", False),
        ("fe80::1", False),
        ("fc00::1", False),
        ("ff02::1", False),
    ],
)
def test_is_public_address(address: str, public: bool) -> None:
    assert is_public_address(ipaddress.ip_address(address)) is public
