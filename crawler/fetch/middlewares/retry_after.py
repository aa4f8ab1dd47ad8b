"""Retry 5xx and 429 answers with exponential backoff, honouring Retry-After.

Replaces Scrapy's RetryMiddleware (same settings: RETRY_TIMES, RETRY_HTTP_CODES,
RETRY_EXCEPTIONS, `dont_retry`, `max_retry_times`), and waits before each retry:

    wait = max(Retry-After, RETRY_BACKOFF_BASE * 2 ** (attempt - 1)), at most RETRY_BACKOFF_MAX

A server that asks (Retry-After) for longer than RETRY_BACKOFF_MAX is not
retried in this run: its answer goes to the spider, which writes an error
record (stage `http`); the next scheduled run tries again. When retries are
exhausted the last answer likewise becomes an error record.

The wait holds the request's place in the downloader (one of
CONCURRENT_REQUESTS), so a storm slows the crawl down instead of multiplying
requests; RETRY_BACKOFF_MAX bounds it. Counted: `retry/backoff_waits`,
`retry/backoff_seconds`, `retry/retry_after_too_long`.

Settings: RETRY_BACKOFF_ENABLED (True), RETRY_BACKOFF_BASE (1.0 s),
RETRY_BACKOFF_MAX (60 s).
"""

from __future__ import annotations

import email.utils
import logging
import time

from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import NotConfigured
from scrapy.http import Request, Response
from scrapy.utils.asyncio import sleep
from scrapy.utils.response import response_status_message

from cleaners.headers import header_text

logger = logging.getLogger(__name__)


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds asked for by a Retry-After header (delta-seconds or an HTTP date); None if absent or unreadable."""
    if not value:
        return None
    text = header_text(value).strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def backoff_seconds(attempt: int, base: float, cap: float, retry_after: float | None = None) -> float:
    """The wait before retry number `attempt` (1-based)."""
    wait = base * (2 ** max(0, attempt - 1))
    if retry_after is not None:
        wait = max(wait, retry_after)
    return min(wait, cap)


class BackoffRetryMiddleware(RetryMiddleware):
    def __init__(self, settings):
        super().__init__(settings)
        if not settings.getbool("RETRY_BACKOFF_ENABLED", True):
            raise NotConfigured("RETRY_BACKOFF_ENABLED is off (Scrapy's RetryMiddleware still retries)")
        self.base = settings.getfloat("RETRY_BACKOFF_BASE", 1.0)
        self.cap = settings.getfloat("RETRY_BACKOFF_MAX", 60.0)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        stats = self.crawler.stats
        asked = retry_after_seconds(response.headers.get("Retry-After"))
        if asked is not None and asked > self.cap:
            stats.inc_value("retry/retry_after_too_long")
            logger.warning("%s: Retry-After %.0f s is over RETRY_BACKOFF_MAX (%.0f s): not retried now",
                           request.url, asked, self.cap)
            return response
        retry = self._retry(request, response_status_message(response.status))
        if retry is None:
            return response
        wait = backoff_seconds(retry.meta["retry_times"], self.base, self.cap, asked)
        if wait > 0:
            stats.inc_value("retry/backoff_waits")
            stats.inc_value("retry/backoff_seconds", round(wait, 3))
            logger.info("%s answered %s: retry %d in %.1f s", request.url, response.status,
                        retry.meta["retry_times"], wait)
            await sleep(wait)
        return retry

    async def process_exception(self, request: Request, exception: Exception) -> Request | Response | None:
        retry = super().process_exception(request, exception)
        if isinstance(retry, Request):
            wait = backoff_seconds(retry.meta.get("retry_times", 1), self.base, self.cap)
            if wait > 0:
                stats = self.crawler.stats
                stats.inc_value("retry/backoff_waits")
                stats.inc_value("retry/backoff_seconds", round(wait, 3))
                await sleep(wait)
        return retry
