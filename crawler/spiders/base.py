"""What every spider of this project shares.

- Arguments: `-a site=NAME` (a registry entry), `-a start_urls=URL[,URL...]`
  (anywhere; the site is then the registry entry covering the URL, or an ad hoc
  one named after the host), `-a allowed_domains=a,b`, `-a crawl_id=...`.
  Without either, a site-type spider crawls every registry site of its type.
  `-a since=` / `-a until=` (crawler/discover/date_window.py), `-a urls_file=`,
  `-a sitemap=`, `-a feed=` (crawler/discover/site_indexes.py): other sources of articles;
  the registry's `sitemaps`/`feeds`, robots.txt's `Sitemap:` lines and the feeds
  list pages link to, for sites crawled from their list pages.
- `async def start`: one list request per start URL (and the site's list API,
  sitemaps, feeds and article URLs).
- List pages: article links and pagination, by the rules of the CMS family
  (subclasses) plus the site's `article_url_patterns` / `list_url_patterns`;
  lists that are not anchors (crawler/discover/list_sources.py): Hanweb datastores and
  their dataproxy pages, script links, iframes, a registry-described JSON API.
  A list page that gives no article link is an error record naming what it
  seems to use instead; a site that gave none is said so in the summary.
- Documents a list links as entries of its own (a notice published as
  `P020250310….pdf`, `.doc`, `.xls`, … with no article page): fetched as
  DocumentItems with the entry's title and date, read by the attachment
  pipeline into records of their own (`list_documents`, LIST_DOCUMENTS_ENABLED).
- Article pages: the page, then pages 2..n of a split article, then one PageItem.
- Failures (DNS, timeouts, robots.txt, HTTP 4xx/5xx, empty or non-HTML bodies)
  become ErrorRecord items with the stage and a reason: nothing is dropped
  silently and nothing stops the crawl.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import AsyncIterator, Iterable, Iterator
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any
from urllib.parse import urljoin, urlparse, urlsplit

import scrapy
from scrapy import signals
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response, TextResponse
from twisted.python.failure import Failure

from crawler import PROJECT_NAME, PROJECT_VERSION
from crawler.emit.feeds import default_feeds
from crawler.discover.classify import article_link_led_to_list
from cleaners.documents.links import is_attachment_link
from cleaners.urls import canonical_url
from crawler.items import DocumentItem, ErrorRecord, PageItem, PagePart
from crawler.discover.links import (
    Anchor,
    anchors,
    continuation_pages,
    may_be_continuation_href,
    is_asset,
    is_continuation_url,
    is_pager_text,
    is_previous_text,
    matches_any,
)
from crawler.fetch.challenges import script_challenge
from crawler.discover.date_window import DateWindow
from crawler.discover.list_sources import anchor_dates
from crawler.fetch.middlewares.site_limits import site_slots
from crawler.emit.provenance import http_block, new_crawl_id, page_from_response, utc_now_iso
from crawler.discover.registry import Registry, Site, domains_of
from crawler.fetch.responses import ERROR_STATUSES, as_html, problem, truncated
from crawler.spiders.sources import ListSourcesMixin

logger = logging.getLogger(__name__)

MAX_ARTICLE_PARTS = 50
def user_agent(contact: str) -> str:
    return f"{PROJECT_NAME}/{PROJECT_VERSION} (+{contact})"


def enable_browser(settings) -> None:
    """Route http/https through the browser handler (crawler/fetch/browser/handler.py): pages
    are rendered with the system Chromium when they need it, never a downloaded browser."""
    from crawler.fetch.browser.handler import install

    install(settings)


def read_urls_file(path: str) -> list[str]:
    """`-a urls_file=PATH`: one URL a line; blank lines and `#` comments skipped."""
    out = []
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            line = line.split("#", 1)[0].strip() if line.lstrip().startswith("#") else line.strip()
            if line and line not in out:
                if not line.startswith(("http://", "https://")):
                    raise ValueError(f"{path}: not an http(s) URL: {line!r}")
                out.append(line)
    return out


def split_arg(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value).split(",") if v.strip()]


@lru_cache(maxsize=8192)  # a site's menus link the same URLs from every page
def url_in_domains(url: str, domains: tuple[str, ...]) -> bool:
    """Whether the URL's host is one of `domains` or under one."""
    host = (urlsplit(url).hostname or "").lower()
    return any(host == d or host.endswith("." + d) for d in domains)


