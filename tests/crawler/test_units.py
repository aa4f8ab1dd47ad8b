"""Unit tests of the crawler's pure parts: registry, link rules, page
classification, response checks, output paths, saved sites and replay."""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse, Request, Response
from scrapy.settings import Settings
from scrapy.utils.test import get_crawler

from crawler.discover.classify import classify, features
from crawler.emit.feeds import beside_feed, main_feed_path
from crawler.discover.links import Anchor, anchors, article_base, continuation_pages, is_continuation_url, trs_pages
from crawler.fetch.replay.middleware import ReplayMiddleware
from crawler.discover.registry import Registry, RegistryError, domains_of
from crawler.fetch.responses import problem
from crawler.fetch.replay.saved import SavedStore
from crawler.spiders.generic import GenericSpider
from crawler.spiders.mirror import MirrorSpider
from crawler.spiders.provincial_portal import ProvincialPortalSpider
from crawler.spiders.university_party import UniversityPartySpider, column_of
from tests.crawler.conftest import FIXTURES
from tests.crawler.test_e2e_sites import SITES, SPLIT

# --- registry -------------------------------------------------------------------


def test_shipped_registry_has_the_fixture_sites():
    reg = Registry.load()
    assert set(reg.sites) >= {"sdjky", "chce", "gxxk_party", "mirror_en", "mirror_spam"}
    for site in reg.sites.values():
        assert site.start_urls and site.allowed_domains
    assert reg.for_url("http://www.sdjky.cn/gzdt/index.html").name == "sdjky"
    assert reg.for_url("http://elsewhere.example/") is None


def test_registry_matches_the_saved_fixture_sites():
    store_sites = {s.name: s for s in SavedStore.load(FIXTURES).sites}
    reg = Registry.load()
    for name, saved in store_sites.items():
        assert reg.get(name).site_type == saved.site_type
        assert list(reg.get(name).start_urls) == saved.start_urls


@pytest.mark.parametrize("toml,message", [
    ('[sites.x]\nsite_type = "provincial_portal"\nstart_urls = ["http://a.cn/"]\nbogus = 1\n', "unknown keys"),
    ('[sites.x]\nsite_type = "portal"\nstart_urls = ["http://a.cn/"]\n', "site_type"),
    ('[sites.x]\nsite_type = "mirror"\n', "start_urls"),
    ('[sites.x]\nsite_type = "mirror"\nstart_urls = ["http://a.cn/"]\narticle_url_patterns = ["("]\n', "pattern"),
    ('[sites.x]\nsite_type = "mirror"\nstart_urls = ["http://a.cn/"]\ncontent_xpath = "//div[@id=\'zoom\'"\n',
     "content_xpath is not a valid XPath"),
    ('[sites.x]\nsite_type = "mirror"\nstart_urls = ["http://a.cn/"]\nlist_xpath = "//ul[["\n', "list_xpath is not a valid XPath"),
])
def test_registry_rejects_bad_entries(tmp_path, toml, message):
    path = tmp_path / "sites.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(RegistryError, match=message):
        Registry.load(path)


def test_domains_of_drops_www_and_ports():
    assert domains_of(["http://www.sdjky.cn/a", "http://127.0.0.1:8080/", "https://sdjky.cn/b"]) == ["sdjky.cn", "127.0.0.1"]


# --- spider arguments ---------------------------------------------------------------


def make_spider(cls, **kwargs):
    crawler = get_crawler(cls, settings_dict={"SITES_REGISTRY": ""})
    return cls.from_crawler(crawler, **kwargs)


def test_site_argument_uses_the_registry():
    spider = make_spider(ProvincialPortalSpider, site="sdjky")
    assert list(spider.sites) == ["sdjky"]
    assert spider.allowed_domains == ["sdjky.cn"]
    assert spider.crawl_id and spider.run_time.endswith("Z")


