"""A test HTTP server on 127.0.0.1 at a free port, in a thread: the lifecycle the
suites' local sites share (each brings its own request handler)."""

from __future__ import annotations

import ssl
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class QuietHTTPServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        # A client that hangs up early (a cancelled download, a crawler killed
        # mid-response) is not news; anything else is.
        if not isinstance(sys.exc_info()[1], (ConnectionError, ssl.SSLError)):
            super().handle_error(request, client_address)


class LoopbackServer:
    """start() builds a handler and calls serve(); stop(), or use it in a with block."""

    _httpd: QuietHTTPServer | None = None

    def start(self) -> LoopbackServer:
        raise NotImplementedError

    def serve(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self._httpd = QuietHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=self._httpd.serve_forever, daemon=True, name=type(self).__name__).start()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "server not started"
        return self._httpd.server_address[1]

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
