"""Cookie storms, and the request nobody asked for.

The storm (tests/hostile/security_scenarios.py): a session cookie, then 300
cookies of 4 KB and one of 5 KB, on a site whose articles need the session and
answer 431 to an oversized Cookie header. Every article must still come
through, every request's headers stay under the cap, and the jar stays bounded.
The crawl runs with an empty cache directory, so a public suffix list that is
not the bundled one would be fetched from the internet: the suite's network
guard (tests/netguard.py) fails the test if anything tries.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.crawler.conftest import ROOT
from tests.hostile.security_scenarios import HEADER_CAP, STORM, run_cookie_storm
from tests.netguard import ENV

KEPT_PER_SITE = 50  # COOKIES_MAX_PER_SITE


@pytest.mark.slow
@pytest.mark.timeout(200)
def test_a_cookie_storm_is_bounded_and_the_crawl_goes_on(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "empty-cache"))  # nothing cached to fall back on
    storm = run_cookie_storm(tmp_path)
    crawl, site, stats = storm["crawl"], storm["site"], storm["stats"]
    assert crawl.returncode == 0, crawl.log[-3000:]
    assert crawl.errors == [], crawl.errors
    assert storm["emitted"] == storm["expected"]
    assert site.without_session == []  # the session set before the storm was kept and sent
    assert len(site.header_bytes) == storm["expected"] and storm["max_header_bytes"] <= HEADER_CAP, \
        site.header_bytes
    assert stats.get("cookies/refused/size") == 1  # the 5,000-byte cookie
    assert stats.get("cookies/refused/per_site") == STORM + 1 - KEPT_PER_SITE
    assert stats.get("cookies/trimmed_requests") == storm["expected"]


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


# --- the bounds, one by one (no crawl) -------------------------------------------------

def _middleware(**settings):
    from scrapy.utils.test import get_crawler

    from crawler.fetch.middlewares.cookies import BoundedCookiesMiddleware

    crawler = get_crawler(settings_dict=settings)
    crawler.stats.open_spider()
    return crawler, BoundedCookiesMiddleware.from_crawler(crawler)


def _receive(mw, url: str, *cookies: str) -> None:
    from scrapy.http import Headers, Request, Response

    headers = Headers()
    for c in cookies:
        headers.appendlist("Set-Cookie", c)
    mw.process_response(Request(url), Response(url, headers=headers))


def _sent(mw, url: str) -> bytes:
    from scrapy.http import Request

    request = Request(url)
    mw.process_request(request)
    return request.headers.get(b"Cookie") or b""


def test_cookie_size_and_attribute_bounds():
    crawler, mw = _middleware(COOKIES_MAX_SIZE="100")
    _receive(mw, "http://www.example.edu.cn/", "ok=1", f"big={'x' * 200}", f"p=1; Path=/{'a' * 2000}")
    assert _sent(mw, "http://www.example.edu.cn/") == b"ok=1"
    assert crawler.stats.get_value("cookies/refused/size") == 2


def test_sub_domains_share_their_site_allowance_and_replacements_do_not_count():
    crawler, mw = _middleware(COOKIES_MAX_PER_SITE="3", COOKIES_MAX_TOTAL="5")
    _receive(mw, "http://a.example.edu.cn/", "a1=1; Domain=a.example.edu.cn", "a2=1; Domain=example.edu.cn")
    _receive(mw, "http://b.example.edu.cn/", "b1=1", "b2=1")  # the site's third and fourth
    _receive(mw, "http://a.example.edu.cn/", "a1=2; Domain=a.example.edu.cn")  # a replacement
    assert crawler.stats.get_value("cookies/refused/per_site") == 1
    assert b"a1=2" in _sent(mw, "http://a.example.edu.cn/")
    _receive(mw, "http://other.gov.cn/", "o1=1", "o2=1", "o3=1")  # the jar's total: 5
    assert crawler.stats.get_value("cookies/refused/total") == 1


def test_request_headers_are_capped_keeping_the_cookies_that_fit():
    crawler, mw = _middleware(REQUEST_HEADERS_MAX_SIZE="2048")
    _receive(mw, "http://www.example.edu.cn/", *(f"big{i}={'x' * 900}; Path=/news/" for i in range(5)), "sid=42")
    sent = _sent(mw, "http://www.example.edu.cn/news/a.html")
    assert len(sent) < 2048 and b"sid=42" in sent  # the longer-path storm comes first; the session still goes
    assert crawler.stats.get_value("cookies/trimmed") == 3  # two of 900 bytes fit in 2 KB, three do not


def test_public_suffixes_come_from_the_bundled_list():
    from crawler.fetch.middlewares.cookies import is_public_suffix, site_of

    assert is_public_suffix("edu.cn") and is_public_suffix("gov.cn") and not is_public_suffix("moe.gov.cn")
    assert site_of("www.moe.gov.cn") == "moe.gov.cn" and site_of("127.0.0.1") == "127.0.0.1"
    crawler, mw = _middleware()
    _receive(mw, "http://www.example.edu.cn/", "tracker=1; Domain=edu.cn")  # a supercookie: dropped
    assert _sent(mw, "http://other.edu.cn/") == b""
