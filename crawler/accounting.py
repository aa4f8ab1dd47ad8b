"""Every page ends somewhere: the ledger behind the summary's equation.

    pages = articles + list pages + article parts + error records + named drops

- pages: responses handed to the spider (after retries and redirects: one
  per page) plus requests that failed for good (each one an error record);
- articles: records in the feed; article parts: pages 2..n of a split article,
  merged into its record;
- list pages: list and navigation pages, whose links were followed;
- error records: pages (and failed requests) written to the errors file;
- named drops: pages that were fetched and left out on purpose, each counted
  under its reason (unchanged since the last run, 304 Not Modified, being
  emitted by another run, a duplicate dropped by DEDUP_DROP_DUPLICATES, the
  same article already reached through another URL, ...).

`PageLedgerMiddleware` (a spider middleware) sees each response and what its
callback made of it; `CrawlSummary` (crawler/extensions/summary.py) sees each
item's end through Scrapy's item signals; `balance()` puts the two together. A
page that is in no term (a crawl stopped before a split article's last page
came back, or a bug) shows as `unaccounted`, and the summary says so loudly.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from scrapy.http import Request, Response

from crawler.items import ErrorRecord, PageItem

logger = logging.getLogger(__name__)

PAGES = "ledger/pages"
LIST_PAGES = "ledger/list_pages"
DROP = "ledger/drop/"  # + reason
SAME_ARTICLE_STAT = "articles/duplicate_final_url"  # counted by the spiders (page_item)


class _Watch:
    """What one callback made of its response."""

    def __init__(self, stats: Any, response: Response):
        self.stats = stats
        self.response = response
        self.items = 0  # error records and pages to clean: their end is counted by the item signals
        self.continued = False  # asked for the next page of a split article
        self.same_before = stats.get_value(SAME_ARTICLE_STAT, 0)
        stats.inc_value(PAGES)

    def see(self, out: Any) -> None:
        if isinstance(out, (ErrorRecord, PageItem)):
            self.items += 1
        elif isinstance(out, Request) and out.meta.get("article") is not None:
            self.continued = True

    def close(self) -> None:
        if self.items or self.continued:
            return  # counted where the item ends, or with the article it continues
        if self.response.status == 304:
            self.stats.inc_value(DROP + "not_modified_304")
        elif self.stats.get_value(SAME_ARTICLE_STAT, 0) > self.same_before:
            state = self.response.meta.get("article")
            pages = 1 if state is None else 2 + len(state.get("parts") or [])
            self.stats.inc_value(DROP + "same_article_via_another_url", pages)
        else:
            self.stats.inc_value(LIST_PAGES)


class PageLedgerMiddleware:
    """Counts each response once, with what became of it when no item carries it on."""

    def __init__(self, crawler: Any):
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> "PageLedgerMiddleware":
        return cls(crawler)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        watch = _Watch(self.stats, response)
        try:
            for out in result:
                watch.see(out)
                yield out
        finally:
            watch.close()

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        watch = _Watch(self.stats, response)
        try:
            async for out in result:
                watch.see(out)
                yield out
        finally:
            watch.close()


def is_failed_request(error_record: dict) -> bool:
    """An error record made from a request that got no response (timeout, reset, refused...)."""
    return "http" not in error_record


def balance(stats: dict[str, Any], articles: int, article_parts: int, errors: int,
            failed_requests: int, drops: dict[str, int]) -> dict[str, Any]:
    """The summary's `accounting` block: both sides of the equation and what does not add up."""
    named = {k[len(DROP):]: v for k, v in stats.items() if k.startswith(DROP) and v}
    for reason, n in drops.items():
        named[reason] = named.get(reason, 0) + n
    pages = stats.get(PAGES, 0) + failed_requests
    lists = stats.get(LIST_PAGES, 0)
    accounted = articles + lists + article_parts + errors + sum(named.values())
    return {
        "pages": pages,
        "responses": stats.get(PAGES, 0),
        "failed_requests": failed_requests,
        "articles": articles,
        "list_pages": lists,
        "article_parts": article_parts,
        "error_records": errors,
        "dropped": dict(sorted(named.items())),
        "unaccounted": pages - accounted,
        "balanced": pages == accounted,
    }
