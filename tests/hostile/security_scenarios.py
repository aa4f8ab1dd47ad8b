"""Security scenarios beyond the address guard's, as data and runners shared by
the tests (tests/hostile/test_address_forms.py, test_cookies.py) and
scripts/hostile_report.py:

- another port of the start host: a start URL on 127.0.0.1:A whose page links
  and redirects to 127.0.0.1:B;
- a cookie storm: a site on 127.0.0.1 whose list page sets a session cookie and
  then a storm of 4 KB cookies (plus one too big for any browser); its articles
  answer only with the session cookie, and, like Apache, 431 to a Cookie header
  over 8190 bytes (Python's http.server adds its own 431 for lines over 64 KB).
"""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler
from pathlib import Path

from tests.crawler.conftest import run_crawl
from tests.crawler.sites import article_html, list_html
from tests.hostile import fault_server as fs
from tests.hostile.scenarios import LIST_PATH, article_path, good, stats_from_log
from tests.local_http import LoopbackServer

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



def run_cookie_storm(tmp: Path) -> dict:
    with CookieStormSite() as site:
        crawl = run_crawl("provincial_portal", tmp, args={"start_urls": site.url(LIST_PATH)},
                          settings={"CLEAN_WORKERS": "0"}, timeout=150)
    stats = stats_from_log(crawl.log)
    return {"crawl": crawl, "site": site, "stats": stats, "expected": ARTICLES, "emitted": len(crawl.records),
            "max_header_bytes": max(site.header_bytes, default=0),
            "answered_431": sum(1 for e in crawl.errors if e.get("reason") == "HTTP 431")}


def run_other_port(tmp: Path) -> dict:
    """A start URL on 127.0.0.1:A; its page links (and redirects) to 127.0.0.1:B, a
    stand-in for a local Redis or admin port: B must see no connection at all."""
    with fs.FaultServer("127.0.0.1") as a, fs.FaultServer("127.0.0.1") as b:
        b.route(article_path(3102), good("另一个端口上的文章"))
        b.route(article_path(3103), good("重定向到另一个端口"))
        a.route(article_path(3101), good("起始端口上的文章"))
        a.route(article_path(3103), fs.redirect(b.url(article_path(3103))))
        a.route(LIST_PATH, fs.page(list_html("新闻中心", [
            (article_path(3101), "起始端口上的文章"),
            (b.url(article_path(3102)), "另一个端口上的文章"),
            (article_path(3103), "重定向到另一个端口"),
        ])))
        crawl = run_crawl("provincial_portal", tmp, args={"start_urls": a.url(LIST_PATH)},
                          settings={"CLEAN_WORKERS": "0"}, timeout=120)
        return {"crawl": crawl, "other_port_hits": sum(b.hits.values()),
                "records": [r["url"] for r in crawl.records],
                "refused": sorted(e["url"] for e in crawl.errors if e["error"] == "refused"),
                # the refused redirect is reported under the URL that was asked for
                "expected_records": [a.url(article_path(3101))],
                "expected_refused": sorted([b.url(article_path(3102)), a.url(article_path(3103))])}
