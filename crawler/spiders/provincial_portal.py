"""Provincial education portals: TRS WCM and Hanweb JCMS sites.

- Column pages: `.../gzdt/index.html`, further pages `index_1.html`, `index_2.html`
  (the pager is often written by `createPageHTML(count, current, "index", "html")`).
- Articles: `.../202101/t20210108_1234.html`; a split article continues at
  `t20210108_1234_1.html`, `_2.html`... Hanweb: `/art/2021/1/8/art_123_4567.html`.
"""

from __future__ import annotations

import re

from scrapy.http import TextResponse

from urllib.parse import urlparse

from crawler.discover.links import Anchor, trs_pages
from crawler.discover.registry import Site
from crawler.spiders.base import BaseSpider


_TRS_ARTICLE = re.compile(r"/t\d{8}_\d+\.s?html?$", re.I)


def column_dir(list_url: str) -> str:
    """/gzdt/index_1.html -> /gzdt/"""
    path = urlparse(list_url).path
    return path.rsplit("/", 1)[0] + "/"


class ProvincialPortalSpider(BaseSpider):
    name = "provincial_portal"
    site_type = "provincial_portal"
    ARTICLE_PATTERNS = (
        re.compile(r"/t\d{8}_\d+\.s?html?$", re.I),
        re.compile(r"/art/\d{4}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html$", re.I),
        re.compile(r"/content_\d+\.s?html?$", re.I),
    )
    LIST_PATTERNS = (
        re.compile(r"/index(?:_\d+)?\.s?html?$", re.I),
        re.compile(r"/col/col\d+/index\.html", re.I),
    )

    LIST_CONTAINER_XPATHS = (
        "//td[contains(concat(' ', normalize-space(@class), ' '), ' list_a ')]",
        "//ul[contains(@class, 'list')]/li",
    )

    def article_links(self, response: TextResponse, links: list[Anchor], site: Site) -> list[str]:
        """TRS keeps a column's articles under the column's directory
        (/gzdt/202101/t20210108_1235.html for /gzdt/index.html): links to TRS
        articles elsewhere are sidebars of other columns."""
        column = column_dir(response.url)
        out = []
        for url in super().article_links(response, links, site):
            if _TRS_ARTICLE.search(url) and not urlparse(url).path.startswith(column):
                continue
            out.append(url)
        return out

    def pagination_links(self, response: TextResponse, links: list[Anchor], site: Site) -> list[str]:
        out = super().pagination_links(response, links, site)
        for url in trs_pages(response):
            if url not in out and url != response.url and self.same_list(response.url, url):
                out.append(url)
        return out

    # Contracts (`scrapy check`), on the saved sdjky site in fixtures/.
    def parse_list(self, response):
        """A TRS column page: its articles and the next page of the column, no record.

        @url http://www.sdjky.cn/gzdt/index.html
        @returns requests 4
        @returns items 0 0
        """
        return super().parse_list(response)

    def parse_article(self, response):
        """A TRS article page: one article item with its provenance.

        @url http://www.sdjky.cn/gzdt/202012/t20201228_1226.html
        @returns items 1 1
        @scrapes page site site_type spider
        """
        return super().parse_article(response)
