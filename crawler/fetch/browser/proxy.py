"""The browser's only way out: an HTTP proxy on 127.0.0.1 that opens a connection
only where the crawl's AddressPolicy allows.

Playwright's request routing sees what a page's documents ask for, not every
connection Chromium makes (WebSockets, popups, favicons, workers, preconnects,
pings, ...). Chromium is therefore launched with this proxy for everything,
loopback included (crawler/fetch/browser/handler.py), and with name resolution and non-proxied
UDP switched off, so that every TCP connection it makes is one the proxy opened
after asking the policy. The proxy connects to the very addresses the policy
judged (no second DNS lookup that could answer otherwise).

- `CONNECT host:port` (https, wss, and ws through a proxy): judged as an endpoint
  (an origin of either scheme on that host and port allows it), then tunnelled.
- `GET http://host:port/path` (plain http): judged as that URL, forwarded with
  `Connection: close` both ways, so one proxy connection carries one request to
  one server.
- Refused: `403` with the reason, counted as `browser/proxy/refused`.

The browser's own traffic (update checks, sign-in, autofill: Chromium calls them
whatever the flags say) is not let out: the browser-wide proxy is one that refuses
everything, pages get this one through their context, and the few browser
services a page's context still calls (BROWSER_SERVICES) are refused here too.

A user's HTTP proxy (`http_proxy` / `https_proxy` in the environment, as Scrapy's
HttpProxyMiddleware reads them, `no_proxy` respected) stays in the path: the
connection is judged first, then opened through that proxy, which resolves the
name itself (as Scrapy's own requests through it do).

Bounds: a request head of at most 64 KiB, read within 30 s; connections close
with the crawl (`close()`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import urllib.request
from collections.abc import Callable
from urllib.parse import urlsplit

from crawler.fetch.security import AddressPolicy

logger = logging.getLogger(__name__)

MAX_HEAD = 64 * 1024
HEAD_TIMEOUT = 30.0
CONNECT_TIMEOUT = 30.0
CHUNK = 64 * 1024
HALF_CLOSED_WAIT = 10.0  # seconds an answer may still take once the client has finished
# Hop-by-hop headers the proxy does not pass on (it sets its own Connection).
# Chromium's own services that a page's context still calls (autofill on a page
# with a form, update checks, sign-in): no page needs them, and nobody named them.
BROWSER_SERVICES = re.compile(
    r"(^|\.)(content-autofill|update|safebrowsing|clientservices|[a-z0-9-]+-pa)\.googleapis\.com$"
    r"|(^|\.)(accounts|clients\d*|android\.clients|tools)\.google\.com$|(^|\.)gvt[12]\.com$", re.I)
HOP_BY_HOP = frozenset({b"connection", b"proxy-connection", b"keep-alive", b"proxy-authorization",
                        b"proxy-authenticate", b"te", b"trailer", b"upgrade"})


class ProxyRefusal(Exception):
    def __init__(self, status: int, reason: str):
        super().__init__(reason)
        self.status = status
        self.reason = reason


class PolicyProxy:
    """`await start()` gives the proxy's URL; `await close()` ends it and every tunnel."""

    def __init__(self, policy: Callable[[], AddressPolicy | None] | None, stats=None,
                 upstream: dict[str, str] | None = None):
        # Called per connection: the crawl's policy (None from it: no address rule).
        # No callable at all: a proxy that refuses every connection (the browser's own traffic).
        self._policy = policy
        self.stats = stats
        # The user's proxies by scheme ({"http": "http://proxy:3128", ...}); None: the environment's.
        self._upstream = urllib.request.getproxies() if upstream is None else upstream
        self._server: asyncio.AbstractServer | None = None
        self._tasks: set[asyncio.Task] = set()

    async def start(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, limit=MAX_HEAD)
        host, port = self._server.sockets[0].getsockname()[:2]
        role = "the browser's own connections (all refused)" if self._policy is None else "pages' connections"
        logger.info("browser proxy for %s on %s:%d", role, host, port)
        return f"http://{host}:{port}"

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            self._server = None
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    # --- one client connection ------------------------------------------------------

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        self._tasks.add(task)
        upstream: asyncio.StreamWriter | None = None
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), HEAD_TIMEOUT)
            method, target, version, headers = parse_head(head)
            if method == b"CONNECT":
                host, port = authority(target)
                up_reader, upstream = await self._open(host, port, scheme=None,
                                                      what=f"CONNECT {target.decode('latin-1')}")
                via = self._upstream_for("https", host)
                if via:
                    await tunnel_through(up_reader, upstream, target, via)
                writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            else:
                url = target.decode("latin-1")
                parts = urlsplit(url)
                if parts.scheme.lower() != "http" or not parts.hostname:
                    raise ProxyRefusal(400, f"not an absolute http URL: {url[:200]}")
                up_reader, upstream = await self._open(parts.hostname, parts.port or 80, scheme="http", what=url)
                path = parts.path or "/"
                if parts.query:
                    path += "?" + parts.query
                if self._upstream_for("http", parts.hostname):
                    path = url  # a proxy is asked for the absolute URL
                upstream.write(forwarded_head(method, path.encode("latin-1"), version, headers))
                await upstream.drain()
                # The answer's head says "close" too, so the browser never sends a request
                # for another server down this connection.
                try:
                    answer_head = await asyncio.wait_for(up_reader.readuntil(b"\r\n\r\n"), HEAD_TIMEOUT)
                except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError) as exc:
                    raise ProxyRefusal(502, f"{url}: no answer head from the server ({type(exc).__name__})")
                writer.write(closing_head(answer_head))
            await pipe_both(reader, writer, up_reader, upstream)
        except ProxyRefusal as exc:
            self._count("browser/proxy/refused" if exc.status == 403 else f"browser/proxy/{exc.status}")
            log = logger.info if exc.status == 403 and self._policy is not None else logger.debug
            log("browser connection refused (%d): %s", exc.status, exc.reason)
            await answer(writer, exc.status, exc.reason)
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError, ValueError):
            await answer(writer, 400, "bad proxy request")
        except (ConnectionError, OSError) as exc:
            logger.debug("browser proxy connection ended: %s", exc)
        finally:
            for w in (upstream, writer):
                if w is not None:
                    w.close()
            self._tasks.discard(task)

    async def _open(self, host: str, port: int, scheme: str | None, what) -> tuple:
        """Judge host:port, then connect to the addresses judged (never to a fresh lookup)."""
        if self._policy is None:
            self._count("browser/proxy/refused/browser_own")
            raise ProxyRefusal(403, f"{what}: the browser's own traffic is not let out")
        if BROWSER_SERVICES.search(host.rstrip(".")):
            self._count("browser/proxy/refused/browser_own")
            raise ProxyRefusal(403, f"{what}: a service of the browser itself, not a page's")
        policy = self._policy()
        addresses: list[str] = []
        if policy is not None:
            # The check may resolve a name: off the event loop.
            reason, addresses = await asyncio.get_running_loop().run_in_executor(
                None, policy.vet, host, port, scheme)
            if reason:
                raise ProxyRefusal(403, f"{what}: {reason}")
        self._count("browser/proxy/connections")
        via = self._upstream_for("https" if scheme is None else scheme, host)
        if via:  # the user's proxy: it connects (and resolves the name) for us
            up = urlsplit(via)
            addresses, host, port = [], up.hostname or "", up.port or 80
        last: Exception | None = None
        for address in addresses or [host]:
            try:
                return await asyncio.wait_for(asyncio.open_connection(address, port, limit=CHUNK), CONNECT_TIMEOUT)
            except (OSError, asyncio.TimeoutError) as exc:
                last = exc
        raise ProxyRefusal(502, f"cannot connect to {host}:{port}: {last}")

    def _upstream_for(self, scheme: str, host: str) -> str | None:
        """The user's proxy for a connection to `host`, or None (direct, or bypassed by no_proxy)."""
        via = self._upstream.get(scheme)
        if not via or urllib.request.proxy_bypass_environment(host, self._upstream):
            return None
        return via

    def _count(self, key: str) -> None:
        if self.stats is not None:
            self.stats.inc_value(key)


