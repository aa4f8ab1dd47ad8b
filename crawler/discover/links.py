"""Reading links out of list and article pages: article links, pagination,
continuation pages of a split article. Pure functions on (url, anchors) so they
are testable without Scrapy.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import parse_qsl, urljoin, urlparse

from scrapy.http import TextResponse

from cleaners.list_entries import NON_HTTP
from cleaners.url_shapes import (  # noqa: F401  (re-exported for the spiders)
    ARTICLE_URL_SHAPES, ASSET_EXTENSIONS, is_asset, looks_like_article_url, matches_any,
)
from cleaners.urls import canonical_url

# Anchor texts that mean "another page of this list/article".
PAGER_TEXTS = ("下一页", "下页", "尾页", "末页", "最后一页", "后页", "next", "next page", "last", ">", ">>", "»")
PREVIOUS_TEXTS = ("上一页", "上页", "首页", "前页", "prev", "previous", "<", "<<", "«")
# URL shapes of list (column) pages and their pagination.
LIST_URL_SHAPES: tuple[re.Pattern[str], ...] = (
    re.compile(r"/index(?:_\d+)?\.s?html?$", re.I),  # TRS: index.html, index_1.html
    re.compile(r"/(?:list|more|column|channel)[^/]*\.s?html?$", re.I),
    re.compile(r"[?&](?:ClassID|page|pageno|pagenum|p)=\d+", re.I),
    re.compile(r"ShowClass\.asp", re.I),
    re.compile(r"/\w+/\d{1,4}\.htm$", re.I),  # VSB: /zzgz/gzdt/2.htm
    re.compile(r"/$"),
)

# The suffix that marks page N of a split article: t..._1234_1.html, 2345_2.htm.
_PART_SUFFIX = re.compile(r"^(?P<stem>.+?)_(?P<n>\d{1,3})(?P<ext>\.s?html?)$", re.I)
_PART_QUERY_KEYS = ("ArticlePage", "page", "pageno", "p")
# A raw href that may name a page of a split article by its query (ArticlePage=2).
_PART_QUERY_HREF = re.compile(r"[?&](?:%s)=\d" % "|".join(map(re.escape, _PART_QUERY_KEYS)), re.I)

# TRS "createPageHTML(countPage, currentPage, 'index', 'html')" / "var countPage = 5".
_TRS_PAGER = re.compile(
    r"createPageHTML\(\s*['\"]?(\d+)['\"]?\s*,\s*['\"]?(\d+)['\"]?\s*,\s*['\"]([\w-]+)['\"]\s*,\s*['\"](s?html?)['\"]"
)
_TRS_COUNT = re.compile(r"var\s+countPage\s*=\s*['\"]?(\d+)")


@dataclass(frozen=True)
class Anchor:
    url: str  # absolute, fragment removed
    text: str


def anchors(response: TextResponse, scope_xpaths: tuple[str, ...] = (),
            href_filter: Callable[[str], bool] | None = None) -> list[Anchor]:
    """Every <a href> of the page (or of the elements the scope XPaths select),
    absolute, without fragments, in document order; with `href_filter`, only the
    anchors whose raw href it accepts (tested before the dearer resolving)."""
    out: list[Anchor] = []
    seen: set[tuple[str, str]] = set()
    base = response.url
    base_href = response.xpath("//base/@href").get()
    if base_href:
        base = urljoin(response.url, base_href.strip())
    # lxml elements, not parsel Selectors: a page has hundreds of links, and a
    # Selector per link costs more than the rest of the page's handling.
    if scope_xpaths:
        nodes = [a for xp in scope_xpaths for scope in response.xpath(xp)
                 if hasattr(scope.root, "xpath") for a in scope.root.xpath("descendant-or-self::a[@href]")]
    else:
        nodes = response.selector.root.xpath("//a[@href]")
    for a in nodes:
        href = (a.get("href") or "").strip()
        if not href or href.startswith("#") or NON_HTTP.match(href):
            continue
        if href_filter is not None and not href_filter(href):
            continue
        url = canonical_url(urljoin(base, href), sort_query=False)  # classified as it will be asked for
        if not url.startswith(("http://", "https://")):
            continue
        text = " ".join(a.text_content().split())
        if not text:
            text = (a.get("title") or "").strip()
        key = (url, text)
        if key not in seen:
            seen.add(key)
            out.append(Anchor(url, text))
    return out


def is_pager_text(text: str) -> bool:
    t = text.strip().strip("[]【】()（）").strip().lower()
    if t in PAGER_TEXTS:
        return True
    return t.isdigit() and len(t) <= 4


def is_previous_text(text: str) -> bool:
    return text.strip().strip("[]【】()（）").strip().lower() in PREVIOUS_TEXTS


def trs_pages(response: TextResponse) -> list[str]:
    """Pages of a TRS list whose pager is written by JavaScript (createPageHTML)."""
    text = response.text
    m = _TRS_PAGER.search(text)
    if m:
        count, name, ext = int(m.group(1)), m.group(3), m.group(4)
    else:
        c = _TRS_COUNT.search(text)
        if not c:
            return []
        count, name, ext = int(c.group(1)), "index", "html"
    count = min(count, 1000)
    return [urljoin(response.url, f"{name}_{i}.{ext}") for i in range(1, count)]


# --- split articles -----------------------------------------------------------


def article_base(url: str) -> tuple[str, int]:
    """(URL of page 1, page number) for a page of a split article.

    t20210108_1234_1.html -> (t20210108_1234.html, 2): TRS numbers the extra
    pages from _1. ShowArticle.asp?ArticleID=5&ArticlePage=2 -> (..ArticleID=5, 2).
    """
    parsed = urlparse(url)
    m = _PART_SUFFIX.match(parsed.path)
    if m and not re.search(r"/t\d{8}$", m.group("stem")) and looks_like_article_url(m.group("stem") + m.group("ext")):
        trs = bool(re.search(r"/t\d{8}_\d+$", m.group("stem")))
        n = int(m.group("n"))
        base = parsed._replace(path=m.group("stem") + m.group("ext")).geturl()
        return base, (n + 1 if trs else n)
    if parsed.query:
        pairs = parse_qsl(parsed.query, keep_blank_values=True)
        for key in _PART_QUERY_KEYS:
            values = [v for k, v in pairs if k.lower() == key.lower()]
            if values and values[0].isdigit() and _has_article_id(pairs):
                rest = [(k, v) for k, v in pairs if k.lower() != key.lower()]
                query = "&".join(f"{k}={v}" for k, v in rest)
                return parsed._replace(query=query).geturl(), int(values[0])
    return url, 1


def _has_article_id(pairs) -> bool:
    return any(k.lower() in ("articleid", "id", "newsid", "aid", "contentid") for k, _ in pairs)


def is_continuation_url(url: str) -> bool:
    """True for page 2..n of a split article (never fetched on its own)."""
    return article_base(url)[1] > 1


def may_be_continuation_href(page_url: str) -> Callable[[str], bool]:
    """A test of raw hrefs that passes every link continuation_pages() could keep for
    `page_url` (and more): a page of the same article either names the first page's
    file in its own (t20210108_1234_1.html) or carries a page number in its query
    (ArticlePage=2), so an article page's other anchors need not be resolved to look
    for its pages."""
    base, _ = article_base(page_url)
    name = urlparse(base).path.rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return lambda href: (bool(stem) and stem in href) or ("?" in href and bool(_PART_QUERY_HREF.search(href)))


def continuation_pages(page_url: str, links: list[Anchor]) -> list[tuple[int, str]]:
    """The other pages of the article `page_url` belongs to, as (page number, URL), sorted."""
    base, _ = article_base(page_url)
    found: dict[int, str] = {}
    for a in links:
        if a.url == page_url:
            continue
        b, n = article_base(a.url)
        if b == base and n > 1:
            found.setdefault(n, a.url)
    return sorted(found.items())
