"""Soft blocks (a rate limit, a firewall's 拦截 page, a login wall, a 安全验证
page answered with 200): never a record, retried with back-off, an error record
`blocked` when the block stays.

A response to one of the spiders' requests that crawler/blocks.py recognises
as a block notice is not handed to the spider: the request is asked again after
BLOCK_BACKOFF_BASE * 2 ** (attempt - 1) seconds (at most RETRY_BACKOFF_MAX), up
to BLOCK_RETRY_TIMES times; then the request fails with stage `blocked` and the
reason names the block, so the spider's errback writes the error record and
nothing is emitted or marked as emitted. The wait holds the request's slot in
the downloader, which slows the whole crawl of that site down, as a rate limit
asks.

Counted: `blocks/seen`, `blocks/<kind>` (rate limit, firewall, security check,
login wall), `blocks/retries`, `blocks/recovered`, `blocks/gave_up`.

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

from crawler.blocks import block_reason
from crawler.middlewares.retry_after import backoff_seconds

logger = logging.getLogger(__name__)


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

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if "site" not in request.meta or not 200 <= response.status < 300:
            return response  # robots.txt and the like; error statuses are the spiders' to report
        tries = request.meta.get("block_retries", 0)
        reason = block_reason(response.body, response.status)
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
        return request.replace(dont_filter=True, meta={**request.meta, "block_retries": tries + 1})
