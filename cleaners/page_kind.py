"""What kind of page this is: an article, a list of articles, or other
(navigation, landing, empty). One decision, used by the generic spider to
choose which pages to emit and which to follow (crawler/discover/classify.py adapts a
Scrapy response to it) and by clean_page for the record's `page_kind`.

Pure functions on a parsed page (an lxml tree). An article page has a title
heading, a date line, a body of paragraph text and few links inside that body;
its URL often has a date or an id. A list page is mostly links, many of them to
article-shaped URLs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from urllib.parse import urljoin

from lxml import etree

from .dates import find_dates_in_text
from .list_entries import NON_HTTP, datastore_entries
from .metadata.published import has_labelled_date
from .text_stats import MAX_BLOCK_LINK_DENSITY, text_stats
from .url_shapes import is_asset, looks_like_article_url

KINDS = ("article", "list", "other")
# How a page of each kind is named to a reader (the CLI's not_article lines).
KIND_NAMES = {"article": "an article", "list": "a list page", "other": "a navigation or landing page"}
_DIGIT = re.compile(r"\d")

# Containers whose text is never content.
_SKIP_TAGS = ("script", "style", "noscript", "nav", "footer", "header")
_SKIP = f"ancestor-or-self::*[{' or '.join(f'self::{tag}' for tag in _SKIP_TAGS)}]"
# Elements named a title (a headline without a heading tag), not the page's <title>;
# reached through their attributes (half the cost in libxml2 of a test of every element).
_NAMED_TITLE = etree.XPath("//@class[contains(., 'title')]/parent::*[not(self::title)]"
                           " | //@id[contains(., 'title')]/parent::*[not(self::title)]")

# Thresholds, named so they can be tuned and tested.
MIN_ARTICLE_CHARS = 150  # paragraph text an article has at least
MAX_ARTICLE_LINK_DENSITY = 0.5  # share of the page's text inside links
MIN_LIST_ARTICLE_LINKS = 3  # article-shaped links that make a page a list


# The article body: one block of text, few links in it (the block and its
# MAX_BLOCK_LINK_DENSITY: cleaners/text_stats.py).
MIN_BLOCK_CHARS = 80
# A short notice (通知/公告: two sentences and an attachment): a body block this
# long is enough when the page has a title heading and a labelled date line.
MIN_NOTICE_CHARS = 30


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


def _body_text(root) -> tuple[str, int]:
    """The body's text outside _SKIP_TAGS containers (text nodes joined by spaces),
    and how many of its characters are inside links, in one walk of the tree."""
    pieces: list[str] = []
    link_chars = 0
    # Open elements: (in body, skipped, in a link) of each.
    stack: list[tuple[bool, bool, bool]] = [(False, False, False)]
    for event, node in etree.iterwalk(root, events=("start", "end")):
        in_body, skipped, in_link = stack[-1]
        tag = node.tag
        if event == "start":
            if isinstance(tag, str):
                in_body = in_body or tag == "body"
                skipped = skipped or tag in _SKIP_TAGS
                in_link = in_link or tag == "a"
                if in_body and not skipped:
                    texts = [node.text, *_comment_tails(node[0] if len(node) else None)]
                    pieces.extend(t for t in texts if t)
                    if in_link:
                        link_chars += sum(_chars(t) for t in texts if t)
            stack.append((in_body, skipped, in_link))
            continue
        stack.pop()
        # The tail is the parent's text.
        in_body, skipped, in_link = stack[-1]
        if in_body and not skipped:
            texts = [node.tail, *_comment_tails(node.getnext())]
            pieces.extend(t for t in texts if t)
            if in_link:
                link_chars += sum(_chars(t) for t in texts if t)
    return " ".join(pieces), link_chars


def _comment_tails(node):
    """Tails of the comments and processing instructions from `node` on (the walk never
    visits them, but the text after them is the page's)."""
    while node is not None and not isinstance(node.tag, str):
        yield node.tail
        node = node.getnext()


def main_block_chars(root) -> int:
    """Non-link text of the largest block whose links are few: an article's body."""
    return text_stats(root, body=False).main_block_chars


class LazyFeatures:
    """The values of PageFeatures, each computed when first asked for: classify reads
    them in an order that lets most pages stop before the dearer ones (the dates, the
    paragraphs, the links). `count_article_links()`: the page's article-shaped links;
    `main_block_chars`: when the caller has it (clean_page: from the walk prune reads too)."""

    def __init__(self, root, url: str, count_article_links, extra_article_patterns=(), dated: bool = False,
                 main_block_chars: int | None = None):
        self.root, self.url, self.extra = root, url, extra_article_patterns
        self._count_article_links = count_article_links
        self.dated = dated  # the page's structured data or markup gives its publication date
        if main_block_chars is not None:
            self.main_block_chars = main_block_chars

    @cached_property
    def _body_text(self) -> tuple[str, int]:  # (text, link chars): few pages need them
        return _body_text(self.root)

    @cached_property
    def url_article_shape(self) -> bool:
        return looks_like_article_url(self.url, self.extra)

    @cached_property
    def paragraph_chars(self) -> int:
        paragraphs = 0
        for p in self.root.xpath(f"//body//p[not({_SKIP})] | //body//div[not(*)][not({_SKIP})] | //body//td[not(*)]"):
            n = _chars("".join(p.xpath(".//text()[not(ancestor::a)]")))
            if n >= 20:
                paragraphs += n
        return paragraphs

    @cached_property
    def text_chars(self) -> int:
        return _chars(self._body_text[0])

    @property
    def link_chars(self) -> int:
        return self._body_text[1]

    @cached_property
    def main_block_chars(self) -> int:
        return main_block_chars(self.root)

    @cached_property
    def article_links(self) -> int:
        return self._count_article_links()

    @cached_property
    def has_labelled_date(self) -> bool:
        # Dates are read by the cleaner's own date grammar (cleaners.dates).
        return has_labelled_date(self._body_text[0])

    @cached_property
    def has_date_line(self) -> bool:
        # A labelled date (发布时间：2024-03-12), or one or two dates on the whole
        # page; a list page has a date per item.
        return (self.dated or self.has_labelled_date
                or 1 <= len(find_dates_in_text(self._body_text[0], limit=3)) <= 2)

    @cached_property
    def has_title_heading(self) -> bool:
        def has_text(heading) -> bool:
            return _chars("".join(heading.xpath(".//text()"))) >= 4

        # The headings first: elements named a title are looked for (a search of
        # every element's attributes, dearer) only on a page without one.
        return (any(map(has_text, self.root.iter("h1", "h2", "h3")))
                or any(map(has_text, _NAMED_TITLE(self.root))))

    @property
    def link_density(self) -> float:
        return self.link_chars / self.text_chars if self.text_chars else 1.0

    def all(self) -> PageFeatures:
        return PageFeatures(**{name: getattr(self, name) for name in PageFeatures.__dataclass_fields__})


def page_features(root, url: str, link_urls, extra_article_patterns=(), data_links: int = 0) -> PageFeatures:
    """The features of the page `root` (an lxml tree) at `url`. `link_urls`: the
    absolute URLs of its links worth following; `data_links`: list entries it keeps
    as data rather than anchors (a Hanweb datastore's records)."""
    def count_article_links() -> int:
        return sum(1 for u in link_urls if looks_like_article_url(u, extra_article_patterns)) + data_links

    return LazyFeatures(root, url, count_article_links, extra_article_patterns).all()


def classify(f: PageFeatures | LazyFeatures) -> str:
    """'article', 'list' or 'other' (navigation, landing, empty)."""
    # One block of body text with few links in it, and a date line or a title
    # heading or an article URL: an article, even among heavy sidebars.
    if f.main_block_chars >= MIN_BLOCK_CHARS and _signals(f, enough=2) >= 2:
        return "article"
    if is_short_notice(f):
        return "article"
    content = f.paragraph_chars >= MIN_ARTICLE_CHARS and f.link_density <= MAX_ARTICLE_LINK_DENSITY
    if content:
        signals = _signals(f)
        # Paragraph text dominates the page and at least one article signal: article.
        if signals >= 2 or (signals == 1 and f.paragraph_chars >= 2 * (f.text_chars - f.paragraph_chars)):
            # A list page with long teasers has many article links: not an article.
            if not (f.article_links >= 8 and not f.url_article_shape and f.link_density > 0.3):
                return "article"
    if f.article_links >= MIN_LIST_ARTICLE_LINKS or f.link_density > MAX_ARTICLE_LINK_DENSITY:
        return "list"
    return "other"


def _signals(f, enough: int = 3) -> int:
    """How many of the article signals the page gives (URL, title heading, date line),
    the date line (the dearest) read only when the others are not `enough`."""
    n = f.url_article_shape + f.has_title_heading
    return n if n >= enough else n + f.has_date_line


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


def clearly_not_article(f: PageFeatures) -> bool:
    """A page reached by an article link that is plainly a list or a menu: no
    block of body text at all, and links to several articles. Conservative on
    purpose: a short article with heavy sidebars still has its body block."""
    return (f.main_block_chars < CLEARLY_NOT_ARTICLE_MAX_BLOCK and f.paragraph_chars < 100
            and f.article_links >= 3)


# --- for clean_page: a page on its own, no crawl around it ------------------------------


def article_link_count(root, url: str) -> int:
    """How many of the page's links have article-shaped URLs (assets left out). With no
    crawl around the page there are no allowed domains: every site's links count, and
    a saved file's relative links (file://) are the site's links all the same."""
    base = url
    base_href = root.xpath("//base/@href")
    if base_href and base_href[0].strip():
        base = urljoin(url, base_href[0].strip())
    n = 0
    for href in root.xpath("//a/@href"):
        href = href.strip()
        # Every article shape has a digit in it: the rest are not even resolved.
        if not href or href.startswith("#") or not _DIGIT.search(href) or NON_HTTP.match(href):
            continue
        absolute = urljoin(base, href)
        if (absolute.startswith(("http://", "https://", "file://")) and looks_like_article_url(absolute)
                and not is_asset(absolute)):
            n += 1
    return n


# Where a publication date comes from that says the page itself was published
# (cleaners.metadata's provenance: "text" is the first date under the headline, a
# date line); a date guessed from the markup or the URL does not. Such a date spares
# the search of the whole page for one.
PUBLISHED_BY = frozenset(("json-ld", "meta", "time", "label", "text", "date_format"))


def page_kind(root, html: str, url: str, date_source: str | None = None, main_block_chars: int | None = None) -> str:
    """'article', 'list' or 'other' for a page cleaned on its own (`html`: its decoded
    text, where a Hanweb column keeps its entries as data). `date_source`: where the
    metadata step found the publication date (a crawl has not read it: its spider
    decides without it); one from PUBLISHED_BY is a date line. `main_block_chars`:
    `text_stats(root).main_block_chars`, when the caller has walked the tree already."""
    def count_article_links() -> int:
        return article_link_count(root, url) + len(datastore_entries(html, url))

    return classify(LazyFeatures(root, url, count_article_links, dated=date_source in PUBLISHED_BY,
                                 main_block_chars=main_block_chars))
