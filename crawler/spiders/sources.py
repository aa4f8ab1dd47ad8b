"""What spiders read besides a list page's anchors (a mixin of BaseSpider).

- Hanweb datastores: the column page's records, then the jpage widget's
  dataproxy pages (POST), as `parse_list` finds them.
- Links only script follows, lists in iframes.
- `-a urls_file=`, `-a sitemap=`, `-a feed=`: article URLs, sitemaps and feeds; the
  registry's `sitemaps`/`feeds`, robots.txt's `Sitemap:` lines, feeds linked from list pages.
- A JSON list API the registry describes (`list_api`).
- Never a silent empty list: a list page with no article link is an error
  record naming what the page seems to use instead.

The parsing itself is in crawler/discover/list_sources.py and crawler/discover/site_indexes.py
(pure functions); here are the requests and callbacks. The entries found are
followed by `follow_entries` (article requests; the generic spider classifies them).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import urldefrag, urlencode, urlparse

from scrapy.http import FormRequest, Request, Response, TextResponse

from cleaners.documents.links import is_attachment_link
from crawler.fetch.challenges import script_challenge
from crawler.discover.links import Anchor, is_asset, is_continuation_url, looks_like_article_url, matches_any
from crawler.discover.list_sources import (
    Entry,
    api_entries,
    dataproxy_ranges,
    dataproxy_url,
    datastore_entries,
    jpage_config,
    list_mechanism,
    script_entries,
)
from crawler.discover.registry import Site
from crawler.fetch.responses import ERROR_STATUSES, problem
from crawler.discover.site_indexes import FEED_TYPES, read_feed, read_sitemap, sitemaps_in_robots

logger = logging.getLogger(__name__)

# Bounds on what one list page can ask for beyond its anchors.
MAX_DATAPROXY_REQUESTS = 200
MAX_IFRAMES = 5
MAX_API_PAGES = 100  # pages of a list API, unless the registry says (list_api.max_pages)


def mechanism_key(mechanism: str | None) -> str:
    """A short stats name for what a list without article links seems to use."""
    if not mechanism:
        return "nothing_found"
    for word, key in (("challenge", "challenge"), ("Hanweb", "datastore"), ("iframe", "iframe"), ("API", "api"),
                      ("script", "script")):
        if word in mechanism:
            return key
    return "other"


class ListSourcesMixin:
    """Needs of its host (BaseSpider): count, in_domain, article_request, list_request,
    error_from_response, window, list_page_limit, ARTICLE_PATTERNS, _api_seen, indexes_asked."""

    # Sitemaps and feeds (CRAWLER_DISCOVER_INDEXES, CRAWLER_MAX_SITEMAPS, CRAWLER_SITEMAP_DEPTH).
    discover_indexes = True
    max_sitemaps = 50
    sitemap_depth = 3

    def datastore_entries(self, page: TextResponse) -> list[Entry]:
        return self.followable(datastore_entries(page.text, page.url))

    def followable(self, entries: list[Entry]) -> list[Entry]:
        """Entries within the crawl's domains that are pages, or documents (read as a list's
        documents, see `split_documents`); never images, scripts and the like."""
        return [e for e in entries if self.in_domain(e.url)
                and (not is_asset(e.url) or is_attachment_link(e.url, e.text))]

    def split_documents(self, entries: list[Entry]) -> tuple[list[Entry], list[Anchor]]:
        """(the entries that are pages, the documents among them as anchors): a list's entry
        that links a document (the attachments' rule) is fetched and read as one."""
        pages: list[Entry] = []
        documents: list[Anchor] = []
        for e in entries:
            if is_attachment_link(e.url, e.text):
                if self.list_documents_enabled and all(d.url != e.url for d in documents):
                    documents.append(Anchor(e.url, e.text))
            else:
                pages.append(e)
        return pages, documents

    def entry_urls(self, entries: list[Entry]) -> list[str]:
        out: list[str] = []
        for e in entries:
            if not is_continuation_url(e.url) and e.url not in out:
                out.append(e.url)
        return out

    def script_anchors(self, page: TextResponse) -> list[Anchor]:
        root = page.selector.root
        if not hasattr(root, "xpath"):
            return []
        return [Anchor(e.url, e.text) for e in self.followable(script_entries(root, page.url))]

    def script_list_requests(self, page: TextResponse, site: Site, depth: int, have: int) -> Iterator[Request]:
        """The rest of a Hanweb column: one dataproxy POST per group of records, as the
        jpage widget asks for them, within the list-page limit."""
        jpage = jpage_config(page.text, page.url)
        if jpage is None or not self.in_domain(jpage.proxy_url):
            return
        room = MAX_DATAPROXY_REQUESTS
        limit = self.list_page_limit(site)
        if limit:
            room = min(room, max(0, limit - depth - 1))
        for n, (start, end) in enumerate(dataproxy_ranges(jpage, have, room), 1):
            self.count("lists/dataproxy_requests")
            meta = {"site": site.name, "kind": "list", "list_depth": depth + n, "depth_generic": depth + 1,
                    "list_url": page.url, "handle_httpstatus_list": ERROR_STATUSES}
            yield FormRequest(dataproxy_url(jpage, start, end), formdata=list(jpage.params),
                              callback=self.parse_datastore, errback=self.on_error, meta=meta)

    def parse_datastore(self, response: Response) -> Iterator[Any]:
        """A dataproxy answer: the same XML datastore as the column page's, more records."""
        site = self.site_of(response)
        self.count("pages/fetched")
        self.count("pages/list")
        if response.status >= 300 or not response.body.strip():
            yield self.error_from_response(*(problem(response) or ("content", "empty body")), response, site)
            return
        text = response.text if isinstance(response, TextResponse) else response.body.decode("utf-8", "replace")
        entries = self.followable(datastore_entries(text, response.url))
        if not entries:
            self.count("lists/no_article_links")
            yield self.error_from_response("discover", "dataproxy answer has no records", response, site)
            return
        self.count("links/articles", len(entries))
        yield from self.follow_entries(entries, response, site)

    def follow_entries(self, entries: list[Entry], response: Response, site: Site) -> Iterator[Request]:
        """Requests for the entries of a list read from data (site-type spiders: articles)."""
        dates = {e.url: e.date for e in entries if e.date}
        referer = response.meta.get("list_url") or response.url
        pages, documents = self.split_documents(entries)
        for url in self.entry_urls(self.in_window(pages)):
            yield self.article_request(url, site, referer=referer, list_date=dates.get(url))
        yield from self.document_requests(documents, dates, site, referer)

    def in_window(self, entries: list[Entry]) -> list[Entry]:
        """The entries `-a since/until` keeps (all of them without a window)."""
        kept = [e for e in entries if not self.window.outside(e.url, e.date)]
        if len(kept) < len(entries):
            self.count("articles/outside_dates", len(entries) - len(kept))
        return kept

    # --- urls_file, sitemaps and feeds ------------------------------------------------

    def source_requests(self, site: Site) -> Iterator[Request]:
        """The user's article URLs, sitemaps and feeds; with the site's list pages, the
        registry's sitemaps and feeds."""
        named = [(kind, url) for kind, url in self.sources.get(site.name, ())]
        if site.start_urls:
            named += [("sitemap", url) for url in site.sitemaps] + [("feed", url) for url in site.feeds]
        for kind, url in named:
            request = (self.article_request(url, site, referer=None) if kind == "article"
                       else self.index_request(url, site, kind))
            if request is not None:
                yield request

    def index_request(self, url: str, site: Site, kind: str, depth: int = 0) -> Request | None:
        """A sitemap or a feed of the site; None when it was asked for already, or the site
        has had CRAWLER_MAX_SITEMAPS of them."""
        asked = self.indexes_asked.setdefault(site.name, set())
        if url in asked:
            return None
        if len(asked) >= self.max_sitemaps:
            self.count("indexes/over_max_sitemaps")
            logger.info("%s: not read, site %s has had CRAWLER_MAX_SITEMAPS=%d sitemaps and feeds",
                        url, site.name, self.max_sitemaps)
            return None
        asked.add(url)
        return Request(url, callback=self.parse_index, errback=self.on_error,
                       meta={"site": site.name, "kind": "list", "index": kind, "index_depth": depth,
                             "list_depth": 0, "depth_generic": 0, "handle_httpstatus_list": ERROR_STATUSES})

    def discovers(self, site: Site) -> bool:
        """Sitemaps and feeds are looked for on sites crawled from their list pages."""
        return self.discover_indexes and bool(site.start_urls)

    def linked_feeds(self, page: TextResponse, site: Site) -> list[Request]:
        """`<link rel="alternate" type="application/rss+xml|atom+xml">` of a list page: its feeds."""
        root = page.selector.root
        if not (self.discovers(site) and hasattr(root, "xpath")):
            return []
        out = []
        for link in root.xpath("//link[@href]"):
            rel = (link.get("rel") or "").lower().split()
            if "alternate" in rel and (link.get("type") or "").strip().lower() in FEED_TYPES:
                url = urldefrag(page.urljoin(link.get("href").strip()))[0]
                request = self.index_request(url, site, "feed") if self.in_domain(url) else None
                if request is not None:
                    self.count("indexes/feeds_linked")
                    out.append(request)
        return out

    def robots_parsed(self, robotparser: Any, request: Request) -> None:
        """Scrapy read a host's robots.txt (ROBOTSTXT_OBEY) for one of our requests: its
        `Sitemap:` lines within the site's domains are read too."""
        site = self.sites.get(request.meta.get("site"))
        if site is None or not self.discovers(site):
            return
        robots = f"{urlparse(request.url).scheme}://{urlparse(request.url).netloc}/robots.txt"
        for url in sitemaps_in_robots(robotparser, robots):
            index = self.index_request(url, site, "sitemap") if self.in_domain(url) else None
            if index is not None:
                self.count("indexes/sitemaps_in_robots")
                self.crawler.engine.crawl(index)

    def parse_index(self, response: Response) -> Iterator[Any]:
        """A sitemap (index, or robots.txt's Sitemap: lines) or an RSS/Atom feed."""
        site = self.site_of(response)
        kind = response.meta["index"]
        self.count("pages/fetched")
        self.count(f"pages/{kind}")
        if response.status >= 300 or not response.body.strip():
            yield self.error_from_response(*(problem(response) or ("content", "empty body")), response, site)
            return
        if kind == "feed":
            entries, children, lastmod = read_feed(response.body, response.url), [], {}
        else:
            page = read_sitemap(response.body, response.url)
            entries, children, lastmod = (page.pages, page.children, page.lastmod) if page else (None, [], {})
        if entries is None:
            yield self.error_from_response("content", f"not a {kind}: cannot read {response.url}", response, site)
            return
        depth = response.meta.get("index_depth", 0)
        for url in children:
            if depth >= self.sitemap_depth:
                self.count("indexes/deeper_than_sitemap_depth")
                break
            child = self.index_request(url, site, kind, depth + 1) if self.in_domain(url) else None
            if child is not None:
                yield child
        entries = self.index_candidates(self.followable(entries), site)
        if not entries and not children:
            self.count("lists/no_article_links")
            yield self.error_from_response("discover", f"{kind} has no article links", response, site)
            return
        recent = [e for e in entries if not self.window.changed_before_since(lastmod.get(e.url))]
        if len(recent) < len(entries):
            self.count("articles/outside_dates", len(entries) - len(recent))
        self.count("links/articles", len(recent))
        yield from self.follow_entries(recent, response, site)

    def index_candidates(self, entries: list[Entry], site: Site) -> list[Entry]:
        """A sitemap lists every page: the family's article addresses (or any article-shaped one)."""
        patterns = site.article_url_patterns + self.ARTICLE_PATTERNS
        return [e for e in entries if matches_any(e.url, patterns) or looks_like_article_url(e.url)]

    # --- JSON list APIs described in the registry ----------------------------------

    def api_request(self, site: Site, page: int, depth: int) -> Request:
        """Page `page` of the site's list API: `{page}` in its URL and parameters, the
        parameters in the query (GET), as a form or as a JSON body (POST)."""
        api = site.list_api or {}
        url = api["url"].replace("{page}", str(page))
        params = {k: v.replace("{page}", str(page)) for k, v in api.get("params", {}).items()}
        meta = {"site": site.name, "kind": "list", "list_depth": depth, "depth_generic": 1, "api_page": page,
                "handle_httpstatus_list": ERROR_STATUSES}
        if api.get("method") == "POST" and api.get("json_body"):
            return Request(url, method="POST", body=json.dumps(params, ensure_ascii=False).encode("utf-8"),
                           headers={"Content-Type": "application/json"}, callback=self.parse_api,
                           errback=self.on_error, meta=meta)
        if api.get("method") == "POST":
            return FormRequest(url, formdata=params, callback=self.parse_api, errback=self.on_error, meta=meta)
        if params:  # added to the URL's own query (FormRequest would replace it)
            url += ("&" if "?" in url else "?") + urlencode(list(params.items()))
        return Request(url, callback=self.parse_api, errback=self.on_error, meta=meta)

    def parse_api(self, response: Response) -> Iterator[Any]:
        site = self.site_of(response)
        api = site.list_api or {}
        self.count("pages/fetched")
        self.count("pages/list_api")
        if response.status >= 300 or not response.body.strip():
            yield self.error_from_response(*(problem(response) or ("content", "empty body")), response, site)
            return
        text = response.text if isinstance(response, TextResponse) else response.body.decode("utf-8", "replace")
        entries = api_entries(text, api, response.url)
        if entries is None:
            yield self.error_from_response(
                "content", f"list API answer is not JSON with a list at {api.get('items') or 'the top'!r}",
                response, site)
            return
        entries = self.followable(entries)
        page, depth = response.meta.get("api_page", 1), response.meta.get("list_depth", 0)
        if not entries:
            if depth == 0:  # the first page gave nothing: never a silent empty list
                self.count("lists/no_article_links")
                self.count("lists/no_article_links/api")
                yield self.error_from_response("discover", "list API answer has no entries", response, site)
            return
        self.count("links/articles", len(entries))
        new = [e for e in entries if e.url not in self._api_seen]
        self._api_seen.update(e.url for e in entries)
        yield from self.follow_entries(entries, response, site)
        if not new:
            return  # an API that ignores the page number: the same entries again
        last = api.get("first_page", 1) + api.get("max_pages", MAX_API_PAGES) - 1
        limit = self.list_page_limit(site)
        if page < last and not (limit and depth + 1 >= limit):
            yield self.api_request(site, page + 1, depth + 1)

    def no_article_links(self, page: TextResponse, site: Site, followed: int,
                         reason: str | None = None) -> Iterator[Any]:
        """Never a silent empty list: a list page with no article link is counted and
        named, with what it seems to build its list with instead."""
        root = page.selector.root
        mechanism = list_mechanism(page.text, root) if hasattr(root, "xpath") else None
        challenge = script_challenge(page.text, page.status)
        if challenge:  # reached the spider only when the browser is off or missing
            mechanism = f"a {challenge} that only a browser passes (BROWSER_ENABLED, /usr/bin/chromium)"
        frames = self.iframe_lists(page, site) if not followed else []
        if frames:
            self.count("lists/iframes_followed", len(frames))
            yield from frames
            return
        self.count("lists/no_article_links")
        self.count(f"lists/no_article_links/{mechanism_key(mechanism)}")
        if followed:
            reason = reason or "list page has no article links, only other list pages"
        else:
            self.count("lists/no_links")
            reason = reason or "list page has no article or pagination links"
        if mechanism:
            reason += f"; it seems to use {mechanism}"
        logger.warning("%s: %s", page.url, reason)
        yield self.error_from_response("discover", reason, page, site)

    def iframe_lists(self, page: TextResponse, site: Site) -> list[Request]:
        """Lists shown in an iframe of the site's own: followed as list pages."""
        out = []
        depth = page.meta.get("list_depth", 0) if page.request is not None else 0
        for src in page.xpath("//iframe/@src | //frame/@src").getall():
            url = urldefrag(page.urljoin(src.strip()))[0]
            if url.startswith(("http://", "https://")) and self.in_domain(url) and url != page.url:
                out.append(self.list_request(url, site, depth=depth + 1))
        return out[:MAX_IFRAMES]
