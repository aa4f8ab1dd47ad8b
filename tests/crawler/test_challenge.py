"""Script challenges, through the real system Chromium: a local site that answers
every request without its cookie with a 412 (or 202) page whose script computes
the cookie and reloads. A plain client cannot compute it; the crawl must get
through on its own (no `-a render=true`), render as few pages as it can, and
fetch the rest plainly with the cookies the browser earned."""

from __future__ import annotations

import re
import secrets
from http.server import BaseHTTPRequestHandler

import pytest

from crawler.fetch.challenges import script_challenge
from tests.browser.conftest import needs_chromium, run_crawl
from tests.crawler.sites import article_html, list_html
from tests.local_http import LoopbackServer

ARTICLES = [f"/xwzx/202403/t2024031{n}_40{n}.html" for n in range(1, 4)]


def answer(seed: str) -> str:
    """What the challenge's script computes (the server checks it; a client must run the script)."""
    v = 7
    for i, ch in enumerate(seed):
        v = (v * 31 + ord(ch) * (i + 3)) % 1000003
    return format(v, "x")


def challenge_page(seed: str) -> str:
    return f"""<!DOCTYPE html><html><head><meta charset="utf-8"><script>
(function () {{ var s = "{seed}", v = 7;
  for (var i = 0; i < s.length; i++) {{ v = (v * 31 + s.charCodeAt(i) * (i + 3)) % 1000003; }}
  document.cookie = "__wafchk=" + v.toString(16) + "; path=/";
  setTimeout(function () {{ location.reload(); }}, 50); }})();
</script></head><body></body></html>"""


class ChallengeSite(LoopbackServer):
    def __init__(self, status: int):
        self.status = status
        self.seed = secrets.token_hex(8)
        self.log: list[tuple[str, bool, bool]] = []  # (path, cookie valid, challenged)

    def start(self) -> "ChallengeSite":
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                cookie = self.headers.get("Cookie") or ""
                m = re.search(r"__wafchk=([0-9a-f]+)", cookie)
                valid = bool(m and m.group(1) == answer(site.seed))
                site.log.append((self.path, valid, not valid))
                if not valid:
                    status, body = site.status, challenge_page(site.seed)
                elif self.path == "/xwzx/index.html":
                    status, body = 200, list_html("新闻中心", [(p, f"文章{n}") for n, p in enumerate(ARTICLES)])
                elif self.path in ARTICLES:
                    n = ARTICLES.index(self.path)
                    status, body = 200, article_html(f"挑战之后的第{n}篇文章", f"2024-03-1{n + 1}")
                else:
                    status, body = 404, "<h1>Not Found</h1>"
                data = body.encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.serve(Handler)
        return self

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.mark.parametrize("status", [202, 412])
def test_challenge_pages_are_recognised_by_themselves(status):
    assert script_challenge(challenge_page("abc"), status) == f"script challenge (HTTP {status})"
    assert script_challenge(challenge_page("abc"), 200) is None  # a 200 shell is the render rules' business
    assert script_challenge(article_html("文章", "2024-03-12"), status) is None  # a page with text
    assert script_challenge("<html><body><h1>Precondition Failed</h1></body></html>", 412) is None


@pytest.mark.browser
@needs_chromium
@pytest.mark.parametrize("status", [412, 202])
def test_a_challenged_site_is_crawled_through_on_its_own(tmp_path, status):
    with ChallengeSite(status) as site:
        crawl = run_crawl(tmp_path, "provincial_portal", {"start_urls": f"{site.base}/xwzx/index.html"},
                          {"BROWSER_PAGE_TIMEOUT": "15", "ROBOTSTXT_OBEY": "0"})
        log = list(site.log)
    assert crawl.returncode == 0, crawl.log[-3000:]
    assert crawl.errors == [], crawl.errors
    assert sorted(r["title"] for r in crawl.records) == [f"挑战之后的第{n}篇文章" for n in range(3)]
    assert all(r["http"]["status"] == 200 for r in crawl.records)
    # The browser passed the challenge once; the articles came plainly, with its cookie.
    assert "'challenges/passed': 1" in crawl.log
    article_fetches = [(valid, challenged) for path, valid, challenged in log if path in ARTICLES]
    assert article_fetches and all(valid for valid, _ in article_fetches), log
    assert int(re.search(r"'browser/pages': (\d+)", crawl.log).group(1)) == 1


@pytest.mark.slow
@pytest.mark.parametrize("status,stage", [(202, "discover"), (412, "http")])
def test_without_a_browser_the_challenge_is_named(crawl, status, stage):
    """BROWSER_ENABLED=0: the challenge cannot be passed, and the crawl says why
    instead of "no links" or a bare "HTTP 412"."""
    with ChallengeSite(status) as site:
        r = crawl("provincial_portal", args={"start_urls": f"{site.base}/xwzx/index.html"},
                  settings={"BROWSER_ENABLED": "0", "ROBOTSTXT_OBEY": "0"})
    assert r.records == []
    [err] = r.errors
    assert err["error"] == stage and "script challenge" in err["reason"] and "browser" in err["reason"]
