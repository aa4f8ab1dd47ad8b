"""Refuse requests that would turn the crawler against its own network.

A link on a crawled page, a redirect, or a host name that resolves to a
loopback, private, link-local or metadata address (see crawler/fetch/security.py) is
refused before anything is sent, unless the user allowed it:

- the origins of the start URLs (the user named them): their scheme, host and
  port only, so a start URL on 127.0.0.1:8000 does not open 127.0.0.1:6379,
- `-a allow_hosts=host[,host...]` or `-s ADDRESS_ALLOW_HOSTS=host,...` (a host on
  any port; `host:port` for one port),
- `-s ADDRESS_ALLOW_NETWORKS=10.0.0.0/8,...`,
- `-s ADDRESS_ALLOW_URLS=url,...`: exact URLs, any scheme (`scrapy shell FILE` sets it).

Every request passes here, redirects included: RedirectMiddleware answers a 3xx
with a new Request that the engine schedules again, so each hop comes back
through process_request. The middleware sits at 40, before OffsiteMiddleware
(50) and RobotsTxtMiddleware (100), so a refused host is not even asked for its
robots.txt and the refusal is reported as such.

A refusal raises AddressRefused (an IgnoreRequest): counted as
`address_guard/refused` (and `address_guard/refused/<kind>`); when the request
was for an article, the spider's errback turns it into an error record with
stage `refused`. Other refusals (list pages, robots.txt) are counted and logged only.

Host names are resolved off the event loop, once per host per crawl. Limits:
this check and the connection resolve the name separately, so a DNS server that
answers a public address to the first lookup and a private one to the second
(DNS rebinding) is not caught; neither is a name resolved by an HTTP proxy. Run
crawlers where the network itself also keeps them out of private ranges.

Every connection the browser opens is judged by the same AddressPolicy, in the
proxy Chromium has to go through (crawler/fetch/browser/proxy.py, which also closes
DNS rebinding for the browser); `crawl_policy(crawler)` hands it this crawl's
policy (one per crawler: `python -m crawler.run_all` runs several at once).

Settings: ADDRESS_GUARD_ENABLED (True), ADDRESS_ALLOW_HOSTS, ADDRESS_ALLOW_NETWORKS,
ADDRESS_RESOLVER (import path of a `host -> [addresses]` callable; empty = the
system resolver). Off in REPLAY_DIR mode: nothing touches the network there.
"""

from __future__ import annotations

import logging
from typing import Any
from weakref import WeakKeyDictionary

from scrapy import signals
from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request
from scrapy.utils.asyncio import run_in_thread
from scrapy.utils.misc import load_object

from crawler.discover.links import looks_like_article_url
from crawler.fetch.security import AddressPolicy, caching_resolver, system_resolver

logger = logging.getLogger(__name__)

# Request kinds whose refusal loses an article, or a list's document (and so becomes an error record).
ARTICLE_KINDS = ("article", "article_part", "document")

# The policy of each running crawler, for its browser (several crawlers share a
# process under run_all, each with its own start URLs).
_policies: WeakKeyDictionary = WeakKeyDictionary()


class AddressRefused(IgnoreRequest):
    """A request refused by the address policy. `stage` names the error record's
    stage; `record` is False when no article is lost (no error record then)."""

    stage = "refused"

    def __init__(self, url: str, reason: str, record: bool = True):
        self.url = url
        self.reason = reason
        self.record = record
        super().__init__(f"refused {url}: {reason}")


def split_list(value: Any) -> list[str]:
    if not value:
        return []
    if isinstance(value, (list, tuple, set)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [v.strip() for v in str(value).split(",") if v.strip()]


def expects_article(request: Request) -> bool:
    kind = request.meta.get("kind")
    if kind in ARTICLE_KINDS:
        return True
    # The generic spider does not know yet: an article-shaped URL counts.
    return kind == "page" and looks_like_article_url(request.url)


class AddressGuardMiddleware:
    def __init__(self, crawler, policy: AddressPolicy):
        self.crawler = crawler
        self.stats = crawler.stats
        self.policy = policy

    @classmethod
    def from_crawler(cls, crawler):
        settings = crawler.settings
        if not settings.getbool("ADDRESS_GUARD_ENABLED", True):
            raise NotConfigured("ADDRESS_GUARD_ENABLED is off")
        if settings.get("REPLAY_DIR"):
            raise NotConfigured("replaying saved responses: nothing touches the network")
        policy = build_policy(settings)
        mw = cls(crawler, policy)
        crawler.signals.connect(mw.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(mw.spider_closed, signal=signals.spider_closed)
        return mw

    def spider_opened(self, spider) -> None:
        """The user's own start URLs and `-a allow_hosts` are allowed."""
        allow_spider(self.policy, spider)
        _policies[self.crawler] = self.policy
        logger.info("address guard: private and loopback addresses refused except %s", self.policy.describe())

    def spider_closed(self, spider) -> None:
        _policies.pop(self.crawler, None)

    async def process_request(self, request: Request) -> None:
        if self.policy.needs_resolver(request.url):
            reason = await run_in_thread(self.policy.refusal, request.url)
        else:
            reason = self.policy.refusal(request.url)
        if reason is None:
            return None
        record = expects_article(request)
        kind = request.meta.get("kind") or "other"
        self.stats.inc_value("address_guard/refused")
        self.stats.inc_value(f"address_guard/refused/{kind}")
        logger.warning("refused %s (%s): %s", request.url, kind, reason)
        raise AddressRefused(request.url, reason, record=record)


def build_policy(settings, spider=None) -> AddressPolicy:
    """The crawl's address policy from its settings (and the spider's own start URLs
    and `-a allow_hosts`, when given); the browser's request filter uses the same."""
    resolver_path = settings.get("ADDRESS_RESOLVER")
    resolver = load_object(resolver_path) if resolver_path else system_resolver
    policy = AddressPolicy.from_lists(split_list(settings.get("ADDRESS_ALLOW_HOSTS")),
                                      split_list(settings.get("ADDRESS_ALLOW_NETWORKS")),
                                      caching_resolver(resolver))
    for url in split_list(settings.get("ADDRESS_ALLOW_URLS")):
        policy.allow_url(url)  # typed by the user (`scrapy shell URL`)
    if spider is not None:
        allow_spider(policy, spider)
    return policy


def allow_spider(policy: AddressPolicy, spider) -> None:
    """The origins of the user's own start URLs and `-a allow_hosts` are allowed."""
    for host in split_list(getattr(spider, "allow_hosts", None)):
        policy.allow_host(host)
    for url in start_urls_of(spider):
        policy.allow_url(url)


def start_urls_of(spider) -> list[str]:
    urls = list(getattr(spider, "start_urls", None) or [])
    for site in (getattr(spider, "sites", None) or {}).values():
        urls.extend(getattr(site, "start_urls", ()) or ())
    return urls


def crawl_policy(crawler) -> AddressPolicy | None:
    """This crawler's address policy (start URLs and `-a allow_hosts` included), for
    its browser: the guard's while it runs, else built from the settings; None when
    the user switched the guard off (ADDRESS_GUARD_ENABLED)."""
    policy = _policies.get(crawler)
    if policy is not None:
        return policy
    if not crawler.settings.getbool("ADDRESS_GUARD_ENABLED", True):
        return None
    return build_policy(crawler.settings, crawler.spider)
