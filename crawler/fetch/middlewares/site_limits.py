"""Per-site limits from the registry (crawler/sites.toml): `download_delay`, `max_articles`.

- SiteDelayMiddleware (downloader): the requests of a site with a
  `download_delay` go through a download slot of their own, `site:<name>`, whose
  delay is the site's (Scrapy's DOWNLOAD_SLOTS, which the spider fills from the
  registry: `site_slots`). AutoThrottle leaves that delay as it is.
- SiteArticleLimitMiddleware (spider): at most `max_articles` article links of a
  site are followed in a run; further ones are counted
  (`articles/over_max_articles`), not fetched, and once a site has its articles
  its list pages are no longer followed (`lists/over_max_articles`). The
  generic spider knows an article once read: it stops following the site's
  links when that many were read (pages already asked for are still read).
  Nothing fetched is dropped here: the limit acts on requests only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from typing import Any

from scrapy.http import Request, Response

from crawler.items import PageItem

SLOT_PREFIX = "site:"


def slot_key(site_name: str) -> str:
    return SLOT_PREFIX + site_name


def site_slots(sites: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """DOWNLOAD_SLOTS entries for the sites that set their own delay."""
    return {slot_key(s.name): {"delay": s.download_delay} for s in sites if s.download_delay is not None}


def _site(crawler: Any, request: Request) -> Any | None:
    sites = getattr(crawler.spider, "sites", None) or {}
    return sites.get(request.meta.get("site"))


class SiteDelayMiddleware:
    def __init__(self, crawler: Any):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Any) -> "SiteDelayMiddleware":
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        site = _site(self.crawler, request)
        if site is not None and site.download_delay is not None:
            request.meta.setdefault("download_slot", slot_key(site.name))
            request.meta["autothrottle_dont_adjust_delay"] = True


class SiteArticleLimitMiddleware:
    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.stats = crawler.stats
        self.taken: dict[str, set[str]] = {}  # site -> article URLs asked for
        self.read: dict[str, set[str]] = {}  # site -> articles read (generic spider)

    @classmethod
    def from_crawler(cls, crawler: Any) -> "SiteArticleLimitMiddleware":
        return cls(crawler)

    def _full(self, name: str, limit: int) -> bool:
        return len(self.taken.get(name, ())) >= limit or len(self.read.get(name, ())) >= limit

    def _keep(self, out: Any) -> bool:
        if isinstance(out, PageItem):
            self.read.setdefault(out.site, set()).add(out.page.final_url)
            return True
        if not isinstance(out, Request) or out.meta.get("article") is not None:
            return True  # items, and the next page of an article being read
        site = _site(self.crawler, out)
        if site is None or not site.max_articles:
            return True
        kind = out.meta.get("kind")
        taken = self.taken.setdefault(site.name, set())
        if kind in ("article", "document"):  # a list's documents are its entries too
            if out.url in taken:
                return True
            if not self._full(site.name, site.max_articles):
                taken.add(out.url)
                return True
            self.stats.inc_value("articles/over_max_articles")
            return False
        if self._full(site.name, site.max_articles):
            self.stats.inc_value("lists/over_max_articles")
            return False
        return True

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterable[Any]:
        for out in result:
            if self._keep(out):
                yield out

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for out in result:
            if self._keep(out):
                yield out

    async def process_start(self, start: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for out in start:
            if self._keep(out):
                yield out
