"""Which network addresses a crawl may reach.

Links found on crawled pages (and redirects, and names that resolve there) must
not turn the crawler against its own network: loopback, private, link-local,
unique-local, deprecated site-local and cloud metadata addresses are refused
unless the user allowed them. An IPv6 address that carries an IPv4 address
(mapped, compatible, translated, NAT64, 6to4; Teredo and ISATAP) is judged by
that IPv4 address. A start URL the user gave allows its origin (scheme, host,
port), not every port of its host; the user may allow more (a host on any
port, host:port, networks).

The check is pure: the resolver is passed in, so tests exercise every range
with a stub and never send a packet to one.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import unquote, urlsplit

# Networks a crawler of public news sites never needs to reach (IPv4, and the
# IPv6 ranges that are not global unicast or are deprecated local ranges).
BLOCKED_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4",
    "::/128", "::1/128", "fc00::/7", "fe80::/10", "fec0::/10", "ff00::/8", "100::/64",
    "2001:db8::/32", "3fff::/20", "5f00::/16",
))
# Public IPv6 unicast is 2000::/3; anything else is local, reserved or deprecated
# (unless it only wraps an IPv4 address, see _embedded_ipv4).
GLOBAL_UNICAST_V6 = ipaddress.ip_network("2000::/3")
ALLOWED_SCHEMES = frozenset({"http", "https"})
DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
# A WebSocket reaches the same server as the http(s) URL of its origin.
SCHEME_FAMILY = {"ws": "http", "wss": "https"}

Resolver = Callable[[str], list[str]]


def system_resolver(host: str) -> list[str]:
    """All addresses `host` resolves to (A and AAAA), via the system resolver."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError):
        return []
    return sorted({info[4][0] for info in infos})


# IPv6 forms that stand for an IPv4 address: whoever connects to them reaches
# (or is translated to) the IPv4 address in their low 32 bits.
_V4_MAPPED = ipaddress.ip_network("::ffff:0:0/96")  # IPv4-mapped
_V4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")  # SIIT, RFC 2765
_V4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated IPv4-compatible (::127.0.0.2)
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))  # RFC 6052, 8215
_TEREDO = ipaddress.ip_network("2001::/32")
_LEGACY_IPV4 = re.compile(r"^(?:0x[0-9a-f]+|[0-9]+)(?:\.(?:0x[0-9a-f]+|[0-9]+)){0,3}$", re.I)
# Names that mean this machine whatever a resolver says (RFC 6761).
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> tuple[list[ipaddress.IPv4Address], bool]:
    """The IPv4 addresses an IPv6 address carries, and whether the IPv6 address
    merely stands for them (then they alone decide; otherwise they can only refuse)."""
    def v4(value: int) -> ipaddress.IPv4Address:
        return ipaddress.IPv4Address(value & 0xFFFFFFFF)

    n = int(ip)
    if ip in _V4_MAPPED or ip in _V4_TRANSLATED or ip in _V4_COMPATIBLE:
        return [v4(n)], True
    if ip in _NAT64[0]:
        return [v4(n)], True
    if ip in _NAT64[1]:
        # Local-use NAT64 may place the address at bits 48..87 (a /48 prefix, RFC 6052
        # 2.2) or in the low 32 bits (a /96 inside it): both placements are judged.
        split = v4(((n >> 64) & 0xFFFF) << 16 | ((n >> 40) & 0xFFFF))
        return [v4(n), split], True
    if ip.sixtofour is not None:
        return [ip.sixtofour], True
    if ip in _TEREDO and ip.teredo is not None:
        return list(ip.teredo), False
    if (n >> 32) & 0xFDFFFFFF == 0x00005EFE:  # ISATAP interface identifier
        return [v4(n)], False
    return [], False