def test_start_urls_argument_points_anywhere():
    spider = make_spider(ProvincialPortalSpider, start_urls="http://www.other.gov.cn/a/index.html, http://www.other.gov.cn/b/")
    [site] = spider.sites.values()
    assert site.name == "www.other.gov.cn" and site.site_type == "provincial_portal"
    assert site.start_urls == ("http://www.other.gov.cn/a/index.html", "http://www.other.gov.cn/b/")
    assert spider.allowed_domains == ["other.gov.cn"]


def test_start_urls_of_a_registered_site_keep_its_attribution():
    spider = make_spider(UniversityPartySpider, start_urls="http://zzb.gxxk.edu.cn/zzgz/zztz.htm")
    assert list(spider.sites) == ["gxxk_party"]
    assert spider.sites["gxxk_party"].site_name == "党委组织部"


def test_site_type_spider_without_arguments_crawls_its_registry_sites():
    assert sorted(make_spider(MirrorSpider).sites) == ["mirror_en", "mirror_spam"]


def test_generic_needs_start_urls():
    with pytest.raises(ValueError, match="start_urls"):
        make_spider(GenericSpider)


# --- links ---------------------------------------------------------------------------


@pytest.mark.parametrize("url,base,n", [
    ("http://a.cn/gzdt/202101/t20210108_1235.html", "http://a.cn/gzdt/202101/t20210108_1235.html", 1),
    ("http://a.cn/gzdt/202101/t20210108_1235_1.html", "http://a.cn/gzdt/202101/t20210108_1235.html", 2),
    ("http://a.cn/gzdt/202101/t20210108_123.html", "http://a.cn/gzdt/202101/t20210108_123.html", 1),
    ("http://a.cn/info/1012/2345_2.htm", "http://a.cn/info/1012/2345.htm", 2),
    ("http://a.cn/Article/ShowArticle.asp?ArticleID=5&ArticlePage=3", "http://a.cn/Article/ShowArticle.asp?ArticleID=5", 3),
    ("http://a.cn/Article/ShowClass.asp?ClassID=3&page=2", "http://a.cn/Article/ShowClass.asp?ClassID=3&page=2", 1),
])
def test_article_base(url, base, n):
    assert article_base(url) == (base, n)


def test_continuation_pages_are_found_and_ordered():
    page = "http://a.cn/gzdt/202101/t20210108_1235.html"
    links = [Anchor("http://a.cn/gzdt/202101/t20210108_1235_2.html", "3"),
             Anchor("http://a.cn/gzdt/202101/t20210108_1235_1.html", "下一页"),
             Anchor("http://a.cn/gzdt/202101/t20210108_1236.html", "另一篇")]
    assert continuation_pages(page, links) == [(2, links[1].url), (3, links[0].url)]
    assert is_continuation_url(links[0].url) and not is_continuation_url(page)


def test_the_continuation_prefilter_keeps_every_page_of_every_saved_article():
    """The raw-href test that spares resolving an article page's other anchors keeps every
    link continuation_pages() finds among all anchors, on every saved page (TRS _1 pages,
    VSB and ASP ArticlePage= forms below) and made ones; and it does leave links out."""
    from crawler.discover.links import may_be_continuation_href

    store = SavedStore.load(FIXTURES / "sites")
    pages = []
    for site in store.sites:
        for saved in site.responses:
            if saved.status == 200 and b"<a" in saved.body:
                pages.append(HtmlResponse(saved.url, body=saved.body, headers=saved.headers))
    made = {
        "http://a.cn/Article/ShowArticle.asp?ArticleID=5": b'<a href="ShowArticle.asp?ArticleID=5&ArticlePage=2">2</a>'
        b'<a href="?ArticleID=5&amp;ArticlePage=3">3</a><a href="/Article/ShowArticle.asp?ArticleID=6">x</a>',
        "http://a.cn/info/1012/2345_2.htm": b'<a href="2345.htm">1</a><a href="2345_3.htm">3</a><a href="/x/9.htm">y</a>',
        "http://a.cn/gzdt/t20210108_1235.html": b'<base href="http://a.cn/gzdt/"><a href="t20210108_1235_1.html">2</a>',
        "http://a.cn/news/show.php?id=7": b'<a href="show.php?id=7&page=2">2</a><a href="?P=3&amp;id=7">3</a>'
        b'<a href="show.php?pageno=4&id=7">4</a><a href="/news/list.php?type=2">x</a>',
    }
    pages += [HtmlResponse(url, body=body, encoding="utf-8") for url, body in made.items()]
    found = left_out = 0
    for page in pages:
        every = anchors(page)
        kept = anchors(page, href_filter=may_be_continuation_href(page.url))
        assert continuation_pages(page.url, kept) == continuation_pages(page.url, every), page.url
        found += len(continuation_pages(page.url, every))
        left_out += len(every) - len(kept)
    assert found >= 8 and left_out > 100


