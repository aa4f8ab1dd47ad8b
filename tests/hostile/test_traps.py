"""Infinite link spaces are bounded: calendars by the plausible-years rule,
session ids by canonical URLs, ever-deeper paths by path rules, an endless
pager by DEPTH_LIMIT. The generic spider follows every link (no depth of its own)."""

from __future__ import annotations

from datetime import date

import pytest

from crawler.discover.url_policy import TrapLimits, canonical_url, trap_reason
from tests.hostile import scenarios


@pytest.mark.slow
@pytest.mark.timeout(200)
def test_link_traps_are_bounded(tmp_path):
    g = scenarios.run_traps(tmp_path, depth_limit=25)
    hits, stats = g.extra["hits_by_trap"], g.extra["stats"]
    assert g.crawl.returncode == 0, g.crawl.log[-3000:]
    # calendar: July this year .. December next year, then refused as a calendar trap
    assert 17 <= hits["cal"] <= 19 and stats.get("url_policy/trap/calendar") == 1, (hits, stats)
    assert hits["sess"] == 1  # new session id = same page (links are read in canonical form, cleaners/urls.py)
    assert hits["deep"] == 3 and stats.get("url_policy/trap/repeated_segment") == 1  # /deep/x/x/ then no more
    assert hits["deeper"] == 16 and stats.get("url_policy/trap/path_depth") == 1
    assert hits["pages"] == 26 and stats.get("depth/request_ignored_count", 0) >= 1  # DEPTH_LIMIT=25


@pytest.mark.parametrize("url,canonical", [
    ("http://a.cn/x.jsp;jsessionid=0A1B2C?id=5", "http://a.cn/x.jsp?id=5"),
    ("http://a.cn/s.php?PHPSESSID=abc&id=5&utm_source=wx&spm=1.2", "http://a.cn/s.php?id=5"),
    ("http://a.cn/ShowArticle.asp?ASPSESSIONIDQSCTRBQA=XYZ&ArticleID=3305", "http://a.cn/ShowArticle.asp?ArticleID=3305"),
    ("http://a.cn/list.asp?sid=9&page=2#top", "http://a.cn/list.asp?page=2"),
    ("http://a.cn/t20240312_1001.html", "http://a.cn/t20240312_1001.html"),
    ("http://a.cn/c.asp?b=2&a=1", "http://a.cn/c.asp?a=1&b=2"),  # identity: the query sorted
])
def test_canonical_url(url, canonical):
    assert canonical_url(url) == canonical


def test_requests_keep_the_sites_parameter_order():
    assert canonical_url("http://a.cn/c.asp?b=2&from=wx&a=1#x", sort_query=False) == "http://a.cn/c.asp?b=2&a=1"


@pytest.mark.parametrize("url,reason", [
    ("http://a.cn/cal.html?month=2031-01", "calendar"),
    ("http://a.cn/cal.html?year=1900&month=1", "calendar"),
    ("http://a.cn/cal.html?month=2025-01", None),
    ("http://a.cn/2025-01/t20250101_1.html", None),  # dates in article paths are not calendars
    ("http://a.cn/a/b/a/b/a/b.html", "repeated_segment"),
    ("http://a.cn/" + "/".join(f"d{i}" for i in range(17)), "path_depth"),
    ("http://a.cn/?q=" + "x" * 2000, "url_length"),
    ("http://a.cn/xwzx/202403/t20240312_1001.html", None),
])
def test_trap_reason(url, reason):
    assert trap_reason(url, TrapLimits(), today=date(2026, 6, 1)) == reason
