"""Sitemaps and feeds a site publishes (registry keys, robots.txt, <link rel=alternate>),
-a since/until by the cleaned date, and the per-site keys max_articles,
max_list_pages and download_delay: crawls of local sites, as users run them."""

from __future__ import annotations

import time

import pytest

from tests.crawler.fixture_server import FixtureServer
from tests.crawler.sites import HTML, article_html, list_html

BASE = "http://www.keys-edu.test"
OTHER = "http://www.elsewhere.test"


def undated_list(title: str, links: list[tuple[str, str]], pager: str = "", head: str = "") -> str:
    """A list page that writes no date beside its links."""
    page = list_html(title, links, pager).replace("<span>2024-03-12</span>", "")
    return page.replace("</title>", "</title>" + head, 1)


def registry(tmp_path, **keys: str) -> str:
    path = tmp_path / "sites.toml"
    extra = "".join(f"{k} = {v}\n" for k, v in keys.items())
    path.write_text(f"""[sites.keys]
site_type = "provincial_portal"
start_urls = ["{BASE}/xwzx/index.html"]
{extra}""", encoding="utf-8")
    return str(path)


def urlset(paths: list[str]) -> str:
    return ('<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
            + "".join(f"<url><loc>{BASE}{p}</loc></url>" for p in paths) + "</urlset>")


def rss(paths: list[str]) -> str:
    return ('<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>新闻</title>'
            + "".join(f"<item><title>{p}</title><link>{BASE}{p}</link></item>" for p in paths) + "</channel></rss>")


ART = [f"/xwzx/202403/t2024031{n}_70{n}.html" for n in range(6)]


def add_indexed_site(server: FixtureServer) -> None:
    """One article on the list page; two more only in the sitemap robots.txt names; one only
    in the feed the list page links to; one only in the feed the registry names. robots.txt
    also names a sitemap on another host, which is never asked for."""
    server.add(f"{BASE}/robots.txt", f"User-agent: *\nDisallow: /admin/\nSitemap: /sitemap.xml\n"
                                     f"Sitemap: {OTHER}/sitemap.xml\n", headers={"Content-Type": "text/plain"})
    server.add(f"{BASE}/xwzx/index.html", undated_list("新闻中心", [(ART[0], "第0篇")], head=(
        '<link rel="alternate" type="application/rss+xml" title="新闻" href="/rss/news.xml">'
        f'<link rel="alternate" type="application/rss+xml" href="{OTHER}/rss.xml">')), headers=HTML)
    server.add(f"{BASE}/sitemap.xml", urlset([ART[0], ART[1], ART[2]]), headers={"Content-Type": "application/xml"})
    server.add(f"{BASE}/rss/news.xml", rss([ART[3]]), headers={"Content-Type": "application/rss+xml"})
    server.add(f"{BASE}/rss/more.xml", rss([ART[4]]), headers={"Content-Type": "application/rss+xml"})
    for n, p in enumerate(ART):
        server.add(BASE + p, article_html(f"索引里的第{n}篇", f"2024-03-1{n}"), headers=HTML)


@pytest.mark.slow
def test_a_site_is_read_from_its_lists_sitemaps_and_feeds(crawl, tmp_path):
    with FixtureServer() as server:
        add_indexed_site(server)
        r = crawl("provincial_portal", args={"site": "keys"}, proxy=server.proxy,
                  settings={"SITES_REGISTRY": registry(tmp_path, feeds=f'["{BASE}/rss/more.xml"]')})
        asked = list(server.requests)
    assert r.returncode == 0, r.log[-3000:]
    assert sorted(rec["url"] for rec in r.records) == sorted(BASE + p for p in ART[:5])
    assert r.errors == []
    assert not [u for u in asked if u.startswith(OTHER)]  # only the site's own domains
    assert asked.count(f"{BASE}/sitemap.xml") == 1 and asked.count(BASE + ART[0]) == 1
    assert r.summary["accounting"]["balanced"], r.summary["accounting"]