def test_trs_javascript_pager():
    body = b'<html><body><script>var countPage = 3//\ncreatePageHTML(3, 0, "index", "html");</script></body></html>'
    r = HtmlResponse("http://a.cn/gzdt/index.html", body=body)
    assert trs_pages(r) == ["http://a.cn/gzdt/index_1.html", "http://a.cn/gzdt/index_2.html"]


def test_anchors_resolve_relative_links_and_skip_javascript():
    body = '<a href="./202101/t1.html">一</a><a href="javascript:void(0)">x</a><a href="#top">top</a><a href="../b/#x">b</a>'
    r = HtmlResponse("http://a.cn/gzdt/index.html", body=body.encode(), encoding="utf-8")
    assert [a.url for a in anchors(r)] == ["http://a.cn/gzdt/202101/t1.html", "http://a.cn/b/"]


def test_vsb_columns():
    assert column_of("/zzgz/gzdt.htm") == column_of("/zzgz/gzdt/2.htm") == "/zzgz/gzdt"


# --- classification of every saved page ------------------------------------------------------


def saved_pages():
    store = SavedStore.load(FIXTURES)
    from tests.attachments.test_crawl import NOTICES
    from tests.crawler.test_list_documents import ARTICLE as COLUMN_DOCS_ARTICLE

    articles = {u for urls in SITES.values() for u in urls} | {p for parts in SPLIT.values() for p in parts}
    articles |= set(NOTICES) | {COLUMN_DOCS_ARTICLE}
    for r in store.exact.values():
        if r.status == 200 and "html" in (r.headers.get("Content-Type") or ""):
            yield r, ("article" if r.url in articles else "list")


@pytest.mark.parametrize("saved,kind", list(saved_pages()), ids=lambda v: getattr(v, "url", v))
def test_classify_saved_pages(saved, kind):
    resp = HtmlResponse(saved.url, body=saved.body, headers=saved.headers)
    f = features(resp, anchors(resp))
    assert classify(f) == kind, f


# --- responses --------------------------------------------------------------------------------


@pytest.mark.parametrize("status,headers,body,expected", [
    (200, {"Content-Type": "text/html"}, b"<html><body>x</body></html>", None),
    (404, {"Content-Type": "text/html"}, b"<html/>", ("http", "HTTP 404")),
    (200, {"Content-Type": "text/html"}, b"  \r\n", ("content", "empty body")),
    (200, {"Content-Type": "application/pdf"}, b"%PDF-1.4", ("content", "not HTML: application/pdf body is PDF")),
    (200, {}, b"\x89PNG\r\n\x1a\n", ("content", "not HTML: unlabelled body is PNG image")),
    (200, {"Content-Type": "text/plain"}, b"<html><body>mislabelled</body></html>", None),
    (200, {"Content-Type": "application/json"}, b'{"a": 1}', ("content", "not HTML: content type application/json")),
])
def test_response_problems(status, headers, body, expected):
    assert problem(Response("http://a.cn/x", status=status, headers=headers, body=body)) == expected


# --- output paths -------------------------------------------------------------------------------


class _Spider:
    name = "generic"
    crawl_id = "c1"
    run_time = "2026-01-02T03-04-05Z"


def test_files_beside_the_default_feed():
    settings = Settings({"FEEDS": {}, "CRAWLER_OUTPUT": "output/%(name)s/%(time)s.jsonl"})
    assert str(main_feed_path(settings, _Spider())) == "output/generic/2026-01-02T03-04-05Z.jsonl"
    assert str(beside_feed(settings, _Spider(), ".errors.jsonl", "ERRORS_URI")) == "output/generic/2026-01-02T03-04-05Z.errors.jsonl"


