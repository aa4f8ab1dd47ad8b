"""A forbidden endpoint that counts whatever reaches it: TCP connections (HTTP,
WebSocket, TLS, TURN, anything) and UDP datagrams (STUN, QUIC), on one port of
one loopback address. A page under test tries to reach it every way a browser
can; the count must stay 0. Answers HTTP with a tiny 200 so that a mechanism
that does get through is not slowed down by a hanging peer."""

from __future__ import annotations

import socket
import threading
from collections import Counter

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"


class Sink:
    def __init__(self, host: str) -> None:
        self.host = host
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.tcp.bind((host, 0))
        self.port = self.tcp.getsockname()[1]
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind((host, self.port))
        self.tcp.listen(64)
        self.tcp.settimeout(0.2)
        self.udp.settimeout(0.2)
        self.hits: Counter[str] = Counter()  # "tcp", "udp", and the first request line of each connection
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._accept, daemon=True),
                         threading.Thread(target=self._receive, daemon=True)]

    @property
    def base(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def reached(self) -> int:
        return self.hits["tcp"] + self.hits["udp"]

    def _count(self, key: str) -> None:
        with self._lock:
            self.hits[key] += 1

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.tcp.accept()
            except (TimeoutError, OSError):
                continue
            self._count("tcp")
            threading.Thread(target=self._answer, args=(conn,), daemon=True).start()

    def _answer(self, conn: socket.socket) -> None:
        with conn:
            conn.settimeout(2)
            try:
                head = conn.recv(4096)
                line = head.split(b"\r\n", 1)[0]
                self._count(line[:80].decode("ascii") if line.isascii() and line else "(binary or nothing)")
                conn.sendall(ANSWER)
            except OSError:
                pass

    def _receive(self) -> None:
        while not self._stop.is_set():
            try:
                self.udp.recvfrom(65536)
            except (TimeoutError, OSError):
                continue
            self._count("udp")

    def __enter__(self) -> Sink:
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        for t in self._threads:
            t.join(timeout=2)
        self.tcp.close()
        self.udp.close()
