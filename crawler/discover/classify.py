"""Telling article pages from list and navigation pages, for sites we have no
rules for (the generic spider). The decision is cleaners/page_kind.py's (clean_page
uses it too, for the record's `page_kind`); this adapts a Scrapy response to it.
"""

from __future__ import annotations

from collections.abc import Callable

from scrapy.http import TextResponse

from cleaners.list_entries import datastore_entries
from cleaners.page_kind import (  # noqa: F401  (the decision, re-exported for the spiders and tests)
    BODY_TEXT_NODE_XPATH,
    CLEARLY_NOT_ARTICLE_MAX_BLOCK,
    MAX_ARTICLE_LINK_DENSITY,
    MAX_BLOCK_LINK_DENSITY,
    MIN_ARTICLE_CHARS,
    MIN_BLOCK_CHARS,
    MIN_LIST_ARTICLE_LINKS,
    MIN_NOTICE_CHARS,
    PageFeatures,
    classify,
    clearly_not_article,
    is_short_notice,
    page_features,
)
from cleaners.page_kind import main_block_chars as _main_block_chars_of_tree
from crawler.discover.links import Anchor


def main_block_chars(response: TextResponse) -> int:
    return _main_block_chars_of_tree(response.selector.root)


def features(response: TextResponse, links: list[Anchor], extra_article_patterns=()) -> PageFeatures:
    """`links`: the page's anchors within the site's domains; entries kept in a
    Hanweb datastore are the list's links too, though not anchors."""
    return page_features(response.selector.root, response.url, [a.url for a in links], extra_article_patterns,
                         data_links=len(datastore_entries(response.text, response.url)))


def article_link_led_to_list(response: TextResponse, links: Callable[[], list[Anchor]],
                             extra_article_patterns=()) -> bool:
    """clearly_not_article for a page reached by an article link, cheapest test
    first: a page with a block of body text is never "clearly not an article",
    so the full features (a few times dearer, and the page's links, which `links`
    reads) are computed only for the rest."""
    root = response.selector.root
    if hasattr(root, "xpath") and root.xpath(BODY_TEXT_NODE_XPATH):
        return False  # one run of prose outside links and scripts: a body block, found by libxml2
    if main_block_chars(response) >= CLEARLY_NOT_ARTICLE_MAX_BLOCK:
        return False
    return clearly_not_article(features(response, links(), extra_article_patterns))
