"""Sitemaps and RSS/Atom feeds: the article lists a site publishes for machines.

`-a sitemap=URL[,URL...]` (a sitemap, a sitemap index, or robots.txt and its
`Sitemap:` lines) and `-a feed=URL[,URL...]` (RSS 2.0 or Atom). Read with
Scrapy's sitemap machinery (scrapy.utils.sitemap) and lxml; pure functions of
the bytes, testable without a crawl. Entries carry a date as ISO text: an RSS
`pubDate`, an Atom `published`/`updated`, a sitemap's `news:publication_date`;
a sitemap's `lastmod` (a change, not a publication) is kept apart.
"""

from __future__ import annotations

import email.utils
from dataclasses import dataclass

from lxml import etree
from scrapy.utils.gz import gunzip
from scrapy.utils.sitemap import Sitemap, sitemap_urls_from_robots

from crawler.discover.list_sources import Entry, absolute_url

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemap protocol's own limit, uncompressed
# <link rel="alternate" type=...> of the feeds a page names.
FEED_TYPES = ("application/rss+xml", "application/atom+xml")


@dataclass(frozen=True)
class SitemapPage:
    pages: list[Entry]  # date = publication date when the sitemap gives one
    lastmod: dict[str, str]  # URL -> lastmod
    children: list[str]  # further sitemaps (an index, or robots.txt's Sitemap: lines)


def _maybe_gunzip(body: bytes) -> bytes:
    if body[:2] == b"\x1f\x8b":
        return gunzip(body, max_size=MAX_SITEMAP_BYTES)
    return body


def read_sitemap(body: bytes, url: str) -> SitemapPage | None:
    """A sitemap, a sitemap index or a robots.txt; None when the bytes are none of them."""
    if url.rstrip("/").endswith("/robots.txt"):
        return SitemapPage([], {}, list(dict.fromkeys(sitemap_urls_from_robots(body, base_url=url))))
    try:
        body = _maybe_gunzip(body)
        sitemap = Sitemap(body)
    except (OSError, ValueError, StopIteration, etree.XMLSyntaxError):
        return None
    if sitemap.type not in ("urlset", "sitemapindex"):
        return None
    pages, lastmod, children = [], {}, []
    for d in sitemap:
        loc = absolute_url(url, d.get("loc", ""))
        if not loc.startswith(("http://", "https://")):
            continue
        if sitemap.type == "sitemapindex":
            children.append(loc)
            continue
        pages.append(Entry(loc, d.get("title", ""), d.get("publication_date") or None))
        if d.get("lastmod"):
            lastmod[loc] = d["lastmod"]
    return SitemapPage(pages, lastmod, children)


def _iso(value: str | None) -> str | None:
    """RFC 822 dates (RSS) as ISO text the date grammar reads; others as they are."""
    if not value or not value.strip():
        return None
    try:
        return email.utils.parsedate_to_datetime(value.strip()).isoformat()
    except (TypeError, ValueError, IndexError):
        return value.strip()


def _local(tag) -> str:
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


def read_feed(body: bytes, url: str) -> list[Entry] | None:
    """The items of an RSS 2.0 / RSS 1.0 / Atom feed; None when the bytes are not a feed."""
    try:
        root = etree.fromstring(body, etree.XMLParser(recover=True, resolve_entities=False, no_network=True))
    except (etree.XMLSyntaxError, ValueError):
        return None
    if root is None or _local(root.tag) not in ("rss", "RDF", "feed"):
        return None
    out: list[Entry] = []
    for item in root.iter():
        name = _local(item.tag)
        if name not in ("item", "entry"):
            continue
        fields = {_local(c.tag): c for c in item}
        link = None
        if name == "entry":  # Atom: <link rel="alternate" href=...>
            for c in item:
                if _local(c.tag) == "link" and c.get("rel", "alternate") == "alternate" and c.get("href"):
                    link = c.get("href")
                    break
        else:
            el = fields.get("link")
            link = (el.text or "").strip() if el is not None else None
            if not link and fields.get("guid") is not None and (fields["guid"].text or "").startswith("http"):
                link = fields["guid"].text.strip()
        if not link:
            continue
        title = fields.get("title")
        date = next((fields[k].text for k in ("pubDate", "published", "date", "updated") if k in fields), None)
        out.append(Entry(absolute_url(url, link), " ".join((title.text or "").split()) if title is not None else "",
                         _iso(date)))
    return out


def sitemaps_in_robots(robotparser, robots_url: str) -> list[str]:
    """The `Sitemap:` lines of a robots.txt Scrapy parsed (ROBOTSTXT_PARSER: Protego,
    the default, or the standard library's), as absolute URLs."""
    parsed = getattr(robotparser, "rp", None)
    found = getattr(parsed, "sitemaps", None)  # Protego
    if found is None and hasattr(parsed, "site_maps"):
        found = parsed.site_maps()  # urllib.robotparser
    return list(dict.fromkeys(absolute_url(robots_url, u.strip()) for u in (found or ()) if u and u.strip()))
