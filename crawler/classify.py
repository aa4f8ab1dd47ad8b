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

from crawler.links import Anchor, looks_like_article_url

DATE_LINE = re.compile(
    r"(?:发布时间|发布日期|发表时间|更新时间|时间|日期|来源|作者|Published|Date)\s*[:：]?\s*"
    r"|(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}"
    r"|\d{1,2}/\d{1,2}/(?:19|20)\d{2}"
)
FULL_DATE = re.compile(r"(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}|\d{1,2}/\d{1,2}/(?:19|20)\d{2}")
# Containers whose text is never content.
_SKIP = "ancestor-or-self::*[self::script or self::style or self::noscript or self::nav or self::footer or self::header]"

# Thresholds, named so they can be tuned and tested.
MIN_ARTICLE_CHARS = 150  # paragraph text an article has at least
MAX_ARTICLE_LINK_DENSITY = 0.5  # share of the page's text inside links
MIN_LIST_ARTICLE_LINKS = 3  # article-shaped links that make a page a list


@dataclass(frozen=True)
class PageFeatures:
    url_article_shape: bool
    paragraph_chars: int  # text in <p> (and text-only blocks) outside links
    text_chars: int
    link_chars: int
    article_links: int  # links on the page with article-shaped URLs
    has_date_line: bool
    has_title_heading: bool

    @property
    def link_density(self) -> float:
        return self.link_chars / self.text_chars if self.text_chars else 1.0


def _chars(s: str) -> int:
    return len("".join(s.split()))


def features(response: TextResponse, links: list[Anchor], extra_article_patterns=()) -> PageFeatures:
    body_text = " ".join(response.xpath(f"//body//text()[not({_SKIP})]").getall())
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
    top_text = body_text[:3000]
    return PageFeatures(
        url_article_shape=looks_like_article_url(response.url, extra_article_patterns),
        paragraph_chars=paragraphs,
        text_chars=_chars(body_text),
        link_chars=_chars(link_text),
        article_links=sum(1 for a in links if looks_like_article_url(a.url, extra_article_patterns)),
        has_date_line=bool(FULL_DATE.search(top_text)),
        has_title_heading=has_heading,
    )


def classify(f: PageFeatures) -> str:
    """'article', 'list' or 'other' (navigation, landing, empty)."""
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