@pytest.mark.slow
def test_sitemaps_and_feeds_per_site_are_bounded(crawl, tmp_path):
    with FixtureServer() as server:
        add_indexed_site(server)
        r = crawl("provincial_portal", args={"site": "keys"}, proxy=server.proxy,
                  settings={"SITES_REGISTRY": registry(tmp_path, feeds=f'["{BASE}/rss/more.xml"]'),
                            "CRAWLER_MAX_SITEMAPS": "1"})
        asked = list(server.requests)
    assert r.returncode == 0, r.log[-3000:]
    read = [u for u in asked if u.endswith(("sitemap.xml", "news.xml", "more.xml"))]
    assert read == [f"{BASE}/rss/more.xml"]  # the registry's, then none
    assert "indexes/over_max_sitemaps" in r.log


@pytest.mark.slow
def test_no_discovery_when_switched_off(crawl, tmp_path):
    with FixtureServer() as server:
        add_indexed_site(server)
        r = crawl("provincial_portal", args={"site": "keys"}, proxy=server.proxy,
                  settings={"SITES_REGISTRY": registry(tmp_path), "CRAWLER_DISCOVER_INDEXES": "0"})
    assert r.returncode == 0, r.log[-3000:]
    assert [rec["url"] for rec in r.records] == [BASE + ART[0]]


def test_sitemap_indexes_nest_only_so_deep():
    from scrapy.http import Request, XmlResponse

    from crawler.discover.registry import Site
    from crawler.spiders.provincial_portal import ProvincialPortalSpider

    spider = ProvincialPortalSpider(start_urls=BASE + "/xwzx/index.html")
    site = Site(name="keys", site_type="provincial_portal", start_urls=(BASE + "/xwzx/index.html",),
                allowed_domains=("keys-edu.test",))
    spider.crawler = None  # no crawl: nothing to count in
    spider.sites, spider.allowed_domains, spider.sitemap_depth = {"keys": site}, ["keys-edu.test"], 1
    index = ('<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
             f"<sitemap><loc>{BASE}/deeper.xml</loc></sitemap></sitemapindex>").encode()
    for depth, expected in ((0, [f"{BASE}/deeper.xml"]), (1, [])):
        request = Request(f"{BASE}/s{depth}.xml", meta={"site": "keys", "index": "sitemap", "index_depth": depth})
        spider.indexes_asked.clear()
        out = list(spider.parse_index(XmlResponse(request.url, body=index, request=request)))
        assert [o.url for o in out if isinstance(o, Request)] == expected


# --- -a since / -a until by the cleaned date ----------------------------------------------

UNDATED = [f"/xwzx/content_80{n}.html" for n in range(4)]
DATES = ["2023-11-02", "2024-02-10", "2024-03-05", "2024-07-01"]


@pytest.mark.slow
def test_since_until_drop_articles_dated_outside_once_cleaned(crawl, tmp_path):
    """Neither the list nor the URLs date these articles: fetched, cleaned, and those
    whose own date is outside the window are a named drop, not records."""
    with FixtureServer() as server:
        server.add(f"{BASE}/xwzx/index.html", undated_list("新闻中心", [(p, f"第{n}篇") for n, p in enumerate(UNDATED)]),
                   headers=HTML)
        for n, p in enumerate(UNDATED):
            server.add(BASE + p, article_html(f"未标日期的第{n}篇", DATES[n]), headers=HTML)
        r = crawl("provincial_portal", args={"site": "keys", "since": "2024-01-01", "until": "2024-06-30"},
                  proxy=server.proxy, settings={"SITES_REGISTRY": registry(tmp_path)})
    assert r.returncode == 0, r.log[-3000:]
    assert sorted(rec["published_at"][:10] for rec in r.records) == DATES[1:3]
    acc = r.summary["accounting"]
    assert acc["dropped"] == {"outside_dates": 2} and acc["balanced"], acc
    assert r.errors == []


# --- max_articles, max_list_pages, download_delay ---------------------------------------------

PAGED = [f"/xwzx/202403/t202403{10 + n}_9{n:02d}.html" for n in range(6)]


