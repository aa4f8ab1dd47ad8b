"""Apply crawler/discover/url_policy.py to every link a spider follows.

A spider middleware: requests yielded by callbacks get the canonical URL
(session ids, tracking parameters and the fragment removed, the query left in
the site's order; counted `url_policy/canonicalised`)
and are dropped when they look like a trap (`url_policy/trap/<reason>`, logged).
Start requests are the user's and pass untouched; continuation pages of an
article are canonicalised but never dropped (they are bounded by the spider).

Settings: URL_POLICY_ENABLED (True), URL_POLICY_MAX_LENGTH (1024),
URL_POLICY_MAX_PATH_DEPTH (16), URL_POLICY_MAX_SEGMENT_REPEATS (2),
URL_POLICY_CALENDAR_YEARS_BACK (30), URL_POLICY_CALENDAR_YEARS_AHEAD (1).
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable
from typing import Any

from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response

from crawler.discover.url_policy import TrapLimits, canonical_url, trap_reason

logger = logging.getLogger(__name__)


class UrlPolicyMiddleware:
    def __init__(self, crawler, limits: TrapLimits):
        self.stats = crawler.stats
        self.limits = limits

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("URL_POLICY_ENABLED", True):
            raise NotConfigured("URL_POLICY_ENABLED is off")
        return cls(crawler, TrapLimits.from_settings(crawler.settings))

    def _apply(self, item: Any) -> Any | None:
        if not isinstance(item, Request):
            return item
        url = canonical_url(item.url, sort_query=False)  # the site's parameter order is kept on the wire
        if url != item.url:
            self.stats.inc_value("url_policy/canonicalised")
            item = item.replace(url=url)
        if item.meta.get("kind") == "article_part":
            return item
        reason = trap_reason(item.url, self.limits)
        if reason:
            self.stats.inc_value(f"url_policy/trap/{reason}")
            logger.info("not following %s: looks like a crawler trap (%s)", item.url, reason)
            return None
        return item

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterable[Any]:
        for item in result:
            out = self._apply(item)
            if out is not None:
                yield out

    async def process_spider_output_async(self, response: Response,
                                          result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for item in result:
            out = self._apply(item)
            if out is not None:
                yield out