async def tunnel_through(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                         target: bytes, via: str) -> None:
    """Ask the user's proxy (already connected) for a tunnel to `target` (host:port)."""
    writer.write(b"CONNECT " + target + b" HTTP/1.1\r\nHost: " + target + b"\r\n\r\n")
    await writer.drain()
    try:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), HEAD_TIMEOUT)
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, asyncio.TimeoutError) as exc:
        raise ProxyRefusal(502, f"proxy {via}: no answer to CONNECT ({type(exc).__name__})")
    status = head.split(b" ", 2)[1:2]
    if status != [b"200"]:
        raise ProxyRefusal(502, f"proxy {via} refused the tunnel: {head.splitlines()[0].decode('latin-1')}")


def parse_head(head: bytes) -> tuple[bytes, bytes, bytes, list[tuple[bytes, bytes]]]:
    lines = head[:-4].split(b"\r\n")
    method, target, version = lines[0].split(b" ", 2)
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(b":")
        if not sep:
            raise ValueError("malformed header line")
        headers.append((name.strip(), value.strip()))
    return method.upper(), target, version, headers


def authority(target: bytes) -> tuple[str, int]:
    """host and port of a CONNECT target ("host:443", "[::1]:443")."""
    text = target.decode("latin-1")
    host, sep, port = text.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"CONNECT target without a port: {text[:200]}")
    return host.strip("[]"), int(port)


