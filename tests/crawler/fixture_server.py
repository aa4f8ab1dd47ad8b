"""A local HTTP server on 127.0.0.1 that serves saved sites, for end-to-end tests.

Two modes, one server:
- proxy: the crawler uses the server as its HTTP proxy (`http_proxy` env or
  request meta), asks for absolute URLs (`GET http://www.sdjky.cn/gzdt/index.html`)
  and gets the saved response for that URL: crawls use the sites' real URLs.
- direct (`direct_base="http://www.sdjky.cn"`): a request for `/gzdt/index.html`
  is answered with the saved response of `http://www.sdjky.cn/gzdt/index.html`;
  with `rewrite=True`, absolute links and Location headers naming direct_base
  are rewritten to the server's own address, so a saved site becomes a site on
  127.0.0.1:<port> that the crawler has never seen.

https:// URLs work in proxy mode too: the server answers CONNECT, terminates
TLS with a throwaway self-signed certificate (Scrapy does not verify
certificates by default) and serves the tunnelled requests as `https://host/...`.

Saved bytes and headers are sent as saved (Content-Length recomputed). A URL
that was not saved gets 404. `requests` lists every URL asked for.
"""

from __future__ import annotations

import datetime
import socketserver
import ssl
import tempfile
import time
from functools import cache
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from crawler.fetch.replay.saved import SavedResponse, SavedStore
from tests.local_http import LoopbackServer

_HOP_HEADERS = {"content-length", "transfer-encoding", "connection", "keep-alive"}


class FixtureServer(LoopbackServer):
    def __init__(self, store: SavedStore | None = None, direct_base: str | None = None,
                 rewrite: bool = False):
        self.store = store or SavedStore([])
        self.direct_base = direct_base.rstrip("/") if direct_base else None
        self.rewrite = rewrite
        self.requests: list[str] = []
        self.delays: dict[str, float] = {}  # URL -> seconds to wait before answering

    @classmethod
    def from_dir(cls, root: str | Path, **kwargs) -> "FixtureServer":
        return cls(SavedStore.load(root), **kwargs)

    # --- building sites in tests ---------------------------------------------

    def add(self, url: str, body: bytes | str = b"", status: int = 200,
            headers: dict[str, str] | None = None, method: str = "GET", request_body: bytes | str = b"") -> None:
        if isinstance(body, str):
            body = body.encode("utf-8")
        if isinstance(request_body, str):
            request_body = request_body.encode("utf-8")
        if headers is None:
            headers = {"Content-Type": "text/html; charset=utf-8"}
        self.store.add(SavedResponse(url=url, status=status, headers=headers, body=body,
                                     method=method.upper(), request_body=request_body))

    # --- lifecycle --------------------------------------------------------------

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def proxy(self) -> str:
        return self.base

    def start(self) -> "FixtureServer":
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                server._answer(self, head=False)

            def do_HEAD(self) -> None:
                server._answer(self, head=True)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                server._answer(self, head=False, method="POST", body=self.rfile.read(length))

            def do_CONNECT(self) -> None:
                host, _, port = self.path.partition(":")
                self.send_response(200, "Connection established")
                self.end_headers()
                self.wfile.flush()
                try:
                    conn = tls_context().wrap_socket(self.connection, server_side=True)
                except (ssl.SSLError, OSError):
                    self.close_connection = True
                    return
                self.connection = conn
                self.rfile = conn.makefile("rb")
                self.wfile = socketserver._SocketWriter(conn)
                self.tunnel = f"https://{host}" + (f":{port}" if port not in ("", "443") else "")
                self.close_connection = False

        self.serve(Handler)
        return self

    # --- answering ---------------------------------------------------------------

    def url_for(self, path: str, tunnel: str | None = None) -> str:
        if path.startswith(("http://", "https://")):
            return path
        if tunnel:
            return tunnel + path
        return (self.direct_base or self.base) + path

    def _answer(self, handler: BaseHTTPRequestHandler, head: bool, method: str = "GET",
                body: bytes = b"") -> None:
        url = self.url_for(handler.path, getattr(handler, "tunnel", None))
        self.requests.append(url)
        if url in self.delays:
            time.sleep(self.delays[url])
        saved = self.store.get(url, method, body)
        if saved is None:
            status, headers, body = 404, {"Content-Type": "text/html"}, b""
        else:
            status, headers, body = saved.status, dict(saved.headers), saved.body
        if self.rewrite and self.direct_base:
            old, new = self.direct_base.encode(), self.base.encode()
            body = body.replace(old, new)
            headers = {k: (v.replace(self.direct_base, self.base) if isinstance(v, str) else v)
                       for k, v in headers.items()}
        handler.send_response(status)
        for key, value in headers.items():
            if key.lower() in _HOP_HEADERS:
                continue
            for v in value if isinstance(value, list) else [value]:
                handler.send_header(key, v)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if not head:
            handler.wfile.write(body)


@cache
def tls_context() -> ssl.SSLContext:
    """A server-side TLS context with a fresh self-signed certificate."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fixture-server")])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=7))
        .sign(key, hashes.SHA256())
    )
    tmp = Path(tempfile.mkdtemp(prefix="fixture-tls-"))
    (tmp / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp / "key.pem").write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(tmp / "cert.pem", tmp / "key.pem")
    return ctx
