"""Soft blocks (a rate limit, a firewall's 拦截 page, a login wall, a 安全验证
page answered with 200): never a record, retried with back-off, an error record
`blocked` when the block stays.

Block pages whose markers nobody listed are caught by what they are not: an
answer to an article request that is a short page with no date anywhere is
asked for once more; when other articles of the site got the very same page,
it is a block like the others.

A response to one of the spiders' requests that crawler/fetch/blocks.py recognises
as a block notice is not handed to the spider: the request is asked again after
BLOCK_BACKOFF_BASE * 2 ** (attempt - 1) seconds (at most RETRY_BACKOFF_MAX), up
to BLOCK_RETRY_TIMES times; then the request fails with stage `blocked` and the
reason names the block, so the spider's errback writes the error record and
nothing is emitted or marked as emitted. The wait holds the request's slot in
the downloader, which slows the whole crawl of that site down, as a rate limit
asks.

Counted: `blocks/seen`, `blocks/<kind>` (rate limit, firewall, security check,
login wall, repeated page), `blocks/probes`, `blocks/retries`, `blocks/recovered`,
`blocks/gave_up`.

Order 560: below the browser (580) and the WARC writer (575), so it sees the
page as the spider would, above the 5xx retries (550).

Settings: BLOCK_DETECTION_ENABLED (True), BLOCK_RETRY_TIMES (3),
BLOCK_BACKOFF_BASE (5.0 s).
"""

from __future__ import annotations

import logging

from scrapy.exceptions import IgnoreRequest, NotConfigured
from scrapy.http import Request, Response
from scrapy.utils.asyncio import sleep

from crawler.fetch.blocks import block_reason, page_fingerprint, unlike_an_article
from crawler.fetch.middlewares.retry_after import backoff_seconds
from crawler.fetch.responses import problem

logger = logging.getLogger(__name__)


# Requests that expect an article page (a page that looks nothing like one is suspect).
ARTICLE_KINDS = ("article", "article_part")
PROBE = "probe"


_REDIRECT_META = ("redirect_urls", "redirect_times", "redirect_ttl", "redirect_reasons")


def again(request: Request, tries: int) -> Request:
    """The request asked once more: for the page first asked for, when a redirect
    led to the block page (a login wall is often one), not for the block page."""
    first = (request.meta.get("redirect_urls") or [request.url])[0]
    meta = {k: v for k, v in request.meta.items() if k not in _REDIRECT_META}
    return request.replace(url=first, dont_filter=True, meta={**meta, "block_retries": tries})


class BlockedPage(IgnoreRequest):
    """The site kept answering with a block page: an error record with stage `blocked`."""

    stage = "blocked"


class SoftBlockMiddleware:
    def __init__(self, crawler):
        settings = crawler.settings
        if not settings.getbool("BLOCK_DETECTION_ENABLED", True):
            raise NotConfigured("BLOCK_DETECTION_ENABLED is off")
        self.stats = crawler.stats
        self.retries = settings.getint("BLOCK_RETRY_TIMES", 3)
        self.base = settings.getfloat("BLOCK_BACKOFF_BASE", 5.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)
        # (site, page fingerprint) -> the article URLs that were answered with that short undated page
        self.unlike_pages: dict[tuple[str | None, str], set[str]] = {}

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def unlike_reason(self, request: Request, response: Response) -> str:
        """A short undated page at an article's address: a block when other articles of the
        site got the very same page, else worth one more look (PROBE)."""
        urls = self.unlike_pages.setdefault((request.meta.get("site"), page_fingerprint(response.body)), set())
        urls.add(request.url)
        if len(urls) >= 2:
            return f"repeated page: the same short undated page for {len(urls)} articles"
        return PROBE

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if "site" not in request.meta or not 200 <= response.status < 300 or problem(response) is not None:
            return response  # robots.txt and the like; errors and non-pages are the spiders' to report
        tries = request.meta.get("block_retries", 0)
        reason = block_reason(response.body, response.status)
        if reason is None and request.meta.get("kind") in ARTICLE_KINDS and unlike_an_article(response.body):
            reason = self.unlike_reason(request, response)
            if reason == PROBE and not tries:
                self.stats.inc_value("blocks/probes")
                logger.info("%s: a short undated page where an article was expected: asking once more", request.url)
                await sleep(self.base)
                return again(request, 1)
            if reason == PROBE:
                reason = None  # the same answer again, and no other article got it: the page it is
        if reason is None:
            if tries:
                self.stats.inc_value("blocks/recovered")
            return response
        kind = reason.split(":", 1)[0]
        self.stats.inc_value("blocks/seen")
        self.stats.inc_value(f"blocks/{kind.replace(' ', '_')}")
        if tries >= self.retries:
            self.stats.inc_value("blocks/gave_up")
            logger.warning("%s: still a block page (%s) after %d attempts", request.url, reason, tries + 1)
            raise BlockedPage(f"blocked: {reason} (after {tries + 1} attempts)")
        wait = backoff_seconds(tries + 1, self.base, self.cap)
        self.stats.inc_value("blocks/retries")
        logger.info("%s: block page (%s), asking again in %.1f s", request.url, reason, wait)
        if wait > 0:
            await sleep(wait)
        return again(request, tries + 1)
