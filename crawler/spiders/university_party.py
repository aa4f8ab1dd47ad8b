"""University Party-committee sites on the VSB (博达) CMS.

- Column pages: `/zzgz/gzdt.htm` (newest), further pages `/zzgz/gzdt/2.htm`,
  `/zzgz/gzdt/1.htm` (VSB counts down). Older VSB: `list.jsp?...&PAGENUM=2`.
- Articles: `/info/1012/2345.htm`; a split article continues at `/info/1012/2345_2.htm`.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

from crawler.spiders.base import BaseSpider

_COLUMN_PAGE = re.compile(r"^(?P<column>.+)/\d+\.htm$", re.I)


def column_of(path: str) -> str:
    """`/zzgz/gzdt.htm` and `/zzgz/gzdt/2.htm` are both pages of column `/zzgz/gzdt`."""
    m = _COLUMN_PAGE.match(path)
    if m:
        return m.group("column")
    return re.sub(r"\.s?html?$", "", path)


class UniversityPartySpider(BaseSpider):
    name = "university_party"
    site_type = "university_party"
    ARTICLE_PATTERNS = (
        re.compile(r"/info/\d+/\d+\.s?html?$", re.I),
        re.compile(r"content\.jsp\?.*wbnewsid=\d+", re.I),
    )
    LIST_CONTAINER_XPATHS = (
        "//li[starts-with(@id, 'line_u')]",
        "//table[starts-with(@id, 'line_u')]",
    )
    LIST_PATTERNS = (
        re.compile(r"/\w+/\d{1,4}\.htm$", re.I),
        re.compile(r"/\w+\.htm$", re.I),
        re.compile(r"list\.jsp\?.*PAGENUM=\d+", re.I),
    )

    def same_list(self, list_url: str, url: str) -> bool:
        a, b = urlparse(list_url), urlparse(url)
        if a.netloc != b.netloc:
            return False
        if "list.jsp" in a.path and "list.jsp" in b.path:
            return True
        return column_of(a.path) == column_of(b.path)

    # Contracts (`scrapy check`), on the saved gxxk_party site in fixtures/.
    def parse_list(self, response):
        """A VSB column page (/zzgz/gzdt.htm): article requests and the next page, no record.

        @url http://zzb.gxxk.edu.cn/zzgz/gzdt.htm
        @returns requests 3
        @returns items 0 0
        """
        return super().parse_list(response)

    def parse_article(self, response):
        """A VSB article (/info/1012/2345.htm): one article item.

        @url http://zzb.gxxk.edu.cn/info/1012/2345.htm
        @returns items 1 1
        @scrapes page site site_type spider
        """
        return super().parse_article(response)
