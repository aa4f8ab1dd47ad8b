"""Which network addresses a crawl may reach.

Links found on crawled pages (and redirects, and names that resolve there) must
not turn the crawler against its own network: loopback, private, link-local,
unique-local and cloud metadata addresses are refused unless the user allowed
them. Start URLs the user gave explicitly count as allowed.

The check is pure: the resolver is passed in, so tests exercise every range
with a stub and never send a packet to one.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

# Networks a crawler of public news sites never needs to reach.
BLOCKED_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
    "192.0.0.0/24", "192.168.0.0/16", "198.18.0.0/15", "224.0.0.0/4", "240.0.0.0/4",
    "::/128", "::1/128", "fc00::/7", "fe80::/10", "ff00::/8", "::ffff:0:0/96",
))
ALLOWED_SCHEMES = frozenset({"http", "https"})

Resolver = Callable[[str], list[str]]


def system_resolver(host: str) -> list[str]:
    """All addresses `host` resolves to (A and AAAA), via the system resolver."""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError, OSError):
        return []
    return sorted({info[4][0] for info in infos})


# IPv6 prefixes that carry an IPv4 address in their low bits (NAT64, 6to4 aside):
# the embedded address decides.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_LEGACY_IPV4 = re.compile(r"^(?:0x[0-9a-f]+|[0-9]+)(?:\.(?:0x[0-9a-f]+|[0-9]+)){0,3}$", re.I)
# Names that mean this machine whatever a resolver says (RFC 6761).
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")


def blocked_reason(address: str) -> str | None:
    """Why an IP address is not for crawling, or None when it is public."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return f"not an IP address: {address!r}"
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = ip.ipv4_mapped or ip.sixtofour
        if embedded is None and ip in _NAT64:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        if embedded is not None:
            inner = blocked_reason(str(embedded))
            return f"{address} embeds {inner}" if inner else None
    for net in BLOCKED_NETWORKS:
        if ip in net:
            return f"{address} is in {net} (loopback, private, link-local or reserved)"
    if not ip.is_global:  # whatever the list above misses (documentation, benchmarking...)
        return f"{address} is not a global address"
    return None


def literal_address(host: str) -> str | None:
    """The IP address a host names without DNS: "127.0.0.1", "::1", and the
    legacy IPv4 spellings every resolver accepts ("127.1", "0x7f000001", "2130706433")."""
    try:
        return str(ipaddress.ip_address(host.split("%")[0]))
    except ValueError:
        pass
    if _LEGACY_IPV4.match(host):
        try:
            return socket.inet_ntoa(socket.inet_aton(host))
        except OSError:
            return None
    return None


def normalise_host(host: str) -> str:
    """Lower case, no brackets, no trailing dot; IP addresses in their canonical form."""
    host = host.strip().strip("[]").rstrip(".").lower()
    return literal_address(host) or host


@dataclass
class AddressPolicy:
    """The rule one crawl follows; `allowed_hosts` and `allowed_networks` are the user's exceptions."""

    allowed_hosts: set[str] = field(default_factory=set)
    allowed_networks: list = field(default_factory=list)
    resolver: Resolver = system_resolver
    # Exact URLs of other schemes that the user typed (a file:// start URL, `scrapy shell FILE`);
    # the same scheme found on a crawled page is still refused.
    allowed_urls: set[str] = field(default_factory=set)

    @classmethod
    def from_lists(cls, hosts: Iterable[str] = (), networks: Iterable[str] = (),
                   resolver: Resolver = system_resolver) -> AddressPolicy:
        return cls({normalise_host(h) for h in hosts if h and h.strip()},
                   [ipaddress.ip_network(n, strict=False) for n in networks if n], resolver)

    def allow_url(self, url: str) -> None:
        """Explicitly allow what a URL the user gave names (a start URL): its host, or,
        for a scheme that is not fetched from hosts (file://), that exact URL."""
        parts = urlsplit(url)
        if parts.scheme.lower() not in ALLOWED_SCHEMES:
            self.allowed_urls.add(url)
            return
        host = normalise_host(parts.hostname or "")
        if host:
            self.allowed_hosts.add(host)

    def needs_resolver(self, url: str) -> bool:
        """Whether `refusal(url)` would ask the resolver (DNS: slow, so callers
        may run it off the event loop)."""
        if url in self.allowed_urls:
            return False
        try:
            host = normalise_host(urlsplit(url).hostname or "")
        except ValueError:
            return False
        return bool(host) and host not in self.allowed_hosts and literal_address(host) is None \
            and not _is_local_name(host)

    def refusal(self, url: str) -> str | None:
        """Why `url` may not be fetched, or None when it may."""
        if url in self.allowed_urls:
            return None
        try:
            parts = urlsplit(url)
            host = normalise_host(parts.hostname or "")
        except ValueError as exc:
            return f"malformed URL: {exc}"
        if parts.scheme.lower() not in ALLOWED_SCHEMES:
            return f"scheme {parts.scheme!r} is not fetched"
        if not host:
            return "URL has no host"
        if host in self.allowed_hosts:
            return None
        literal = literal_address(host)
        if literal is not None:
            addresses = [literal]
        elif _is_local_name(host):
            return f"{host} names this machine (loopback)"
        else:
            addresses = self.resolver(host)
            if not addresses:
                return None  # unresolvable: the download fails on its own, nothing is reached
        for address in addresses:
            if self._allowed_address(address):
                continue
            reason = blocked_reason(address)
            if reason:
                return f"{host} -> {reason}" if address != host else reason
        return None

    def _allowed_address(self, address: str) -> bool:
        if normalise_host(address) in self.allowed_hosts:
            return True
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
