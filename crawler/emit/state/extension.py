"""Opens the state store when the crawl starts and closes the run when it ends.

- At start: the store is opened (STATE_URI) and the runs that crashed are
  reconciled (crawler.emit.state.runtime), before any feed file is opened.
- At the end: claims this run never committed are released, so the next run
  emits those articles; the run is closed; the outcome counts are logged.
- Without a JSONL feed nothing fsyncs the records, so the store is told of
  them when Scrapy reports them scraped (not crash-safe; a warning says so).

Settings: STATE_ENABLED (default False; `python -m crawler.run_all` turns it on, and so
does naming a store with STATE_URI: crawler.emit.state.runtime.state_enabled),
STATE_URI (default sqlite:///state/crawl-state.db, relative to the project).
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.emit.feeds import is_durable_feed
from crawler.items import ArticleRecord
from crawler.emit.provenance import utc_now_iso
from crawler.emit.state.runtime import state_for

logger = logging.getLogger(__name__)


class StateExtension:
    def __init__(self, crawler: Any):
        self.crawler = crawler
        self.state = state_for(crawler)
        if self.state is None:
            raise NotConfigured  # off by default: no warning
        self.stats = crawler.stats
        self.commit_on_scraped = False
        self.stats.set_value("state/enabled", 1)  # the summary's incremental block, even for an empty site
        rep = self.state.reconciled
        for key, value in (("runs", rep.runs), ("lines_committed", rep.lines_committed),
                           ("torn_bytes", rep.torn_bytes), ("claims_released", rep.claims_released)):
            if value:
                self.stats.set_value(f"state/reconciled_{key}", value)

    @classmethod
    def from_crawler(cls, crawler: Any) -> "StateExtension":
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def engine_stopped(self) -> None:
        self.state.close()

    def spider_opened(self, spider: Any) -> None:
        feeds = self.crawler.settings.getdict("FEEDS")
        if not any(is_durable_feed(self.crawler.settings, opts) for opts in feeds.values()):
            self.commit_on_scraped = True
            logger.warning("no JSONL feed: records are recorded in the state store when scraped, "
                           "not after an fsync (a crash may lose some)")

    def item_scraped(self, item: Any) -> None:
        if self.commit_on_scraped and isinstance(item, ArticleRecord) and not getattr(item, "committed", False):
            self.state.store.commit(dict(item), utc_now_iso())
            self.stats.inc_value("state/committed")

    def spider_closed(self, spider: Any, reason: str) -> None:
        released = self.state.finish()
        if released:
            self.stats.set_value("state/claims_released", released)
        stats = self.stats.get_stats()
        emitted = stats.get("state/new", 0) + stats.get("state/changed", 0)
        unchanged = stats.get("state/unchanged", 0) + stats.get("state/not_modified", 0)
        if not emitted:
            logger.info("incremental crawl: nothing new or changed since the last run "
                        "(%d articles unchanged, %d answered 304 Not Modified)",
                        unchanged, stats.get("state/not_modified", 0))
        else:
            logger.info("incremental crawl: %d new, %d changed, %d unchanged, %d duplicates marked",
                        stats.get("state/new", 0), stats.get("state/changed", 0), unchanged,
                        stats.get("state/duplicate", 0))
