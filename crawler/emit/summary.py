"""At the end of a crawl: a short summary, logged and written beside the feed.

Pages fetched (by kind), articles emitted, errors by stage and by reason,
cleaning actions summed by kind from the records' `cleaning` field, and the
`accounting` block: every page is an article, a list page, a part of an
article, an error record or a named drop (crawler/emit/accounting.py); a page in
none of them is logged as an error. Written as JSON to `<feed>.summary.json`
(or SUMMARY_URI).

Settings: SUMMARY_ENABLED (default True), SUMMARY_URI (default: beside the feed).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.emit.accounting import balance, is_failed_request
from crawler.emit.feeds import beside_feed, main_feed_path
from crawler.items import ArticleRecord, ErrorRecord, PageItem
from crawler.emit.errors import ErrorRecorded
from crawler.emit.state.summary import incremental_block

logger = logging.getLogger(__name__)

# Items left out of the feed on purpose, by the DropItem that says why: the
# reason's name in the summary's accounting.
DROP_REASONS = {
    "Unchanged": "unchanged",
    "InFlight": "in_flight_in_another_run",
    "DuplicateDropped": "duplicate_dropped",
    "NotCleaned": "not_cleaned",
    "OutsideDates": "outside_dates",
    "DocumentAlreadyRead": "document_already_read",
}


def pages_in(item: Any) -> int:
    """Pages an item stands for: a split article is one item for all its pages."""
    if isinstance(item, PageItem):
        return 1 + len(item.parts)
    if isinstance(item, ArticleRecord):
        return max(1, len(item.get("part_urls") or []))
    return 1


class CrawlSummary:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.emitted = 0
        self.cleaning: Counter[str] = Counter()
        self.errors_by_stage: Counter[str] = Counter()
        self.errors_by_reason: Counter[str] = Counter()
        self.dropped: Counter[str] = Counter()
        self.drops_by_reason: Counter[str] = Counter()  # pages, for the accounting
        self.article_parts = 0  # pages 2..n of split articles, whatever became of them
        self.failed_requests = 0
        self.documents = 0  # records of documents linked from lists (attachment records without an article)

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("SUMMARY_ENABLED", True):
            raise NotConfigured("SUMMARY_ENABLED is off")
        ext = cls(crawler)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(ext.item_error, signal=signals.item_error)
        crawler.signals.connect(ext.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def item_scraped(self, item: Any) -> None:
        if isinstance(item, ArticleRecord) and item.get("kind") == "attachment" and "attachment_of" not in item:
            # a document a list linked as an entry: a page of its own, in the accounting
            self.documents += 1
            self.stats.inc_value("records/documents_emitted")
        elif isinstance(item, ArticleRecord) and item.get("kind") == "attachment":
            self.stats.inc_value("records/attachments_emitted")  # documents: counted apart from articles
        elif isinstance(item, ArticleRecord):
            self.emitted += 1
            self.article_parts += pages_in(item) - 1
            self.stats.inc_value("records/emitted")
            for kind, n in (item.get("cleaning") or {}).items():
                if isinstance(n, (int, float)):
                    self.cleaning[kind] += n

    def request_dropped(self, request) -> None:
        """The scheduler refused a request (a duplicate, e.g. a redirect to a page already fetched)."""
        self.stats.inc_value("requests/dropped")
        logger.debug("request dropped by the scheduler (duplicate): %s", request)

    def item_dropped(self, item: Any, exception: BaseException) -> None:
        # `item` is what entered the pipelines: a PageItem (its pages end here,
        # as one record, error or drop) or an error record the spider made.
        self.article_parts += pages_in(item) - 1
        if isinstance(exception, ErrorRecorded):
            # the error record the pipelines made of it travels with the exception
            if isinstance(item, ErrorRecord) and is_failed_request(item):
                self.failed_requests += 1
            record = exception.record
            self.errors_by_stage[str(record.get("error"))] += 1
            self.errors_by_reason[f"{record.get('error')}: {str(record.get('reason'))[:120]}"] += 1
        else:
            name = type(exception).__name__
            self.dropped[name] += 1
            self.drops_by_reason[DROP_REASONS.get(name, name)] += 1

    def item_error(self, item: Any, failure: Any) -> None:
        """A pipeline raised something unexpected: Scrapy logged the traceback; the page is counted."""
        self.article_parts += pages_in(item) - 1
        self.drops_by_reason["pipeline_bug"] += 1

    def summary(self, reason: str) -> dict[str, Any]:
        spider = self.crawler.spider
        stats = self.stats.get_stats()
        pages = {k.split("/", 1)[1]: v for k, v in stats.items() if k.startswith("pages/")}
        start = stats.get("start_time")
        finish = stats.get("finish_time")
        return {
            "spider": spider.name,
            "crawl_id": getattr(spider, "crawl_id", None),
            "sites": sorted(getattr(spider, "sites", {}) or []),
            "finish_reason": reason,
            "elapsed_seconds": round((finish - start).total_seconds(), 2) if start and finish else None,
            "pages_fetched": pages.pop("fetched", 0),
            "pages_by_kind": pages,
            "http_responses": stats.get("downloader/response_count", 0),
            "articles_emitted": self.emitted,
            # Sites whose lists gave no article at all (the discover error records say why).
            "sites_without_articles": list(getattr(spider, "sites_without_articles", list)()),
            "attachments_emitted": stats.get("records/attachments_emitted", 0),
            "documents_emitted": self.documents,
            "errors": sum(self.errors_by_stage.values()),
            "errors_by_stage": dict(self.errors_by_stage.most_common()),
            "errors_by_reason": dict(self.errors_by_reason.most_common()),
            "other_drops": dict(self.dropped),
            "requests_dropped_as_duplicates": stats.get("requests/dropped", 0),
            "cleaning": dict(sorted(self.cleaning.items())),
            "feed": str(main_feed_path(self.crawler.settings, spider)),
            "errors_file": getattr(spider, "errors_path", None),
            "accounting": balance(stats, self.emitted, self.article_parts, sum(self.errors_by_stage.values()),
                                  self.failed_requests, dict(self.drops_by_reason), documents=self.documents),
            **incremental_block(stats),
        }

    def spider_closed(self, spider, reason: str) -> None:
        s = self.summary(reason)
        self.crawler.crawl_summary = s  # for the console report of crawler.run_all
        lines = [
            f"crawl {s['crawl_id']} ({s['spider']}) finished: {s['finish_reason']}",
            f"  pages fetched: {s['pages_fetched']} {s['pages_by_kind']}",
            f"  articles emitted: {s['articles_emitted']}"
            + (f", attachments: {s['attachments_emitted']}" if s["attachments_emitted"] else "")
            + (f", documents from lists: {s['documents_emitted']}" if s["documents_emitted"] else ""),
            *(f"  NO ARTICLES from site {name}: see the discover error records"
              for name in s["sites_without_articles"]),
            f"  errors: {s['errors']}",
        ]
        lines += [f"    {n} x {r}" for r, n in s["errors_by_reason"].items()]
        lines.append(f"  cleaning: {s['cleaning'] or 'nothing changed'}")
        acc = s["accounting"]
        lines.append(f"  pages: {acc['pages']} = {acc['articles']} articles"
                     + (f" + {acc['documents']} documents" if acc["documents"] else "")
                     + f" + {acc['list_pages']} list pages"
                     f" + {acc['article_parts']} article parts + {acc['error_records']} error records"
                     f" + {sum(acc['dropped'].values())} dropped {acc['dropped'] or ''}".rstrip())
        if "incremental" in s:
            lines.append(f"  incremental: {s['incremental']['verdict']}")
        logger.info("\n".join(lines))
        if not acc["balanced"]:
            if reason == "finished":  # a finished crawl ends every page it fetched: this is a bug
                logger.error("crawl %s: %d page(s) unaccounted for: neither an article, a list page, an error "
                             "record nor a counted drop (%s)", s["crawl_id"], acc["unaccounted"], acc)
            else:  # stopped: split articles whose last pages never came back are fetched again next run
                logger.warning("crawl %s stopped (%s) with %d page(s) not finished (pages of split articles "
                               "still being fetched): the next run fetches them again",
                               s["crawl_id"], reason, acc["unaccounted"])
        path = beside_feed(self.crawler.settings, spider, ".summary.json", "SUMMARY_URI")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(s, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            logger.error("cannot write summary %s: %s", path, exc)
