"""The generic spider on sites it has never seen, served directly from 127.0.0.1."""

from __future__ import annotations

from collections import Counter

import pytest

from crawler.schema import validator
from tests.crawler.conftest import FIXTURES
from tests.crawler.fixture_server import FixtureServer
from tests.crawler.sites import UNSEEN_ARTICLES, UNSEEN_BASE, add_unseen_site
from crawler.fetch.replay.saved import SavedStore


@pytest.mark.slow
def test_generic_on_a_small_unseen_site(crawl):
    with FixtureServer(direct_base=UNSEEN_BASE, rewrite=True) as server:
        [start] = add_unseen_site(server)
        r = crawl("generic", args={"start_urls": server.base + "/"})
        base = server.base
    assert r.returncode == 0, r.log[-3000:]
    urls = [rec["url"] for rec in r.records]
    assert Counter(urls) == Counter(base + p for p in UNSEEN_ARTICLES), urls
    for rec in r.records:
        assert rec["title"] == UNSEEN_ARTICLES[rec["url"][len(base):]]
        assert rec["site"] == base.split("//", 1)[1]
        assert rec["spider"] == "generic"
        assert list(validator("crawl-record").iter_errors(rec)) == []
    split = next(rec for rec in r.records if rec["url"].endswith("c45a1003/page.htm"))
    assert split["part_urls"] == [base + "/news/2024/0315/c45a1003/page.htm",
                                  base + "/news/2024/0315/c45a1003/page_2.htm"]
    assert "续第1段" in split["text"]
    # No records for the home page, the list pages or the about page; no off-site fetches.
    assert r.errors == []
    assert r.summary["pages_by_kind"].get("list", 0) + r.summary["pages_by_kind"].get("other", 0) >= 3


@pytest.mark.slow
@pytest.mark.parametrize("site,base,start,expected", [
    ("sdjky", "http://www.sdjky.cn", "/gzdt/index.html", 5),
    ("chce", "http://www.chce.org.cn", "/Article/ShowClass.asp?ClassID=31", 5),
    ("gxxk_party", "http://zzb.gxxk.edu.cn", "/zzgz/gzdt.htm", 5),
])
def test_generic_on_fixture_sites_under_another_address(crawl, site, base, start, expected):
    """A saved CMS site moved to 127.0.0.1:<port>: the registry does not know it,
    the generic spider still finds each article once and no list page."""
    store = SavedStore.load(FIXTURES / "sites" / site)
    with FixtureServer(store, direct_base=base, rewrite=True) as server:
        r = crawl("generic", args={"start_urls": server.base + start})
        served = server.base
    assert r.returncode == 0, r.log[-3000:]
    urls = [rec["url"] for rec in r.records]
    assert len(urls) == len(set(urls)) == expected, urls
    article_urls = {served + s.url[len(base):] for s in store.exact.values()
                    if s.url.endswith((".htm", ".html")) or "ArticleID" in s.url}
    assert set(urls) <= article_urls
    assert not any("index" in u or "ShowClass" in u or "/zzgz/" in u for u in urls)
    for rec in r.records:
        assert rec["title"] and rec["text"]
        assert list(validator("crawl-record").iter_errors(rec)) == []
    # Links to pages the saved site does not have are 404s: counted error records.
    assert all(e["error"] == "http" for e in r.errors)
