"""A bug in a spider callback becomes an error record for that page, not a
lost page: process_spider_exception answers with an ErrorRecord (stage "spider")
and counts `errors/spider`."""

from __future__ import annotations

import logging
from typing import Any

from scrapy.http import Response

from crawler.items import ErrorRecord
from crawler.emit.provenance import utc_now_iso

logger = logging.getLogger(__name__)


class SpiderErrorMiddleware:
    def __init__(self, crawler):
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_spider_exception(self, response: Response, exception: Exception) -> list[Any]:
        spider = self.crawler.spider
        logger.error("spider callback failed on %s", response.url, exc_info=exception)
        self.crawler.stats.inc_value("errors/spider")
        site = response.meta.get("site")
        return [ErrorRecord(
            error="spider",
            reason=f"{type(exception).__name__}: {exception}"[:500],
            url=response.url,
            final_url=response.url,
            site=site,
            spider=spider.name,
            site_type=getattr(spider, "sites", {}).get(site).site_type if site in getattr(spider, "sites", {}) else None,
            crawl_id=getattr(spider, "crawl_id", None),
            fetched_at=utc_now_iso(),
            http={"status": response.status, "content_type": None, "etag": None, "last_modified": None},
        )]
