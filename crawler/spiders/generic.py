"""Crawl any site from its start URLs, within its domains, with no rules.

Every fetched page is classified (crawler/discover/classify.py): an article becomes a
PageItem (pages 2..n of a split article included) and its links are not
followed; a list or navigation page has its links followed, article-shaped
URLs first, down to GENERIC_MAX_DEPTH (navigation pages that are not lists
only near the start). Nothing is emitted for list and navigation pages.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from typing import Any

from scrapy.http import Request, Response

from crawler.discover.classify import classify, features
from crawler.discover.links import anchors, is_asset, is_continuation_url, is_previous_text, looks_like_article_url
from crawler.discover.registry import Site
from crawler.fetch.responses import ERROR_STATUSES, as_html, problem
from crawler.spiders.base import BaseSpider

logger = logging.getLogger(__name__)


class GenericSpider(BaseSpider):
    name = "generic"
    site_type = None

    def configure(self, settings) -> None:
        super().configure(settings)
        self.max_depth = settings.getint("GENERIC_MAX_DEPTH", 3)

    async def start(self) -> AsyncIterator[Any]:
        for site in self.sites.values():
            for url in site.start_urls:
                yield self.page_request(url, site, depth=0, start=True)
            if site.list_api:
                yield self.api_request(site, site.list_api.get("first_page", 1), depth=0)
            for request in self.source_requests(site):
                yield request

    def page_request(self, url: str, site: Site, depth: int, start: bool = False,
                     referer: str | None = None) -> Request:
        article_shaped = looks_like_article_url(url, site.article_url_patterns)
        return Request(
            url,
            callback=self.parse_page,
            errback=self.on_error,
            priority=(10 if article_shaped else 0) - depth,
            meta={"site": site.name, "kind": "page", "depth_generic": depth, "start": start,
                  "list_url": referer, "handle_httpstatus_list": ERROR_STATUSES, **self.browser_meta(site)},
        )

    def parse_page(self, response: Response) -> Iterator[Any]:
        site = self.site_of(response)
        bad = problem(response)
        if bad:
            self.count("pages/fetched")
            yield self.error_from_response(bad[0], bad[1], response, site)
            return
        html = as_html(response)
        every = [a for a in anchors(html) if self.in_domain(a.url)]
        links = [a for a in every if not is_asset(a.url)]
        f = features(html, links, site.article_url_patterns)
        kind = classify(f)
        if any(p.search(response.url) for p in site.article_url_patterns):
            kind = "article"
        elif any(p.search(response.url) for p in site.list_url_patterns):
            kind = "list"
        logger.debug("%s classified %s: %s", response.url, kind, f)
        if kind == "article":
            self.count("pages/article")
            self.count("pages/fetched")
            yield from self.handle_article(response, site)
            return
        self.count("pages/fetched")
        self.count(f"pages/{kind}")
        if kind == "other" and f.url_article_shape and not response.meta.get("start"):
            # At an article's address but not read as one: never dropped unseen.
            self.count("discover/not_article_at_article_url")
            yield self.error_from_response(
                "discover", "page at an article address does not read as an article: not emitted", response, site)
        depth = response.meta.get("depth_generic", 0)
        if depth >= self.max_depth:
            self.count("lists/at_max_depth")
            return
        # Entries kept as data (a Hanweb datastore) and links only script follows.
        entries = self.datastore_entries(html)
        links += [a for a in self.script_anchors(html) if a not in links and not is_asset(a.url)]
        followed = 0
        for request in self.follow_entries(entries, response, site):
            followed += 1
            yield request
        known = site.article_url_patterns + site.list_url_patterns
        for a in links:
            if a.url == response.url or is_continuation_url(a.url) or is_previous_text(a.text):
                continue
            if known and not any(p.search(a.url) for p in known):
                continue  # the registry says which links lead to articles
            if self.window.outside(a.url):  # -a since/until, by the date in the URL
                self.count("articles/outside_dates")
                continue
            yield self.page_request(a.url, site, depth + 1, referer=response.url)
            followed += 1
        # Documents the page lists as dated entries (a notice published as a PDF): no page
        # kind is decided for them, so only those a list item dates, never a menu's.
        documents, dates = self.list_document_links(html, every, listed=False, articles=[])
        for request in self.document_requests(documents, dates, site, response.url):
            followed += 1
            yield request
        for request in [*self.script_list_requests(html, site, depth, have=len(entries)),
                        *self.linked_feeds(html, site)]:
            followed += 1
            yield request
        self.count("links/followed", followed)
        if followed == 0 and response.meta.get("start"):
            yield from self.no_article_links(html, site, followed=0, reason="start page has no links to follow")

    def index_candidates(self, entries, site: Site):
        return entries  # every page of a sitemap or feed is classified when fetched

    def follow_entries(self, entries, response: Response, site: Site) -> Iterator[Request]:
        """Entries of a list read from data: classified when fetched, like any link."""
        depth = response.meta.get("depth_generic", response.meta.get("list_depth", 0))
        referer = response.meta.get("list_url") or response.url
        pages, documents = self.split_documents(entries)
        for url in self.entry_urls(self.in_window(pages)):
            yield self.page_request(url, site, depth + 1, referer=referer)
        yield from self.document_requests(documents, {e.url: e.date for e in entries if e.date}, site, referer)