def test_files_beside_a_dash_O_feed_and_overrides():
    settings = Settings({"FEEDS": {"/tmp/x/out.jsonl": {"format": "jsonl"}}, "ERRORS_URI": ""})
    assert str(beside_feed(settings, _Spider(), ".summary.json", "SUMMARY_URI")) == "/tmp/x/out.summary.json"
    settings.set("ERRORS_URI", "/var/log/%(name)s-errors.jsonl")
    assert str(beside_feed(settings, _Spider(), ".errors.jsonl", "ERRORS_URI")) == "/var/log/generic-errors.jsonl"


# --- saved sites and replay -----------------------------------------------------------------------


def test_replay_answers_with_the_saved_bytes_and_404_otherwise():
    crawler = get_crawler(settings_dict={"REPLAY_DIR": str(FIXTURES)})
    crawler.stats.open_spider()
    mw = ReplayMiddleware.from_crawler(crawler)
    url = "http://www.sdjky.cn/gzdt/index.html"
    raw = (FIXTURES / "sites" / "sdjky" / "pages" / "gzdt_index.html").read_bytes()
    resp = mw.process_request(Request(url))
    assert resp.status == 200 and resp.body == raw and "replay" in resp.flags
    assert resp.headers[b"Content-Type"] == b"text/html; charset=gb2312"
    assert mw.process_request(Request("http://www.sdjky.cn/not-saved.html")).status == 404


def test_replay_is_off_by_default():
    from scrapy.exceptions import NotConfigured

    with pytest.raises(NotConfigured):
        ReplayMiddleware.from_crawler(get_crawler(settings_dict={}))


# --- pipelines and the spider-error middleware ---------------------------------------------------


def test_invalid_record_becomes_a_validate_error():
    from crawler.items import ArticleRecord, ErrorRecord
    from crawler.emit.validate import ValidatePipeline

    crawler = get_crawler(settings_dict={})
    crawler.stats.open_spider()
    out = ValidatePipeline.from_crawler(crawler).process_item(
        ArticleRecord(url="http://a.cn/t.html", site="a", spider="generic", title=None))
    assert isinstance(out, ErrorRecord) and out["error"] == "validate" and out["url"] == "http://a.cn/t.html"
    assert crawler.stats.get_value("errors/validate") == 1


def test_clean_failure_becomes_an_error_record_with_provenance():
    from crawler.items import ErrorRecord, PageItem, PagePart
    from crawler.clean.pipeline import clean_item, to_record

    part = PagePart(url="http://a.cn/t.html", final_url="http://a.cn/t.html", status=200,
                    headers={"Content-Type": "text/html"}, body=b"<html><body></body></html>",
                    fetched_at="2026-01-01T00:00:00Z")
    item = PageItem(page=part, site="a", site_name=None, site_type="provincial_portal",
                    spider="provincial_portal", crawl_id="c")
    out = to_record(item, clean_item(item))
    assert isinstance(out, ErrorRecord)
    assert out["error"] in {"decode", "parse", "extract", "clean"} and out["reason"]
    assert out["http"]["status"] == 200 and out["crawl_id"] == "c" and "site_name" not in out


def test_spider_exception_becomes_an_error_record():
    from crawler.discover.middlewares.spider_errors import SpiderErrorMiddleware

    spider = make_spider(ProvincialPortalSpider, site="sdjky")
    mw = SpiderErrorMiddleware.from_crawler(spider.crawler)
    spider.crawler.spider = spider
    spider.crawler.stats.open_spider()
    req = Request("http://www.sdjky.cn/gzdt/index.html", meta={"site": "sdjky"})
    resp = HtmlResponse(req.url, body=b"<html></html>", request=req)
    [err] = mw.process_spider_exception(resp, ValueError("boom"))
    assert err["error"] == "spider" and err["reason"] == "ValueError: boom" and err["site_type"] == "provincial_portal"
