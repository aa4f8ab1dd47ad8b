"""Telling article pages from list and navigation pages, for sites we have no
rules for (the generic spider). Pure functions on a parsed page.

An article page has a title heading, a date line, a body of paragraph text and
few links inside that body; its URL often has a date or an id. A list page is
mostly links, many of them to article-shaped URLs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scrapy.http import TextResponse

from cleaners.dates import find_dates_in_text
from cleaners.metadata.published import has_labelled_date
from crawler.links import Anchor, looks_like_article_url
from crawler.list_sources import datastore_entries

# Containers whose text is never content.
_SKIP = "ancestor-or-self::*[self::script or self::style or self::noscript or self::nav or self::footer or self::header]"

# Thresholds, named so they can be tuned and tested.
MIN_ARTICLE_CHARS = 150  # paragraph text an article has at least
MAX_ARTICLE_LINK_DENSITY = 0.5  # share of the page's text inside links
MIN_LIST_ARTICLE_LINKS = 3  # article-shaped links that make a page a list


MIN_BLOCK_CHARS = 80  # the article body: one block of text, few links in it
# A short notice (通知/公告: two sentences and an attachment): a body block this
# long is enough when the page has a title heading and a labelled date line.
MIN_NOTICE_CHARS = 30
MAX_BLOCK_LINK_DENSITY = 0.3
_BLOCK_TAGS = ("div", "td", "article", "section", "main", "p")
_NEVER_TEXT = {"script", "style", "noscript", "nav", "footer", "header", "select", "option"}
# Containers that are never the article body (footers, friend links, hidden spam).
_NOT_BODY = re.compile(r"foot|copyright|bottom|yqlj|friend|links|sidebar|hidden", re.I)
_HIDDEN_STYLE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)


@dataclass(frozen=True)
class PageFeatures:
    url_article_shape: bool
    paragraph_chars: int  # text in <p> (and text-only blocks) outside links
    text_chars: int
    link_chars: int
    article_links: int  # links on the page with article-shaped URLs
    has_date_line: bool
    has_title_heading: bool
    main_block_chars: int = 0  # non-link text of the best low-link-density block
    has_labelled_date: bool = False  # 发布日期：2024-03-12, Published: ...


    @property
    def link_density(self) -> float:
        return self.link_chars / self.text_chars if self.text_chars else 1.0


def _chars(s: str) -> int:
    return len("".join(s.split()))


def main_block_chars(response: TextResponse) -> int:
    """Non-link text of the largest block whose links are few: an article's body.

    One pass down marks what is never shown (scripts, hidden blocks), one pass
    up sums each element's text and link text from its children's: linear in
    the size of the page however deep its markup is nested.
    """
    nodes = [n for n in response.selector.root.iter() if isinstance(n.tag, str)]
    hidden = set()
    for node in nodes:
        parent = node.getparent()
        if ((parent is not None and parent in hidden) or node.tag in _NEVER_TEXT
                or node.get("hidden") is not None or _HIDDEN_STYLE.search(node.get("style") or "")):
            hidden.add(node)
    sums: dict = {}  # element -> (non-link chars, link chars)
    best = 0
    for node in reversed(nodes):  # reversed pre-order: children before parents
        if node in hidden:
            continue
        own = _chars(node.text or "")
        text = links = 0
        for child in node:
            child_text, child_links = sums.get(child, (0, 0))
            text += child_text
            links += child_links
            own += _chars(child.tail or "")
        if node.tag == "a":
            text, links = 0, links + text + own
        else:
            text += own
        sums[node] = (text, links)
        if (node.tag in _BLOCK_TAGS and text > best and links <= MAX_BLOCK_LINK_DENSITY * (text + links)
                and not _NOT_BODY.search(f"{node.get('class') or ''} {node.get('id') or ''}")):
            best = text
    return best


def features(response: TextResponse, links: list[Anchor], extra_article_patterns=()) -> PageFeatures:
    body_text = " ".join(response.xpath(f"//body//text()[not({_SKIP})]").getall())
    labelled = has_labelled_date(body_text)  # 发布时间：2024-03-12, read by the cleaner's date grammar
    link_text = " ".join(response.xpath(f"//body//a//text()[not({_SKIP})]").getall())
    paragraphs = 0
    for p in response.xpath(f"//body//p[not({_SKIP})] | //body//div[not(*)][not({_SKIP})] | //body//td[not(*)]"):
        text = "".join(p.xpath(".//text()[not(ancestor::a)]").getall())
        n = _chars(text)
        if n >= 20:
            paragraphs += n
    headings = response.xpath(
        "//h1 | //h2 | //h3 | //*[contains(@class,'title') or contains(@id,'title')][not(self::title)]"
    )
    has_heading = any(_chars("".join(h.xpath(".//text()").getall())) >= 4 for h in headings)
    return PageFeatures(
        url_article_shape=looks_like_article_url(response.url, extra_article_patterns),
        paragraph_chars=paragraphs,
        text_chars=_chars(body_text),
        link_chars=_chars(link_text),
        # Entries kept in a Hanweb datastore are the list's links too, though not anchors.
        article_links=sum(1 for a in links if looks_like_article_url(a.url, extra_article_patterns))
        + len(datastore_entries(response.text, response.url)),
        # A labelled date (发布时间：2024-03-12), or one or two dates on the whole
        # page; a list page has a date per item.
        # The dates are read by the cleaner's own date grammar (cleaners.dates).
        has_date_line=labelled or 1 <= len(find_dates_in_text(body_text, limit=3)) <= 2,
        has_title_heading=has_heading,
        main_block_chars=main_block_chars(response),
        has_labelled_date=labelled,
    )


def classify(f: PageFeatures) -> str:
    """'article', 'list' or 'other' (navigation, landing, empty)."""
    signals = sum((f.url_article_shape, f.has_date_line, f.has_title_heading))
    # One block of body text with few links in it, and a date line or a title
    # heading or an article URL: an article, even among heavy sidebars.
    if f.main_block_chars >= MIN_BLOCK_CHARS and signals >= 2:
        return "article"
    if is_short_notice(f):
        return "article"
    content = f.paragraph_chars >= MIN_ARTICLE_CHARS and f.link_density <= MAX_ARTICLE_LINK_DENSITY
    if content:
        signals = sum((f.url_article_shape, f.has_date_line, f.has_title_heading))
        # Paragraph text dominates the page and at least one article signal: article.
        if signals >= 2 or (signals == 1 and f.paragraph_chars >= 2 * (f.text_chars - f.paragraph_chars)):
            # A list page with long teasers has many article links: not an article.
            if not (f.article_links >= 8 and not f.url_article_shape and f.link_density > 0.3):
                return "article"
    if f.article_links >= MIN_LIST_ARTICLE_LINKS or f.link_density > MAX_ARTICLE_LINK_DENSITY:
        return "list"
    return "other"


def is_short_notice(f: PageFeatures) -> bool:
    """A notice of a sentence or two under its own title and date line: an article.
    A list page has dates too, but not under a title with a body block of its own,
    and it links to several articles (a notice's page links to few, or sits at an
    article address)."""
    if f.main_block_chars < MIN_NOTICE_CHARS or not (f.has_title_heading and f.has_labelled_date):
        return False
    return f.url_article_shape or f.article_links < MIN_LIST_ARTICLE_LINKS


# Body text an article has at the least: one run of it is enough to rule out a list page.
CLEARLY_NOT_ARTICLE_MAX_BLOCK = 50
BODY_TEXT_NODE_XPATH = (
    f"boolean(//body//text()[string-length(normalize-space()) >= {CLEARLY_NOT_ARTICLE_MAX_BLOCK}]"
    "[not(ancestor::a or ancestor::script or ancestor::style or ancestor::noscript or ancestor::template)])")


def article_link_led_to_list(response: TextResponse, links: list[Anchor], extra_article_patterns=()) -> bool:
    """clearly_not_article for a page reached by an article link, cheapest test
    first: a page with a block of body text is never "clearly not an article",
    so the full features (a few times dearer) are computed only for the rest."""
    root = response.selector.root
    if hasattr(root, "xpath") and root.xpath(BODY_TEXT_NODE_XPATH):
        return False  # one run of prose outside links and scripts: a body block, found by libxml2
    if main_block_chars(response) >= CLEARLY_NOT_ARTICLE_MAX_BLOCK:
        return False
    return clearly_not_article(features(response, links, extra_article_patterns))


def clearly_not_article(f: PageFeatures) -> bool:
    """A page reached by an article link that is plainly a list or a menu: no
    block of body text at all, and links to several articles. Conservative on
    purpose: a short article with heavy sidebars still has its body block."""
    return (f.main_block_chars < CLEARLY_NOT_ARTICLE_MAX_BLOCK and f.paragraph_chars < 100
            and f.article_links >= 3)
