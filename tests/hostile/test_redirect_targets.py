"""The loop and off-site checks judge the URL Scrapy's RedirectMiddleware really follows,
whatever bytes the Location header carries (raw UTF-8, `//host`, a fragment)."""

from __future__ import annotations

import pytest
from scrapy.downloadermiddlewares.redirect import RedirectMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request
from scrapy.spiders import Spider
from scrapy.utils.test import get_crawler

from crawler.fetch.middlewares.offsite_redirect import OffsiteRedirectMiddleware
from crawler.fetch.middlewares.redirect_loop import RedirectLoop, RedirectLoopMiddleware
from crawler.fetch.responses import redirect_target

PAGE = "http://jyt.example.gov.cn/%E9%80%9A%E7%9F%A5/a.html"  # /通知/a.html, as Scrapy requests it


def answer(url: str, location: bytes) -> tuple[Request, HtmlResponse]:
    request = Request(url)
    return request, HtmlResponse(url, status=302, headers={"Location": location}, request=request)


@pytest.mark.parametrize("location", [
    "/通知/a.html".encode("utf-8"),        # raw UTF-8 bytes, as many servers send them
    "/通知/b.html".encode("gb18030"),      # legacy bytes: Scrapy percent-escapes what is not UTF-8
    b"//other.example.cn/x.html",          # scheme-relative
    "b.html#正文".encode("utf-8"),
    b"/%E9%80%9A%E7%9F%A5/a.html",
])
def test_the_target_is_the_url_scrapy_follows(location):
    crawler = get_crawler(Spider)
    request, response = answer(PAGE, location)
    followed = RedirectMiddleware.from_crawler(crawler).process_response(request, response)
    assert redirect_target(request, response).split("#")[0] == followed.url.split("#")[0]


def test_a_page_redirecting_to_itself_in_raw_utf8_is_a_loop():
    crawler = get_crawler(Spider)
    crawler.stats.open_spider()
    request, response = answer(PAGE, "/通知/a.html".encode("utf-8"))
    with pytest.raises(RedirectLoop):
        RedirectLoopMiddleware(crawler).process_response(request, response)
    elsewhere = answer(PAGE, "/通知/b.html".encode("utf-8"))
    assert RedirectLoopMiddleware(crawler).process_response(*elsewhere) is elsewhere[1]


def test_an_idn_redirect_inside_the_allowed_domains_is_followed():
    class Site(Spider):
        name = "site"
        allowed_domains = ["xn--fiqs8s.example.cn"]  # 中国.example.cn

        def in_domain(self, url: str) -> bool:
            from urllib.parse import urlparse

            host = urlparse(url).hostname or ""
            return host == self.allowed_domains[0] or host.endswith("." + self.allowed_domains[0])

    crawler = get_crawler(Site)
    crawler.spider = Site()
    crawler.stats.open_spider()
    middleware = OffsiteRedirectMiddleware(crawler)
    inside = answer(PAGE, "http://中国.example.cn/a.html".encode("utf-8"))
    assert middleware.process_response(*inside) is inside[1]
    with pytest.raises(IgnoreRequest, match="off site"):
        middleware.process_response(*answer(PAGE, "http://例子.example.com/a.html".encode("utf-8")))