def blocked_reason(address: str) -> str | None:
    """Why an IP address is not for crawling, or None when it is public."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return f"not an IP address: {address!r}"
    for net in BLOCKED_NETWORKS:
        if ip.version == net.version and ip in net:
            return f"{address} is in {net} (loopback, private, link-local or reserved)"
    if isinstance(ip, ipaddress.IPv6Address):
        embedded, decides = _embedded_ipv4(ip)
        for inner in embedded:
            reason = blocked_reason(str(inner))
            if reason:
                return f"{address} embeds {reason}"
        if embedded and decides:
            return None
    if ip.version == 6 and ip not in GLOBAL_UNICAST_V6:
        return f"{address} is not in {GLOBAL_UNICAST_V6} (not a public unicast address)"
    if not ip.is_global:  # whatever the list above misses (documentation, benchmarking...)
        return f"{address} is not a global address"
    return None


def literal_address(host: str) -> str | None:
    """The IP address a host names without DNS: "127.0.0.1", "::1", and the
    legacy IPv4 spellings every resolver accepts ("127.1", "0x7f000001", "2130706433").
    An IPv4-mapped IPv6 address is the IPv4 address (a dual-stack socket reaches it)."""
    try:
        ip = ipaddress.ip_address(host.split("%")[0])
        return str(getattr(ip, "ipv4_mapped", None) or ip)
    except ValueError:
        pass
    if _LEGACY_IPV4.match(host):
        try:
            return socket.inet_ntoa(socket.inet_aton(host))
        except OSError:
            return None
    return None


def normalise_host(host: str) -> str:
    """Lower case, percent-decoded (as browsers read a host), no brackets, no
    trailing dot; IP addresses in their canonical form."""
    host = unquote(host).strip().strip("[]").rstrip(".").lower()
    return literal_address(host) or host


# (scheme, host, port): what a start URL allows. ws/wss count as http/https.
Origin = tuple[str, str, int]


def origin_of(url: str) -> Origin | None:
    """The origin of a URL, with the scheme's default port made explicit; None when it has no host."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = normalise_host(parts.hostname or "")
    if not host:
        return None
    port = parts.port or DEFAULT_PORTS.get(scheme)
    return SCHEME_FAMILY.get(scheme, scheme), host, port


def parse_host_entry(entry: str) -> tuple[str, int | None]:
    """A user's allowed-host entry: "host" (any port), "host:port", "[v6]:port" or a bare IPv6 address."""
    entry = entry.strip()
    if "://" in entry:
        origin = origin_of(entry)
        return (origin[1], origin[2]) if origin else ("", None)
    if literal_address(entry.strip("[]")) is not None and not entry.startswith("["):
        return normalise_host(entry), None  # "::1", "127.0.0.1": no port
    host, sep, port = entry.rpartition(":")
    if sep and port.isdigit() and (not host.count(":") or host.endswith("]")):
        return normalise_host(host), int(port)
    return normalise_host(entry), None


