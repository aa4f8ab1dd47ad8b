"""Quality-education sites on classic ASP CMSs (PowerEasy and kin).

- Column pages: `ShowClass.asp?ClassID=12`, further pages `ShowClass.asp?ClassID=12&page=2`.
- Articles: `ShowArticle.asp?ArticleID=345`; a split article continues at
  `ShowArticle.asp?ArticleID=345&ArticlePage=2`.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from crawler.spiders.base import BaseSpider


class QualityEducationSpider(BaseSpider):
    name = "quality_education"
    site_type = "quality_education"
    ARTICLE_PATTERNS = (
        re.compile(r"Show(?:Article|News|Info)\.aspx?\?(?:.*&)?(?:ArticleID|NewsID|ID)=\d+", re.I),
        re.compile(r"/Article/(?:HTML|Show)/\d+\.s?html?$", re.I),
    )
    LIST_CONTAINER_XPATHS = (
        "//td[contains(concat(' ', normalize-space(@class), ' '), ' listbg ')]",
        "//*[contains(@class, 'articlelist') or contains(@class, 'article_list')]",
    )
    LIST_PATTERNS = (
        re.compile(r"Show(?:Class|List)\.aspx?\?", re.I),
        re.compile(r"/(?:List|Class)_?\d+(?:_\d+)?\.s?html?$", re.I),
    )

    def same_list(self, list_url: str, url: str) -> bool:
        a, b = urlparse(list_url), urlparse(url)
        if a.netloc != b.netloc or a.path.lower() != b.path.lower():
            return super().same_list(list_url, url) and not a.query and not b.query
        qa = {k.lower(): v for k, v in parse_qs(a.query).items()}
        qb = {k.lower(): v for k, v in parse_qs(b.query).items()}
        return qa.get("classid") == qb.get("classid")

    # Contracts (`scrapy check`), on the saved chce site in fixtures/.
    def parse_list(self, response):
        """A PowerEasy column page (ShowClass.asp): article requests and page 2, no record.

        @url http://www.chce.org.cn/Article/ShowClass.asp?ClassID=31
        @returns requests 4
        @returns items 0 0
        """
        return super().parse_list(response)

    def parse_article(self, response):
        """A PowerEasy article (ShowArticle.asp): one article item.

        @url http://www.chce.org.cn/Article/ShowArticle.asp?ArticleID=3314
        @returns items 1 1
        @scrapes page site site_type spider
        """
        return super().parse_article(response)
