"""At the end of a crawl: a short summary, logged and written beside the feed.

Pages fetched (by kind), articles emitted, errors by stage and by reason,
cleaning actions summed by kind from the records' `cleaning` field. Written as
JSON to `<feed>.summary.json` (or SUMMARY_URI).

Settings: SUMMARY_ENABLED (default True), SUMMARY_URI (default: beside the feed).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.feeds import beside_feed, main_feed_path
from crawler.items import ArticleRecord
from crawler.pipelines.errors import ErrorRecorded
from crawler.state.summary import incremental_block

logger = logging.getLogger(__name__)


class CrawlSummary:
    def __init__(self, crawler):
        self.crawler = crawler
        self.stats = crawler.stats
        self.emitted = 0
        self.cleaning: Counter[str] = Counter()
        self.errors_by_stage: Counter[str] = Counter()
        self.errors_by_reason: Counter[str] = Counter()
        self.dropped: Counter[str] = Counter()

    @classmethod
    def from_crawler(cls, crawler):
        if not crawler.settings.getbool("SUMMARY_ENABLED", True):
            raise NotConfigured("SUMMARY_ENABLED is off")
        ext = cls(crawler)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.item_dropped, signal=signals.item_dropped)
        crawler.signals.connect(ext.request_dropped, signal=signals.request_dropped)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def item_scraped(self, item: Any) -> None:
        if isinstance(item, ArticleRecord) and item.get("kind") == "attachment":
            self.stats.inc_value("records/attachments_emitted")  # documents: counted apart from articles
        elif isinstance(item, ArticleRecord):
            self.emitted += 1
            self.stats.inc_value("records/emitted")
            for kind, n in (item.get("cleaning") or {}).items():
                if isinstance(n, (int, float)):
                    self.cleaning[kind] += n

    def request_dropped(self, request) -> None:
        """The scheduler refused a request (a duplicate, e.g. a redirect to a page already fetched)."""
        self.stats.inc_value("requests/dropped")
        logger.debug("request dropped by the scheduler (duplicate): %s", request)

    def item_dropped(self, item: Any, exception: BaseException) -> None:
        if isinstance(exception, ErrorRecorded):
            # `item` is what entered the pipelines (a PageItem, say); the error
            # record the pipelines made of it travels with the exception.
            item = exception.record
            self.errors_by_stage[str(item.get("error"))] += 1
            self.errors_by_reason[f"{item.get('error')}: {str(item.get('reason'))[:120]}"] += 1
        else:
            self.dropped[type(exception).__name__] += 1

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
            "attachments_emitted": stats.get("records/attachments_emitted", 0),
            "errors": sum(self.errors_by_stage.values()),
            "errors_by_stage": dict(self.errors_by_stage.most_common()),
            "errors_by_reason": dict(self.errors_by_reason.most_common()),
            "other_drops": dict(self.dropped),
            "requests_dropped_as_duplicates": stats.get("requests/dropped", 0),
            "cleaning": dict(sorted(self.cleaning.items())),
            "feed": str(main_feed_path(self.crawler.settings, spider)),
            "errors_file": getattr(spider, "errors_path", None),
            **incremental_block(stats),
        }

    def spider_closed(self, spider, reason: str) -> None:
        s = self.summary(reason)
        lines = [
            f"crawl {s['crawl_id']} ({s['spider']}) finished: {s['finish_reason']}",
            f"  pages fetched: {s['pages_fetched']} {s['pages_by_kind']}",
            f"  articles emitted: {s['articles_emitted']}"
            + (f", attachments: {s['attachments_emitted']}" if s["attachments_emitted"] else ""),
            f"  errors: {s['errors']}",
        ]
        lines += [f"    {n} x {r}" for r, n in s["errors_by_reason"].items()]
        lines.append(f"  cleaning: {s['cleaning'] or 'nothing changed'}")
        if "incremental" in s:
            lines.append(f"  incremental: {s['incremental']['verdict']}")
        logger.info("\n".join(lines))
        path = beside_feed(self.crawler.settings, spider, ".summary.json", "SUMMARY_URI")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(s, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        except OSError as exc:
            logger.error("cannot write summary %s: %s", path, exc)