@dataclass
class AddressPolicy:
    """The rule one crawl follows. The user's exceptions: `allowed_hosts` (any port),
    `allowed_endpoints` ((host, port) pairs), `allowed_networks`; and the origins of
    the start URLs (`allowed_origins`: their scheme, host and port only)."""

    allowed_hosts: set[str] = field(default_factory=set)
    allowed_networks: list = field(default_factory=list)
    resolver: Resolver = system_resolver
    allowed_endpoints: set[tuple[str, int]] = field(default_factory=set)
    allowed_origins: set[Origin] = field(default_factory=set)
    # Exact URLs of other schemes that the user typed (a file:// start URL, `scrapy shell FILE`);
    # the same scheme found on a crawled page is still refused.
    allowed_urls: set[str] = field(default_factory=set)

    @classmethod
    def from_lists(cls, hosts: Iterable[str] = (), networks: Iterable[str] = (),
                   resolver: Resolver = system_resolver) -> AddressPolicy:
        policy = cls(set(), [ipaddress.ip_network(n, strict=False) for n in networks if n], resolver)
        for entry in hosts:
            policy.allow_host(entry)
        return policy

    def allow_host(self, entry: str) -> None:
        """Allow a host the user named: on any port, or on one ("host:port")."""
        if not entry or not entry.strip():
            return
        host, port = parse_host_entry(entry)
        if host and port is None:
            self.allowed_hosts.add(host)
        elif host:
            self.allowed_endpoints.add((host, port))

    def allow_url(self, url: str) -> None:
        """Allow what a URL the user gave names (a start URL): its origin (scheme, host and
        port), or, for a scheme that is not fetched from hosts (file://), that exact URL."""
        if urlsplit(url).scheme.lower() not in ALLOWED_SCHEMES:
            self.allowed_urls.add(url)
            return
        try:
            origin = origin_of(url)
        except ValueError:
            return
        if origin:
            self.allowed_origins.add(origin)

    def describe(self) -> str:
        origins = sorted(f"{s}://{h}:{p}" for s, h, p in self.allowed_origins)
        endpoints = sorted(f"{h}:{p}" for h, p in self.allowed_endpoints)
        return (f"origins {origins}, hosts {sorted(self.allowed_hosts) + endpoints}, "
                f"networks {[str(n) for n in self.allowed_networks]}")

    def needs_resolver(self, url: str) -> bool:
        """Whether `refusal(url)` would ask the resolver (DNS: slow, so callers
        may run it off the event loop)."""
        if url in self.allowed_urls:
            return False
        try:
            origin = origin_of(url)
        except ValueError:
            return False
        if origin is None:
            return False
        scheme, host, port = origin
        return not self._allowed(scheme, host, port) and literal_address(host) is None \
            and not _is_local_name(host)

    def refusal(self, url: str) -> str | None:
        """Why `url` may not be fetched, or None when it may."""
        if url in self.allowed_urls:
            return None
        try:
            scheme = urlsplit(url).scheme.lower()
            origin = origin_of(url)
        except ValueError as exc:
            return f"malformed URL: {exc}"
        if scheme not in ALLOWED_SCHEMES:
            return f"scheme {scheme!r} is not fetched"
        if origin is None:
            return "URL has no host"
        return self.endpoint_refusal(origin[1], origin[2], origin[0])

    def endpoint_refusal(self, host: str, port: int, scheme: str | None = None) -> str | None:
        """Why a connection to host:port may not be opened, or None when it may.
        `scheme` None (a tunnel, whose scheme is unknown) matches an origin of any scheme."""
        return self.vet(host, port, scheme)[0]

    def vet(self, host: str, port: int, scheme: str | None = None) -> tuple[str | None, list[str]]:
        """(why host:port is refused or None, the addresses that were judged).

        Whoever connects after a vet should connect to those addresses, not resolve
        the name again (a second answer could differ). An empty list with no
        refusal: connect by name (a name the user allowed, or one that does not resolve)."""
        host = normalise_host(host)
        if not host:
            return "no host", []
        literal = literal_address(host)
        if self._allowed(scheme, host, port):
            return None, [literal] if literal else []
        if literal is not None:
            addresses = [literal]
        elif _is_local_name(host):
            return f"{host} names this machine (loopback)", []
        else:
            addresses = self.resolver(host)
            if not addresses:
                return None, []  # unresolvable: the download fails on its own, nothing is reached
        for address in addresses:
            if self._allowed(scheme, normalise_host(address), port) or self._in_allowed_network(address):
                continue
            reason = blocked_reason(address)
            if reason:
                where = f"{reason} (allowed there: only the start URLs' origins)" if self._origin_host(address) \
                    else reason
                return (f"{host} -> {where}" if address != host else where), []
        return None, list(addresses)

    def _allowed(self, scheme: str | None, host: str, port: int | None) -> bool:
        if host in self.allowed_hosts or (host, port) in self.allowed_endpoints:
            return True
        if scheme is None:
            return any(h == host and p == port for _, h, p in self.allowed_origins)
        return (scheme, host, port) in self.allowed_origins

    def _origin_host(self, address: str) -> bool:
        address = normalise_host(address)
        return any(h == address for _, h, _ in self.allowed_origins)

    def _in_allowed_network(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address.split("%")[0])
        except ValueError:
            return False
        return any(ip in net for net in self.allowed_networks if ip.version == net.version)


def _is_local_name(host: str) -> bool:
    return host in _LOCAL_NAMES or host.endswith(".localhost")


def caching_resolver(resolver: Resolver, max_entries: int = 4096) -> Resolver:
    """`resolver` with a bounded cache: one lookup per host and crawl (the
    crawler asks about the same few hosts again and again)."""
    cache: dict[str, list[str]] = {}

    def resolve(host: str) -> list[str]:
        if host not in cache:
            if len(cache) >= max_entries:
                cache.pop(next(iter(cache)))
            cache[host] = list(resolver(host))
        return cache[host]

    return resolve
