"""Which URLs and addresses contextd may contact on a user's behalf (the SSRF policy).

Users hand contextd URLs to fetch and webhook URLs to POST to; without a policy those would let
anyone make the server talk to its own loopback services, the cloud metadata endpoint or the
operator's private network. This module holds the rules; ``fetch`` applies them to every
connection it opens.

Two layers, on purpose:

* ``check_url`` validates a URL's text (scheme, userinfo, host) and, optionally, its DNS answers.
  It gives users an early, clear error, e.g. when a webhook is registered.
* ``resolve_checked`` is what the HTTP layer calls at connect time: it resolves the host once,
  checks every answer and returns only addresses that may be connected to. Checking the address
  actually connected to, rather than an earlier lookup, is what defeats DNS rebinding.

The URL is parsed with ``httpx.URL``, the same parser the request will use, so the host checked
here is the host httpx connects to (no parser differential). Numeric hosts follow the WHATWG URL
rules (``2130706433``, ``0x7f.1``, ``017700000001`` are IPv4 literals, as ``inet_aton`` would
read them) and are normalized to dotted quads.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from dataclasses import dataclass, field

from contextd.pipeline.types import BlockedURL

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network

# IANA special-purpose ranges that must never be reached from user input. ``is_global`` alone is
# not enough: depending on the Python release it calls multicast, NAT64 and 6to4 space global.
_BLOCKED_NETWORKS: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",  # "this network", incl. 0.0.0.0 which Linux routes to loopback
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata (169.254.169.254)
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",  # 6to4 relay anycast
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, incl. 255.255.255.255
        "::/128",
        "::1/128",
        "100::/64",  # discard-only
        "2001::/23",  # IETF protocol assignments, incl. Teredo
        "2001:db8::/32",
        "fc00::/7",  # unique local
        "fe80::/10",  # link-local
        "fec0::/10",  # deprecated site-local
        "ff00::/8",  # multicast
    )
)

# Cloud metadata and platform services: instance credentials, user data, the host agent.
# Refused whatever ``allow_private`` says: a fetch of one of these hands the instance's cloud
# credentials to whoever chose the URL. Only an ``allowed_networks`` entry inside one of these
# ranges (naming it, not a wider range that happens to contain it) lets one through.
_METADATA_NETWORKS: tuple[IPNetwork, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "169.254.0.0/16",  # link-local: AWS, GCP, Azure, OCI, DigitalOcean... (169.254.169.254)
        "100.100.100.200/32",  # Alibaba Cloud
        "168.63.129.16/32",  # Azure wireserver and host agent
        "192.0.0.192/32",  # Oracle Cloud (classic)
        "fd00:ec2::/64",  # AWS IMDS, DNS and time over IPv6 (fd00:ec2::254)
        "fe80::a9fe:a9fe/128",  # link-local IPv6 spelling of 169.254.169.254
    )
)
# Host names of metadata services (compared after lower-casing and dropping trailing dots).
_METADATA_NAMES = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
        "metadata.tencentyun.com",
        "metadata.platformequinix.com",
        "metadata.packet.net",
    }
)
# IPv4-compatible IPv6 (deprecated since 2006, never routed): refused altogether, since a stack
# that still honours it reaches the IPv4 address in the low bits. ``::`` and ``::1`` are the
# exceptions, judged as the unspecified and loopback addresses they are.
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_UNSPECIFIED_OR_LOOPBACK = ipaddress.IPv6Network("::/127")

# IPv6 prefixes that carry an IPv4 address in their low 32 bits (NAT64): judged by that address.
_NAT64_NETWORKS: tuple[ipaddress.IPv6Network, ...] = (
    ipaddress.IPv6Network("64:ff9b::/96"),
    ipaddress.IPv6Network("64:ff9b:1::/48"),
)

_HEX_PART = re.compile(r"0[xX][0-9a-fA-F]*")
_DEC_PART = re.compile(r"[0-9]+")


@dataclass(frozen=True)
class NetPolicy:
    """Outbound HTTP limits, set by the operator.

    ``allow_private`` turns the address checks off entirely (for a trusted single-user install
    that fetches from its own LAN). ``allowed_networks`` is the narrower switch: CIDRs that may be
    reached even though they are not public, e.g. one intranet wiki. ``blocked_networks`` are
    CIDRs refused in every case, even with ``allow_private``. Blocked wins over allowed.

    Cloud metadata addresses and names (``_METADATA_NETWORKS``, ``_METADATA_NAMES``) and
    IPv4-compatible IPv6 are refused whatever ``allow_private`` says; an ``allowed_networks``
    entry within a metadata range is the only way to let that range through.
    """

    allow_private: bool = False
    max_bytes: int = 20 * 1024 * 1024
    timeout: float = 20.0
    max_redirects: int = 5
    user_agent: str = "contextd/0.1 (+self-hosted)"
    ca_bundle: str | None = None  # extra CA file (PEM) trusted besides the system/certifi roots
    allowed_networks: tuple[str, ...] = ()
    blocked_networks: tuple[str, ...] = ()
    _allowed: tuple[IPNetwork, ...] = field(init=False, repr=False, compare=False)
    _blocked: tuple[IPNetwork, ...] = field(init=False, repr=False, compare=False)
    _allowed_metadata: tuple[IPNetwork, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # Parse once, and fail at startup on a typo rather than on the first fetch.
        allowed = _parse_networks(self.allowed_networks)
        object.__setattr__(self, "_allowed", allowed)
        object.__setattr__(self, "_blocked", _parse_networks(self.blocked_networks))
        named = tuple(
            net
            for net in allowed
            if any(net.version == m.version and net.subnet_of(m) for m in _METADATA_NETWORKS)  # type: ignore[arg-type]
        )
        object.__setattr__(self, "_allowed_metadata", named)

    def permits(self, ip: IPAddress) -> bool:
        """Whether a connection to ``ip`` is allowed under this policy."""
        candidates = _with_embedded_ipv4(ip)
        if any(_in_any(c, self._blocked) for c in candidates):
            return False
        if ip in _IPV4_COMPATIBLE and ip not in _UNSPECIFIED_OR_LOOPBACK:
            return False
        if any(
            _in_any(c, _METADATA_NETWORKS) and not _in_any(c, self._allowed_metadata)
            for c in candidates
        ):
            return False
        if self.allow_private:
            return True
        if all(_in_any(c, self._allowed) for c in candidates):
            return True
        return is_public_address(ip)

    @property
    def checks_addresses(self) -> bool:
        """False when ``check_url`` need not consult DNS up front: with ``allow_private`` only
        metadata addresses are refused, and the connect-time check (which always runs) refuses a
        name resolving to one."""
        return not self.allow_private or bool(self._blocked)

    def permits_name(self, host: str) -> bool:
        """Whether a host name (lower case, no trailing dot) may be looked up at all."""
        return host not in _METADATA_NAMES or bool(self._allowed_metadata)


def is_public_address(ip: IPAddress) -> bool:
    """True when ``ip`` is a globally routable unicast address (never loopback, private, etc.).

    IPv4-mapped (``::ffff:127.0.0.1``), 6to4 and NAT64 addresses are judged by the IPv4 address
    they embed, since that is where the packets may end up.
    """
    for candidate in _with_embedded_ipv4(ip):
        if _in_any(candidate, _BLOCKED_NETWORKS):
            return False
        if not candidate.is_global or candidate.is_multicast:
            return False
    return True


def is_metadata_address(ip: IPAddress) -> bool:
    """True when ``ip``, in any spelling that embeds an IPv4 address, is a metadata address."""
    return any(_in_any(c, _METADATA_NETWORKS) for c in _with_embedded_ipv4(ip))


def check_url(
    url: str, policy: NetPolicy, *, require_https: bool = False, resolve: bool = True
) -> str:
    """Validate a user-supplied URL and return it normalized, or raise ``BlockedURL``.

    With ``resolve`` the host's DNS answers are checked too; this is advisory (the answers may
    change before the request), the binding check happens again at connect time in ``fetch``.
    """
    import httpx  # here: a server start need not pay for it (bench/cold_start.py)

    try:
        parsed = httpx.URL(url.strip())
    except (httpx.InvalidURL, TypeError, ValueError) as exc:
        raise BlockedURL(f"invalid URL: {exc}") from exc

    allowed_schemes = ("https",) if require_https else ("http", "https")
    if parsed.scheme not in allowed_schemes:
        wanted = " or ".join(allowed_schemes)
        raise BlockedURL(f"URL scheme {parsed.scheme or '(none)'!r} is not allowed (use {wanted})")
    if parsed.userinfo:
        raise BlockedURL("URLs with credentials (user:password@) are not allowed")

    try:
        if parsed.port is not None and not 0 < parsed.port < 65536:
            raise BlockedURL(f"invalid port {parsed.port}")
        host = parsed.host.rstrip(".").lower()  # decodes IDNA, which can fail (xn--)
    except (httpx.InvalidURL, ValueError) as exc:  # idna.IDNAError is a ValueError
        raise BlockedURL(f"invalid URL: {exc}") from exc
    if not host:
        raise BlockedURL("URL has no host")

    literal = _parse_ip_literal(host)
    if literal is not None:
        host = literal.compressed
        parsed = parsed.copy_with(host=host)
    parsed = parsed.copy_with(fragment=None)

    if literal is not None:
        if not policy.permits(literal):
            metadata = is_metadata_address(literal)
            why = "cloud metadata" if metadata else "private, reserved or blocked"
            raise BlockedURL(f"address {literal} is not allowed ({why})")
    elif not policy.permits_name(host):
        raise BlockedURL(f"host {host!r} is not allowed (cloud metadata name)")
    elif _is_localhost_name(host) and not policy.allow_private:
        raise BlockedURL(f"host {host!r} is not allowed (local name)")
    elif resolve and policy.checks_addresses:
        resolve_checked(host, parsed.port or _default_port(parsed.scheme), policy)
    return str(parsed)


def resolve_checked(host: str, port: int, policy: NetPolicy) -> list[IPAddress]:
    """Resolve ``host`` once and return its addresses, refusing if any of them is not permitted.

    Every answer is checked, not only the first: an attacker's name may return a public and a
    private address, and the connection could go to either.
    """
    literal = _parse_ip_literal(host)
    if literal is None and not policy.permits_name(host.rstrip(".").lower()):
        raise BlockedURL(f"host {host!r} is not allowed (cloud metadata name)")
    addresses = [literal] if literal is not None else _resolve(host, port)
    for ip in addresses:
        if not policy.permits(ip):
            raise BlockedURL(f"host {host!r} resolves to {ip}, which is not allowed")
    return addresses


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    except (OSError, UnicodeError) as exc:
        raise BlockedURL(f"could not resolve host {host!r}: {exc}") from exc
    addresses: list[IPAddress] = []
    for _family, _type, _proto, _canon, sockaddr in infos:
        ip = _strip_zone(str(sockaddr[0]))
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise BlockedURL(f"could not resolve host {host!r}: no addresses")
    return addresses


def _parse_ip_literal(host: str) -> IPAddress | None:
    """The address a host names literally, or None for a DNS name.

    Follows the WHATWG rule: a host whose last label is numeric is an IPv4 address and must
    parse as one (decimal, octal ``0...`` or hex ``0x...`` parts, 1 to 4 of them).
    """
    if ":" in host:
        try:
            return _strip_zone(host)
        except ValueError as exc:
            raise BlockedURL(f"invalid IPv6 address {host!r}") from exc
    labels = host.rstrip(".").split(".")
    last = labels[-1]
    if not (_DEC_PART.fullmatch(last) or _HEX_PART.fullmatch(last)):
        return None
    value = _parse_loose_ipv4(labels)
    if value is None:
        raise BlockedURL(f"malformed numeric host {host!r}")
    return ipaddress.IPv4Address(value)


def _parse_loose_ipv4(labels: list[str]) -> int | None:
    if len(labels) > 4:
        return None
    numbers: list[int] = []
    for label in labels:
        if _HEX_PART.fullmatch(label):
            numbers.append(int(label[2:] or "0", 16))
        elif label.startswith("0") and len(label) > 1:
            if not _DEC_PART.fullmatch(label) or any(ch in "89" for ch in label):
                return None
            numbers.append(int(label, 8))
        elif _DEC_PART.fullmatch(label):
            numbers.append(int(label))
        else:
            return None
    *head, tail = numbers
    if any(n > 255 for n in head) or tail >= 256 ** (5 - len(numbers)):
        return None
    value = tail
    for i, n in enumerate(head):
        value += n << (8 * (3 - i))
    return value


def _strip_zone(text: str) -> IPAddress:
    """Parse an address, dropping an IPv6 zone (``fe80::1%eth0``): the zone does not change
    which range the address is in."""
    return ipaddress.ip_address(text.split("%", 1)[0])


def _with_embedded_ipv4(ip: IPAddress) -> tuple[IPAddress, ...]:
    if isinstance(ip, ipaddress.IPv4Address):
        return (ip,)
    embedded: list[IPAddress] = []
    if ip.ipv4_mapped is not None:
        embedded.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        embedded.append(ip.sixtofour)
    if any(ip in net for net in _NAT64_NETWORKS) or (
        ip in _IPV4_COMPATIBLE and ip not in _UNSPECIFIED_OR_LOOPBACK
    ):
        embedded.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    if ip.ipv4_mapped is not None:
        return tuple(embedded)  # ::ffff:a.b.c.d is exactly a.b.c.d on a dual-stack socket
    return (ip, *embedded)


def _in_any(ip: IPAddress, networks: tuple[IPNetwork, ...]) -> bool:
    return any(ip.version == net.version and ip in net for net in networks)


def _is_localhost_name(host: str) -> bool:
    return host == "localhost" or host.endswith(".localhost")


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


def _parse_networks(values: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    if isinstance(values, str):
        raise TypeError("network lists must be a tuple of CIDR strings, not one string")
    return tuple(ipaddress.ip_network(v, strict=False) for v in values)