def forwarded_head(method: bytes, path: bytes, version: bytes, headers: list[tuple[bytes, bytes]]) -> bytes:
    kept = [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP]
    lines = [b" ".join((method, path, version))] + [k + b": " + v for k, v in kept] + [b"Connection: close"]
    return b"\r\n".join(lines) + b"\r\n\r\n"


def closing_head(head: bytes) -> bytes:
    """A response head with its hop-by-hop headers replaced by `Connection: close`."""
    lines = head[:-4].split(b"\r\n")
    kept = [line for line in lines[1:] if line.partition(b":")[0].strip().lower() not in HOP_BY_HOP]
    return b"\r\n".join([lines[0], *kept, b"Connection: close", b"Proxy-Connection: close"]) + b"\r\n\r\n"


async def answer(writer: asyncio.StreamWriter, status: int, reason: str) -> None:
    body = (reason + "\n").encode("utf-8", "replace")
    title = {400: "Bad Request", 403: "Forbidden", 502: "Bad Gateway"}.get(status, "Error")
    writer.write(f"HTTP/1.1 {status} {title}\r\nContent-Type: text/plain; charset=utf-8\r\n"
                 f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode() + body)
    with contextlib.suppress(ConnectionError, OSError):
        await writer.drain()


async def pipe_both(client_r, client_w, up_r, up_w) -> None:
    """Copy both ways until either side is done, then close both."""
    async def copy(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await src.read(CHUNK):
                dst.write(data)
                await dst.drain()
            if dst.can_write_eof():
                dst.write_eof()

    await client_w.drain()
    up = asyncio.ensure_future(copy(client_r, up_w))
    down = asyncio.ensure_future(copy(up_r, client_w))
    try:
        await asyncio.wait([up, down], return_when=asyncio.FIRST_COMPLETED)
        if not down.done():  # the client is done sending: give the answer a moment to end
            await asyncio.wait([down], timeout=HALF_CLOSED_WAIT)
    finally:
        for task in (up, down):
            task.cancel()
        await asyncio.gather(up, down, return_exceptions=True)
