"""Every page ends somewhere: the ledger behind the summary's equation.

    pages = articles + documents + list pages + article parts + error records + named drops

- pages: responses handed to the spider (after retries and redirects: one
  per page) plus requests that failed for good (each one an error record);
- articles: records in the feed; documents: records of documents a list page
  linked as entries (attachment records without an article); article parts: pages 2..n of a split article,
  merged into its record;
- list pages: list and navigation pages, whose links were followed;
- error records: pages (and failed requests) that ended in the errors file (a
  page that wrote two, its own error and a bug's, counts once; the second is
  `more_error_records_for_one_page`);
- named drops: pages that were fetched and left out on purpose, each counted
  under its reason (unchanged since the last run, 304 Not Modified, being
  emitted by another run, a duplicate dropped by DEDUP_DROP_DUPLICATES, the
  same article already reached through another URL, ...).

`PageLedgerMiddleware` (a spider middleware) sees each response and what its
callback made of it; `CrawlSummary` (crawler/emit/summary.py) sees each
item's end through Scrapy's item signals; `balance()` puts the two together. A
page that is in no term (a crawl stopped before a split article's last page
came back, or a bug) shows as `unaccounted`, and the summary says so loudly.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterable, Iterator
from typing import Any

from scrapy.http import Request, Response

from crawler.items import DocumentItem, ErrorRecord, PageItem

logger = logging.getLogger(__name__)

PAGES = "ledger/pages"
LIST_PAGES = "ledger/list_pages"
EXTRA_ERRORS = "ledger/extra_error_records"  # a page that gave more than one outcome
DROP = "ledger/drop/"  # + reason
SAME_ARTICLE_STAT = "articles/duplicate_final_url"  # counted by the spiders (page_item)
SEEN = "ledger_seen"  # set on an error record that came out of a counted response


def chain_urls(item: PageItem) -> set[str]:
    urls = {item.page.url, item.page.final_url}
    for part in item.parts:
        urls.update((part.url, part.final_url))
    return urls


class _Watch:
    """What one callback made of its response. A callback that raises is seen
    twice: its output up to the bug, then the error record SpiderErrorMiddleware
    made of the bug; the second pass reopens the first one's watch."""

    KEY = "_ledger_watch"  # in response.meta: the watch of this response

    def __init__(self, stats: Any, response: Response):
        self.stats = stats
        # What close() needs of the response, not the response itself: the watch
        # sits in the response's meta, and a reference back would make a cycle.
        self.response_id = id(response)
        self.url = response.url
        self.status = response.status
        state = response.meta.get("article") if response.request is not None else None
        self.chain_pages = 1 if state is None else 2 + len(state.get("parts") or [])
        self.items = 0  # error records and pages to clean: their end is counted by the item signals
        self.errors = 0  # error records for this page
        self.in_article = False  # this page is one of the pages of a PageItem it yielded
        self.continued = False  # asked for the next page of a split article
        self.same_before = stats.get_value(SAME_ARTICLE_STAT, 0)
        self.counted: list[tuple[str, int]] = []  # what close() added, undone if the page is seen again
        stats.inc_value(PAGES)

    @classmethod
    def of(cls, stats: Any, response: Response) -> "_Watch":
        try:
            meta = response.meta
        except AttributeError:  # a response without its request: nothing to share a watch through
            return cls(stats, response)
        watch = meta.get(cls.KEY)
        if isinstance(watch, cls) and watch.response_id == id(response):
            watch.reopen()
        else:
            watch = meta[cls.KEY] = cls(stats, response)
        return watch

    def see(self, out: Any) -> None:
        if isinstance(out, ErrorRecord):
            setattr(out, SEEN, True)
            self.items += 1
            self.errors += 1
        elif isinstance(out, PageItem):
            self.items += 1
            self.in_article = self.in_article or self.url in chain_urls(out)
        elif isinstance(out, DocumentItem):  # a list's document: its end is counted by the item signals
            self.items += 1
        elif isinstance(out, Request) and out.meta.get("article") is not None:
            self.continued = True

    def _count(self, key: str, n: int = 1) -> None:
        self.stats.inc_value(key, n)
        self.counted.append((key, n))

    def reopen(self) -> None:
        for key, n in self.counted:
            self.stats.inc_value(key, -n)
        self.counted = []

    def close(self) -> None:
        outcomes = self.errors + self.in_article
        if outcomes > 1:  # e.g. a bug after the page's own error record: one page, two records
            self._count(EXTRA_ERRORS, outcomes - 1)
        if self.items or self.continued:
            return  # counted where the item ends, or with the article it continues
        if self.status == 304:
            self._count(DROP + "not_modified_304")
        elif self.stats.get_value(SAME_ARTICLE_STAT, 0) > self.same_before:
            self._count(DROP + "same_article_via_another_url", self.chain_pages)
        else:
            self._count(LIST_PAGES)


class PageLedgerMiddleware:
    """Counts each response once, with what became of it when no item carries it on."""

    def __init__(self, crawler: Any):
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> "PageLedgerMiddleware":
        return cls(crawler)

    def process_spider_output(self, response: Response, result: Iterable[Any]) -> Iterator[Any]:
        watch = _Watch.of(self.stats, response)
        for out in result:
            watch.see(out)
            yield out
        watch.close()

    async def process_spider_output_async(self, response: Response, result: AsyncIterator[Any]) -> AsyncIterator[Any]:
        watch = _Watch.of(self.stats, response)
        async for out in result:
            watch.see(out)
            yield out
        watch.close()


def is_failed_request(error_record: dict) -> bool:
    """An error record made from a request that got no response (timeout, reset,
    refused, ...): one the ledger never saw come out of a response's callback."""
    return not getattr(error_record, SEEN, False)


def balance(stats: dict[str, Any], articles: int, article_parts: int, errors: int,
            failed_requests: int, drops: dict[str, int], documents: int = 0) -> dict[str, Any]:
    """The summary's `accounting` block: both sides of the equation and what does not add up."""
    named = {k[len(DROP):]: v for k, v in stats.items() if k.startswith(DROP) and v}
    for reason, n in drops.items():
        named[reason] = named.get(reason, 0) + n
    pages = stats.get(PAGES, 0) + failed_requests
    lists = stats.get(LIST_PAGES, 0)
    extra = stats.get(EXTRA_ERRORS, 0)
    errors -= extra  # pages that ended as error records (one page may have written two)
    accounted = articles + documents + lists + article_parts + errors + sum(named.values())
    return {
        "pages": pages,
        "responses": stats.get(PAGES, 0),
        "failed_requests": failed_requests,
        "articles": articles,
        "documents": documents,
        "list_pages": lists,
        "article_parts": article_parts,
        "error_records": errors,
        "dropped": dict(sorted(named.items())),
        "more_error_records_for_one_page": extra,
        "unaccounted": pages - accounted,
        "balanced": pages == accounted,
    }
