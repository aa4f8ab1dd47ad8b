"""A fault-injecting HTTP server on 127.0.0.x, written on raw asyncio streams so
it can misbehave the way real servers do: stall, trickle, reset the
connection, send fewer bytes than Content-Length, answer storms of 5xx, loop
redirects, serve gzip bombs and bodies that never end.

Each path gets a behaviour (an async function of the connection); the server
records what it was asked (`hits[path]`, `hit_times[path]`) and how many body
bytes it managed to send (`sent[path]`), so tests can prove the crawler
stopped reading early or never asked at all. Every behaviour ends on its own
within `max_seconds`: nothing here can hang a test.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import struct
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

Behaviour = Callable[["Conn"], Awaitable[None]]


@dataclass
class Conn:
    server: "FaultServer"
    path: str
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter

    async def send_head(self, status: int = 200, headers: dict[str, str] | None = None,
                        reason: str = "X") -> None:
        lines = [f"HTTP/1.1 {status} {reason}"]
        for k, v in (headers or {}).items():
            lines.append(f"{k}: {v}")
        self.writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1"))
        await self.writer.drain()

    async def send_body(self, data: bytes) -> None:
        self.writer.write(data)
        await self.writer.drain()
        self.server.sent[self.path] += len(data)

    def reset(self) -> None:
        """Close with a TCP RST (SO_LINGER 0), not a clean FIN."""
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.writer.transport.abort()


# --- behaviours ------------------------------------------------------------------

def page(body: bytes | str, status: int = 200, headers: dict[str, str] | None = None) -> Behaviour:
    data = body.encode("utf-8") if isinstance(body, str) else body
    hdrs = {"Content-Type": "text/html; charset=utf-8"} if headers is None else dict(headers)

    async def run(c: Conn) -> None:
        await c.send_head(status, {**hdrs, "Content-Length": str(len(data)), "Connection": "close"})
        await c.send_body(data)
    return run


def redirect(location: str, status: int = 302) -> Behaviour:
    return page(b"", status, {"Location": location})


def storm(times: int, status: int, then: Behaviour, retry_after: str | None = None) -> Behaviour:
    """`status` for the first `times` requests of the path, then `then`."""
    async def run(c: Conn) -> None:
        if c.server.hits[c.path] <= times:
            headers = {"Content-Type": "text/html"}
            if retry_after is not None:
                headers["Retry-After"] = retry_after
            await page(f"<h1>{status}</h1>", status, headers)(c)
        else:
            await then(c)
    return run


def stall(seconds: float) -> Behaviour:
    """Accept the request, then say nothing."""
    async def run(c: Conn) -> None:
        await asyncio.sleep(seconds)
    return run


def trickle(interval: float, max_seconds: float = 30.0) -> Behaviour:
    """Headers at once, then one byte of body every `interval` seconds."""
    async def run(c: Conn) -> None:
        await c.send_head(200, {"Content-Type": "text/html; charset=utf-8", "Content-Length": "100000"})
        await c.send_body(b"<html><body>")
        deadline = time.monotonic() + max_seconds
        while time.monotonic() < deadline:
            await asyncio.sleep(interval)
            await c.send_body(b"x")
    return run


def reset_after(prefix: bytes = b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n") -> Behaviour:
    """Send a few bytes, then reset the connection."""
    async def run(c: Conn) -> None:
        c.writer.write(prefix)
        await c.writer.drain()
        await asyncio.sleep(0.05)
        c.reset()
    return run


def truncated(body: bytes, declared: int) -> Behaviour:
    """Declare `declared` bytes, send `body` (fewer), close."""
    async def run(c: Conn) -> None:
        await c.send_head(200, {"Content-Type": "text/html; charset=utf-8", "Content-Length": str(declared)})
        await c.send_body(body)
    return run


def endless(declare_length: int | None, chunk: int = 256 * 1024, max_bytes: int = 200 * 1024 * 1024,
            max_seconds: float = 30.0) -> Behaviour:
    """A body far over any size limit, streamed until the client hangs up."""
    async def run(c: Conn) -> None:
        headers = {"Content-Type": "text/html; charset=utf-8", "Connection": "close"}
        if declare_length is not None:
            headers["Content-Length"] = str(declare_length)
        await c.send_head(200, headers)
        block = b"<p>" + b"a" * (chunk - 7) + b"</p>\n"
        deadline = time.monotonic() + max_seconds
        try:
            while c.server.sent[c.path] < max_bytes and time.monotonic() < deadline:
                await c.send_body(block)
        except (ConnectionError, OSError):
            pass  # the client hung up: that is the point
    return run


def gzip_bomb_body(decompressed: int) -> bytes:
    """`decompressed` bytes of a tiny HTML page padded with spaces, gzip-compressed (~1000:1)."""
    out = gzip.compress(b"<html><body><p>" + b" " * decompressed + b"</p></body></html>", 9)
    return out


def gzip_bomb(body: bytes) -> Behaviour:
    return page(body, 200, {"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"})


# --- the server ----------------------------------------------------------------------

class FaultServer:
    def __init__(self, host: str = "127.0.0.1"):
        self.host = host
        self.port = 0
        self.routes: dict[str, Behaviour] = {}
        self.hits: Counter[str] = Counter()
        self.hit_times: dict[str, list[float]] = defaultdict(list)
        self.sent: Counter[str] = Counter()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, behaviour: Behaviour) -> str:
        self.routes[path] = behaviour
        return self.url(path)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 10)
            target = head.split(b"\r\n", 1)[0].split(b" ")[1].decode("latin-1")
            path = target.split("://", 1)[1].split("/", 1)[1] if "://" in target else target.lstrip("/")
            path = "/" + path
            self.hits[path] += 1
            self.hit_times[path].append(time.monotonic())
            behaviour = self.routes.get(path) or page(b"", 404, {"Content-Type": "text/html"})
            await asyncio.wait_for(behaviour(Conn(self, path, reader, writer)), 60)
        except (asyncio.TimeoutError, asyncio.IncompleteReadError, asyncio.CancelledError, ConnectionError,
                OSError, IndexError):
            pass  # stalled behaviours are cancelled at shutdown; clients hang up
        finally:
            try:
                writer.close()
            except Exception:  # noqa: BLE001 - already reset
                pass

    def start(self) -> "FaultServer":
        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            self._server = loop.run_until_complete(asyncio.start_server(self._handle, self.host, 0))
            self.port = self._server.sockets[0].getsockname()[1]
            self._ready.set()
            loop.run_forever()
            for task in asyncio.all_tasks(loop):  # stalled behaviours: end them quietly
                task.cancel()
            loop.run_until_complete(asyncio.gather(*asyncio.all_tasks(loop), return_exceptions=True))
            self._server.close()
            loop.run_until_complete(self._server.wait_closed())
            loop.close()

        self._thread = threading.Thread(target=serve, daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("fault server did not start")
        return self

    def stop(self) -> None:
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            if self._thread is not None:
                self._thread.join(10)
            self._loop = None

    def __enter__(self) -> "FaultServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