def add_paged_list(server: FixtureServer) -> None:
    """A column of two list pages, three articles each."""
    server.add(f"{BASE}/xwzx/index.html", undated_list(
        "新闻中心", [(p, f"第{n}篇") for n, p in enumerate(PAGED[:3])], pager='<a href="index_1.html">下一页</a>'),
        headers=HTML)
    server.add(f"{BASE}/xwzx/index_1.html", undated_list(
        "新闻中心", [(p, f"第{n + 3}篇") for n, p in enumerate(PAGED[3:])]), headers=HTML)
    for n, p in enumerate(PAGED):
        server.add(BASE + p, article_html(f"分页的第{n}篇", f"2024-03-{10 + n}"), headers=HTML)


@pytest.mark.slow
@pytest.mark.parametrize("keys,articles,second_list", [
    ({"max_articles": "2"}, 2, False),
    ({"max_list_pages": "1"}, 3, False),
    ({}, 6, True),
])
def test_max_articles_and_max_list_pages_per_site(crawl, tmp_path, keys, articles, second_list):
    with FixtureServer() as server:
        add_paged_list(server)
        r = crawl("provincial_portal", args={"site": "keys"}, proxy=server.proxy,
                  settings={"SITES_REGISTRY": registry(tmp_path, **keys), "CRAWLER_DISCOVER_INDEXES": "0"})
        asked = list(server.requests)
    assert r.returncode == 0, r.log[-3000:]
    assert len(r.records) == articles
    assert len([u for u in asked if u in {BASE + p for p in PAGED}]) == articles  # never fetched beyond
    assert (f"{BASE}/xwzx/index_1.html" in asked) == second_list
    assert r.summary["accounting"]["balanced"], r.summary["accounting"]


class TimedServer(FixtureServer):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.times: list[float] = []

    def _answer(self, handler, head, method="GET", body=b""):
        self.times.append(time.monotonic())
        super()._answer(handler, head, method, body)


@pytest.mark.slow
@pytest.mark.parametrize("delay,least_gap", [("0.6", 0.25), (None, None)])
def test_download_delay_per_site(crawl, tmp_path, delay, least_gap):
    keys = {"download_delay": delay} if delay else {}
    with TimedServer() as server:
        add_paged_list(server)
        r = crawl("provincial_portal", args={"site": "keys"}, proxy=server.proxy,
                  settings={"SITES_REGISTRY": registry(tmp_path, **keys), "CRAWLER_DISCOVER_INDEXES": "0",
                            "AUTOTHROTTLE_ENABLED": "1", "AUTOTHROTTLE_START_DELAY": "0", "ROBOTSTXT_OBEY": "0"})
        times = list(server.times)
    assert r.returncode == 0, r.log[-3000:]
    assert len(r.records) == 6
    gaps = [b - a for a, b in zip(times, times[1:])]
    if least_gap:
        assert min(gaps) >= least_gap, gaps  # randomised between 0.5 and 1.5 times the delay
    else:
        assert min(gaps) < 0.2, gaps


@pytest.mark.parametrize("keys,message", [
    ('sitemaps = ["/sitemap.xml"]', "must be http"),
    ('feeds = "ftp://a.cn/rss"', "must be http"),
    ("max_articles = 0", "whole number"),
    ('max_list_pages = "5"', "whole number"),
    ("download_delay = -1", "seconds"),
    ("download_delay = true", "seconds"),
])
def test_registry_rejects_bad_site_keys(tmp_path, keys, message):
    from crawler.discover.registry import Registry, RegistryError

    path = tmp_path / "sites.toml"
    path.write_text(f'[sites.x]\nsite_type = "generic"\nstart_urls = ["http://a.cn/"]\n{keys}\n', encoding="utf-8")
    with pytest.raises(RegistryError, match=message):
        Registry.load(path)


def test_registry_reads_site_keys(tmp_path):
    from crawler.discover.registry import Registry

    site = Registry.load(registry(tmp_path, sitemaps=f'["{BASE}/robots.txt"]', max_articles="20",
                                  max_list_pages="3", download_delay="2.5")).get("keys")
    assert (site.sitemaps, site.max_articles, site.max_list_pages, site.download_delay) == (
        (f"{BASE}/robots.txt",), 20, 3, 2.5)
