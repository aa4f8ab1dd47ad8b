"""What a URL's shape says about the page: an article (t20210108_1234.html,
ShowArticle.asp?ArticleID=5, /info/1012/2345.htm, ...) or an asset never worth
fetching as a page. Pure; the crawler's link reading and the page-kind decision
(cleaners/page_kind.py) both use these.
"""

from __future__ import annotations

import re
from urllib.parse import urlparse

# Links never worth fetching as pages.
ASSET_EXTENSIONS = re.compile(
    r"\.(?:jpe?g|png|gif|bmp|webp|svg|ico|css|js|pdf|docx?|xlsx?|pptx?|zip|rar|7z|gz|tar|mp[34]|avi|wmv|flv|swf|txt|xml|apk|exe)$",
    re.I,
)
# URL shapes of article pages across the CMS families we know.
ARTICLE_URL_SHAPES: tuple[re.Pattern[str], ...] = (
    re.compile(r"/t\d{8}_\d+\.s?html?$", re.I),  # TRS WCM: t20210108_1234.html
    re.compile(r"[?&]ArticleID=\d+", re.I),  # ASP CMS: ShowArticle.asp?ArticleID=
    re.compile(r"/info/\d+/\d+\.s?html?$", re.I),  # VSB: /info/1012/2345.htm
    re.compile(r"/content_\d+\.s?html?$", re.I),  # content_123456.htm
    re.compile(r"/(?:19|20)\d{2}-?[01]\d(?:-?[0-3]\d)?/[^/]*\d{3,}[^/]*\.s?html?$", re.I),  # /2024-03/xxx123.html
    re.compile(r"/(?:19|20)\d{2}/[01]?\d(?:[0-3]\d)?/[^/]*\d[^/]*\.s?html?$", re.I),  # /2024/0312/c123a456/page.htm
    re.compile(r"/(?:19|20)\d{6}/[^/]*\d[^/]*\.s?html?$", re.I),  # /20240312/xxx.html
    re.compile(r"/c\d+a\d+/page\.s?html?$", re.I),  # WebPlus
    re.compile(r"/art/(?:19|20)\d{2}/\d{1,2}/\d{1,2}/art_\d+_\d+\.html$", re.I),  # Hanweb JCMS
    re.compile(r"[/_-](?:art|article|detail|news|show|view)[_-]?\d{3,}\.s?html?$", re.I),
    re.compile(r"/(?:article|detail|news|show|view|content)s?/\d{3,}(?:\.s?html?)?$", re.I),
    re.compile(r"[?&](?:id|aid|newsid|articleid|contentid|wbnewsid)=\d{2,}", re.I),
    re.compile(r"/\d{5,}\.s?html?$", re.I),  # long numeric id
)


def matches_any(url: str, patterns) -> bool:
    return any(p.search(url) for p in patterns)


# Download scripts name the file in the query: downfile.jsp?filename=x.xls, download.aspx?file=a.pdf.
_DOWNLOAD_QUERY = re.compile(r"(?:^|&)(?:file|filename|fname|name|path)=[^&]*?\.([A-Za-z0-9]{2,5})(?:&|$)", re.I)


def is_asset(url: str) -> bool:
    parsed = urlparse(url)
    if ASSET_EXTENSIONS.search(parsed.path):
        return True
    m = _DOWNLOAD_QUERY.search(parsed.query)
    return bool(m and ASSET_EXTENSIONS.search("." + m.group(1)))


def looks_like_article_url(url: str, extra=()) -> bool:
    return matches_any(url, extra) or matches_any(url, ARTICLE_URL_SHAPES)