class BaseSpider(ListSourcesMixin, scrapy.Spider):
    """Subclasses set `name`, `site_type` and the CMS family's URL rules."""

    site_type: str | None = None
    # The CMS family's URL shapes (subclasses); the registry's patterns add to them.
    ARTICLE_PATTERNS: tuple[re.Pattern[str], ...] = ()
    LIST_PATTERNS: tuple[re.Pattern[str], ...] = ()
    # Where the CMS family puts the column's own article list (not sidebars such
    # as 热门文章/栏目热点). Tried in order; when none yields an article link,
    # the whole page is used. The registry's `list_xpath` comes first.
    LIST_CONTAINER_XPATHS: tuple[str, ...] = ()

    def __init__(self, *args: Any, site: str | None = None, start_urls: Any = None,
                 allowed_domains: Any = None, crawl_id: str | None = None, since: str | None = None,
                 until: str | None = None, urls_file: str | None = None, sitemap: Any = None,
                 feed: Any = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.site_arg = site
        self.start_urls_arg = split_arg(start_urls)
        self.window = DateWindow.from_args(since, until)
        # Where articles come from besides list pages: (kind, URL), kind = article | sitemap | feed.
        self.source_args = ([("article", u) for u in (read_urls_file(urls_file) if urls_file else [])]
                            + [("sitemap", u) for u in split_arg(sitemap)] + [("feed", u) for u in split_arg(feed)])
        self.sources: dict[str, list[tuple[str, str]]] = {}  # site -> its (kind, URL)
        self.allowed_domains_arg = split_arg(allowed_domains)
        self.crawl_id_arg = crawl_id
        self.sites: dict[str, Site] = {}
        self._emitted_final_urls: set[str] = set()
        # Article links found (site-type spiders) or article pages read (generic), per site:
        # a site with none is said so in the summary (an unchanged site still finds its links).
        self.articles_found: Counter[str] = Counter()
        self._api_seen: set[str] = set()
        self.indexes_asked: dict[str, set[str]] = {}  # site -> sitemaps and feeds asked for

    # --- setup ----------------------------------------------------------------

    @classmethod
    def update_settings(cls, settings) -> None:
        super().update_settings(settings)
        # The default output only when the user named none (-o/-O/FEEDS).
        if not settings.getdict("FEEDS"):
            feeds = default_feeds(settings)
            if feeds:
                settings.set("FEEDS", feeds, priority="spider")
        if settings.getbool("BROWSER_ENABLED"):
            enable_browser(settings)
        # The User-Agent names the project and CRAWLER_CONTACT, unless USER_AGENT
        # itself was set above the project's default.
        contact = settings.get("CRAWLER_CONTACT")
        if contact and settings.getpriority("USER_AGENT") <= settings.getpriority("CRAWLER_CONTACT"):
            settings.set("USER_AGENT", user_agent(contact), priority=settings.getpriority("CRAWLER_CONTACT"))

    @classmethod
    def from_crawler(cls, crawler, *args: Any, **kwargs: Any):
        spider = super().from_crawler(crawler, *args, **kwargs)
        spider.configure(crawler.settings)
        crawler.signals.connect(spider.robots_parsed, signal=signals.robots_parsed)
        return spider

    def configure(self, settings) -> None:
        now = datetime.now(tz=timezone.utc)
        self.crawl_id = self.crawl_id_arg or settings.get("CRAWL_ID") or new_crawl_id(now)
        # %(time)s in feed URIs: one value for the whole run (see crawler/emit/feeds.py).
        self.run_time = now.replace(microsecond=0).isoformat().replace("+00:00", "Z").replace(":", "-")
        self.max_list_pages = settings.getint("CRAWLER_MAX_LIST_PAGES", 0)
        self.discover_indexes = settings.getbool("CRAWLER_DISCOVER_INDEXES", True)
        self.max_sitemaps = settings.getint("CRAWLER_MAX_SITEMAPS", 50)
        self.sitemap_depth = settings.getint("CRAWLER_SITEMAP_DEPTH", 3)
        # Documents linked as list entries: fetched within the attachments' per-file cap.
        self.list_documents_enabled = settings.getbool("LIST_DOCUMENTS_ENABLED", True)
        self.document_max_bytes = settings.getint("ATTACHMENTS_MAX_FILE_BYTES", 20 * 1024 * 1024)
        from crawler.fetch.browser.handler import BrowserConfig

        browser = BrowserConfig.from_settings(settings)
        self.browser_enabled = browser.available
        self.browser_executable = browser.executable
        self._warned_browser: set[str] = set()
        self.registry = Registry.load(settings.get("SITES_REGISTRY") or None)
        for site in self.resolve_sites():
            self.sites[site.name] = site
        domains: list[str] = []
        for site in self.sites.values():
            for d in site.allowed_domains:
                if d not in domains:
                    domains.append(d)
        self.allowed_domains = domains
        slots = site_slots(self.sites.values())
        if slots and not settings.frozen:  # each site with its own delay: a download slot of its own
            priority = max(settings.getpriority("DOWNLOAD_SLOTS") or 0, 30)
            settings.set("DOWNLOAD_SLOTS", {**slots, **settings.getdict("DOWNLOAD_SLOTS")}, priority=priority)
        logger.info("crawl %s: sites %s, allowed domains %s", self.crawl_id, sorted(self.sites), domains)

    def resolve_sites(self) -> list[Site]:
        if not self.source_args:
            return self.resolve_list_sites()
        # -a urls_file / sitemap / feed: with the sites their URLs belong to; list pages
        # only when start URLs are given too.
        if self.site_arg:
            sites = self.resolve_list_sites()
            if not self.start_urls_arg:
                sites = [_replace(sites[0], start_urls=())]
            self.sources[sites[0].name] = list(self.source_args)
            return sites
        sites = {s.name: s for s in (self.sites_for_urls(self.start_urls_arg) if self.start_urls_arg else [])}
        kinds = dict((url, kind) for kind, url in self.source_args)
        for site in self.sites_for_urls(list(kinds)):
            self.sources[site.name] = [(kinds[u], u) for u in site.start_urls]
            known = sites.get(site.name)
            domains = tuple(dict.fromkeys((*(known.allowed_domains if known else ()), *site.allowed_domains)))
            sites[site.name] = _replace(known or site, start_urls=known.start_urls if known else (),
                                        allowed_domains=domains)
        return list(sites.values())

    def resolve_list_sites(self) -> list[Site]:
        if self.site_arg:
            site = self.registry.get(self.site_arg)
            if self.start_urls_arg:
                site = _replace(site, start_urls=tuple(self.start_urls_arg),
                                allowed_domains=tuple(self._domains_for(self.start_urls_arg, site)))
            elif self.allowed_domains_arg:
                site = _replace(site, allowed_domains=tuple(self.allowed_domains_arg))
            return [site]
        if self.start_urls_arg:
            return self.sites_for_urls(self.start_urls_arg)
        sites = self.registry.of_type(self.site_type) if self.site_type else []
        if not sites:
            why = f" (no registry site has site_type {self.site_type!r})" if self.site_type else ""
            raise ValueError(f"spider {self.name!r} needs -a start_urls=URL[,URL...] or -a site=NAME{why}")
        return sites

    def _domains_for(self, urls: list[str], site: Site | None = None) -> list[str]:
        if self.allowed_domains_arg:
            return self.allowed_domains_arg
        domains = domains_of(urls)
        if site:
            domains += [d for d in site.allowed_domains if d not in domains]
        return domains

    def sites_for_urls(self, urls: list[str]) -> list[Site]:
        """Group start URLs by the registry site that covers them; ad hoc sites for the rest."""
        grouped: dict[str, tuple[Site, list[str]]] = {}
        for url in urls:
            known = self.registry.for_url(url)
            if known is not None and (self.site_type in (None, known.site_type)):
                site = known
            else:
                host = urlparse(url).netloc.lower()
                site = Site(name=host, site_type=self.site_type or "generic",
                            start_urls=(), allowed_domains=tuple(self._domains_for([url])))
            grouped.setdefault(site.name, (site, []))[1].append(url)
        return [
            _replace(site, start_urls=tuple(u), allowed_domains=tuple(self._domains_for(u, site)))
            for site, u in grouped.values()
        ]

    # --- requests ---------------------------------------------------------------

    async def start(self) -> AsyncIterator[Any]:
        for site in self.sites.values():
            for url in site.start_urls:
                yield self.list_request(url, site, depth=0, start=True)
            if site.list_api:
                yield self.api_request(site, site.list_api.get("first_page", 1), depth=0)
            for request in self.source_requests(site):
                yield request

    def browser_meta(self, site: Site) -> dict[str, Any]:
        """Warn once when a site needs a browser that is off; which requests are
        rendered is decided by crawler.fetch.browser.render.RenderMiddleware."""
        if site.needs_browser and not self.browser_enabled and site.name not in self._warned_browser:
            self._warned_browser.add(site.name)
            logger.warning("site %s needs a browser but BROWSER_ENABLED is off or %s is missing: "
                           "fetching without rendering", site.name, self.browser_executable)
        return {}

    def list_request(self, url: str, site: Site, depth: int, start: bool = False, **meta: Any) -> Request:
        meta = {**self.browser_meta(site), **meta}
        return Request(
            url,
            callback=self.parse_list,
            errback=self.on_error,
            meta={"site": site.name, "kind": "list", "list_depth": depth, "start": start,
                  "handle_httpstatus_list": ERROR_STATUSES, **meta},
        )

    def article_request(self, url: str, site: Site, referer: str | None, **meta: Any) -> Request:
        self.articles_found[site.name] += 1
        meta = {**self.browser_meta(site), **meta}
        return Request(
            url,
            callback=self.parse_article,
            errback=self.on_error,
            priority=1,
            meta={"site": site.name, "kind": "article", "list_url": referer,
                  "handle_httpstatus_list": ERROR_STATUSES, **meta},
        )

    def document_request(self, url: str, site: Site, referer: str, title: str | None,
                         list_date: str | None) -> Request:
        """A document a list links as one of its entries: fetched like an article (the URL
        policy, robots, the address guard, the site's limits), never rendered, within the
        attachments' per-file size cap; read by the attachment pipeline."""
        self.articles_found[site.name] += 1
        return Request(
            url,
            callback=self.parse_document,
            errback=self.on_document_error,
            priority=1,
            meta={"site": site.name, "kind": "document", "list_url": referer, "list_title": title,
                  "list_date": list_date, "download_maxsize": self.document_max_bytes, "playwright": False,
                  "handle_httpstatus_list": ERROR_STATUSES},
        )

    def site_of(self, request_or_response: Request | Response) -> Site:
        meta = request_or_response.meta
        name = meta.get("site")
        if name in self.sites:
            return self.sites[name]
        return next(iter(self.sites.values()))

    def count(self, key: str, n: int = 1) -> None:
        if self.crawler is not None:
            self.crawler.stats.inc_value(key, n)

    # --- list pages -------------------------------------------------------------

    def parse_list(self, response: Response) -> Iterator[Any]:
        site = self.site_of(response)
        self.count("pages/fetched")
        self.count("pages/list")
        bad = problem(response)
        if bad:
            yield self.error_from_response(bad[0], bad[1], response, site)
            return
        page = as_html(response)
        every = [a for a in anchors(page) if self.in_domain(a.url)]
        links = [a for a in every if not is_asset(a.url)]
        depth = response.meta.get("list_depth", 0)
        # A list whose entries are data (a Hanweb datastore) rather than anchors.
        entries = self.datastore_entries(page)
        documents: list[Anchor] = []
        if entries:
            self.count("lists/datastore")
            pages, documents = self.split_documents(entries)
            articles = self.entry_urls(pages)
            dates = {e.url: e.date for e in entries if e.date}
        else:
            scope = self.main_list_scope(page, site)
            articles = self.article_links(page, links if scope is None else scope, site)
            if not articles:  # links only script follows (onclick, javascript:)
                articles = self.article_links(page, self.script_anchors(page), site)
            documents, dates = self.list_document_links(page, every if scope is None else scope,
                                                        listed=scope is not None, articles=articles)
            if self.window and not dates:
                dates = self.list_dates(page)
        lists = self.pagination_links(page, links, site)
        past = self.window.list_is_past([(url, dates.get(url)) for url in [*articles, *(a.url for a in documents)]])
        for url in articles:
            if self.window.outside(url, dates.get(url)):
                self.count("articles/outside_dates")
                continue
            yield self.article_request(url, site, referer=response.url, list_date=dates.get(url))
        yield from self.document_requests(documents, dates, site, response.url)
        limit = self.list_page_limit(site)
        if (limit and depth + 1 >= limit) or past:
            if past:
                self.count("lists/older_than_since")
            lists = []
        for url in lists:
            yield self.list_request(url, site, depth=depth + 1)
        more = [] if past else list(self.script_list_requests(page, site, depth, have=len(entries)))
        more += self.linked_feeds(page, site)
        yield from more
        self.count("links/articles", len(articles))
        self.count("links/lists", len(lists))
        if not articles and not documents:
            yield from self.no_article_links(page, site, followed=len(lists) + len(more))

    def main_list_scope(self, response: TextResponse, site: Site) -> list[Anchor] | None:
        """The anchors of the column's own list (the site's `list_xpath`, then the CMS family's
        containers, the first whose anchors include an article link), or None: not found."""
        patterns = site.article_url_patterns + self.ARTICLE_PATTERNS
        xpaths = ((site.list_xpath,) if site.list_xpath else ()) + self.LIST_CONTAINER_XPATHS
        for xp in xpaths:
            scoped = [a for a in anchors(response, (xp,)) if self.in_domain(a.url)]
            if any(matches_any(a.url, patterns) for a in scoped):
                return scoped
        return None

    def list_dates(self, page: TextResponse) -> dict[str, str]:
        """URL (as the anchors give it) -> the date its list item shows."""
        if not hasattr(page.selector.root, "xpath"):
            return {}
        return {canonical_url(u, sort_query=False): d for u, d in anchor_dates(page.selector.root, page.url).items()}

    def list_document_links(self, page: TextResponse, found: list[Anchor], listed: bool,
                            articles: list[str]) -> tuple[list[Anchor], dict[str, str]]:
        """(the documents among the in-domain anchors `found`: the column's own list when `listed`,
        else the whole page's; the dates the page's list items show, when there were candidates)."""
        if not self.list_documents_enabled:
            return [], {}
        candidates = [a for a in found if a.url not in articles and is_attachment_link(a.url, a.text)]
        if not candidates:
            return [], {}
        dates = self.list_dates(page)
        documents = self.list_documents(candidates, dates, listed=listed)
        return [self.full_title(page, a) for a in documents], dates

    @staticmethod
    def full_title(page: TextResponse, a: Anchor) -> Anchor:
        """The entry with its whole title: lists cut long ones short (`关于做好2025年…`) and keep
        the whole in the anchor's `title` attribute."""
        text = a.text.rstrip()
        if not text.endswith(("…", "..")) or not hasattr(page.selector.root, "xpath"):
            return a
        stem = text.rstrip(".… ")
        base = urljoin(page.url, (page.xpath("//base/@href").get() or "").strip())
        for el in page.selector.root.xpath("//a[@href][@title]"):
            title = " ".join((el.get("title") or "").split())
            if (len(title) > len(stem) and title.startswith(stem)
                    and canonical_url(urljoin(base, el.get("href").strip()), sort_query=False) == a.url):
                return Anchor(a.url, title)
        return a

    def document_requests(self, documents: list[Anchor], dates: dict[str, str], site: Site,
                          list_url: str) -> Iterator[Request]:
        for doc in documents:
            if self.window.outside(doc.url, dates.get(doc.url)):
                self.count("documents/outside_dates")
                continue
            yield self.document_request(doc.url, site, list_url, doc.text or None, dates.get(doc.url))
        self.count("links/documents", len(documents))

    def list_documents(self, candidates: list[Anchor], dates: dict[str, str], listed: bool) -> list[Anchor]:
        """The documents among a list page's entries, one per URL (the first anchor with a text).
        `listed`: the candidates come from the column's own list. Otherwise they are the whole
        page's, and only those whose list item carries a date are entries: menus, headers and
        footers link their documents (下载中心, 隐私声明.pdf) without one."""
        out: dict[str, Anchor] = {}
        for a in candidates:
            if not listed and a.url not in dates:
                self.count("links/documents_outside_list")
                continue
            if a.url not in out or (not out[a.url].text and a.text):
                out[a.url] = a
        return list(out.values())

    def article_links(self, response: TextResponse, links: list[Anchor], site: Site) -> list[str]:
        patterns = site.article_url_patterns + self.ARTICLE_PATTERNS
        out: list[str] = []
        for a in links:
            if matches_any(a.url, patterns) and not is_continuation_url(a.url) and a.url not in out:
                out.append(a.url)
        return out

    def pagination_links(self, response: TextResponse, links: list[Anchor], site: Site) -> list[str]:
        """Other pages of the same list: pager anchors (下一页, 尾页, 2, 3...) and list-shaped URLs
        that the CMS family says belong to this column."""
        out: list[str] = []
        for a in links:
            if a.url == response.url or a.url in out:
                continue
            if matches_any(a.url, site.article_url_patterns + self.ARTICLE_PATTERNS):
                continue
            if is_previous_text(a.text) and not self.same_list(response.url, a.url):
                continue
            pager = is_pager_text(a.text) or is_previous_text(a.text)
            if (pager and self.same_list(response.url, a.url)) or matches_any(a.url, site.list_url_patterns):
                out.append(a.url)
            elif self.same_list(response.url, a.url) and matches_any(a.url, self.LIST_PATTERNS):
                out.append(a.url)
        return out

    def list_page_limit(self, site: Site) -> int:
        """List pages per column at most: the site's max_list_pages, or CRAWLER_MAX_LIST_PAGES (0 = none)."""
        return site.max_list_pages or self.max_list_pages

    def same_list(self, list_url: str, url: str) -> bool:
        """Whether `url` is another page of the list at `list_url` (CMS family rule)."""
        a, b = urlparse(list_url), urlparse(url)
        return a.netloc == b.netloc and a.path.rsplit("/", 1)[0] == b.path.rsplit("/", 1)[0]

    def in_domain(self, url: str) -> bool:
        return url_in_domains(url, tuple(self.allowed_domains))

    # --- article pages ----------------------------------------------------------

    def parse_article(self, response: Response) -> Iterator[Any]:
        site = self.site_of(response)
        state = response.meta.get("article")
        self.count("pages/fetched")
        self.count("pages/article" if state is None else "pages/article_part")
        bad = problem(response)
        if bad:
            yield self.error_from_response(bad[0], bad[1], response, site)
            if state is not None:  # a later page failed: emit what we have
                yield self.page_item(state, site)
            return
        yield from self.handle_article(response, site)

    def handle_article(self, response: Response, site: Site) -> Iterator[Any]:
        """Record this page of the article; fetch the next page, or emit the article."""
        page = page_from_response(response)
        state = response.meta.get("article")
        html = as_html(response)
        if state is None and article_link_led_to_list(
                html, lambda: [a for a in anchors(html) if self.in_domain(a.url)], site.article_url_patterns):
            # An article link that led to a list or a menu: never emitted as an article.
            self.count("pages/not_article")
            yield self.error_from_response("discover", "article link led to a list page, not an article",
                                           response, site)
            return
        if state is None:
            state = {"first": page, "parts": [], "done": [response.url, page.url], "pending": {},
                     "referer": response.meta.get("list_url"),
                     "rendered": "playwright" in response.flags}
        else:
            state = {**state, "parts": [*state["parts"], page],
                     "done": [*state["done"], response.url, page.url], "pending": dict(state["pending"])}
        # only the anchors that may be this article's other pages: an article page links
        # a whole site's menus, and resolving each costs more than the rest of the page
        links = [a for a in anchors(html, href_filter=may_be_continuation_href(response.url))
                 if self.in_domain(a.url)]
        for n, url in continuation_pages(response.url, links):
            if url not in state["done"] and url not in state["pending"].values():
                state["pending"][n] = url
        if state["pending"] and len(state["parts"]) + 1 < MAX_ARTICLE_PARTS:
            n = min(state["pending"])
            url = state["pending"].pop(n)
            yield Request(
                url, callback=self.parse_article, errback=self.on_part_error, dont_filter=True,
                meta={"site": site.name, "kind": "article_part", "article": state,
                      "handle_httpstatus_list": ERROR_STATUSES, **self.browser_meta(site)},
            )
            return
        yield self.page_item(state, site)

    # --- documents linked from lists ------------------------------------------------

    def parse_document(self, response: Response) -> Iterator[Any]:
        """A document a list linked as an entry: handed, as sent, to the attachment pipeline."""
        site = self.site_of(response)
        self.count("pages/fetched")
        self.count("pages/document")
        meta = response.meta
        context = {"kind": "attachment", "list_url": meta.get("list_url")}
        cut = truncated(response)
        if cut or response.status >= 300:
            stage, reason = ("fetch", cut) if cut else ("http", f"HTTP {response.status}")
            record = self.error_from_response(stage, reason, response, site)
            record.update(context)
            yield record
            return
        self.count("documents/fetched")
        yield DocumentItem(
            page=page_from_response(response), site=site.name, site_name=site.site_name,
            site_type=site.site_type if site.site_type != "generic" else None, spider=self.name,
            crawl_id=self.crawl_id, list_url=meta.get("list_url"), title=meta.get("list_title"),
            list_date=meta.get("list_date"),
        )

    def on_document_error(self, failure: Failure) -> Iterable[Any]:
        """A list's document that could not be downloaded: its error record says so, with the
        attachments' stage for a file over the size cap (`too_large`)."""
        from crawler.clean.attachments import over_size_cap

        out = list(self.on_error(failure))
        for record in out:
            record.update(kind="attachment", list_url=failure.request.meta.get("list_url"))
            if over_size_cap(failure.value):
                self.count(f"errors/{record['error']}", -1)
                self.count("errors/too_large")
                record["error"] = "too_large"
        return out

    def page_item(self, state: dict, site: Site) -> PageItem | None:
        first: PagePart = state["first"]
        if first.final_url in self._emitted_final_urls:
            self.count("articles/duplicate_final_url")
            logger.info("article %s already emitted (reached again via %s)", first.final_url, first.url)
            return None
        self._emitted_final_urls.add(first.final_url)
        self.articles_found[site.name] += 1  # generic: known an article only once fetched
        self.count("articles/pages")
        if state["parts"]:
            self.count("articles/split")
        return PageItem(
            page=first,
            site=site.name,
            site_name=site.site_name,
            site_type=site.site_type if site.site_type != "generic" else None,
            spider=self.name,
            crawl_id=self.crawl_id,
            content_xpath=site.content_xpath,
            date_format=site.date_format,
            rendered=bool(state.get("rendered")),
            referer=state.get("referer"),
            parts=list(state["parts"]),
        )

    def sites_without_articles(self) -> list[str]:
        """Sites of this run where no article was found at all: said plainly in the summary."""
        return sorted(name for name in self.sites if not self.articles_found[name])

    def closed(self, reason: str) -> None:
        empty = self.sites_without_articles()
        if empty:
            self.crawler.stats.set_value("discover/sites_without_articles", ", ".join(empty))
            for name in empty:
                logger.warning("site %s gave no articles in this run (see the discover error records)", name)

    # --- errors -------------------------------------------------------------------

    def error_record(self, stage: str, reason: str, url: str, site: Site | None = None,
                     **extra: Any) -> ErrorRecord:
        self.count(f"errors/{stage}")
        rec = ErrorRecord(
            error=stage,
            reason=reason,
            url=url,
            site=site.name if site else None,
            site_name=site.site_name if site else None,
            site_type=site.site_type if site else self.site_type,
            spider=self.name,
            crawl_id=getattr(self, "crawl_id", None),
            fetched_at=utc_now_iso(),
        )
        rec.update(extra)
        return rec

    def error_from_response(self, stage: str, reason: str, response: Response, site: Site) -> ErrorRecord:
        page = page_from_response(response)
        if stage == "http" and isinstance(response, TextResponse) and script_challenge(response.text, response.status):
            reason += ": a script challenge that only a browser passes (BROWSER_ENABLED, /usr/bin/chromium)"
        logger.warning("%s: %s (%s)", response.url, reason, stage)
        return self.error_record(stage, reason, page.url, site, final_url=page.final_url,
                                 http=http_block(page), redirect_urls=page.redirect_urls)

    def on_error(self, failure: Failure) -> Iterable[Any]:
        request = failure.request
        if getattr(failure.value, "record", True) is False:
            return []  # a refusal that loses no article: counted where it was refused
        site = self.site_of(request)
        stage, reason = describe_failure(failure)
        logger.warning("%s: %s (%s)", request.url, reason, stage)
        redirects = list(request.meta.get("redirect_urls", []))
        url = redirects[0] if redirects else request.url
        extra: dict[str, Any] = {"redirect_urls": redirects} if redirects else {}
        if redirects:
            extra["final_url"] = request.url
        return [self.error_record(stage, reason, url, site, **extra)]

    def on_part_error(self, failure: Failure) -> Iterable[Any]:
        out = list(self.on_error(failure))
        state = failure.request.meta.get("article")
        if state is not None:
            item = self.page_item(state, self.site_of(failure.request))
            if item is not None:
                out.append(item)
        return out


def describe_failure(failure: Failure) -> tuple[str, str]:
    """(stage, reason) for a download failure, short and stable enough to group by."""
    exc = failure.value
    name = type(exc).__name__
    if isinstance(exc, IgnoreRequest):
        msg = str(exc) or name
        if getattr(exc, "stage", None):  # typed refusals name their stage (refused, redirect)
            return exc.stage, msg
        return ("robots" if "robots" in msg.lower() else "fetch"), msg
    response = getattr(exc, "response", None)
    if response is not None:
        return "http", f"HTTP {response.status}"
    request = getattr(failure, "request", None)
    if request is not None and request.meta.get("playwright"):
        # Playwright's messages run on with a call log: the first line says it.
        first = (str(exc).strip().splitlines() or [""])[0]
        return "render", f"{name}: {first[:200]}" if first else name
    text = str(exc).strip().split(" in request <", 1)[0]  # no request repr: reasons group
    return "fetch", f"{name}: {text[:200]}" if text else name


def _replace(site: Site, **changes: Any) -> Site:
    from dataclasses import replace

    return replace(site, **changes)
