"""Cookie storms, and the request nobody asked for.

A site on 127.0.0.1 whose list page sets a session cookie and then a storm of
4 KB cookies (plus one too big for any browser). Its articles answer only with
the session cookie, and, like Apache, 431 to a Cookie header over 8190 bytes
(Python's http.server adds its own 431 for lines over 64 KB). Every article must
still come through, every request's headers stay under the cap, and the jar
stays bounded. The crawl runs with an empty cache directory, so a public suffix
list that is not the bundled one would be fetched from the internet: the suite's
network guard (tests/netguard.py) fails the test if anything tries.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler

import pytest

from tests.crawler.conftest import ROOT, run_crawl
from tests.crawler.sites import article_html, list_html
from tests.hostile.scenarios import LIST_PATH, article_path, stats_from_log
from tests.local_http import LoopbackServer
from tests.netguard import ENV

ARTICLES = 6
STORM = 300  # cookies of COOKIE_BYTES on one page (the attack: 5,000)
COOKIE_BYTES = 4000
APACHE_FIELD_LIMIT = 8190
HEADER_CAP = 8192  # REQUEST_HEADERS_MAX_SIZE


class CookieStormSite(LoopbackServer):
    def __init__(self) -> None:
        self.header_bytes: list[int] = []  # per request after the list page
        self.without_session: list[str] = []
        self._lock = threading.Lock()

    def start(self) -> CookieStormSite:
        site = self
        links = [(article_path(5000 + i), f"文章{i}") for i in range(ARTICLES)]

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.0"

            def log_message(self, *args) -> None:
                pass

            def send(self, status: int, body: str, cookies: list[str] = ()) -> None:
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                for cookie in cookies:
                    self.send_header("Set-Cookie", cookie)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                if path == LIST_PATH:
                    storm = [f"storm{i}={'x' * COOKIE_BYTES}; Path=/" for i in range(STORM)]
                    self.send(200, list_html("新闻中心", links),
                              ["SESSION=s3cr3t; Path=/", *storm, f"huge={'y' * 5000}; Path=/"])
                    return
                if not path.startswith("/xwzx/202403/"):
                    self.send(404, "<h1>404</h1>")
                    return
                size = sum(len(k) + len(v) + 4 for k, v in self.headers.items())
                cookie = self.headers.get("Cookie", "")
                with site._lock:
                    site.header_bytes.append(size)
                    if "SESSION=s3cr3t" not in cookie:
                        site.without_session.append(path)
                if len(cookie) > APACHE_FIELD_LIMIT:
                    self.send(431, "<h1>431 Request Header Fields Too Large</h1>")
                elif "SESSION=s3cr3t" not in cookie:
                    self.send(403, "<h1>登录已过期</h1>")
                else:
                    self.send(200, article_html(f"会话内的文章{path[-8:-5]}", "2024-03-12"))

        self.serve(Handler)
        return self

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@pytest.mark.slow
@pytest.mark.timeout(200)
def test_a_cookie_storm_is_bounded_and_the_crawl_goes_on(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))  # nothing cached to fall back on
    with CookieStormSite() as site:
        crawl = run_crawl("provincial_portal", tmp_path, args={"start_urls": site.url(LIST_PATH)},
                          settings={"CLEAN_WORKERS": "0"}, timeout=150)
    assert crawl.returncode == 0, crawl.log[-3000:]
    assert crawl.errors == [], crawl.errors
    assert len(crawl.records) == ARTICLES
    assert site.without_session == []  # the session set before the storm was kept and sent
    assert len(site.header_bytes) == ARTICLES and max(site.header_bytes) <= HEADER_CAP, site.header_bytes
    stats = stats_from_log(crawl.log)
    assert stats.get("cookies/refused/size") == 1  # the 5,000-byte cookie
    assert stats.get("cookies/refused/per_site") == STORM + 1 - 50  # COOKIES_MAX_PER_SITE kept
    assert stats.get("cookies/trimmed_requests") == ARTICLES


def test_the_network_guard_refuses_and_reports_a_lookup_in_a_subprocess(tmp_path):
    """The guard itself: a process the tests start that looks up a public name, or
    connects beyond loopback, is refused and reported (or no test above could fail)."""
    log = tmp_path / "guard.log"
    code = ("import socket\n"
            "try: socket.getaddrinfo('publicsuffix.org', 443)\nexcept OSError as e: print('lookup', e)\n"
            "s = socket.socket()\n"
            "try: s.connect(('192.0.2.1', 80))\nexcept OSError as e: print('connect', e)\n"
            "socket.getaddrinfo('localhost', 80); socket.getaddrinfo('127.0.0.1', 80)\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT), ENV: str(log)}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "lookup" in out.stdout and "connect" in out.stdout
    lines = log.read_text().splitlines()
    assert len(lines) == 2 and "publicsuffix.org" in lines[0] and "192.0.2.1" in lines[1], lines
